"""Plotly figures for the knee grader. Functions return figures and never show them."""

from __future__ import annotations

from collections.abc import Sequence

import plotly.graph_objects as go

from osteo_core.imaging.kl_model import KL_GRADES, KL_NAMES

IN_RANGE = "#2471a3"
OUT_OF_RANGE = "#bfc9ca"


def kl_label(grade: int) -> str:
    """``"KL 2 Mild"``."""
    return f"KL {grade} {KL_NAMES[grade]}"


def kl_probability_figure(probabilities: Sequence[float], grade_range: tuple[int, int],
                          coverage: float | None = None) -> go.Figure:
    """Horizontal bars: the model's probability (%) of each KL grade 0–4, top to bottom.

    Grades inside the conformal ``grade_range`` (low, high) are drawn in a strong colour, the others in gray;
    ``coverage`` (e.g. 0.9), when given, is named in the title. Raises ``ValueError`` for a wrong number of
    probabilities or a range outside KL 0–4.
    """
    values = [float(p) for p in probabilities]
    if len(values) != len(KL_GRADES):
        raise ValueError(f"Expected {len(KL_GRADES)} probabilities (KL 0–4). Got {len(values)}.")
    low, high = (int(g) for g in grade_range)
    if not KL_GRADES[0] <= low <= high <= KL_GRADES[-1]:
        raise ValueError(f"grade_range must satisfy 0 ≤ low ≤ high ≤ 4. Got {grade_range!r}.")
    inside = [low <= grade <= high for grade in KL_GRADES]
    percent = [100 * v for v in values]
    figure = go.Figure(go.Bar(
        orientation="h",
        y=[kl_label(grade) for grade in KL_GRADES],
        x=percent,
        marker={"color": [IN_RANGE if i else OUT_OF_RANGE for i in inside]},
        text=[f"{p:.1f} %" for p in percent],
        textposition="outside",
        cliponaxis=False,
        customdata=["inside the grade range" if i else "outside the grade range" for i in inside],
        hovertemplate="%{y}: %{x:.1f} % (%{customdata})<extra></extra>",
    ))
    grades = f"KL {low}" if low == high else f"KL {low}–{high}"
    named = f"{100 * coverage:.0f} % " if coverage is not None else ""
    figure.update_layout(
        title=f"Probability of each KL grade (blue: the {named}grade range, {grades})",
        xaxis={"title": "Probability (%)", "range": [0, 112], "ticksuffix": " %"},
        yaxis={"autorange": "reversed"},
        margin={"l": 10, "r": 40, "t": 50, "b": 40},
        height=300,
        showlegend=False,
    )
    return figure
