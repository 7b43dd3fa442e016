"""Follow-up due dates from the interval table, and the overdue list."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from osteo_core.store import due_follow_ups, follow_up_for, list_screenings, save_screening
from osteo_core.store.followup import add_months
from tests.helpers.records import INPUTS, VERSIONS


@pytest.mark.parametrize(("day", "months", "expected"), [
    (date(2025, 1, 31), 1, date(2025, 2, 28)), (date(2024, 1, 31), 1, date(2024, 2, 29)),
    (date(2025, 11, 15), 3, date(2026, 2, 15)), (date(2025, 6, 1), 120, date(2035, 6, 1)),
])
def test_add_months_keeps_the_day_or_uses_the_month_end(day, months, expected):
    assert add_months(day, months) == expected


@pytest.mark.parametrize(("band", "t_score", "months"), [
    ("high", None, 3), ("moderate", None, 12), ("low", None, 36),
    ("low", -2.7, 12), ("high", -2.0, 12), ("high", -1.7, 60), ("high", -1.5, 60), ("high", -1.4, 120),
])
def test_follow_up_interval_uses_the_t_score_first_then_the_band(engine, band, t_score, months):
    when = datetime(2025, 1, 10, tzinfo=UTC)
    save_screening(engine, "P-1", "clinical_risk", INPUTS, {"risk_probability": 0.1, "risk_band": band,
                                                            "t_score": t_score}, VERSIONS, user="ana",
                   screened_at=when)
    follow_up = follow_up_for(list_screenings(engine, "P-1")[0], today=date(2025, 1, 11))
    assert follow_up.interval_months == months
    assert follow_up.due == add_months(date(2025, 1, 10), months)
    assert not follow_up.overdue


def test_due_follow_ups_uses_the_latest_screening_and_lists_overdue_ones(engine):
    def save(patient: str, band: str, day: date) -> None:
        save_screening(engine, patient, "clinical_risk", INPUTS, {"risk_probability": 0.1, "risk_band": band},
                       VERSIONS, user="ana", screened_at=datetime(day.year, day.month, day.day, 12, tzinfo=UTC))

    save("P-1", "high", date(2025, 1, 1))       # due 2025-04-01: overdue on 2025-06-01
    save("P-2", "high", date(2025, 1, 1))
    save("P-2", "low", date(2025, 5, 1))        # latest: due 2028-05-01, not overdue
    save("P-3", "moderate", date(2024, 12, 1))  # due 2025-12-01
    save_screening(engine, "P-4", "knee_staging", {}, {"kl_grade": 2}, {"knee_kl": "1"}, user="ana")  # no follow-up
    today = date(2025, 6, 1)
    every = due_follow_ups(engine, today=today)
    assert [(f.patient_id, f.due) for f in every] == [
        ("P-1", date(2025, 4, 1)), ("P-3", date(2025, 12, 1)), ("P-2", date(2028, 5, 1))]
    [late] = due_follow_ups(engine, today=today, overdue_only=True)
    assert (late.patient_id, late.overdue_days) == ("P-1", 61)
