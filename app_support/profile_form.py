"""The profile form of the Recommendations page: widgets, pre-filling from a result, and the Profile they give."""

from __future__ import annotations

from typing import Any

import streamlit as st

from osteo_core.clinical.who import WHO_CATEGORIES, WHO_CATEGORY_TEXT
from osteo_core.errors import InputValidationError
from osteo_core.recommend import Profile
from osteo_core.vocabulary import KL_GRADES, NOT_KNOWN, NOT_STATED, YES_NO, kl_grade_label

IMAGE_TEXT = {"normal": "normal bone density", "osteopenia": "low bone density (osteopenia)",
              "osteoporosis": "osteoporosis range"}
BONE_CHOICES = {
    "": NOT_KNOWN,
    **{f"dxa:{name}": f"DXA (measured): {WHO_CATEGORY_TEXT[name]}" for name in WHO_CATEGORIES},
    **{f"image_bone_density:{name}": f"Image estimate (not validated): {IMAGE_TEXT[name]}" for name in WHO_CATEGORIES},
}
ESTIMATE_KEY = "rec_t_estimate"  # the clinical model's (estimate, low, high), carried from a result, not editable
BANDS = {"": NOT_KNOWN, "low": "Low", "moderate": "Moderate", "high": "High"}
KL = {"": NOT_KNOWN, **{grade: kl_grade_label(grade) for grade in KL_GRADES}}
FLAGS = {"postmenopausal": "Postmenopausal (women)", "prior_fracture": "Broken bone after a minor fall (adult)",
         "recent_fracture": "A fracture in the past 12 months",
         "multiple_fractures": "Two or more fragility fractures",
         "glucocorticoids": "Glucocorticoid tablets (≥ 3 months)", "falls": "A fall in the past 12 months",
         "smoker": "Current smoking",
         "risk_tool_flagged": "A screening tool (OST, ORAI or SCORE) flags increased risk",
         "knee_symptoms": "Knee pain, stiffness or loss of function"}
PATIENT_FLAGS = ("postmenopausal", "prior_fracture", "recent_fracture", "multiple_fractures", "glucocorticoids",
                 "falls", "smoker", "risk_tool_flagged")


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
    return YES_NO[st.radio(FLAGS[name], list(YES_NO), key=f"rec_{name}", horizontal=True)]


def profile_form() -> Profile | None:
    """Draw the form; returns the profile, or ``None`` after showing what is invalid."""
    bone_col, patient_col, knee_col = st.columns(3)
    with bone_col:
        st.markdown("**Bone density and risk**")
        bone = st.selectbox("Bone-density result", list(BONE_CHOICES), format_func=BONE_CHOICES.get, key="rec_bone")
        t_score = st.number_input("Measured DXA T-score (SD, optional)", value=None, step=0.1, format="%.1f",
                                  key="rec_t_score", disabled=not bone.startswith("dxa"))
        band = st.selectbox("Clinical risk band", list(BANDS), format_func=BANDS.get, key="rec_band")
    with patient_col:
        st.markdown("**Patient**")
        age = st.number_input("Age (years)", value=None, step=1.0, format="%g", key="rec_age")
        sex = st.radio("Sex", [NOT_STATED, "female", "male"], key="rec_sex", horizontal=True)
        flags = {name: _flag(name) for name in PATIENT_FLAGS}
        alcohol = st.number_input("Alcohol (drinks/day)", value=None, step=0.5, format="%g", key="rec_alcohol")
    with knee_col:
        st.markdown("**Knee osteoarthritis**")
        kl = st.selectbox("Kellgren–Lawrence grade", list(KL), format_func=KL.get, key="rec_kl")
        flags["knee_symptoms"] = _flag("knee_symptoms")
    source, _, category = bone.partition(":")
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
        st.error("Please correct: " + " ".join(exc.issues))
        return None
