"""Cached loaders: the clinical risk model (once per server), a SHAP warm-up, model cards and evaluations."""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING, Any

import streamlit as st

from osteo_core.config import models_dir

if TYPE_CHECKING:  # pragma: no cover - typing only
    from osteo_core.clinical.risk_model import RiskModel

RISK_MODEL_NAME = "clinical_risk"
_WARM_UP_PATIENT = {"age": 65, "sex": "female", "weight_kg": 60, "height_cm": 160}


@st.cache_resource(show_spinner=False)
def _load_risk_model(folder: str) -> RiskModel:
    from osteo_core.clinical.risk_model import load_risk_model

    return load_risk_model(Path(folder))


def get_risk_model() -> RiskModel:
    """The shipped clinical risk model, loaded once per server process and folder.

    Raises :class:`osteo_core.errors.ModelLoadError` when it cannot be loaded (errors are not cached, so a
    repaired model is picked up on the next run).
    """
    return _load_risk_model(str(models_dir() / RISK_MODEL_NAME))


@st.cache_resource(show_spinner=False)
def _warm_up(folder: str) -> bool:
    from osteo_core.clinical.assess import assess_patient
    from osteo_core.clinical.patient import parse_patient

    assess_patient(parse_patient(_WARM_UP_PATIENT), model=_load_risk_model(folder), explain=True)
    return True


def warm_up_risk_model() -> RiskModel:
    """Load the model and run one SHAP explanation (imports shap once, ~4 s) under a spinner, first run only."""
    folder = str(models_dir() / RISK_MODEL_NAME)
    with st.spinner("Loading the risk model (first time only, a few seconds)…"):
        model = _load_risk_model(folder)
        _warm_up(folder)
    return model


def list_models() -> list[str]:
    """Names of the shipped models that have a ``model_card.md``, sorted."""
    root = models_dir()
    if not root.is_dir():
        return []
    return sorted(card.parent.name for card in root.glob("*/model_card.md"))


def read_model_card(name: str) -> str | None:
    """Markdown text of ``models/<name>/model_card.md``, or ``None`` when missing or unreadable."""
    try:
        return (models_dir() / name / "model_card.md").read_text(encoding="utf-8")
    except OSError:
        return None


def read_evaluation(name: str) -> dict[str, Any] | None:
    """Parsed ``models/<name>/evaluation.json``, or ``None`` when missing or not valid JSON."""
    try:
        return json.loads((models_dir() / name / "evaluation.json").read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError):
        return None
