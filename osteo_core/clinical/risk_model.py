"""The shipped clinical risk model: loading (once, checked against its manifest), prediction and risk bands."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

import joblib
import numpy as np
import pandas as pd

from osteo_core.clinical.features import MODEL_FEATURES
from osteo_core.errors import ModelLoadError
from osteo_core.model_files import cached_loader, read_manifest, write_manifest
from osteo_core.model_files import model_folder as shared_model_folder

RiskBand = Literal["low", "moderate", "high"]
MODEL_NAME = "clinical_risk"

RISK_BAND_TEXT = {
    "low": "Low: below the model's referral thresholds",
    "moderate": "Moderate: discuss bone health; consider DXA if other risk factors are present",
    "high": "High: DXA referral is suggested",
}


@dataclass
class RiskModel:
    """A fitted pipeline over ``MODEL_FEATURES`` returning calibrated probabilities of a self-reported
    osteoporosis diagnosis, plus the background sample SHAP needs and the metadata from training."""

    pipeline: Any
    background: pd.DataFrame
    metadata: dict[str, Any] = field(default_factory=dict)

    @property
    def version(self) -> str:
        return str(self.metadata.get("version", "unknown"))

    @property
    def band_thresholds(self) -> tuple[float, float]:
        """(moderate, high) probability thresholds, as fractions 0–1."""
        low, high = self.metadata.get("band_thresholds", (0.05, 0.15))
        return float(low), float(high)

    def predict(self, inputs: pd.DataFrame) -> np.ndarray:
        """Calibrated probability (0–1) for each row of model inputs (see ``model_inputs``)."""
        matrix = inputs.loc[:, list(MODEL_FEATURES)].to_numpy(dtype="float64")
        if len(matrix) == 0:
            return np.empty(0)
        return self.pipeline.predict_proba(matrix)[:, 1]

    def predict_matrix(self, matrix: np.ndarray) -> np.ndarray:
        """Calibrated probability for a float matrix whose columns follow ``MODEL_FEATURES`` (used by SHAP)."""
        return self.pipeline.predict_proba(np.asarray(matrix, dtype="float64"))[:, 1]

    def risk_band(self, probability: np.ndarray | float) -> np.ndarray:
        """Risk band ("low", "moderate", "high") for each probability."""
        moderate, high = self.band_thresholds
        p = np.atleast_1d(np.asarray(probability, dtype=float))
        return np.select([p >= high, p >= moderate], ["high", "moderate"], default="low")


def model_folder(name: str = MODEL_NAME, root: Path | None = None) -> Path:
    """Folder of a shipped model (default the clinical risk model): ``models/<name>/``."""
    return shared_model_folder(name, root)


@cached_loader(MODEL_NAME)
def load_risk_model(folder: Path | None = None) -> RiskModel:
    """Load the clinical risk model from ``folder`` (default ``models/clinical_risk``), once per folder.

    Raises :class:`ModelLoadError` when the manifest or weights are missing, or the checksum does not match.
    """
    folder = Path(folder)  # resolved by @cached_loader
    manifest = read_manifest(folder)
    weights = folder / manifest["file"]
    try:
        bundle = joblib.load(weights)
    except Exception as exc:  # joblib raises many types for a corrupt pickle
        raise ModelLoadError(f"Model file {weights} cannot be loaded: {exc}") from exc
    return RiskModel(pipeline=bundle["pipeline"], background=bundle["background"], metadata=manifest)


def save_risk_model(model: RiskModel, folder: Path) -> Path:
    """Write ``model.joblib`` and ``manifest.json`` (metadata plus checksum) into ``folder``."""
    folder.mkdir(parents=True, exist_ok=True)
    weights = folder / "model.joblib"
    joblib.dump({"pipeline": model.pipeline, "background": model.background}, weights, compress=3)
    write_manifest(folder, weights, dict(model.metadata) | {"features": list(MODEL_FEATURES)})
    return weights
