"""The words the whole app shares, defined once: Kellgren–Lawrence grade names, the names of the risk number,
user roles and the "Not stated" choice of the forms.

KL grades follow Kellgren & Lawrence (1957): 0 none, 1 doubtful, 2 minimal, 3 moderate, 4 severe (radiographic
osteoarthritis = KL ≥ 2). They grade osteoarthritis severity, never bone density.
"""

from __future__ import annotations

from osteo_core.i18n import N_, _

# --- Kellgren–Lawrence grades (knee radiograph) ---------------------------------------------------------------------
KL_GRADES = (0, 1, 2, 3, 4)
# Labels and definitions are marked for translation (N_) and translated where shown: _(KL_NAMES[grade]).
KL_NAMES = {0: N_("None"), 1: N_("Doubtful"), 2: N_("Minimal"), 3: N_("Moderate"), 4: N_("Severe")}
KL_DEFINITIONS = {
    0: N_("No radiographic features of osteoarthritis."),
    1: N_("Doubtful narrowing of the joint space and possible osteophyte (bony spur) lipping."),
    2: N_("Definite osteophytes and possible narrowing of the joint space (radiographic osteoarthritis)."),
    3: N_("Multiple moderate osteophytes, definite joint-space narrowing, some sclerosis and possible deformity of "
          "the bone ends."),
    4: N_("Large osteophytes, marked joint-space narrowing, severe sclerosis and definite deformity of the bone "
          "ends."),
}
KL_SOURCE = "Kellgren JH, Lawrence JS. Ann Rheum Dis 1957;16:494-502"


def kl_grade_label(grade: int) -> str:
    """``"KL 2 — Minimal"``: the grade with its Kellgren–Lawrence name, in the current language (call it where the
    label is shown, not at import)."""
    return _("KL {grade} — {name}").format(grade=grade, name=_(KL_NAMES[grade]))


def grade_range_text(low: int, high: int) -> str:
    """A range of KL grades: ``"KL 2"`` or ``"KL 2–3"`` (en dash)."""
    return f"KL {low}" if low == high else f"KL {low}–{high}"


# --- The clinical risk number (0–1, probability of osteoporosis at the hip by DXA) -----------------------------------
# ``RiskAssessment.probability`` on a single result; ``osteo_risk`` in every table (command-line output, cohort
# analysis); ``risk_probability`` in the patient history (a database column of released schemas, kept as it is).
RISK_COLUMN = "osteo_risk"
STORED_RISK_FIELD = "risk_probability"

# --- User roles (what each may open: app_support.navigation) -------------------------------------------------------
ROLES = ("admin", "clinician", "analyst", "demo")

# --- Form choices ---------------------------------------------------------------------------------------------------
# Labels marked for translation; translate where shown (``format_func=_``), the values stay these English words.
NOT_STATED = N_("Not stated")
NOT_KNOWN = N_("Not known")
YES_NO = {NOT_STATED: None, N_("No"): False, N_("Yes"): True}  # radio label → value (None = not stated)
