"""Population summaries of a scored cohort: who is flagged, by whom, and how many DXA scans a referral rule needs.

Everything works on an *analysis frame* (:func:`analysis_frame`): one row per input row with the model probability
(0–1), the model's band, each tool's flag (1/0, NaN where the tool does not apply), age (years), sex and age band.
The tables made for display (:func:`flag_shares`, :func:`agreement`), the referral sentence and the figures are in
the current language; the analysis frame keeps English columns and values.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
import plotly.graph_objects as go

from osteo_core.clinical.risk_model import RiskModel
from osteo_core.clinical.tools import orai, ost, score
from osteo_core.cohort.outcome import sex_group
from osteo_core.i18n import _, format_decimal
from osteo_core.vocabulary import RISK_COLUMN

AGE_BANDS = ((18, 50, "18–49"), (50, 60, "50–59"), (60, 70, "60–69"), (70, 80, "70–79"), (80, 111, "80+"))
TOOL_NAMES = {"ost": "OST", "orai": "ORAI", "score": "SCORE"}
BAND_COLOURS = {"low": "#2e8b57", "moderate": "#e69f00", "high": "#c0392b"}


def age_band(age: pd.Series) -> pd.Series:
    """Age band label ("60–69", …) for ages in years; "" where unknown."""
    labels = np.full(len(age), "", dtype=object)
    values = age.to_numpy(dtype="float64")
    for low, high, text in AGE_BANDS:
        labels[(values >= low) & (values < high)] = text
    return pd.Series(labels, index=age.index)


def analysis_frame(scored: pd.DataFrame, values: pd.DataFrame, outcome: pd.Series | None = None) -> pd.DataFrame:
    """Columns ``valid``, ``osteo_risk`` (0–1), ``band``, ``ost``/``orai``/``score`` flags, ``age`` (years), ``sex``,
    ``age_band`` and, when given, ``outcome`` (1/0/NaN), row for row with ``scored``."""
    valid = (scored["issues"] == "").to_numpy()
    frame = pd.DataFrame({
        "valid": valid,
        RISK_COLUMN: scored[RISK_COLUMN].to_numpy(dtype="float64"),
        "band": scored["risk_category"].to_numpy(dtype=object),
        "age": values["age"].to_numpy(dtype="float64"),
        "sex": values["sex"].to_numpy(dtype=object),
    })
    for name, tool in (("ost", ost), ("orai", orai), ("score", score)):
        frame[name] = np.where(valid, tool(values).flag.to_numpy(dtype="float64"), np.nan)
    frame["age_band"] = age_band(frame["age"]).to_numpy()
    if outcome is not None:
        frame["outcome"] = np.asarray(outcome, dtype="float64")
    return frame


@dataclass(frozen=True)
class Referral:
    """A referral rule "refer the top ``share`` of scored patients": how many scans it needs and the probability
    cut-off it implies."""

    share: float
    count: int
    scored: int
    threshold: float

    def sentence(self) -> str:
        """E.g. "Refer the top 12 % (8,400 of 70,000 scored) → 8,400 DXA scans; cut-off 9.1 % risk", in the current
        language."""
        return _("Refer the top {share} % ({count} of {scored} scored patients) → {count} DXA scans; this means "
                 "referring everyone with an estimated risk of {threshold} % or more").format(
                     share=f"{100 * self.share:g}", count=format_decimal(self.count, 0),
                     scored=format_decimal(self.scored, 0), threshold=format_decimal(100 * self.threshold, 1))


def referral(analysis: pd.DataFrame, share: float) -> Referral:
    """The referral rule that refers the ``share`` (0–1) of scored patients with the highest risk.

    Raises ``ValueError`` for a share outside 0–1 or a cohort without scored patients.
    """
    if not 0.0 <= share <= 1.0:
        raise ValueError(_("share must be between 0 and 1; got {value}.").format(value=share))
    risk = analysis.loc[analysis["valid"], RISK_COLUMN].to_numpy()
    if risk.size == 0:
        raise ValueError(_("No patient could be scored, so no referral rule can be set."))
    count = int(round(share * risk.size))
    ordered = np.sort(risk)[::-1]
    threshold = float(ordered[count - 1]) if count else float(ordered[0]) + 1e-9
    return Referral(share, count, int(risk.size), threshold)


def capacity_share(analysis: pd.DataFrame, scans: int) -> float:
    """Share (0–1) of scored patients that ``scans`` DXA scans can cover."""
    scored = int(analysis["valid"].sum())
    return min(1.0, scans / scored) if scored else 0.0


def tools_without_patients(analysis: pd.DataFrame) -> list[str]:
    """Names of the tools that apply to no scored patient (their inputs are missing from the file)."""
    scored = analysis[analysis["valid"]]
    return [label for key, label in TOOL_NAMES.items() if scored[key].notna().sum() == 0]


def flag_shares(analysis: pd.DataFrame, threshold: float) -> pd.DataFrame:
    """Per group (all, each sex, each age band): scored patients and the % flagged by the model (risk ≥
    ``threshold``) and by each tool (of the patients the tool applies to, with that number). Tools that apply to no
    scored patient get no columns. Group names and column headers are in the current language (see
    :func:`share_columns`)."""
    scored = analysis[analysis["valid"]]
    absent = set(tools_without_patients(analysis))
    names = share_columns()
    groups = [(_("All"), scored)]
    groups += [(sex_group(sex), part) for sex, part in scored.groupby("sex", sort=True)]
    groups += [(_("Age: {band}").format(band=text), scored[scored["age_band"] == text])
               for _low, _high, text in AGE_BANDS]
    rows = []
    for name, part in groups:
        if part.empty:
            continue
        row = {names["group"]: name, names["patients"]: len(part),
               names["model"]: 100 * (part[RISK_COLUMN] >= threshold).mean()}
        for key, label in TOOL_NAMES.items():
            if label in absent:
                continue
            flags = part[key].dropna()
            row[names[f"{key}_flags"]] = 100 * flags.mean() if len(flags) else np.nan
            row[names[f"{key}_applies"]] = len(flags)
        rows.append(row)
    return pd.DataFrame(rows).round(1)


def share_columns() -> dict[str, str]:
    """The column headers of :func:`flag_shares` in the current language, by key (``group``, ``patients``,
    ``model``, ``ost_flags``, ``ost_applies``, …)."""
    names = {"group": _("group"), "patients": _("patients"), "model": _("model refers (%)")}
    for key, label in TOOL_NAMES.items():
        names[f"{key}_flags"] = _("{tool} flags (%)").format(tool=label)
        names[f"{key}_applies"] = _("{tool} applies to").format(tool=label)
    return names


def flag_shares_figure(shares: pd.DataFrame) -> go.Figure:
    """Grouped bars: % flagged by the model and each tool, per group (from :func:`flag_shares` made in the current
    language)."""
    names = share_columns()
    figure = go.Figure()
    legends = {names["model"]: _("model refers")}
    legends |= {names[f"{key}_flags"]: _("{tool} flags").format(tool=label) for key, label in TOOL_NAMES.items()}
    for column in [c for c in legends if c in shares]:
        figure.add_bar(x=shares[names["group"]], y=shares[column], name=legends[column])
    figure.update_layout(barmode="group", yaxis_title=_("Patients flagged (%)"), height=380,
                         margin=dict(t=30, b=10), legend=dict(orientation="h", y=1.1))
    return figure


def agreement(analysis: pd.DataFrame, threshold: float) -> pd.DataFrame:
    """Agreement of each tool with the model's referral (risk ≥ ``threshold``) where the tool applies: counts of
    both/neither/tool only/model only, % agreement and Cohen's kappa. Tools that apply to no one are left out.
    Column headers are in the current language."""
    scored = analysis[analysis["valid"]]
    rows = []
    for key, label in TOOL_NAMES.items():
        part = scored[scored[key].notna()]
        if part.empty:
            continue
        tool, model = part[key].to_numpy() == 1.0, part[RISK_COLUMN].to_numpy() >= threshold
        n = len(part)
        both, neither = int((tool & model).sum()), int((~tool & ~model).sum())
        observed = (both + neither) / n if n else np.nan
        expected = (tool.mean() * model.mean() + (1 - tool.mean()) * (1 - model.mean())) if n else np.nan
        kappa = (observed - expected) / (1 - expected) if n and expected < 1 else np.nan
        rows.append({"tool": label, "patients (tool applies)": n, "both refer": both,
                     "tool only": int((tool & ~model).sum()), "model only": int((~tool & model).sum()),
                     "neither": neither, "agreement (%)": round(100 * observed, 1) if n else np.nan,
                     "Cohen's kappa": round(kappa, 2) if n else np.nan})
    table = pd.DataFrame(rows, columns=["tool", "patients (tool applies)", "both refer", "tool only", "model only",
                                        "neither", "agreement (%)", "Cohen's kappa"])
    headers = {"tool": _("tool"), "patients (tool applies)": _("patients (tool applies)"),
               "both refer": _("both refer"), "tool only": _("tool only"), "model only": _("model only"),
               "neither": _("neither"), "agreement (%)": _("agreement (%)"), "Cohen's kappa": _("Cohen's kappa")}
    return table.rename(columns=headers)


def risk_distribution_figure(analysis: pd.DataFrame, band_thresholds: tuple[float, float],
                             referral_threshold: float | None = None) -> go.Figure:
    """Histogram of estimated risk (%, 1-point bins, binned here so large cohorts stay light), coloured by band."""
    risk = 100 * analysis.loc[analysis["valid"], RISK_COLUMN].to_numpy()
    top = max(5.0, float(np.ceil(risk.max()))) if risk.size else 100.0
    edges = np.arange(0.0, top + 1.0, 1.0)
    counts, _edges = np.histogram(risk, bins=edges)
    centres = edges[:-1] + 0.5
    moderate, high = (100 * t for t in band_thresholds)
    colours = [BAND_COLOURS["high"] if c >= high else BAND_COLOURS["moderate"] if c >= moderate
               else BAND_COLOURS["low"] for c in centres]
    hover = _("risk %{customdata[0]:.0f}–%{customdata[1]:.0f} %: %{y:,} patients") + "<extra></extra>"
    figure = go.Figure(go.Bar(x=centres, y=counts, marker_color=colours, width=0.95,
                              customdata=np.stack([edges[:-1], edges[1:]], axis=1), hovertemplate=hover))
    if referral_threshold is not None:
        figure.add_vline(x=100 * referral_threshold, line_dash="dash",
                         annotation_text=_("referral cut-off {value} %").format(
                             value=format_decimal(100 * referral_threshold, 1)))
    figure.update_layout(xaxis_title=_("Estimated chance of hip DXA osteoporosis (%)"), yaxis_title=_("Patients"),
                         height=330, margin=dict(t=30, b=10), bargap=0)
    return figure


def referral_curve_figure(analysis: pd.DataFrame, chosen: Referral | None = None) -> go.Figure:
    """DXA scans needed against the share of scored patients referred (highest risk first)."""
    scored = int(analysis["valid"].sum())
    shares = np.linspace(0, 100, 101)
    figure = go.Figure(go.Scatter(x=shares, y=np.round(shares / 100 * scored), mode="lines", name=_("scans"),
                                  hovertemplate=_("top %{x:.0f} % → %{y:,} scans") + "<extra></extra>"))
    if chosen is not None:
        figure.add_scatter(x=[100 * chosen.share], y=[chosen.count], mode="markers", marker_size=12,
                           name=_("chosen"))
    figure.update_layout(xaxis_title=_("Highest-risk patients referred (%)"), yaxis_title=_("DXA scans needed"),
                         height=300, margin=dict(t=30, b=10), showlegend=False)
    return figure


def global_drivers(values: pd.DataFrame, valid: np.ndarray, model: RiskModel, sample_size: int = 200,
                   seed: int = 0) -> tuple[pd.Series, int]:
    """Mean |SHAP| per model input (percentage points of risk) over a random sample of at most ``sample_size``
    (≤ 300) scored patients, and the sample size used. Raises ``ValueError`` when no patient was scored."""
    from osteo_core.clinical.features import model_inputs
    from osteo_core.explain.shap_risk import global_importance

    if not 1 <= sample_size <= 300:
        raise ValueError(_("sample_size must be between 1 and 300 (exact SHAP is slow); got {value}.").format(
            value=sample_size))
    rows = np.flatnonzero(np.asarray(valid, dtype=bool))
    if rows.size == 0:
        raise ValueError(_("No patient could be scored, so there is nothing to explain."))
    chosen = np.sort(np.random.default_rng(seed).choice(rows, min(sample_size, rows.size), replace=False))
    inputs = model_inputs(values.iloc[chosen])
    return 100 * global_importance(model, inputs), int(chosen.size)


def drivers_figure(importance: pd.Series, sample_size: int) -> go.Figure:
    """Horizontal bars of mean |SHAP| (percentage points), largest at the top, labelled in the current language."""
    from osteo_core.explain.shap_risk import feature_label

    ordered = importance.sort_values()
    figure = go.Figure(go.Bar(x=ordered.to_numpy(), y=[feature_label(f) for f in ordered.index],
                              orientation="h", marker_color="#1f6f8b",
                              hovertemplate=_("%{y}: %{x:.2f} percentage points") + "<extra></extra>"))
    figure.update_layout(xaxis_title=_("Mean |SHAP| (percentage points of risk), sample of {count} patients").format(
                             count=format_decimal(sample_size, 0)),
                         height=340, margin=dict(t=30, b=10))
    return figure
