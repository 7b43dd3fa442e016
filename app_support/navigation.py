"""The table of pages: where each lives, its title, task group and which roles may open it.

`streamlit_app.py` builds `st.navigation` from this table (titles and groups are English message ids, translated
there); a page is listed only once it works.
Roles: admin (everything), clinician (single cases and history), analyst (cohorts), demo (synthetic cases only).
"""

from __future__ import annotations

from dataclasses import dataclass

from osteo_core.i18n import N_
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
    PageEntry("pages/clinical_risk.py", N_("Clinical risk"), "🩺", N_("Screening"), ("admin", "clinician", "demo")),
    PageEntry("pages/knee_staging.py", N_("Knee staging"), "🦵", N_("Screening"), ("admin", "clinician", "demo")),
    PageEntry("pages/image_screening.py", N_("Image screening"), "🩻", N_("Screening"), ("admin", "clinician", "demo")),
    PageEntry("pages/demo_cases.py", N_("Demo cases"), "🎬", N_("Screening"), ("admin", "demo")),
    PageEntry("pages/cohort.py", N_("Cohort screening"), "📊", N_("Cohort"), ("admin", "analyst")),
    PageEntry("pages/radiograph_batch.py", N_("Radiograph batch"), "🗂️", N_("Cohort"), ("admin", "analyst")),
    PageEntry("pages/patient_timeline.py", N_("Patient timeline"), "📈", N_("Follow-up"), ("admin", "clinician")),
    PageEntry("pages/recommendations.py", N_("Recommendations"), "📋", N_("Follow-up"), ("admin", "clinician", "demo")),
    PageEntry("pages/home.py", N_("Home"), "🏠", N_("About"), default=True),
    PageEntry("pages/model_cards.py", N_("Model cards"), "📄", N_("About")),
    PageEntry("pages/users.py", N_("Users and audit log"), "👥", N_("Account"), ("admin",)),
)

GROUP_ORDER = (N_("Screening"), N_("Cohort"), N_("Follow-up"), N_("Models"), N_("About"), N_("Account"))


def pages_for(role: str | None) -> dict[str, list[PageEntry]]:
    """Pages a role may open, grouped in display order (``None`` = no login configured: every page)."""
    grouped: dict[str, list[PageEntry]] = {}
    for entry in PAGES:
        if role is None or role in entry.roles:
            grouped.setdefault(entry.group, []).append(entry)
    return {group: grouped[group] for group in GROUP_ORDER if group in grouped}
