"""History and audit store: SQLAlchemy Core on SQLite (default, WAL) or PostgreSQL (by URL).

    from osteo_core.store import open_store, save_screening, list_screenings
    engine = open_store()                      # OSTEO_DATABASE_URL, migrated to the latest schema
    save_screening(engine, "P-0001", "clinical_risk", inputs, outputs, {"clinical_risk": "1.0"}, user="ana")

Nothing here imports Streamlit; the pages reach it through ``app_support.history``.
"""

from osteo_core.errors import StoreError
from osteo_core.store.audit import audit, list_audit
from osteo_core.store.engine import create_store_engine, open_store
from osteo_core.store.followup import FollowUp, due_follow_ups, follow_up_for
from osteo_core.store.migrations import SCHEMA_VERSION, current_version, migrate
from osteo_core.store.screenings import (
    Screening,
    delete_patient,
    export_patient,
    export_patient_csv,
    list_patients,
    list_screenings,
    save_screening,
    validate_patient_id,
)

__all__ = [
    "SCHEMA_VERSION", "FollowUp", "Screening", "StoreError", "audit", "create_store_engine", "current_version",
    "delete_patient", "due_follow_ups", "export_patient", "export_patient_csv", "follow_up_for", "list_audit",
    "list_patients", "list_screenings", "migrate", "open_store", "save_screening", "validate_patient_id",
]
