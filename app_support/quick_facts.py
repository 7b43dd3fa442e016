"""The four-fact form (age, sex, weight, height) that gives the clinical estimate beside an image result."""

from __future__ import annotations

from typing import Any

import streamlit as st

from app_support.loaders import warm_up_risk_model
from osteo_core.clinical import assess_patient, parse_patient
from osteo_core.errors import InputValidationError, ModelLoadError
from osteo_core.i18n import N_, _
from osteo_core.report.wording import clinical_estimate_rows

SEX_WORDS = {"female": N_("female"), "male": N_("male")}  # option values stay English


def quick_clinical_estimate(facts: dict[str, Any], state_key: str) -> Any:
    """Draw the form (pre-filled with age and sex from a DICOM header in ``facts``) and the clinical estimate once
    given; returns the assessment kept under ``state_key`` (``None`` until the facts are given)."""
    if facts:
        st.caption(_("Age and sex were read from the DICOM header; nothing else from it is kept."))
    with st.form("facts"):
        c1, c2, c3, c4 = st.columns(4)
        age = c1.number_input(_("Age (years)"), value=facts.get("age_years"), step=1.0, format="%g")
        sex = c2.selectbox(_("Sex"), list(SEX_WORDS), index=None if "sex" not in facts else
                           list(SEX_WORDS).index(facts["sex"]), format_func=lambda value: _(SEX_WORDS[value]))
        weight = c3.number_input(_("Weight (kg)"), value=None, step=0.5, format="%g")
        height = c4.number_input(_("Height (cm)"), value=None, step=0.5, format="%g")
        given = st.form_submit_button(_("Estimate from these facts"))
    if given:
        try:
            patient = parse_patient({"age": age, "sex": sex, "weight_kg": weight, "height_cm": height})
            st.session_state[state_key] = assess_patient(patient, model=warm_up_risk_model(), explain=False)
        except InputValidationError as exc:
            for message in exc.issues:
                st.error(message)
        except ModelLoadError as exc:
            st.error(_("The clinical model cannot be loaded, so no clinical estimate is shown. Details: {error}")
                     .format(error=exc))
    clinical = st.session_state.get(state_key)
    if clinical is None:
        st.info(_("Enter age, sex, weight and height for the clinical model's estimate of the probability that a "
                  "hip DXA would show osteoporosis. It is kept separate from the image: no post-test probability is "
                  "computed from an image model this close to chance."))
    else:
        for label, value in clinical_estimate_rows(clinical):  # worded by osteo_core
            st.markdown(f"**{label}:** {value}")
        st.caption(_("Full detail, risk factors and screening tools are on the Clinical risk page."))
    return clinical
