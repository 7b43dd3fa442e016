"""The Patient Timeline figure: model risk (%) and DXA T-score (SD) over time, with the next due date (texts in the
current language)."""

from __future__ import annotations

from datetime import date

import plotly.graph_objects as go

from osteo_core.i18n import _, format_date
from osteo_core.store.screenings import Screening


def timeline_figure(history: list[Screening], due: date | None = None) -> go.Figure:
    """Risk in % (left axis) and T-score in SD (right axis) per clinical-risk screening; a dashed line at ``due``.

    Screenings without a value simply leave a gap; an empty history gives an empty figure with a note.
    """
    clinical = [s for s in history if s.kind == "clinical_risk"]
    figure = go.Figure()
    risk_title, t_title = _("Model risk (%)"), _("T-score (SD)")
    risk = [(s.screened_at, 100 * s.risk_probability) for s in clinical if s.risk_probability is not None]
    tscores = [(s.screened_at, s.t_score) for s in clinical if s.t_score is not None]
    if risk:
        figure.add_trace(go.Scatter(x=[r[0] for r in risk], y=[r[1] for r in risk], name=risk_title,
                                    mode="lines+markers", hovertemplate="%{x|%Y-%m-%d}: %{y:.1f} %<extra></extra>"))
    if tscores:
        figure.add_trace(go.Scatter(x=[t[0] for t in tscores], y=[t[1] for t in tscores], name=t_title,
                                    mode="lines+markers", yaxis="y2", line={"dash": "dot"},
                                    hovertemplate="%{x|%Y-%m-%d}: %{y:.1f} SD<extra></extra>"))
        figure.add_shape(type="line", xref="paper", x0=0, x1=1, yref="y2", y0=-2.5, y1=-2.5,
                         line={"dash": "dash", "color": "#b03a2e", "width": 1})
        figure.add_annotation(xref="paper", x=1, yref="y2", y=-2.5, text=_("T −2.5 (osteoporosis)"),
                              showarrow=False, xanchor="right", yanchor="top", font={"color": "#b03a2e"})
    if due is not None:
        figure.add_vline(x=due.isoformat(), line_dash="dash", line_color="#7d3c98")
        figure.add_annotation(x=due.isoformat(), y=1, yref="paper", showarrow=False, xanchor="left",
                              text=_("follow-up due {date}").format(date=format_date(due)))
    if not risk and not tscores:
        figure.add_annotation(text=_("No clinical-risk screenings stored for this patient"), showarrow=False,
                              x=0.5, y=0.5, xref="paper", yref="paper")
    figure.update_layout(
        height=380, margin={"l": 50, "r": 50, "t": 30, "b": 40}, legend={"orientation": "h", "y": -0.2},
        yaxis={"title": risk_title, "range": [0, 100]},
        yaxis2={"title": t_title, "overlaying": "y", "side": "right", "range": [-5, 3], "showgrid": False},
    )
    return figure
