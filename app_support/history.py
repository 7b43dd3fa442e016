"""The pages' door to the patient history: saving a result from a result page, and the store functions the
history pages use (re-exported here, so no page imports ``osteo_core.store`` itself).

Wiring a result page (one call, after the result is shown)::

    from app_support.history import clinical_record, offer_save_screening

    inputs, outputs, versions = clinical_record(result)          # Clinical risk page
    offer_save_screening("clinical_risk", None, inputs, outputs, versions)

    offer_save_screening("knee_staging", None, {"file": name}, {"kl_grade": 2, "probabilities": [...]},
                         {"knee_kl": grader.version}, image_png=png_bytes)   # Knee staging page
"""

from __future__ import annotations

import hashlib
import json
from typing import Any

import streamlit as st

from app_support.auth import current_session
from osteo_core.store import (
    StoreError,
    audit,
    delete_patient,
    due_follow_ups,
    export_patient,
    export_patient_csv,
    follow_up_for,
    list_audit,
    list_patients,
    list_screenings,
    open_store,
    save_screening,
)
from osteo_core.store.logins import clear_failures
from osteo_core.store.records import clinical_record, density_record, knee_record
from osteo_core.store.timeline import timeline_figure

__all__ = [
    "StoreError", "audit", "clear_failures", "clinical_record", "delete_patient", "density_record", "due_follow_ups",
    "export_patient", "export_patient_csv", "follow_up_for", "knee_record", "list_audit", "list_patients",
    "list_screenings", "offer_save_screening", "open_store", "timeline_figure",
]


def offer_save_screening(kind: str, patient_id_hint: str | None, inputs: dict[str, Any], outputs: dict[str, Any],
                         model_versions: dict[str, str], image_png: bytes | None = None) -> None:
    """Draw a "Save to patient history" box: a pseudonymous patient id, the button, and (only when ``image_png``
    is given) an unticked "also store the image" box. Demo users see one info line and nothing is stored.

    ``kind``: ``"clinical_risk"``, ``"knee_staging"`` or ``"image_screening"``. ``outputs`` may hold
    ``risk_probability`` (0–1), ``risk_band`` and ``t_score`` (SD) — the Patient timeline plots them. All values
    must be JSON-serialisable. Image pixels are stored only when the user ticks the box. Errors are shown on
    the page, never raised.
    """
    session = current_session()
    if not session.may_store:
        st.info("Demo account: results are not stored.")
        return
    with st.container(border=True):
        st.markdown("**Save to patient history**")
        patient_id = st.text_input("Pseudonymous patient id", value=patient_id_hint or "",
                                   key=f"history_{kind}_patient_id", placeholder="e.g. P-0042",
                                   help="A pseudonym from your own records — never a name or a date of birth.")
        store_image = False
        if image_png is not None:
            store_image = st.checkbox("also store the image", value=False, key=f"history_{kind}_store_image",
                                      help="Off by default: only the result is stored, not the pixels.")
        if not st.button("Save to patient history", key=f"history_{kind}_save"):
            return
        fingerprint = hashlib.sha256(json.dumps([patient_id, inputs, outputs], sort_keys=True, default=str)
                                     .encode()).hexdigest()
        if st.session_state.get(f"history_{kind}_saved") == fingerprint:
            st.info("This result is already saved for this patient.")
            return
        try:
            row = save_screening(open_store(), patient_id, kind, inputs, outputs, model_versions,
                                 user=session.username, image_png=image_png if store_image else None)
        except ValueError as exc:
            st.error(str(exc))
        except StoreError as exc:
            st.error(f"The history database is not available, so nothing was saved. Details: {exc}")
        else:
            st.session_state[f"history_{kind}_saved"] = fingerprint
            st.success(f"Saved as screening #{row} of patient {patient_id.strip()}"
                       + (" (with the image)." if store_image else "."))
