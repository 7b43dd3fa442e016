"""Single-patient clinical screening: the patient schema, validated screening tools, the risk model and the WHO
T-score categories. Names are imported lazily from the submodule that defines them."""

from osteo_core._lazy import lazy_loader

__all__ = [
    "FIELDS", "FIELDS_BY_NAME", "RACE_LABELS", "REQUIRED_FIELDS", "FieldSpec",  # fields
    "Patient", "parse_patient",  # patient
    "RiskAssessment", "ToolResult", "assess_patient", "screening_tools",  # assess
    "RISK_BAND_LABELS", "RISK_BAND_TEXT", "RiskModel", "load_risk_model",  # risk_model
    "TOOL_INFO", "TOOLS", "ToolInfo",  # tools
    "ValidatedFrame", "validate_frame",  # validate
    "WHO_CATEGORIES", "WHO_CATEGORY_NAMES", "WHO_CATEGORY_TEXT", "WHO_SOURCE", "who_applicability_note",  # who
    "who_category",
]
__getattr__, __dir__ = lazy_loader(__name__, __all__,
                                   ("fields", "patient", "assess", "risk_model", "tools", "validate", "who"))
