"""A scored cohort ready for the dashboard: scores, validated values, the analysis frame, and the one-page HTML
summary. The page calls :func:`analyse_table` once per "Score" click and keeps only the returned object."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass

import pandas as pd

from osteo_core.clinical.risk_model import RiskModel
from osteo_core.cohort import export, outcome, summary, view
from osteo_core.cohort.columns import ColumnMapping
from osteo_core.cohort.reading import LoadedTable
from osteo_core.cohort.score import score_table
from osteo_core.i18n import _, format_decimal

PAGE_CHUNK_ROWS = 20_000


@dataclass
class CohortResult:
    """``scored`` (input columns plus scores), ``values`` (validated canonical values), ``analysis`` (see
    ``summary.analysis_frame``), the chosen outcome and id columns, the scoring time (s) and, once computed, the
    global drivers (importance, sample size)."""

    scored: pd.DataFrame
    values: pd.DataFrame
    analysis: pd.DataFrame
    outcome: str | None
    id_column: str | None
    seconds: float
    drivers: tuple[pd.Series, int] | None = None

    def compute_drivers(self, model: RiskModel, sample_size: int = 200) -> tuple[pd.Series, int]:
        """Mean |SHAP| on a random sample of scored patients (kept on the result)."""
        self.drivers = summary.global_drivers(self.values, self.analysis["valid"].to_numpy(), model,
                                              sample_size=sample_size)
        return self.drivers


def analyse_table(loaded: LoadedTable, model: RiskModel, mapping: ColumnMapping, outcome_column: str | None = None,
                  id_column: str | None = None, progress: Callable[[int, int], None] | None = None) -> CohortResult:
    """Score ``loaded`` in chunks of ``PAGE_CHUNK_ROWS`` (rows the reader could not parse stay flagged) and build
    the analysis frame. Raises :class:`~osteo_core.errors.TableReadError` for missing required columns."""
    started = time.perf_counter()
    result = score_table(loaded.frame, model, mapping, chunk_rows=PAGE_CHUNK_ROWS, progress=progress,
                         problems=loaded.problems)
    target = None if outcome_column is None else outcome.parse_outcome(loaded.frame[outcome_column])
    analysis = summary.analysis_frame(result.scored, result.values, target)
    return CohortResult(result.scored, result.values, analysis, outcome_column, id_column,
                        time.perf_counter() - started)


def summary_report(result: CohortResult, model: RiskModel, share: float, disclaimer: str) -> bytes:
    """The one-page HTML summary (UTF-8) for referring the top ``share`` (0–1) of scored patients, in the current
    language (``disclaimer`` is given already translated)."""
    rule = summary.referral(result.analysis, share)
    shares = summary.flag_shares(result.analysis, rule.threshold)
    figures = [(_("Estimated risk"), summary.risk_distribution_figure(result.analysis, model.band_thresholds,
                                                                       rule.threshold)),
               (_("Flagged by model and tools"), summary.flag_shares_figure(shares))]
    if result.drivers is not None:
        figures.append((_("Global drivers"), summary.drivers_figure(*result.drivers)))
    numbers = view.counts(result.scored)
    facts = [_("{rows} rows; {scored} scored; {with_issues} with problems (kept, unscored).").format(
                 rows=format_decimal(numbers["rows"], 0), scored=format_decimal(numbers["scored"], 0),
                 with_issues=format_decimal(numbers["with_issues"], 0)),
             rule.sentence() + ".", disclaimer.replace("*", "")]
    tables = [(_("Flagged by group"), shares), (_("Tool–model agreement"), summary.agreement(result.analysis,
                                                                                            rule.threshold))]
    return export.summary_html(_("Cohort screening summary"), facts, figures, tables,
                               _("Model version {version}.").format(version=model.version)).encode("utf-8")

