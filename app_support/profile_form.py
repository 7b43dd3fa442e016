"""The profile form of the Recommendations page: widgets, pre-filling from a result, and the Profile they give."""

from __future__ import annotations

from typing import Any

import streamlit as st

from osteo_core.errors import InputValidationError
from osteo_core.recommend import Profile

NOT_STATED = "Not stated"
BONE_CHOICES = {
    "": "Not known",
    "dxa:normal": "DXA: normal (T-score above −1.0)",
    "dxa:osteopenia": "DXA: low bone mass / osteopenia (T-score −2.5 to −1.0)",
    "dxa:osteoporosis": "DXA: osteoporosis (T-score −2.5 or lower)",
    "image_bone_density:normal": "Image estimate: normal bone density",
    "image_bone_density:osteopenia": "Image estimate: low bone density (osteopenia)",
    "image_bone_density:osteoporosis": "Image estimate: osteoporosis range",
}
BANDS = {"": "Not known", "low": "Low", "moderate": "Moderate", "high": "High"}
KL = {"": "Not known", 0: "KL 0 — none", 1: "KL 1 — doubtful", 2: "KL 2 — mild", 3: "KL 3 — moderate",
      4: "KL 4 — severe"}
FLAGS = {"postmenopausal": "Postmenopausal (women)", "prior_fracture": "Broken bone after a minor fall (adult)",
         "glucocorticoids": "Glucocorticoid tablets (≥ 3 months)", "falls": "A fall in the past 12 months",
         "smoker": "Current smoking", "knee_symptoms": "Knee pain, stiffness or loss of function"}
_TRI = {NOT_STATED: None, "No": False, "Yes": True}


def _tri(value: bool | None) -> str:
    return next(label for label, flag in _TRI.items() if flag is value)


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
    for name in FLAGS:
        state[f"rec_{name}"] = _tri(getattr(profile, name))


def _flag(name: str) -> bool | None:
    return _TRI[st.radio(FLAGS[name], list(_TRI), key=f"rec_{name}", horizontal=True)]


def profile_form() -> Profile | None:
    """Draw the form; returns the profile, or ``None`` after showing what is invalid."""
    bone_col, patient_col, knee_col = st.columns(3)
    with bone_col:
        st.markdown("**Bone density and risk**")
        bone = st.selectbox("Bone-density result", list(BONE_CHOICES), format_func=BONE_CHOICES.get, key="rec_bone")
        t_score = st.number_input("DXA T-score (SD, optional)", value=None, step=0.1, format="%.1f",
                                  key="rec_t_score", disabled=not bone.startswith("dxa"))
        band = st.selectbox("Clinical risk band", list(BANDS), format_func=BANDS.get, key="rec_band")
    with patient_col:
        st.markdown("**Patient**")
        age = st.number_input("Age (years)", value=None, step=1.0, format="%g", key="rec_age")
        sex = st.radio("Sex", [NOT_STATED, "female", "male"], key="rec_sex", horizontal=True)
        flags = {name: _flag(name) for name in ("postmenopausal", "prior_fracture", "glucocorticoids", "falls",
                                                "smoker")}
        alcohol = st.number_input("Alcohol (drinks/day)", value=None, step=0.5, format="%g", key="rec_alcohol")
    with knee_col:
        st.markdown("**Knee osteoarthritis**")
        kl = st.selectbox("Kellgren–Lawrence grade", list(KL), format_func=KL.get, key="rec_kl")
        flags["knee_symptoms"] = _flag("knee_symptoms")
    source, _, category = bone.partition(":")
    values: dict[str, Any] = {
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
