"""Follow-up due dates from the recommended re-screening intervals, and the list of overdue follow-ups.

Interval table (months), checked in order, first match wins:

* measured T-score −2.0 SD or lower (osteoporosis or advanced osteopenia) → 12 months
* T-score −1.5 to −1.99 SD (moderate osteopenia) → 60 months
* T-score above −1.5 SD (normal or mild osteopenia) → 120 months
* no T-score, model band "high" → 3 months (check that the suggested DXA was done)
* no T-score, band "moderate" → 12 months
* no T-score, band "low" → 36 months

Sources: DXA re-testing intervals after Gourlay et al., N Engl J Med 2012;366:225 (about 1 year for T −2.00 to
−2.49, 5 years for −1.50 to −1.99, 15 years above −1.50 — capped here at 10 years so risk factors are re-asked).
The band intervals are this project's defaults, not a guideline: a service should confirm or change
:data:`INTERVALS` locally.

A follow-up's ``reason`` is the rule's English text (a message id): translate it where it is shown, ``_(reason)``.
"""

from __future__ import annotations

import calendar
from dataclasses import dataclass
from datetime import UTC, date, datetime

import sqlalchemy as sa

from osteo_core.i18n import N_
from osteo_core.store.screenings import Screening, latest_screenings


@dataclass(frozen=True)
class IntervalRule:
    """A T-score rule applies when ``t_score <= max_t_score`` (SD); a band rule when there is no T-score.
    ``reason`` is English (a message id, translated where shown)."""

    months: int
    reason: str
    max_t_score: float | None = None
    band: str | None = None

    def applies(self, t_score: float | None, band: str | None) -> bool:
        if self.band is not None:
            return t_score is None and band == self.band
        return t_score is not None and self.max_t_score is not None and t_score <= self.max_t_score


INTERVALS: tuple[IntervalRule, ...] = (
    IntervalRule(12, N_("T-score −2.0 SD or lower: repeat DXA / review treatment in 12 months"), max_t_score=-2.0),
    IntervalRule(60, N_("T-score −1.5 to −1.99 SD: repeat DXA in 5 years"), max_t_score=-1.5),
    IntervalRule(120, N_("T-score above −1.5 SD: re-screen in 10 years"), max_t_score=float("inf")),
    IntervalRule(3, N_("High model risk: check in 3 months that the suggested DXA was done"), band="high"),
    IntervalRule(12, N_("Moderate model risk: re-assess in 12 months"), band="moderate"),
    IntervalRule(36, N_("Low model risk: re-assess in 3 years"), band="low"),
)


@dataclass(frozen=True)
class FollowUp:
    """When a patient's next screening is due; ``overdue_days`` is 0 when not yet due."""

    patient_id: str
    last_screened: date
    due: date
    interval_months: int
    reason: str
    overdue_days: int

    @property
    def overdue(self) -> bool:
        return self.overdue_days > 0


def add_months(day: date, months: int) -> date:
    """``day`` plus ``months`` calendar months (the 31st becomes the month's last day when needed)."""
    month_index = day.month - 1 + months
    year, month = day.year + month_index // 12, month_index % 12 + 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def follow_up_for(screening: Screening, today: date | None = None) -> FollowUp | None:
    """The follow-up implied by one clinical-risk screening, or ``None`` when it has no band nor T-score."""
    rule = next((r for r in INTERVALS if r.applies(screening.t_score, screening.risk_band)), None)
    if rule is None:
        return None
    months, reason = rule.months, rule.reason
    screened = screening.screened_at.astimezone(UTC).date()
    due = add_months(screened, months)
    today = today or datetime.now(UTC).date()
    return FollowUp(screening.patient_id, screened, due, months, reason, max((today - due).days, 0))


def due_follow_ups(engine: sa.Engine, today: date | None = None, overdue_only: bool = False) -> list[FollowUp]:
    """The next follow-up of every patient (from their latest clinical-risk screening), most overdue first."""
    found = [f for s in latest_screenings(engine) if (f := follow_up_for(s, today)) is not None]
    if overdue_only:
        found = [f for f in found if f.overdue]
    return sorted(found, key=lambda f: (f.due, f.patient_id))
