"""Performance of the model against an outcome column carried by the file (1 = has the condition, 0 = not).

ROC, calibration, confusion at a chosen cut-off, decision curve (net benefit) and subgroup metrics with 95 % CIs.
The outcome means whatever the file says it means (for NHANES: `osteoporosis_dxa_hip` is hip DXA osteoporosis, the
model's own target; `osteoporosis_selfreport` is a doctor's diagnosis as reported, not DXA).

Figures, the confusion table and the subgroup table are labelled in the current language; the numbers of
:func:`headline` and :func:`net_benefit` keep English keys (data the pages and model cards read).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import plotly.graph_objects as go

from osteo_core.clinical.fields import FALSE_WORDS, TRUE_WORDS
from osteo_core.errors import OutcomeError
from osteo_core.i18n import N_, _, format_decimal
from osteo_core.metrics import Estimate, calibration_slope_intercept, calibration_table
from osteo_core.vocabulary import RISK_COLUMN

_Z = 1.959964
SEX_GROUPS = {"female": N_("Sex: female"), "male": N_("Sex: male")}  # group labels, translated where made


def parse_outcome(column: pd.Series) -> np.ndarray:
    """Outcome as 1.0/0.0, NaN where empty or not a yes/no value (1/0, yes/no, true/false)."""
    text = column.astype("string").fillna("").str.strip().str.lower().to_numpy(dtype=object)
    result = np.full(len(text), np.nan)
    result[np.isin(text, list(TRUE_WORDS))] = 1.0
    result[np.isin(text, list(FALSE_WORDS))] = 0.0
    return result


def usable(analysis: pd.DataFrame) -> pd.DataFrame:
    """Scored rows with a known outcome. Raises :class:`OutcomeError` when fewer than 10 or a single class."""
    if "outcome" not in analysis:
        raise OutcomeError(_("No outcome column was chosen."))
    rows = analysis[analysis["valid"] & analysis["outcome"].notna()]
    classes = set(rows["outcome"].unique())
    if len(rows) < 10 or classes != {0.0, 1.0}:
        raise OutcomeError(_("The outcome needs at least 10 scored patients with both 1 and 0; got {count} with "
                             "values {values}.").format(count=len(rows), values=sorted(classes) or _("none")))
    return rows


def wilson(successes: int, n: int) -> tuple[float, float]:
    """95 % Wilson score interval of a proportion (fractions 0–1); (nan, nan) when ``n`` is 0."""
    if n == 0:
        return float("nan"), float("nan")
    p = successes / n
    centre = (p + _Z**2 / (2 * n)) / (1 + _Z**2 / n)
    half = _Z * np.sqrt(p * (1 - p) / n + _Z**2 / (4 * n * n)) / (1 + _Z**2 / n)
    return max(0.0, float(centre - half)), min(1.0, float(centre + half))


def auc_delong(y_true: np.ndarray, score: np.ndarray) -> Estimate:
    """ROC AUC with DeLong's 95 % CI (fast for any cohort size; DeLong et al., Biometrics 1988;44:837).

    Raises :class:`OutcomeError` when ``y_true`` does not hold both 1 and 0.
    """
    from scipy.stats import rankdata

    y = np.asarray(y_true, dtype=float) == 1.0
    score = np.asarray(score, dtype=float)
    m, n = int(y.sum()), int((~y).sum())
    if m == 0 or n == 0:
        raise OutcomeError(_("AUC needs both outcomes; got {positives} with outcome 1 and {negatives} with outcome "
                             "0.").format(positives=m, negatives=n))
    ranks = rankdata(score)
    positives, negatives = score[y], score[~y]
    v10 = (ranks[y] - rankdata(positives)) / n
    v01 = 1.0 - (ranks[~y] - rankdata(negatives)) / m
    auc = float(v10.mean())
    variance = (v10.var(ddof=1) if m > 1 else 0.0) / m + (v01.var(ddof=1) if n > 1 else 0.0) / n
    half = _Z * float(np.sqrt(variance))
    return Estimate(auc, max(0.0, auc - half), min(1.0, auc + half))


def headline(rows: pd.DataFrame) -> dict[str, object]:
    """AUC with 95 % CI, calibration slope and intercept, prevalence (%) and counts (English keys: data)."""
    y, p = rows["outcome"].to_numpy(), rows[RISK_COLUMN].to_numpy()
    slope, intercept = calibration_slope_intercept(y, p)
    return {"patients": len(rows), "with outcome (%)": round(100 * y.mean(), 1),
            "mean predicted (%)": round(100 * p.mean(), 1), "AUC": auc_delong(y, p),
            "calibration slope": round(slope, 2) + 0.0, "calibration intercept": round(intercept, 2) + 0.0}


def roc_figure(rows: pd.DataFrame, threshold: float | None = None) -> go.Figure:
    """ROC curve of the model, with the chance line and the chosen cut-off marked."""
    from sklearn.metrics import roc_curve

    y, p = rows["outcome"].to_numpy(), rows[RISK_COLUMN].to_numpy()
    fpr, tpr, _thresholds = roc_curve(y, p)
    figure = go.Figure(go.Scatter(x=100 * fpr, y=100 * tpr, mode="lines", name=_("model")))
    figure.add_scatter(x=[0, 100], y=[0, 100], mode="lines", line_dash="dot", line_color="grey", name=_("chance"))
    if threshold is not None:
        flagged = p >= threshold
        figure.add_scatter(x=[100 * (flagged & (y == 0)).sum() / max((y == 0).sum(), 1)],
                           y=[100 * (flagged & (y == 1)).sum() / max((y == 1).sum(), 1)], mode="markers",
                           marker_size=12, name=_("cut-off {value} %").format(value=format_decimal(100 * threshold, 1)))
    figure.update_layout(xaxis_title=_("1 − specificity (%)"), yaxis_title=_("Sensitivity (%)"), height=360,
                         margin=dict(t=30, b=10))
    return figure


def calibration_figure(rows: pd.DataFrame, bins: int = 10) -> go.Figure:
    """Observed against predicted risk (%) in tenths of predicted risk, with the ideal diagonal."""
    return calibration_table_figure(
        pd.DataFrame(calibration_table(rows["outcome"].to_numpy(), rows[RISK_COLUMN].to_numpy(), bins=bins)))


def calibration_table_figure(table: pd.DataFrame) -> go.Figure:
    """Calibration plot from a table with columns ``n``, ``mean_predicted`` and ``observed`` (0–1), one row per
    group (see :func:`osteo_core.metrics.calibration_table`); also draws model cards' stored tables."""
    top = 100 * max(table["mean_predicted"].max(), table["observed"].max(), 0.05)
    figure = go.Figure(go.Scatter(x=100 * table["mean_predicted"], y=100 * table["observed"], mode="markers+lines",
                                  text=table["n"], name=_("groups"),
                                  hovertemplate=_("predicted %{x:.1f} %, observed %{y:.1f} % (n=%{text})")))
    figure.add_scatter(x=[0, top], y=[0, top], mode="lines", line_dash="dot", line_color="grey", name=_("ideal"))
    figure.update_layout(xaxis_title=_("Mean predicted risk (%)"), yaxis_title=_("Observed with outcome (%)"),
                         height=360, margin=dict(t=30, b=10))
    return figure


def confusion(rows: pd.DataFrame, threshold: float) -> pd.DataFrame:
    """2×2 table at ``threshold`` (referral = risk ≥ threshold), plus sensitivity, specificity, PPV and NPV
    (%, with 95 % Wilson CIs) in the ``metrics`` attribute of the frame; labels in the current language."""
    y, flagged = rows["outcome"].to_numpy() == 1.0, rows[RISK_COLUMN].to_numpy() >= threshold
    tp, fp = int((flagged & y).sum()), int((flagged & ~y).sum())
    fn, tn = int((~flagged & y).sum()), int((~flagged & ~y).sum())
    table = pd.DataFrame({_("outcome 1"): [tp, fn], _("outcome 0"): [fp, tn]},
                         index=[_("referred"), _("not referred")])
    table.attrs["metrics"] = {name: _percent(k, n) for name, k, n in (
        (_("sensitivity"), tp, tp + fn), (_("specificity"), tn, tn + fp), (_("PPV"), tp, tp + fp),
        (_("NPV"), tn, tn + fn))}
    return table


def _percent(k: int, n: int) -> str:
    if n == 0:
        return _("n/a (no patients)")
    low, high = wilson(k, n)
    return _("{value} % (95% CI {low}–{high}; {k}/{n})").format(
        value=format_decimal(100 * k / n, 1), low=format_decimal(100 * low, 1), high=format_decimal(100 * high, 1),
        k=format_decimal(k, 0), n=format_decimal(n, 0))


def net_benefit(rows: pd.DataFrame, thresholds: np.ndarray) -> pd.DataFrame:
    """Decision curve: net benefit of referring by the model, referring all and referring none, per threshold
    probability (0–1). Net benefit = TP/n − FP/n × t/(1 − t)."""
    y, p = rows["outcome"].to_numpy() == 1.0, rows[RISK_COLUMN].to_numpy()
    n, prevalence = len(y), y.mean()
    out = []
    for t in thresholds:
        flagged = p >= t
        odds = t / (1 - t)
        out.append({"threshold": t, "model": (flagged & y).sum() / n - (flagged & ~y).sum() / n * odds,
                    "refer all": prevalence - (1 - prevalence) * odds, "refer none": 0.0})
    return pd.DataFrame(out)


def decision_curve_figure(rows: pd.DataFrame, top: float = 0.4) -> go.Figure:
    """Net benefit (per 100 patients) against threshold probability (%) from 1 % to ``top``."""
    return decision_curve_table_figure(net_benefit(rows, np.round(np.arange(0.01, top + 1e-9, 0.01), 2)))


def decision_curve_table_figure(table: pd.DataFrame) -> go.Figure:
    """Decision curve from a table with columns ``threshold``, ``model``, ``refer all`` and ``refer none``
    (net benefit per patient, see :func:`net_benefit`)."""
    figure = go.Figure()
    for column, name in (("model", N_("model")), ("refer all", N_("refer all")), ("refer none", N_("refer none"))):
        figure.add_scatter(x=100 * table["threshold"], y=100 * table[column], mode="lines", name=_(name))
    low = min(-0.5, 100 * table["model"].min() - 0.5)
    figure.update_layout(xaxis_title=_("Threshold probability (%)"), yaxis_title=_("Net benefit (per 100 patients)"),
                         yaxis_range=[low, 100 * table["refer all"].max() + 1], height=360, margin=dict(t=30, b=10))
    return figure


def subgroups(rows: pd.DataFrame, threshold: float) -> pd.DataFrame:
    """Per sex and age band: patients, % with outcome, AUC (95 % CI, DeLong) and sensitivity/specificity at
    ``threshold`` (%, 95 % Wilson CI). AUC is "n/a" where a group lacks one outcome. Group names and column
    headers are in the current language."""
    groups = [(_("All"), rows)] + [(sex_group(s), part) for s, part in rows.groupby("sex", sort=True)]
    groups += [(_("Age: {band}").format(band=band), part) for band, part in rows.groupby("age_band", sort=True)
               if band]
    out = []
    for name, part in groups:
        y, p = part["outcome"].to_numpy(), part[RISK_COLUMN].to_numpy()
        flagged, positive = p >= threshold, y == 1.0
        try:
            auc = str(auc_delong(y, p))
        except OutcomeError:
            auc = _("n/a (one outcome only)")
        out.append({_("group"): name, _("patients"): len(part), _("with outcome (%)"): round(100 * y.mean(), 1),
                    _("AUC (95% CI)"): auc,
                    _("sensitivity"): _percent(int((flagged & positive).sum()), int(positive.sum())),
                    _("specificity"): _percent(int((~flagged & ~positive).sum()), int((~positive).sum()))})
    return pd.DataFrame(out)


def sex_group(sex: str) -> str:
    """``"Sex: female"``: a group label of a table, in the current language."""
    return _(SEX_GROUPS[sex]) if sex in SEX_GROUPS else _("Sex: {sex}").format(sex=sex)
