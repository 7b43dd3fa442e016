"""Plotly figures for explanations and risk displays. Functions return figures and never show them."""

from __future__ import annotations

import plotly.graph_objects as go

from osteo_core.explain.shap_risk import RiskExplanation, feature_label
from osteo_core.i18n import _, format_decimal

RISK_UP = "#c0392b"
RISK_DOWN = "#2471a3"


def shap_waterfall_figure(explanation: RiskExplanation, max_factors: int = 8) -> go.Figure:
    """Waterfall from the average risk to this patient's risk, in percentage points of probability, labelled in
    the current language.

    The ``max_factors`` largest contributions are drawn one by one; the rest are summed into "other factors".
    """
    top = explanation.top(max_factors)
    rest = explanation.contributions.drop(top.index).sum()
    labels = [f"{feature_label(f)} = {explanation.display_values[f]}" for f in top.index]
    values = [100 * v for v in top.values]
    if len(explanation.contributions) > len(top):
        labels.append(_("Other factors"))
        values.append(100 * rest)

    def percent(value: float) -> str:
        return _("{value} %").format(value=format_decimal(value, 1))

    def points(value: float) -> str:
        sign = "+" if value >= 0 else "-"
        return _("{value} pp").format(value=sign + format_decimal(abs(value), 1))

    figure = go.Figure(go.Waterfall(
        orientation="h",
        measure=["absolute"] + ["relative"] * len(values) + ["total"],
        y=[_("Average risk (training sample)")] + labels + [_("This patient's risk")],
        x=[100 * explanation.base_value] + values + [0],
        text=[percent(100 * explanation.base_value)] + [points(v) for v in values]
        + [percent(100 * explanation.prediction)],
        textposition="outside",
        increasing={"marker": {"color": RISK_UP}},
        decreasing={"marker": {"color": RISK_DOWN}},
        totals={"marker": {"color": "#566573"}},
        connector={"line": {"color": "#aab7b8"}},
    ))
    figure.update_layout(
        title=_("What moved the estimated chance of hip DXA osteoporosis (SHAP, percentage points)"),
        xaxis_title=_("Estimated chance that a hip DXA would show osteoporosis (%)"),
        yaxis={"autorange": "reversed"},
        margin={"l": 10, "r": 40, "t": 50, "b": 40},
        height=120 + 40 * (len(values) + 2),
        showlegend=False,
    )
    return figure


def risk_gauge_figure(probability: float, thresholds: tuple[float, float]) -> go.Figure:
    """Horizontal gauge of a probability (0–1) with the moderate and high band thresholds marked."""
    moderate, high = (100 * t for t in thresholds)
    axis_max = max(50.0, min(100.0, 100 * probability * 1.5))
    figure = go.Figure(go.Indicator(
        mode="gauge+number",
        value=100 * probability,
        number={"suffix": " %", "valueformat": ".1f"},
        gauge={
            "shape": "bullet",
            "axis": {"range": [0, axis_max], "ticksuffix": " %"},
            "bar": {"color": "#1c2833"},
            "steps": [
                {"range": [0, moderate], "color": "#d5f5e3"},
                {"range": [moderate, high], "color": "#fcf3cf"},
                {"range": [high, axis_max], "color": "#fadbd8"},
            ],
        },
    ))
    figure.update_layout(height=110, margin={"l": 20, "r": 30, "t": 20, "b": 20})
    return figure
