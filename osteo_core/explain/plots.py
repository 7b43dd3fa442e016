"""Plotly figures for explanations and risk displays. Functions return figures and never show them."""

from __future__ import annotations

import plotly.graph_objects as go

from osteo_core.clinical.features import FEATURE_LABELS
from osteo_core.explain.shap_risk import RiskExplanation

RISK_UP = "#c0392b"
RISK_DOWN = "#2471a3"


def shap_waterfall_figure(explanation: RiskExplanation, max_factors: int = 8) -> go.Figure:
    """Waterfall from the average risk to this patient's risk, in percentage points of probability.

    The ``max_factors`` largest contributions are drawn one by one; the rest are summed into "other factors".
    """
    top = explanation.top(max_factors)
    rest = explanation.contributions.drop(top.index).sum()
    labels = [f"{FEATURE_LABELS.get(f, f)} = {explanation.display_values[f]}" for f in top.index]
    values = [100 * v for v in top.values]
    if len(explanation.contributions) > len(top):
        labels.append("Other factors")
        values.append(100 * rest)
    figure = go.Figure(go.Waterfall(
        orientation="h",
        measure=["absolute"] + ["relative"] * len(values) + ["total"],
        y=["Average risk (training sample)"] + labels + ["This patient's risk"],
        x=[100 * explanation.base_value] + values + [0],
        text=[f"{100 * explanation.base_value:.1f} %"] + [f"{v:+.1f} pp" for v in values]
        + [f"{100 * explanation.prediction:.1f} %"],
        textposition="outside",
        increasing={"marker": {"color": RISK_UP}},
        decreasing={"marker": {"color": RISK_DOWN}},
        totals={"marker": {"color": "#566573"}},
        connector={"line": {"color": "#aab7b8"}},
    ))
    figure.update_layout(
        title="What moved the estimated chance of hip DXA osteoporosis (SHAP, percentage points)",
        xaxis_title="Estimated chance that a hip DXA would show osteoporosis (%)",
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
