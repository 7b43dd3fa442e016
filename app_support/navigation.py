"""The table of pages: where each lives, its title, task group and which roles may open it.

`streamlit_app.py` builds `st.navigation` from this table; a page is listed only once it works.
Roles: admin (everything), clinician (single cases and history), analyst (cohorts), demo (synthetic cases only).
"""

from __future__ import annotations

from dataclasses import dataclass

from osteo_core.vocabulary import ROLES as ALL_ROLES


@dataclass(frozen=True)
class PageEntry:
    path: str
    title: str
    icon: str
    group: str
    roles: tuple[str, ...] = ALL_ROLES
    default: bool = False


PAGES: tuple[PageEntry, ...] = (
    PageEntry("pages/clinical_risk.py", "Clinical risk", "🩺", "Screening", ("admin", "clinician", "demo")),
    PageEntry("pages/knee_staging.py", "Knee staging", "🦵", "Screening", ("admin", "clinician", "demo")),
    PageEntry("pages/image_screening.py", "Image screening", "🩻", "Screening", ("admin", "clinician", "demo")),
    PageEntry("pages/demo_cases.py", "Demo cases", "🎬", "Screening", ("admin", "demo")),
    PageEntry("pages/cohort.py", "Cohort screening", "📊", "Cohort", ("admin", "analyst")),
    PageEntry("pages/radiograph_batch.py", "Radiograph batch", "🗂️", "Cohort", ("admin", "analyst")),
    PageEntry("pages/patient_timeline.py", "Patient timeline", "📈", "Follow-up", ("admin", "clinician")),
    PageEntry("pages/recommendations.py", "Recommendations", "📋", "Follow-up", ("admin", "clinician", "demo")),
    PageEntry("pages/home.py", "Home", "🏠", "About", default=True),
    PageEntry("pages/model_cards.py", "Model cards", "📄", "About"),
    PageEntry("pages/users.py", "Users and audit log", "👥", "Account", ("admin",)),
)

GROUP_ORDER = ("Screening", "Cohort", "Follow-up", "Models", "About", "Account")


def pages_for(role: str | None) -> dict[str, list[PageEntry]]:
    """Pages a role may open, grouped in display order (``None`` = no login configured: every page)."""
    grouped: dict[str, list[PageEntry]] = {}
    for entry in PAGES:
        if role is None or role in entry.roles:
            grouped.setdefault(entry.group, []).append(entry)
    return {group: grouped[group] for group in GROUP_ORDER if group in grouped}
