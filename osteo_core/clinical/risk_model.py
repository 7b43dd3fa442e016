"""The shipped clinical model: loading (once, checked against its manifest), the probability that a hip DXA would
show osteoporosis, the estimated femoral-neck T-score with its 80 % interval, and risk bands."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

import numpy as np
import pandas as pd

from osteo_core.clinical.equations import ClinicalEquations
from osteo_core.clinical.features import MODEL_FEATURES
from osteo_core.errors import ModelLoadError
from osteo_core.i18n import N_, _
from osteo_core.model_files import cached_loader, read_manifest, write_manifest
from osteo_core.model_files import model_folder as shared_model_folder

RiskBand = Literal["low", "moderate", "high"]
MODEL_NAME = "clinical_risk"
WEIGHTS_FILE = "model.json"

# Display texts of the bands (the band values "low"/"moderate"/"high" stay English in every table and file),
# marked for translation and translated where shown: _(RISK_BAND_TEXT[band]), _(RISK_BAND_LABELS[band]).
RISK_BAND_TEXT = {
    "low": N_("Low: below the model's referral thresholds"),
    "moderate": N_("Moderate: discuss bone health; consider DXA if other risk factors are present"),
    "high": N_("High: DXA referral is suggested"),
}
RISK_BAND_LABELS = {"low": N_("Low"), "moderate": N_("Moderate"), "high": N_("High")}


@dataclass(frozen=True)
class TScoreEstimate:
    """Estimated femoral-neck T-scores (SD units) with the 80 % prediction interval, one value per row."""

    estimate: np.ndarray
    low: np.ndarray
    high: np.ndarray


@dataclass(frozen=True)
class ClinicalEstimate:
    """Probability (0–1) of hip DXA osteoporosis and the T-score estimate, one value per row."""

    probability: np.ndarray
    t_score: TScoreEstimate


@dataclass
class RiskModel:
    """Calibrated probability (0–1) that a hip DXA scan would show osteoporosis (lower of femoral-neck and
    total-hip T-score ≤ −2.5, WHO) and an estimated femoral-neck T-score, from facts a clinician can give in a
    minute. Inputs follow ``MODEL_FEATURES`` (see ``model_inputs``). ``background`` is the sample SHAP needs."""

    equations: ClinicalEquations
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
        return self.predict_matrix(inputs.loc[:, list(MODEL_FEATURES)].to_numpy(dtype="float64"))

    def predict_matrix(self, matrix: np.ndarray) -> np.ndarray:
        """Calibrated probability for a float matrix whose columns follow ``MODEL_FEATURES`` (used by SHAP)."""
        matrix = np.asarray(matrix, dtype="float64")
        if len(matrix) == 0:
            return np.empty(0)
        return self.equations.probability(matrix)

    def predict_t_score(self, inputs: pd.DataFrame) -> TScoreEstimate:
        """Estimated femoral-neck T-score and its 80 % prediction interval for each row of model inputs."""
        matrix = inputs.loc[:, list(MODEL_FEATURES)].to_numpy(dtype="float64")
        if len(matrix) == 0:
            empty = np.empty(0)
            return TScoreEstimate(empty, empty, empty)
        return TScoreEstimate(*self.equations.t_score_interval(matrix))

    def estimate(self, inputs: pd.DataFrame) -> ClinicalEstimate:
        """Probability and T-score estimate together (the design is built once), for each row of model inputs."""
        matrix = inputs.loc[:, list(MODEL_FEATURES)].to_numpy(dtype="float64")
        if len(matrix) == 0:
            empty = np.empty(0)
            return ClinicalEstimate(empty, TScoreEstimate(empty, empty, empty))
        probability, t_score = self.equations.evaluate(matrix)
        return ClinicalEstimate(probability, TScoreEstimate(*t_score))

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
    """Load the clinical model from ``folder`` (default ``models/clinical_risk``), once per folder.

    Raises :class:`ModelLoadError` when the manifest or weights are missing, the checksum does not match or the
    file has another layout.
    """
    folder = Path(folder)  # resolved by @cached_loader
    manifest = read_manifest(folder)
    weights = folder / manifest["file"]
    try:
        bundle = json.loads(weights.read_text())
        equations = ClinicalEquations.from_dict(bundle["equations"])
        background = pd.DataFrame(bundle["background"], columns=list(MODEL_FEATURES), dtype="float64")
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise ModelLoadError(_("Model file {path} cannot be loaded: {error}").format(path=weights, error=exc)) from exc
    return RiskModel(equations=equations, background=background, metadata=manifest)


def save_risk_model(model: RiskModel, folder: Path) -> Path:
    """Write ``model.json`` (equations and SHAP background) and ``manifest.json`` (metadata, checksum)."""
    folder.mkdir(parents=True, exist_ok=True)
    weights = folder / WEIGHTS_FILE
    background = model.background.loc[:, list(MODEL_FEATURES)].astype("float64")
    bundle = {"equations": model.equations.to_dict(),
              "background": [[None if np.isnan(v) else float(v) for v in row] for row in background.to_numpy()]}
    weights.write_text(json.dumps(bundle, indent=1) + "\n")
    write_manifest(folder, weights, dict(model.metadata) | {"features": list(MODEL_FEATURES)})
    return weights
