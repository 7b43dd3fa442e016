"""Turn a result into the (inputs, outputs, model_versions) triple that ``save_screening`` stores."""

from __future__ import annotations

import re
from pathlib import PurePath
from typing import TYPE_CHECKING, Any

from osteo_core.vocabulary import STORED_RISK_FIELD

if TYPE_CHECKING:
    from osteo_core.clinical.assess import RiskAssessment

_EXTENSION = re.compile(r"^\.[a-z0-9]{1,8}$")


def file_type(file_name: str) -> str:
    """Only the lower-case extension of an uploaded file (``".dcm"``), never its name: PACS exports name files
    after the patient (``DOE_JANE_MRN123456_….dcm``). ``""`` when there is no plain extension."""
    suffix = PurePath(file_name or "").suffix.lower()
    return suffix if _EXTENSION.match(suffix) else ""


def clinical_record(result: RiskAssessment) -> tuple[dict[str, Any], dict[str, Any], dict[str, str]]:
    """Inputs (the patient's facts), outputs (risk 0–1, band, T-score SD, WHO category, tool flags) and versions."""
    outputs = {
        STORED_RISK_FIELD: round(result.probability, 6), "risk_band": result.band,
        "t_score": result.patient.t_score, "who_category": result.who_category,
        "tools": {t.info.key: {"score": t.score, "flagged": t.flagged} for t in result.tools},
        "warnings": list(result.warnings),
    }
    return result.patient.to_record(), outputs, {"clinical_risk": result.model_version}


def knee_record(prediction: Any, file_name: str, model_version: str) -> tuple[dict, dict, dict]:
    """Inputs (the file's extension only, see :func:`file_type`), outputs (KL grade, conformal range,
    probabilities per grade) and the model version."""
    outputs = {"kl_grade": int(prediction.grade), "grade_set": prediction.grade_set,
               "probabilities": [round(float(p), 4) for p in prediction.probabilities]}
    return {"file_type": file_type(file_name)}, outputs, {"knee_kl": model_version}


def density_record(prediction: Any, file_name: str, model_version: str, clinical: RiskAssessment | None = None,
                   image_adds: bool = True) -> tuple[dict, dict, dict]:
    """Inputs (the file's extension only, plus the patient's facts when ``clinical`` is given), outputs (image
    category, probabilities, estimated T-score — an estimate, not DXA —, and with ``clinical`` its risk 0–1 and
    band) and the model versions. ``image_adds=False`` (the image adds nothing beyond the clinical facts) records
    that the answer is the clinical estimate and the image fields are research only. No post-test probability: the
    image model is near chance."""
    outputs: dict[str, Any] = {
        "image_category": prediction.category,
        "probabilities": {k: round(v, 4) for k, v in prediction.probabilities.items()},
        "t_score_estimate": round(prediction.t_score, 2),
        "t_score_interval": [round(v, 2) for v in prediction.t_interval],
        "answer": ("clinical estimate (image research only)" if not image_adds
                   else "image model and clinical estimate" if clinical is not None else "image model"),
    }
    inputs: dict[str, Any] = {"file_type": file_type(file_name)}
    versions = {"bone_density_knee": model_version}
    if clinical is not None:
        outputs |= {STORED_RISK_FIELD: round(clinical.probability, 6), "risk_band": clinical.band}
        inputs |= clinical.patient.to_record()
        versions["clinical_risk"] = clinical.model_version
    return inputs, outputs, versions
