"""Charts drawn from a model's evaluation file on the Model cards page (calibration and decision curve)."""

from __future__ import annotations

from typing import Any

import pandas as pd
import streamlit as st

from osteo_core.cohort.outcome import calibration_table_figure, decision_curve_table_figure
from osteo_core.i18n import N_, _

# The decision curve's lines: the table's column names (English, read by the figure) → their legend names.
CURVE_NAMES = {"model": N_("model"), "refer all": N_("refer all"), "refer none": N_("refer none")}


def show_evaluation_charts(evaluation: dict[str, Any]) -> None:
    """Calibration plot and decision curve of a model whose evaluation file stores them (the clinical model)."""
    calibration = evaluation.get("calibration_table_age_50plus")
    curve = evaluation.get("decision_curve_age_50plus")
    if not calibration or not curve:
        return
    left, right = st.columns(2)
    left.markdown(_("**Calibration, held-out adults 50+**: observed share with DXA osteoporosis against the "
                    "mean estimate, in tenths of the estimate."))
    left.plotly_chart(calibration_table_figure(pd.DataFrame(calibration)), width="stretch", key="card_calibration")
    table = pd.DataFrame({"threshold": [r["threshold"] for r in curve],
                          "model": [r["net_benefit_model"] for r in curve],
                          "refer all": [r["net_benefit_refer_all"] for r in curve], "refer none": 0.0})
    right.markdown(_("**Decision curve, held-out adults 50+**: net benefit of referring for DXA when the estimate "
                     "is at or above the threshold, against referring everyone or no one."))
    figure = decision_curve_table_figure(table)
    figure.for_each_trace(lambda trace: trace.update(name=_(CURVE_NAMES.get(trace.name, trace.name))))
    right.plotly_chart(figure, width="stretch", key="card_decision_curve")
