"""The clinical result panel shared by the Clinical risk and Demo cases pages: headline estimate, estimated
T-score with its 80 % range, screening tools and the SHAP explanation."""

from __future__ import annotations

from typing import Any

import streamlit as st

from app_support.widgets import modifiable_lines, screening_tools_row
from osteo_core.clinical.features import FEATURE_LABELS
from osteo_core.explain.plots import risk_gauge_figure, shap_waterfall_figure
from osteo_core.imaging.figures import t_score_figure

BAND_ICON = {"low": "🟢", "moderate": "🟠", "high": "🔴"}
HEADLINE = "Estimated chance of hip DXA osteoporosis"
T_SCORE_TITLE = "Estimated femoral-neck T-score, 80 % range (not a DXA)"


def whole_percent(probability: float) -> str:
    """A probability (0–1) as whole percent, with "under 1 %" for small values."""
    return "under 1 %" if probability < 0.005 else f"{100 * probability:.0f} %"


def t_score_line(result: Any) -> str:
    """"−1.8 SD (80 % range −2.9 to −0.7)" for an assessment with a T-score estimate."""
    return (f"{result.t_score_estimate:.1f} SD (80 % range {result.t_score_low:.1f} to "
            f"{result.t_score_high:.1f})")


def show_risk_result(result: Any, band_thresholds: tuple[float, float], key: str,
                     show_modifiable: bool = True) -> None:
    """Draw one :class:`~osteo_core.clinical.assess.RiskAssessment`; ``key`` keeps chart ids unique per page."""
    measured = result.who_category_text
    if measured:  # a measured DXA outranks every estimate
        st.success(f"**Measured DXA T-score {result.patient.t_score:.1f} SD** — WHO category: {measured}. "
                   "The estimates below are secondary to this measurement.")
        note = getattr(result.patient, "who_note", None)
        if note:
            st.caption(note)
    metric_col, text_col = st.columns([2, 3])
    metric_col.metric(HEADLINE, whole_percent(result.probability),
                      help="The chance that a hip DXA scan would show osteoporosis (T-score ≤ −2.5), from age, sex, "
                           "weight, height and the risk factors given; an estimate, not a diagnosis.")
    text_col.markdown(f"### {BAND_ICON[result.band]} {result.band.capitalize()} risk band\n{result.band_text}")
    st.markdown(f"**Estimated femoral-neck T-score:** {t_score_line(result)} — for 80 % of people with these facts "
                "the measured T-score lies in this range. It is not a measurement.")
    gauge_col, t_col = st.columns(2)
    gauge_col.plotly_chart(risk_gauge_figure(result.probability, band_thresholds), width="stretch",
                           key=f"{key}_gauge")
    t_col.plotly_chart(t_score_figure(result.t_score_estimate, (result.t_score_low, result.t_score_high),
                                      title=T_SCORE_TITLE), width="stretch", key=f"{key}_t_score")
    for warning in result.warnings:
        st.warning(warning)

    screening_tools_row(result.tools)
    if result.explanation is None:
        return
    st.subheader("What moved this estimate")
    st.plotly_chart(shap_waterfall_figure(result.explanation), width="stretch", key=f"{key}_waterfall")
    if not show_modifiable:
        return
    st.markdown("**Factors you can change**")
    lines = modifiable_lines(result.explanation.modifiable().to_dict(), FEATURE_LABELS,
                             result.explanation.display_values.to_dict())
    if lines:
        st.markdown("\n".join(f"- {line}" for line in lines))
    else:
        st.markdown("None of the changeable risk factors guidelines name (smoking, 3 or more drinks a day, "
                    "glucocorticoids, low body weight) raises this estimate.")
    st.caption("These are associations learned by the model, not proof that changing a factor changes bone "
               "density. Unknown facts use the training average.")
