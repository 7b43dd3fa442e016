"""Cached loaders and predictions for the body-part gate and the knee bone-density model."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import streamlit as st

from osteo_core.config import models_dir

if TYPE_CHECKING:  # pragma: no cover - typing only
    import numpy as np

    from osteo_core.imaging.bone_density import BoneDensityModel, DensityPrediction
    from osteo_core.imaging.gate import BodyPartGate, GateVerdict
    from osteo_core.imaging.radiograph import Radiograph


@st.cache_resource(show_spinner=False)
def _gate(folder: str) -> BodyPartGate:
    from osteo_core.imaging.gate import load_gate

    return load_gate(Path(folder))


@st.cache_resource(show_spinner=False)
def _density(folder: str) -> BoneDensityModel:
    from osteo_core.imaging.bone_density import load_bone_density_model

    return load_bone_density_model(Path(folder))


def get_gate() -> BodyPartGate:
    """The body-part gate, loaded once. Raises ModelLoadError."""
    return _gate(str(models_dir() / "body_part_gate"))


def get_density_model() -> BoneDensityModel:
    """The knee bone-density model, loaded once. Raises ModelLoadError."""
    return _density(str(models_dir() / "bone_density_knee"))


@st.cache_data(show_spinner=False, max_entries=32, ttl=900)
def read_upload(data: bytes, name: str) -> tuple[Radiograph | None, str]:
    """The decoded radiograph of an upload and "" — or ``None`` and the reason it cannot be read."""
    from osteo_core.errors import ImageReadError
    from osteo_core.imaging.radiograph import load_radiograph

    try:
        return load_radiograph(data, name), ""
    except ImageReadError as exc:
        return None, str(exc)


def check_body_part(radiograph: Radiograph) -> GateVerdict:
    """The gate's verdict (knee and hand are recognised; other images are refused with a reason)."""
    return get_gate().check(radiograph, expected=("knee", "hand"))


def check_knee(pixels: np.ndarray) -> GateVerdict:
    """The gate's verdict for the knee grader: only a knee radiograph passes; others are refused with a reason."""
    from osteo_core.imaging.radiograph import Radiograph

    return get_gate().check(Radiograph(pixels=pixels), expected=("knee",))


@st.cache_data(show_spinner=False, max_entries=32, ttl=900)
def _predict_density(folder: str, version: str, pixels: np.ndarray) -> DensityPrediction:
    return _density(folder).predict([pixels])[0]


def predict_density(pixels: np.ndarray) -> DensityPrediction:
    """Bone-density prediction for one grayscale image, cached by model and pixels."""
    folder = str(models_dir() / "bone_density_knee")
    return _predict_density(folder, _density(folder).version, pixels)


@st.cache_data(show_spinner=False, max_entries=64, ttl=900)
def _density_heatmap(folder: str, version: str, pixels: np.ndarray, category: str, method: str) -> np.ndarray:
    return _density(folder).heatmap(pixels, category, method)


def density_heatmap(pixels: np.ndarray, category: str, method: str) -> np.ndarray:
    """Grad-CAM of ``category`` on the model's view, cached so the opacity slider does not recompute it."""
    folder = str(models_dir() / "bone_density_knee")
    return _density_heatmap(folder, _density(folder).version, pixels, category, method)
