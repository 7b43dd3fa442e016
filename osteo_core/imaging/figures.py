"""Plotly figures for the knee grader. Functions return figures and never show them; their titles, axes and hover
texts are in the current language."""

from __future__ import annotations

import textwrap
from collections.abc import Sequence

import plotly.graph_objects as go

from osteo_core.clinical.who import WHO_BANDS, WHO_CATEGORY_NAMES, WHO_SHORT_TEXT
from osteo_core.i18n import N_, _, format_decimal
from osteo_core.vocabulary import KL_GRADES, KL_NAMES, grade_range_text

IN_RANGE = "#2471a3"
OUT_OF_RANGE = "#bfc9ca"


def kl_label(grade: int) -> str:
    """``"KL 2 Minimal"`` (a bar label, in the current language)."""
    return f"KL {grade} {_(KL_NAMES[grade])}"


def _percent(value: float, digits: int) -> str:
    """``"12.5 %"``: a percentage (0–100) with the language's decimal separator."""
    return _("{value} %").format(value=format_decimal(value, digits))


def kl_probability_figure(probabilities: Sequence[float], grade_range: tuple[int, int],
                          coverage: float | None = None) -> go.Figure:
    """Horizontal bars: the model's probability (%) that this knee has each KL grade 0–4, top to bottom.

    Grades inside the conformal ``grade_range`` (low, high) are drawn in a strong colour, the others in gray;
    ``coverage`` (e.g. 0.9), when given, is named in the title. Raises ``ValueError`` for a wrong number of
    probabilities or a range outside KL 0–4.
    """
    values = [float(p) for p in probabilities]
    if len(values) != len(KL_GRADES):
        raise ValueError(_("Expected {count} probabilities (KL 0–4). Got {value}.").format(count=len(KL_GRADES),
                                                                                          value=len(values)))
    low, high = (int(g) for g in grade_range)
    if not KL_GRADES[0] <= low <= high <= KL_GRADES[-1]:
        raise ValueError(_("grade_range must satisfy 0 ≤ low ≤ high ≤ 4. Got {value}.").format(
            value=repr(grade_range)))
    inside = [low <= grade <= high for grade in KL_GRADES]
    percent = [100 * v for v in values]
    figure = go.Figure(go.Bar(
        orientation="h",
        y=[kl_label(grade) for grade in KL_GRADES],
        x=percent,
        marker={"color": [IN_RANGE if i else OUT_OF_RANGE for i in inside]},
        text=[_percent(p, 1) for p in percent],
        textposition="outside",
        cliponaxis=False,
        customdata=[_("inside the grade range") if i else _("outside the grade range") for i in inside],
        hovertemplate="%{y}: %{x:.1f} % (%{customdata})<extra></extra>",
    ))
    grades = grade_range_text(low, high)
    if coverage is not None:
        title = _("Model's probability that this knee has each KL grade (blue: the {coverage} grade range, "
                  "{grades})").format(coverage=_percent(100 * coverage, 0), grades=grades)
    else:
        title = _("Model's probability that this knee has each KL grade (blue: the grade range, {grades})").format(
            grades=grades)
    figure.update_layout(
        title=title,
        xaxis={"title": _("Probability (%)"), "range": [0, 112], "ticksuffix": " %"},
        yaxis={"autorange": "reversed"},
        margin={"l": 10, "r": 40, "t": 50, "b": 40},
        height=300,
        showlegend=False,
    )
    return figure


DENSITY_COLOURS = {"normal": "#27ae60", "osteopenia": "#f39c12", "osteoporosis": "#c0392b"}
DENSITY_LABELS = dict(WHO_SHORT_TEXT)  # English msgids: translated where drawn
T_AXIS = (-5.0, 3.0)  # SD, the range drawn on the T-score figure


def density_probability_figure(probabilities: dict[str, float]) -> go.Figure:
    """Horizontal bars: the image model's probability (%) that a DXA would put this patient in each WHO category
    (whole percent; the model is not validated, see its card)."""
    names = list(DENSITY_LABELS)
    percent = [100 * float(probabilities[name]) for name in names]
    figure = go.Figure(go.Bar(
        orientation="h", y=[_(DENSITY_LABELS[n]) for n in names], x=percent,
        marker={"color": [DENSITY_COLOURS[n] for n in names]},
        text=[_percent(p, 0) for p in percent], textposition="outside", cliponaxis=False,
        hovertemplate="%{y}: %{x:.0f} %<extra></extra>",
    ))
    figure.update_layout(title=_("Image model's probability that a DXA would show each category (not validated)"),
                         xaxis={"title": _("Probability (%)"), "range": [0, 112], "ticksuffix": " %"},
                         yaxis={"autorange": "reversed"}, height=260, showlegend=False,
                         margin={"l": 10, "r": 40, "t": 50, "b": 40})
    return figure


IMAGE_T_SCORE_TITLE = N_("Image model's estimated T-score with its interval (an estimate, not a DXA)")


TITLE_CHARS = 60  # characters per title line of a half-width chart


def t_score_figure(t_score: float, interval: tuple[float, float], title: str = IMAGE_T_SCORE_TITLE) -> go.Figure:
    """The estimated T-score (SD) with its interval on the WHO scale (bands from :data:`WHO_BANDS`); ``title`` is an
    English msgid or text already translated (it is passed through ``_``)."""
    low, high = interval
    figure = go.Figure()
    for start, stop, name in WHO_BANDS:
        figure.add_vrect(x0=max(start, T_AXIS[0]), x1=min(stop, T_AXIS[1]), fillcolor=DENSITY_COLOURS[name],
                         opacity=0.15, line_width=0,
                         annotation_text=_(WHO_CATEGORY_NAMES[name]), annotation_position="top left")
    figure.add_trace(go.Scatter(
        x=[t_score], y=[0], mode="markers", marker={"size": 14, "color": "#1c2833"},
        error_x={"type": "data", "symmetric": False, "array": [high - t_score], "arrayminus": [t_score - low]},
        hovertemplate=_("Estimated T-score {t_score} SD (interval {low} to {high})").format(
            t_score=format_decimal(t_score, 1), low=format_decimal(low, 1), high=format_decimal(high, 1))
        + "<extra></extra>",
    ))
    lines = textwrap.wrap(_(title), TITLE_CHARS)  # half-width chart: a long (translated) title wraps, never clips
    figure.update_layout(title="<br>".join(lines),
                         xaxis={"title": _("T-score (SD)"), "range": list(T_AXIS)},
                         yaxis={"visible": False}, height=180 + 20 * len(lines), showlegend=False,
                         margin={"l": 10, "r": 20, "t": 30 + 20 * len(lines), "b": 40})
    return figure

