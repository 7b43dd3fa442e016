"""Body-part gate, bone-density model and the bone-density command line (tiny models)."""

import numpy as np
import pandas as pd
import pytest

from osteo_core.__main__ import main
from osteo_core.imaging.batch import BONE_DENSITY_COLUMNS
from osteo_core.imaging.bone_density import DENSITY_CLASSES, load_bone_density_model
from osteo_core.imaging.gate import BodyPartGate, load_gate
from osteo_core.imaging.radiograph import Radiograph
from tests.helpers.images import encode, synthetic_knee
from tests.tiny_models import build_tiny_gate_model


def test_gate_accepts_expected_part_and_explains_rejections(tiny_models_root):
    gate = load_gate(tiny_models_root / "body_part_gate")
    knee = Radiograph(pixels=synthetic_knee())
    assert gate.check(knee).usable and gate.check(knee).body_part == "knee"
    verdict = gate.check(knee, expected=("hand",))
    assert not verdict.usable and "needs a hand radiograph" in verdict.reason
    blank = gate.check(Radiograph(pixels=np.full((128, 128), 90, np.uint8)))
    assert not blank.usable and "Not a usable radiograph" in blank.reason and "uniform" in blank.reason
    other = BodyPartGate(build_tiny_gate_model("other"), {"input_size": 32}).check(knee)
    assert not other.usable and "does not look like a knee or hand radiograph" in other.reason


def test_density_model_predicts_categories_and_interval(tiny_models_root):
    model = load_bone_density_model(tiny_models_root / "bone_density_knee")
    [prediction] = model.predict([synthetic_knee()])
    assert set(prediction.probabilities) == set(DENSITY_CLASSES)
    assert sum(prediction.probabilities.values()) == pytest.approx(1.0, abs=1e-5)
    low, high = prediction.t_interval
    assert low == pytest.approx(prediction.t_score - 0.6) and high == pytest.approx(prediction.t_score + 0.6)
    heat = model.heatmap(synthetic_knee(), "osteoporosis", method="gradcam++")
    assert heat.shape == (64, 64) and heat.max() == pytest.approx(1.0)


def test_density_prediction_is_mirror_symmetric(tiny_models_root):
    model = load_bone_density_model(tiny_models_root / "bone_density_knee")
    image = synthetic_knee(seed=3)
    image[:, :40] = 255
    left, right = model.predict([image, image[:, ::-1].copy()])
    assert left.probabilities["normal"] == pytest.approx(right.probabilities["normal"], abs=1e-5)


def test_predict_images_bone_density_contract(tmp_path, tiny_models_root, monkeypatch, capsys):
    monkeypatch.setenv("OSTEO_MODELS_DIR", str(tiny_models_root))
    (tmp_path / "knee.png").write_bytes(encode(synthetic_knee(seed=4)))
    (tmp_path / "empty.jpg").write_bytes(b"")
    out = tmp_path / "out.csv"
    assert main(["predict-images", "--task", "bone-density", "--out", str(out), str(tmp_path)]) == 0
    table = pd.read_csv(out, keep_default_na=False)
    assert list(table.columns) == BONE_DENSITY_COLUMNS
    rows = {p.rsplit("/", 1)[-1]: r for p, r in zip(table["path"], table.to_dict("records"), strict=True)}
    knee = rows["knee.png"]
    assert knee["status"] == "ok" and knee["body_part"] == "knee" and knee["prediction"] in DENSITY_CLASSES
    assert sum(float(knee[f"p_{c}"]) for c in DENSITY_CLASSES) == pytest.approx(1.0, abs=1e-3)
    assert -6 < float(knee["t_score_estimate"]) < 4
    assert rows["empty.jpg"]["status"] == "rejected" and "empty" in rows["empty.jpg"]["reason"]


def test_predict_images_answers_hands_honestly(tmp_path, monkeypatch):
    from tests.tiny_models import write_tiny_models

    root = write_tiny_models(tmp_path / "models", gate_favours="hand")
    monkeypatch.setenv("OSTEO_MODELS_DIR", str(root))
    load_gate.cache_clear()
    (tmp_path / "hand.png").write_bytes(encode(synthetic_knee(seed=5)))
    out = tmp_path / "out.csv"
    assert main(["predict-images", "--task", "bone-density", "--out", str(out), str(tmp_path / "hand.png")]) == 0
    row = pd.read_csv(out, keep_default_na=False).iloc[0]
    assert row["status"] == "rejected" and row["body_part"] == "hand"
    assert "no validated hand bone-density model" in row["reason"]
    load_gate.cache_clear()
