"""The clinical result panel shared by the Clinical risk and Demo cases pages: headline estimate, estimated
T-score with its 80 % range, screening tools and the SHAP explanation."""

from __future__ import annotations

from typing import Any

import streamlit as st

from app_support.widgets import modifiable_lines, percent_text, screening_tools_row
from osteo_core.clinical.features import FEATURE_LABELS
from osteo_core.explain.plots import risk_gauge_figure, shap_waterfall_figure
from osteo_core.i18n import N_, _, format_decimal
from osteo_core.imaging.figures import t_score_figure

BAND_ICON = {"low": "🟢", "moderate": "🟠", "high": "🔴"}
BAND_TITLES = {"low": N_("Low risk band"), "moderate": N_("Moderate risk band"), "high": N_("High risk band")}
HEADLINE = N_("Estimated chance of hip DXA osteoporosis")
T_SCORE_TITLE = N_("Estimated femoral-neck T-score, {share} range (not a DXA)")  # share: the 80 % range
RANGE_SHARE = 0.8  # the T-score estimate's prediction interval holds 80 % of people with the same facts


def whole_percent(probability: float) -> str:
    """A probability (0–1) as whole percent, with "under 1 %" for small values (current language)."""
    return _("under 1 %") if probability < 0.005 else percent_text(probability)


def t_score_line(result: Any) -> str:
    """"−1.8 SD (80 % range −2.9 to −0.7)" for an assessment with a T-score estimate (current language)."""
    return _("{estimate} SD ({share} range {low} to {high})").format(
        estimate=format_decimal(result.t_score_estimate, 1), share=percent_text(RANGE_SHARE),
        low=format_decimal(result.t_score_low, 1), high=format_decimal(result.t_score_high, 1))


def show_risk_result(result: Any, band_thresholds: tuple[float, float], key: str,
                     show_modifiable: bool = True) -> None:
    """Draw one :class:`~osteo_core.clinical.assess.RiskAssessment`; ``key`` keeps chart ids unique per page."""
    measured = result.who_category_text
    if measured:  # a measured DXA outranks every estimate
        st.success(_("**Measured DXA T-score {t_score} SD** — WHO category: {category}. The estimates below are "
                     "secondary to this measurement.").format(t_score=format_decimal(result.patient.t_score, 1),
                                                              category=measured))
        note = getattr(result.patient, "who_note", None)
        if note:
            st.caption(note)
    metric_col, text_col = st.columns([2, 3])
    metric_col.metric(_(HEADLINE), whole_percent(result.probability),
                      help=_("The chance that a hip DXA scan would show osteoporosis (T-score ≤ −2.5), from age, "
                             "sex, weight, height and the risk factors given; an estimate, not a diagnosis."))
    text_col.markdown(f"### {BAND_ICON[result.band]} {_(BAND_TITLES[result.band])}\n{result.band_text}")
    st.markdown(_("**Estimated femoral-neck T-score:** {t_score} — for {share} of people with these facts the "
                  "measured T-score lies in this range. It is not a measurement.").format(
        t_score=t_score_line(result), share=percent_text(RANGE_SHARE)))
    gauge_col, t_col = st.columns(2)
    gauge_col.plotly_chart(risk_gauge_figure(result.probability, band_thresholds), width="stretch",
                           key=f"{key}_gauge")
    t_col.plotly_chart(t_score_figure(result.t_score_estimate, (result.t_score_low, result.t_score_high),
                                      title=_(T_SCORE_TITLE).format(share=percent_text(RANGE_SHARE))),
                       width="stretch", key=f"{key}_t_score")
    for warning in result.warnings:
        st.warning(warning)

    screening_tools_row(result.tools)
    if result.explanation is None:
        return
    st.subheader(_("What moved this estimate"))
    st.plotly_chart(shap_waterfall_figure(result.explanation), width="stretch", key=f"{key}_waterfall")
    if not show_modifiable:
        return
    st.markdown(_("**Factors you can change**"))
    lines = modifiable_lines(result.explanation.modifiable().to_dict(), FEATURE_LABELS,
                             result.explanation.display_values.to_dict())
    if lines:
        st.markdown("\n".join(f"- {line}" for line in lines))
    else:
        st.markdown(_("None of the changeable risk factors guidelines name (smoking, 3 or more drinks a day, "
                      "glucocorticoids, low body weight) raises this estimate."))
    st.caption(_("These are associations learned by the model, not proof that changing a factor changes bone "
                 "density. Unknown facts use the training average."))
