"""Sample screening records and test users shared by the store, auth and app tests."""

CLINICAL_OUTPUTS = {"risk_probability": 0.21, "risk_band": "high", "who_category": None}
INPUTS = {"age": 71.0, "sex": "female", "weight_kg": 52.0, "height_cm": 158.0}
VERSIONS = {"clinical_risk": "test-1"}

PASSWORDS = {"root": "admin-pass-1", "ana": "clinic-pass-1", "cy": "analyst-pass-1", "dee": "demo-pass-01"}
ROLES = {"root": "admin", "ana": "clinician", "cy": "analyst", "dee": "demo"}
