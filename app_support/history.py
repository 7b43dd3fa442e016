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
from osteo_core.i18n import N_, _
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
    "StoreError", "audit", "band_label", "clear_failures", "clinical_record", "delete_patient", "density_record",
    "due_follow_ups", "export_patient", "export_patient_csv", "follow_up_for", "kind_label", "knee_record",
    "list_audit", "list_patients", "list_screenings", "offer_save_screening", "open_store", "timeline_figure",
]

# What the history pages show for the stored English values (the values themselves stay English).
KIND_LABELS = {"clinical_risk": N_("Clinical risk"), "knee_staging": N_("Knee staging"),
               "image_screening": N_("Image screening")}
BAND_LABELS = {"high": N_("high"), "moderate": N_("moderate"), "low": N_("low")}


def kind_label(kind: str) -> str:
    """The screening kind (``"clinical_risk"``, …) as shown, in the current language; unknown kinds as stored."""
    return _(KIND_LABELS[kind]) if kind in KIND_LABELS else kind.replace("_", " ")


def band_label(band: str | None) -> str | None:
    """The model's risk band (``"high"``/``"moderate"``/``"low"``) as shown, in the current language."""
    return _(BAND_LABELS[band]) if band in BAND_LABELS else band


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
        st.info(_("Demo account: results are not stored."))
        return
    with st.container(border=True):
        st.markdown("**" + _("Save to patient history") + "**")
        patient_id = st.text_input(_("Pseudonymous patient id"), value=patient_id_hint or "",
                                   key=f"history_{kind}_patient_id", placeholder=_("e.g. P-0042"),
                                   help=_("A pseudonym from your own records — never a name or a date of birth."))
        store_image = False
        if image_png is not None:
            store_image = st.checkbox(_("also store the image"), value=False, key=f"history_{kind}_store_image",
                                      help=_("Off by default: only the result is stored, not the pixels."))
        if not st.button(_("Save to patient history"), key=f"history_{kind}_save"):
            return
        fingerprint = hashlib.sha256(json.dumps([patient_id, inputs, outputs], sort_keys=True, default=str)
                                     .encode()).hexdigest()
        if st.session_state.get(f"history_{kind}_saved") == fingerprint:
            st.info(_("This result is already saved for this patient."))
            return
        try:
            row = save_screening(open_store(), patient_id, kind, inputs, outputs, model_versions,
                                 user=session.username, image_png=image_png if store_image else None)
        except ValueError as exc:
            st.error(str(exc))
        except StoreError as exc:
            st.error(_("The history database is not available, so nothing was saved. Details: {error}")
                     .format(error=exc))
        else:
            st.session_state[f"history_{kind}_saved"] = fingerprint
            saved = (_("Saved as screening #{row} of patient {patient} (with the image).") if store_image
                     else _("Saved as screening #{row} of patient {patient}."))
            st.success(saved.format(row=row, patient=patient_id.strip()))
