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


DENSITY_COLOURS = {"normal": "#27ae60", "osteopenia": "#f39c12", "osteoporosis": "#c0392b"}
DENSITY_LABELS = {"normal": "Normal (T > −1)", "osteopenia": "Osteopenia (−2.5 < T ≤ −1)",
                  "osteoporosis": "Osteoporosis (T ≤ −2.5)"}


def density_probability_figure(probabilities: dict[str, float]) -> go.Figure:
    """Horizontal bars of the probability (%) of each WHO bone-density category."""
    names = list(DENSITY_LABELS)
    percent = [100 * float(probabilities[name]) for name in names]
    figure = go.Figure(go.Bar(
        orientation="h", y=[DENSITY_LABELS[n] for n in names], x=percent,
        marker={"color": [DENSITY_COLOURS[n] for n in names]},
        text=[f"{p:.1f} %" for p in percent], textposition="outside", cliponaxis=False,
        hovertemplate="%{y}: %{x:.1f} %<extra></extra>",
    ))
    figure.update_layout(title="Probability of each bone-density category (image model)",
                         xaxis={"title": "Probability (%)", "range": [0, 112], "ticksuffix": " %"},
                         yaxis={"autorange": "reversed"}, height=260, showlegend=False,
                         margin={"l": 10, "r": 40, "t": 50, "b": 40})
    return figure


def t_score_figure(t_score: float, interval: tuple[float, float]) -> go.Figure:
    """The estimated T-score (SD) with its interval on the WHO scale (bands at −2.5 and −1)."""
    low, high = interval
    figure = go.Figure()
    for start, stop, name in ((-5, -2.5, "osteoporosis"), (-2.5, -1.0, "osteopenia"), (-1.0, 3, "normal")):
        figure.add_vrect(x0=start, x1=stop, fillcolor=DENSITY_COLOURS[name], opacity=0.15, line_width=0,
                         annotation_text=name, annotation_position="top left")
    figure.add_trace(go.Scatter(
        x=[t_score], y=[0], mode="markers", marker={"size": 14, "color": "#1c2833"},
        error_x={"type": "data", "symmetric": False, "array": [high - t_score], "arrayminus": [t_score - low]},
        hovertemplate=f"Estimated T-score {t_score:.1f} SD (interval {low:.1f} to {high:.1f})<extra></extra>",
    ))
    figure.update_layout(title="Estimated T-score with its interval", xaxis={"title": "T-score (SD)",
                                                                              "range": [-5, 3]},
                         yaxis={"visible": False}, height=200, showlegend=False,
                         margin={"l": 10, "r": 20, "t": 50, "b": 40})
    return figure


def pre_post_figure(pre_test: float, post_test: float) -> go.Figure:
    """Two bars: probability (%) before (clinical facts only) and after adding the image."""
    labels = ["Before the image (clinical facts)", "After the image"]
    values = [100 * pre_test, 100 * post_test]
    figure = go.Figure(go.Bar(x=labels, y=values, marker={"color": ["#7f8c8d", "#2471a3"]},
                              text=[f"{v:.1f} %" for v in values], textposition="outside", cliponaxis=False))
    figure.update_layout(title="Probability of osteoporosis: pre-test and post-test",
                         yaxis={"title": "Probability (%)", "range": [0, max(values) * 1.3 + 5],
                                "ticksuffix": " %"}, height=300, showlegend=False,
                         margin={"l": 10, "r": 20, "t": 50, "b": 40})
    return figure
