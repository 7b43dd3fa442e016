"""Turn a result into the (inputs, outputs, model_versions) triple that ``save_screening`` stores."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from osteo_core.clinical.assess import RiskAssessment


def clinical_record(result: RiskAssessment) -> tuple[dict[str, Any], dict[str, Any], dict[str, str]]:
    """Inputs (the patient's facts), outputs (risk 0–1, band, T-score SD, WHO category, tool flags) and versions."""
    outputs = {
        "risk_probability": round(result.probability, 6), "risk_band": result.band,
        "t_score": result.patient.t_score, "who_category": result.who_category,
        "tools": {t.info.key: {"score": t.score, "flagged": t.flagged} for t in result.tools},
        "warnings": list(result.warnings),
    }
    return result.patient.to_record(), outputs, {"clinical_risk": result.model_version}


def knee_record(prediction: Any, file_name: str, model_version: str) -> tuple[dict, dict, dict]:
    """Inputs (file name), outputs (KL grade, conformal range, probabilities per grade) and the model version."""
    outputs = {"kl_grade": int(prediction.grade), "grade_set": prediction.grade_set,
               "probabilities": [round(float(p), 4) for p in prediction.probabilities]}
    return {"file_name": file_name}, outputs, {"knee_kl": model_version}


def density_record(prediction: Any, file_name: str, model_version: str,
                   post_test: tuple[float, float] | None = None) -> tuple[dict, dict, dict]:
    """Inputs (file name), outputs (image category, probabilities, estimated T-score — an estimate, not DXA —,
    pre/post-test probabilities when given) and the model version."""
    outputs = {"image_category": prediction.category,
               "probabilities": {k: round(v, 4) for k, v in prediction.probabilities.items()},
               "t_score_estimate": round(prediction.t_score, 2),
               "t_score_interval": [round(v, 2) for v in prediction.t_interval]}
    if post_test is not None:
        outputs["pre_test_probability"], outputs["post_test_probability"] = (round(v, 4) for v in post_test)
    return {"file_name": file_name}, outputs, {"bone_density_knee": model_version}
