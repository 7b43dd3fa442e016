"""The shipped gate and bone-density model on real data (needs ../shared/data; skips without it)."""

import json

import numpy as np
import pandas as pd
import pytest

from osteo_core.imaging.bone_density import load_bone_density_model
from osteo_core.imaging.gate import load_gate
from osteo_core.imaging.radiograph import Radiograph
from osteo_core.imaging.read import read_radiograph
from osteo_core.model_files import model_folder

pytestmark = [pytest.mark.real_data, pytest.mark.slow]


def _claimed(name: str) -> dict:
    return json.loads((model_folder(name) / "evaluation.json").read_text())


def test_gate_false_rejects_on_real_knees_and_hands_match_its_card(real_data_dir):
    gate = load_gate()
    card = _claimed("body_part_gate")
    labels = pd.read_csv(real_data_dir / "knee_kl" / "labels.csv")
    knees = labels[labels["split"] == "val"].sample(150, random_state=1)
    verdicts = [gate.check(Radiograph(pixels=read_radiograph(real_data_dir / "knee_kl" / p))) for p in knees["path"]]
    knee_reject = np.mean([not (v.usable and v.body_part == "knee") for v in verdicts])
    assert knee_reject <= card["val_knee_kl"]["false_reject_rate"] + 0.05
    hands = pd.read_csv(real_data_dir / "hand_boneage" / "labels.csv").sample(frac=1.0, random_state=11)
    held_out = hands["id"].iloc[int(len(hands) * 0.8):][:150]
    verdicts = [gate.check(Radiograph(pixels=read_radiograph(real_data_dir / "hand_boneage" / "images" / f"{i}.png")))
                for i in held_out]
    hand_reject = np.mean([not (v.usable and v.body_part == "hand") for v in verdicts])
    assert hand_reject <= card["val_hand"]["false_reject_rate"] + 0.05


def test_bone_density_model_fits_its_own_data_at_least_as_well_as_cross_validation(real_data_dir):
    """In-sample sanity check (the shipped model saw these patients): its fit cannot be worse than the
    cross-validated AUC its card reports, and every T-score sits inside its interval."""
    from sklearn.metrics import roc_auc_score

    root = real_data_dir / "knee_bone_density"
    table = pd.read_csv(root / "patients.csv")
    table = table[table["image"].notna()]
    model = load_bone_density_model()
    predictions = model.predict([read_radiograph(root / p) for p in table["image"]])
    low_mass = (table["diagnosis"] != "normal").to_numpy()
    auc = roc_auc_score(low_mass, [1 - p.probabilities["normal"] for p in predictions])
    assert auc >= _claimed("bone_density_knee")["comparison"]["image"]["auc_low_bone_mass"]["value"]
    assert all(p.t_interval[0] < p.t_score < p.t_interval[1] for p in predictions)
