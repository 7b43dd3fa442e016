"""Cached loaders: the clinical risk model (once per server), a SHAP warm-up, knee uploads, model cards and
evaluations. The image models (gate, knee grader, bone density) live in :mod:`app_support.image_models`; the knee
names are re-exported here for the pages that import them from this module."""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING, Any

import streamlit as st

from app_support.image_models import get_knee_grader, knee_heatmap, predict_knee  # noqa: F401 (re-exported)
from osteo_core.config import models_dir
from osteo_core.i18n import _, current_language

if TYPE_CHECKING:  # pragma: no cover - typing only
    import numpy as np

    from osteo_core.clinical.risk_model import RiskModel

RISK_MODEL_NAME = "clinical_risk"
KNEE_MODEL_NAME = "knee_kl"
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
    with st.spinner(_("Loading the risk model (first time only, a few seconds)…")):
        model = _load_risk_model(folder)
        _warm_up(folder)
    return model


def read_knee_upload(data: bytes, name: str) -> tuple[np.ndarray | None, str]:
    """Grayscale pixels of an uploaded file and the reason it is refused ("" = passes the sanity checks), in the
    current language; pixels are ``None`` when the file cannot be read at all. Cached by file bytes and language."""
    return _read_knee_upload(data, name, current_language())


@st.cache_data(show_spinner=False, max_entries=32, ttl=900)
def _read_knee_upload(data: bytes, name: str, language: str) -> tuple[np.ndarray | None, str]:
    """``language`` is only a cache key: the reason is text shown to the user, worded in the current language."""
    from osteo_core.imaging.radiograph import check_readable

    radiograph, reason = check_readable(data, name)
    return (None if radiograph is None else radiograph.pixels), reason


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


def knee_model_problem() -> str | None:
    """Why the knee grader or the body-part gate in front of it cannot be used (missing or mismatched files), or
    ``None`` when their files check out. Cheap: reads manifests and checksums only, without loading TensorFlow."""
    from osteo_core.errors import ModelLoadError
    from osteo_core.model_files import read_manifest

    try:
        for name in (KNEE_MODEL_NAME, "body_part_gate"):
            read_manifest(models_dir() / name)
    except ModelLoadError as exc:
        return str(exc)
    return None
