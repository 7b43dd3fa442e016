"""The profile form of the Recommendations page: widgets, pre-filling from a result, and the Profile they give."""

from __future__ import annotations

from typing import Any

import streamlit as st

from osteo_core.clinical.who import WHO_CATEGORIES, WHO_CATEGORY_TEXT
from osteo_core.errors import InputValidationError
from osteo_core.i18n import N_, _
from osteo_core.recommend import Profile
from osteo_core.vocabulary import KL_GRADES, NOT_KNOWN, NOT_STATED, YES_NO, kl_grade_label

# Every label below is English (option values and tests read it) and translated where it is shown.
IMAGE_TEXT = {"normal": N_("normal bone density"), "osteopenia": N_("low bone density (osteopenia)"),
              "osteoporosis": N_("osteoporosis range")}
DXA_CHOICE = N_("DXA (measured): {category}")
IMAGE_CHOICE = N_("Image estimate (not validated): {category}")
BONE_CHOICES = {
    "": NOT_KNOWN,
    **{f"dxa:{name}": DXA_CHOICE.format(category=WHO_CATEGORY_TEXT[name]) for name in WHO_CATEGORIES},
    **{f"image_bone_density:{name}": IMAGE_CHOICE.format(category=IMAGE_TEXT[name]) for name in WHO_CATEGORIES},
}
ESTIMATE_KEY = "rec_t_estimate"  # the clinical model's (estimate, low, high), carried from a result, not editable
BANDS = {"": NOT_KNOWN, "low": N_("Low"), "moderate": N_("Moderate"), "high": N_("High")}
KL = {"": NOT_KNOWN, **{grade: kl_grade_label(grade) for grade in KL_GRADES}}  # English; shown via _kl_label
SEX_WORDS = {NOT_STATED: NOT_STATED, "female": N_("female"), "male": N_("male")}
FLAGS = {"postmenopausal": N_("Postmenopausal (women)"),
         "prior_fracture": N_("Broken bone after a minor fall (adult)"),
         "recent_fracture": N_("A fracture in the past 12 months"),
         "multiple_fractures": N_("Two or more fragility fractures"),
         "glucocorticoids": N_("Glucocorticoid tablets (≥ 3 months)"), "falls": N_("A fall in the past 12 months"),
         "smoker": N_("Current smoking"),
         "risk_tool_flagged": N_("A screening tool (OST, ORAI or SCORE) flags increased risk"),
         "knee_symptoms": N_("Knee pain, stiffness or loss of function")}
PATIENT_FLAGS = ("postmenopausal", "prior_fracture", "recent_fracture", "multiple_fractures", "glucocorticoids",
                 "falls", "smoker", "risk_tool_flagged")


def bone_choice_label(value: str) -> str:
    """The shown label of a :data:`BONE_CHOICES` value, in the current language."""
    source, _sep, name = value.partition(":")
    if source == "dxa":
        return _(DXA_CHOICE).format(category=_(WHO_CATEGORY_TEXT[name]))
    if source == "image_bone_density":
        return _(IMAGE_CHOICE).format(category=_(IMAGE_TEXT[name]))
    return _(BONE_CHOICES[value])


def _kl_label(value: int | str) -> str:
    return _(NOT_KNOWN) if value == "" else kl_grade_label(int(value))


def _tri(value: bool | None) -> str:
    return next(label for label, flag in YES_NO.items() if flag is value)


def apply_prefill(profile: Profile) -> None:
    """Put ``profile`` into the form's widgets (call before they are drawn)."""
    state = st.session_state
    state["rec_bone"] = f"{profile.bone_source}:{profile.bone_category}" if profile.bone_category else ""
    state["rec_t_score"] = profile.t_score
    state["rec_band"] = profile.risk_band or ""
    state["rec_kl"] = "" if profile.kl_grade is None else profile.kl_grade
    state["rec_age"] = profile.age
    state["rec_sex"] = profile.sex or NOT_STATED
    state["rec_alcohol"] = profile.alcohol_drinks_per_day
    state[ESTIMATE_KEY] = (profile.t_score_estimate, profile.t_score_estimate_low, profile.t_score_estimate_high)
    for name in FLAGS:
        state[f"rec_{name}"] = _tri(getattr(profile, name))


def _flag(name: str) -> bool | None:
    return YES_NO[st.radio(_(FLAGS[name]), list(YES_NO), key=f"rec_{name}", horizontal=True, format_func=_)]


def profile_form() -> Profile | None:
    """Draw the form; returns the profile, or ``None`` after showing what is invalid."""
    bone_col, patient_col, knee_col = st.columns(3)
    with bone_col:
        st.markdown(_("**Bone density and risk**"))
        bone = st.selectbox(_("Bone-density result"), list(BONE_CHOICES), format_func=bone_choice_label,
                            key="rec_bone")
        t_score = st.number_input(_("Measured DXA T-score (SD, optional)"), value=None, step=0.1, format="%.1f",
                                  key="rec_t_score", disabled=not bone.startswith("dxa"))
        band = st.selectbox(_("Clinical risk band"), list(BANDS), format_func=lambda value: _(BANDS[value]),
                            key="rec_band")
    with patient_col:
        st.markdown(_("**Patient**"))
        age = st.number_input(_("Age (years)"), value=None, step=1.0, format="%g", key="rec_age")
        sex = st.radio(_("Sex"), list(SEX_WORDS), key="rec_sex", horizontal=True,
                       format_func=lambda value: _(SEX_WORDS[value]))
        flags = {name: _flag(name) for name in PATIENT_FLAGS}
        alcohol = st.number_input(_("Alcohol (drinks/day)"), value=None, step=0.5, format="%g", key="rec_alcohol")
    with knee_col:
        st.markdown(_("**Knee osteoarthritis**"))
        kl = st.selectbox(_("Kellgren–Lawrence grade"), list(KL), format_func=_kl_label, key="rec_kl")
        flags["knee_symptoms"] = _flag("knee_symptoms")
    source, _sep, category = bone.partition(":")
    estimate, low, high = st.session_state.get(ESTIMATE_KEY) or (None, None, None)
    values: dict[str, Any] = {
        "t_score_estimate": estimate, "t_score_estimate_low": low, "t_score_estimate_high": high,
        "bone_category": category or None, "bone_source": source or None,
        "t_score": t_score if source == "dxa" else None, "risk_band": band or None,
        "kl_grade": None if kl == "" else int(kl), "age": age, "sex": None if sex == NOT_STATED else sex,
        "alcohol_drinks_per_day": alcohol, **flags,
    }
    try:
        return Profile(**values)
    except InputValidationError as exc:
        st.error(_("Please correct: {problems}").format(problems=" ".join(exc.issues)))
        return None
