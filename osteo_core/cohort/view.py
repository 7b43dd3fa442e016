"""Tables the cohort page shows: counts, the rows with problems, duplicate ids and the filtered results."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from osteo_core.vocabulary import RISK_COLUMN


def counts(scored: pd.DataFrame) -> dict[str, int]:
    """Rows, scored rows (no problem) and rows with problems."""
    bad = int((scored["issues"] != "").sum())
    return {"rows": len(scored), "scored": len(scored) - bad, "with_issues": bad}


def issues_table(scored: pd.DataFrame, id_column: str | None = None) -> pd.DataFrame:
    """The rows with problems: ``row`` (1 = first data row of the file), the id when known, and the messages."""
    bad = (scored["issues"] != "").to_numpy()
    table = pd.DataFrame({"row": np.flatnonzero(bad) + 1})
    if id_column is not None and id_column in scored:
        table["id"] = scored[id_column].to_numpy()[bad]
    table["problems"] = scored["issues"].to_numpy()[bad]
    return table


def duplicate_ids(scored: pd.DataFrame, id_column: str | None) -> pd.DataFrame:
    """Ids that appear on more than one row, with how many times (empty ids ignored). Rows are kept and scored."""
    if id_column is None or id_column not in scored:
        return pd.DataFrame({"id": [], "rows": []})
    ids = scored[id_column].astype("string").fillna("").str.strip()
    repeated = ids[ids != ""].value_counts()
    repeated = repeated[repeated > 1]
    return pd.DataFrame({"id": repeated.index.astype(object), "rows": repeated.to_numpy()})


def filter_results(
    scored: pd.DataFrame,
    analysis: pd.DataFrame,
    bands: Sequence[str] = (),
    sexes: Sequence[str] = (),
    age_range: tuple[float, float] | None = None,
    only_issues: bool = False,
    min_risk: float | None = None,
) -> pd.DataFrame:
    """The scored rows matching every filter given: risk bands, sexes, age range (years, inclusive), only rows
    with problems, risk ≥ ``min_risk`` (0–1). Rows keep the file's order; a ``row`` column (1-based) comes first."""
    keep = np.ones(len(scored), dtype=bool)
    if bands:
        keep &= analysis["band"].isin(list(bands)).to_numpy()
    if sexes:
        keep &= analysis["sex"].isin(list(sexes)).to_numpy()
    if age_range is not None:
        age = analysis["age"].to_numpy()
        keep &= (age >= age_range[0]) & (age <= age_range[1])
    if only_issues:
        keep &= ~analysis["valid"].to_numpy()
    if min_risk is not None:
        keep &= analysis[RISK_COLUMN].to_numpy() >= min_risk
    result = scored[keep].copy()
    result.insert(0, "row", np.flatnonzero(keep) + 1)
    return result
