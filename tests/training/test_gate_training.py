"""Body-part gate training: periodic negatives (the 16-bit path through the app's reader), the EfficientNet-Lite0
gate (builder, frozen backbone, head fitted on features and copied into the model), the card, the ship rule, and
the whole cnn4 pipeline on a small synthetic data folder."""

import json

import cv2
import numpy as np
import pandas as pd
import pytest

import training.gate_negatives as negatives
from osteo_core.imaging.gate import GATE_CLASSES, BodyPartGate
from osteo_core.imaging.keras_model import load_keras_model
from osteo_core.imaging.radiograph import Radiograph, load_radiograph
from osteo_core.model_files import write_manifest
from tests.helpers.images import synthetic_knee
from training.train_gate import (
    augment,
    build_lite0_gate_model,
    collect,
    compare,
    extract_features,
    feature_extractor,
    fit_head,
    main,
    set_head,
    sinusoid_16bit_png,
    write_gate_card,
)

SIZE = 64


# ---------------------------------------------------------------- periodic negatives


@pytest.mark.parametrize("style", negatives.PERIODIC_STYLES)
@pytest.mark.parametrize("sixteen_bit", [False, True])
def test_periodic_negative_is_a_gray_square_with_contrast(style, sixteen_bit):
    image = negatives.make_periodic(np.random.default_rng(1), SIZE, style, sixteen_bit)
    assert image.shape == (SIZE, SIZE) and image.dtype == np.uint8
    assert image.std() > 1.0


def test_periodic_patterns_vary():
    rng = np.random.default_rng(0)
    images = [negatives.make_periodic(rng, SIZE) for _ in range(40)]
    assert len({im.tobytes() for im in images}) == 40
    means, sds = [im.mean() for im in images], [im.std() for im in images]
    assert np.ptp(means) > 40 and np.ptp(sds) > 20
    # the dominant spatial frequency differs between patterns (2–40 cycles per image)
    peaks = set()
    for style in ("grating", "rings"):
        for seed in range(8):
            pattern = negatives.periodic_pattern(np.random.default_rng(seed), SIZE, style)
            spectrum = np.abs(np.fft.fft2(pattern - pattern.mean()))
            peaks.add(int(np.unravel_index(spectrum.argmax(), spectrum.shape)[0]))
    assert len(peaks) >= 4


def test_periodic_pattern_rejects_an_unknown_style():
    with pytest.raises(ValueError, match="style must be one of"):
        negatives.periodic_pattern(np.random.default_rng(0), SIZE, "spiral")


def test_16bit_periodic_negatives_go_through_the_apps_reader(monkeypatch):
    files = []

    def spy(data, name=""):
        files.append(cv2.imdecode(np.frombuffer(data, np.uint8), cv2.IMREAD_UNCHANGED))
        assert name.endswith(".png")
        return load_radiograph(data, name)

    monkeypatch.setattr(negatives, "load_radiograph", spy)
    rng = np.random.default_rng(3)
    images = [negatives.make_periodic(rng, SIZE, "grating", sixteen_bit=True) for _ in range(12)]
    assert len(files) == 12 and all(f.dtype == np.uint16 and f.ndim == 2 for f in files)
    assert all(f.shape[0] >= SIZE for f in files)
    ranges = [int(f.max()) - int(f.min()) for f in files]
    assert max(ranges) > 50_000 and min(ranges) < 6_000  # full range and narrow windows both occur
    # the reader stretches a 16-bit file's own range, so even a narrow window reaches the gate at full contrast
    narrow = files[int(np.argmin(ranges))]
    read_back = load_radiograph(cv2.imencode(".png", narrow)[1].tobytes(), "x.png").pixels
    assert read_back.min() == 0 and read_back.max() == 255
    assert all(im.shape == (SIZE, SIZE) for im in images)
    negatives.make_periodic(rng, SIZE, "grating", sixteen_bit=False)
    assert len(files) == 12  # the 8-bit path never writes a file


def test_negatives_include_periodic_patterns_in_training_and_validation_seeds():
    assert "periodic" in negatives.NEGATIVE_KINDS
    radiographs = [synthetic_knee(96)]
    train, kinds_train = negatives.make_negatives(30, SIZE, radiographs, seed=11)
    val, kinds_val = negatives.make_negatives(30, SIZE, radiographs, seed=12, photo_names=("flower.jpg",))
    assert kinds_train.count("periodic") == kinds_val.count("periodic") == 3
    assert all(im.shape == (SIZE, SIZE) and im.dtype == np.uint8 for im in train + val)
    first = [im for im, k in zip(train, kinds_train, strict=True) if k == "periodic"][0]
    second = [im for im, k in zip(val, kinds_val, strict=True) if k == "periodic"][0]
    assert not np.array_equal(first, second)


def test_periodic_validation_set_covers_every_style_and_both_depths():
    images, styles, sixteen = negatives.make_periodic_set(16, SIZE, seed=5)
    assert len(images) == 16 and set(styles) == set(negatives.PERIODIC_STYLES)
    assert sum(sixteen) == 8


def test_regression_sinusoid_is_a_16bit_png_read_at_full_contrast():
    data = sinusoid_16bit_png()
    raw = cv2.imdecode(np.frombuffer(data, np.uint8), cv2.IMREAD_UNCHANGED)
    assert raw.dtype == np.uint16 and raw.shape == (512, 512)
    assert raw.min() == 2767 and raw.max() == 62767 and (raw == raw[0]).all()  # horizontal grating
    pixels = load_radiograph(data, "x.png").pixels
    assert pixels.dtype == np.uint8 and pixels.min() == 0 and pixels.max() == 255
    vertical = cv2.imdecode(np.frombuffer(sinusoid_16bit_png(vertical=True), np.uint8), cv2.IMREAD_UNCHANGED)
    np.testing.assert_array_equal(vertical, raw.T)


def test_augment_letterboxes_degrades_and_flips():
    images = [synthetic_knee(200, seed=s) for s in range(6)] + [np.full((40, 90), 200, np.uint8)]
    out = augment(images, SIZE, np.random.default_rng(0))
    assert out.shape == (7, SIZE, SIZE) and out.dtype == np.uint8
    assert out[-1, 0].max() == 0 and out[-1, SIZE // 2].max() > 150  # wide image letterboxed, not stretched


# ---------------------------------------------------------------- EfficientNet-Lite0 gate


@pytest.fixture(scope="module")
def lite0_gate():
    import keras

    keras.utils.set_random_seed(0)
    return build_lite0_gate_model(size=SIZE)


def batch(count: int = 8, seed: int = 0) -> np.ndarray:
    return np.stack([synthetic_knee(SIZE, seed=seed + i) for i in range(count)])


def test_lite0_gate_has_the_runtime_names_and_a_frozen_backbone(lite0_gate):
    assert lite0_gate.input_shape == (None, SIZE, SIZE, 1)
    assert lite0_gate.get_layer("gate_features").output.shape[1:] == (SIZE // 32, SIZE // 32, 1280)
    assert lite0_gate.output_shape == (None, len(GATE_CLASSES))
    assert lite0_gate.layers[-1].name == "gate_probabilities"
    trainable = [w.path for w in lite0_gate.trainable_weights]
    assert len(trainable) == 2 and all(p.startswith("gate_probabilities") for p in trainable)
    assert {"conv_stem", "blocks_15_project_conv", "conv_head"} <= {layer.name for layer in lite0_gate.layers
                                                                    if layer.weights and not layer.trainable}


def test_lite0_gate_runs_in_the_app_with_grad_cam(tmp_path, lite0_gate):
    lite0_gate.save(tmp_path / "model.keras")
    write_manifest(tmp_path, tmp_path / "model.keras", {"input_size": SIZE, "version": "test-efflite0"})
    gate = BodyPartGate(*load_keras_model(tmp_path, "body-part gate"))  # plain load_model, no custom objects
    assert gate.size == SIZE
    images = batch(3)
    expected = np.asarray(lite0_gate(images[..., None].astype(np.float32) / 255.0))
    np.testing.assert_allclose(gate.probabilities(list(images)), expected, atol=1e-5)
    verdict = gate.check(Radiograph(pixels=synthetic_knee(300)))
    assert set(verdict.probabilities) == set(GATE_CLASSES)
    heat = gate.heatmap(images[0])
    assert heat.shape == (SIZE, SIZE) and 0.0 <= heat.min() and heat.max() <= 1.0


def test_head_fitted_on_features_gives_the_same_probabilities_in_the_full_model(lite0_gate):
    from sklearn.linear_model import LogisticRegression

    images = np.concatenate([batch(10, 0), 255 - batch(10, 20), np.stack(
        [negatives.make_periodic(np.random.default_rng(s), SIZE, "grating", False) for s in range(10)])])
    labels = np.repeat([0, 1, 2], 10)
    features = extract_features(feature_extractor(lite0_gate), images, batch=8, log_every=8)
    assert features.shape == (30, 1280) and features.dtype == np.float32
    kernel, bias, summary = fit_head(features, labels)
    assert kernel.shape == (1280, 3) and bias.shape == (3,) and summary["C"] in (0.01, 0.1, 1.0)
    on_features = np.exp(features @ kernel + bias)
    on_features /= on_features.sum(axis=1, keepdims=True)
    # the folded-in standardisation gives what scikit-learn predicts on standardised features
    mean, scale = features.mean(axis=0), features.std(axis=0)
    scale = np.where(scale > 1e-6, scale, 1.0)
    reference = LogisticRegression(C=summary["C"], max_iter=2000, class_weight={0: 1.0, 1: 1.0, 2: 1.0}).fit(
        (features - mean) / scale, labels)
    np.testing.assert_allclose(on_features, reference.predict_proba((features - mean) / scale), atol=1e-4)
    set_head(lite0_gate, kernel, bias)
    full = np.asarray(lite0_gate(images[..., None].astype(np.float32) / 255.0, training=False))
    np.testing.assert_allclose(full, on_features, atol=1e-4)


# ---------------------------------------------------------------- card and ship rule


def fake_evaluation(backbone="efficientnet-lite0", knee=0.01, negative=0.004, sinusoid_rejected=True,
                    baseline=True, smoke=False) -> dict:
    version = "2026-12-03-efflite0-224" if backbone != "cnn4" else "2026-12-03-cnn4-128"
    model = {"name": "body_part_gate", "version": version, "classes": list(GATE_CLASSES),
             "input_size": 224 if backbone != "cnn4" else 128, "accept_threshold": 0.5, "backbone": backbone}
    if smoke:
        model["smoke_limit"] = 100
    core = {
        "val_knee_kl": {"n": 300, "false_reject_rate": knee},
        "val_knee_density": {"n": 60, "false_reject_rate": 0.0},
        "val_hand": {"n": 400, "false_reject_rate": 0.005},
        "val_negative": {"n": 500, "false_accept_rate": negative,
                         "false_accepts_by_kind": {"periodic": 0, "photo": 2},
                         "false_accept_rate_without_periodic": negative},
        "val_periodic": {"n": 200, "false_accepts": 1, "false_accept_rate": 0.005,
                         "false_accepts_by_style": {"grating": 1, "plaid": 0, "rings": 0, "checkerboard": 0},
                         "false_accepts_by_file": {"8-bit": 0, "16-bit PNG": 1}},
        "sinusoid_16bit": {"knee_probability": 0.02 if sinusoid_rejected else 0.91,
                           "probabilities": {"knee": 0.02, "hand": 0.0, "other": 0.98}, "body_part": "other",
                           "usable": not sinusoid_rejected, "rejected": sinusoid_rejected},
    }
    ev = {"model": model, "training_counts": [2650, 3200, 3000],
          "data": {"knee_kl": 2500, "knee_bone_density": 150, "hands": 3200, "negatives": 3000,
                   "periodic_negatives": 300}} | core
    ev["latency_check"] = {"n": 50, "p50_ms": 21.5, "p95_ms": 30.2, "cpu_count": 2, "load_average_1min": 2.1}
    if backbone == "cnn4":
        ev["training"] = {"epochs": 8, "fit_s": 600.0, "train_images_per_s": 118.0, "data_s": 60.0,
                          "train_s": 600.0, "total_s": 720.0}
    else:
        ev["training"] = {"feature_extraction_s": 300.0, "feature_images_per_s": 29.5, "head_fit_s": 40.0,
                          "head": {"kind": "multinomial logistic regression", "C": 0.1}, "data_s": 60.0,
                          "train_s": 345.0, "total_s": 480.0}
    if baseline:
        old = json.loads(json.dumps(core))
        old["val_knee_kl"]["false_reject_rate"] = 0.0233
        old["val_negative"]["false_accept_rate"] = 0.05
        old["val_periodic"]["false_accepts"] = 80
        old["sinusoid_16bit"] |= {"knee_probability": 1.0, "rejected": False, "usable": True}
        ev["baseline_same_sets"] = {"version": "2026-11-25-cnn4-128"} | old
    return ev


SHIPPED = {"model": {"version": "2026-11-25-cnn4-128"}, "val_knee_kl": {"n": 300, "false_reject_rate": 0.0233},
           "val_hand": {"n": 400, "false_reject_rate": 0.0075},
           "val_negative": {"n": 500, "false_accept_rate": 0.008}}


def test_card_describes_the_lite0_gate_with_periodic_negatives_sinusoid_and_latency(tmp_path):
    ev = fake_evaluation()
    ev["comparison"] = {"against": "models/body_part_gate/evaluation.json", "ship_rule_met": False, "lines": []}
    write_gate_card(tmp_path / "card.md", ev)
    card = (tmp_path / "card.md").read_text()
    assert "`2026-12-03-efflite0-224`" in card and "EfficientNet-Lite0" in card and "224×224" in card
    assert "--backbone efficientnet-lite0" in card and "C = 0.1" in card
    assert "300 periodic patterns" in card and "periodic negatives" in card
    assert "knee probability 0.02, rejected" in card and "knee probability 1.00, accepted" in card
    assert "p50 21.5 ms" in card and "29.5 images/s" in card
    assert "| OAI knees (knee_kl val patients) | 300 | false reject 1.0% | 2.3% |" in card
    assert "Smoke run" not in card and "): not met." in card


def test_card_describes_a_cnn4_smoke_run_without_baseline(tmp_path):
    write_gate_card(tmp_path / "card.md", fake_evaluation("cnn4", baseline=False, smoke=True,
                                                          sinusoid_rejected=False))
    card = (tmp_path / "card.md").read_text()
    assert "Smoke run (`--limit 100`)" in card and "4-block CNN" in card and "128×128" in card
    assert "knee probability 0.91, **accepted**" in card and "8 epochs" in card
    assert "EfficientNet" not in card and "same images" not in card and "Ship rule" not in card


@pytest.mark.parametrize(("kwargs", "met", "dominance"), [
    ({}, True, False),
    ({"knee": 0.0233}, True, True),            # not lower, but nowhere worse on the same images, fewer periodic
    ({"negative": 0.01}, True, True),          # above the old card, below the old model on the same images
    ({"knee": 0.03}, False, False),            # more false rejects than the old model on the same images
    ({"knee": 0.0233, "negative": 0.06}, False, False),  # more false accepts than the old model on the same images
    ({"sinusoid_rejected": False}, False, False),  # the regression case still passes
    ({"knee": 0.0233, "baseline": False}, False, False),  # no same-image baseline: no dominance rule
])
def test_ship_rule(kwargs, met, dominance):
    ok, lines = compare(fake_evaluation(**kwargs), SHIPPED)
    assert ok is met
    assert lines[-1].lower().count("ship rule met") == int(met) and ("dominance" in lines[-1]) is dominance


def test_ship_rule_also_holds_against_the_old_model_on_the_same_sets():
    new = fake_evaluation()
    new["baseline_same_sets"]["val_negative"]["false_accept_rate"] = 0.002
    ok, lines = compare(new, SHIPPED)
    assert not ok and any("same sets" in line and "RAISED" in line for line in lines)
    ok, lines = compare(fake_evaluation(baseline=False), SHIPPED)
    assert ok and not any("same sets" in line for line in lines)


def test_compare_command_reads_two_evaluations(tmp_path, capsys):
    (tmp_path / "old.json").write_text(json.dumps(SHIPPED))
    (tmp_path / "new.json").write_text(json.dumps(fake_evaluation()))
    assert main(["--compare", str(tmp_path / "old.json"), "--candidate", str(tmp_path / "new.json")]) == 0
    assert "ship rule MET" in capsys.readouterr().out
    (tmp_path / "bad.json").write_text(json.dumps(fake_evaluation(knee=0.05)))
    assert main(["--compare", str(tmp_path / "old.json"), "--candidate", str(tmp_path / "bad.json")]) == 1


def test_training_refuses_to_overwrite_the_gate_it_compares_against(tmp_path):
    (tmp_path / "evaluation.json").write_text(json.dumps(SHIPPED))
    with pytest.raises(SystemExit):
        main(["--compare", str(tmp_path / "evaluation.json"), "--out", str(tmp_path)])
    assert not (tmp_path / "model.keras").exists()


# ---------------------------------------------------------------- whole pipeline, synthetic data


def fake_data(root):
    """A data folder shaped like ../shared/data with synthetic images (a few knees, density knees, hands)."""
    rows = []
    for i in range(24):
        split = "train" if i < 16 else "val"
        path = f"{split}/0/{9000000 + i}L.jpg"
        (root / "knee_kl" / split / "0").mkdir(parents=True, exist_ok=True)
        cv2.imwrite(str(root / "knee_kl" / path), synthetic_knee(224, seed=i))
        rows.append({"path": path, "split": split, "kl_grade": 0, "patient": str(9000000 + i), "knee": "L"})
    pd.DataFrame(rows).to_csv(root / "knee_kl" / "labels.csv", index=False)
    (root / "knee_bone_density" / "images").mkdir(parents=True)
    for i in range(155):  # 150 for training + a few held out
        cv2.imwrite(str(root / "knee_bone_density" / "images" / f"{i}.jpg"), synthetic_knee(96, seed=100 + i))
    pd.DataFrame({"image": [f"images/{i}.jpg" for i in range(155)]}).to_csv(
        root / "knee_bone_density" / "patients.csv", index=False)
    (root / "hand_boneage" / "images").mkdir(parents=True)
    for i in range(20):
        hand = np.full((100, 100), 20, np.uint8)
        cv2.rectangle(hand, (30 + i % 5, 10), (70, 90), 200, -1)
        cv2.imwrite(str(root / "hand_boneage" / "images" / f"{i}.png"), hand)
    pd.DataFrame({"id": range(20), "boneage_months": 100, "male": True}).to_csv(
        root / "hand_boneage" / "labels.csv", index=False)
    return root


@pytest.mark.slow
def test_cnn4_pipeline_end_to_end_on_synthetic_data(tmp_path):
    data, out = fake_data(tmp_path / "data"), tmp_path / "staging"
    assert main(["--backbone", "cnn4", "--data", str(data), "--out", str(out), "--epochs", "1",
                 "--limit", "8"]) == 0
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["version"].endswith("-cnn4-128") and manifest["backbone"] == "cnn4"
    assert manifest["input_size"] == 128 and manifest["smoke_limit"] == 8
    ev = json.loads((out / "evaluation.json").read_text())
    assert ev["training_counts"] == [8, 8, 8] and ev["val_periodic"]["n"] == 8
    assert {"sinusoid_16bit", "latency_check", "training"} <= set(ev)
    assert 0.0 <= ev["sinusoid_16bit"]["knee_probability"] <= 1.0
    assert "Smoke run" in (out / "model_card.md").read_text() and (out / "training.log").is_file()
    gate = BodyPartGate(*load_keras_model(out, "body-part gate"))
    assert gate.size == 128 and gate.version == manifest["version"]


@pytest.mark.real_data
def test_collect_on_the_real_data_keeps_validation_disjoint(real_data_dir):
    sets = collect(real_data_dir, SIZE, limit=20)
    images, labels = sets["train"]
    assert np.bincount(labels).tolist() == [20, 20, 20]
    assert sets["train_sources"]["knee_bone_density"] == 2 and sets["train_sources"]["periodic_negatives"] == 2
    assert len(sets["val_knee_kl"][0]) == 20 and len(sets["val_periodic"][0]) == 20
    train_bytes = {im.tobytes() for im in images}
    assert not any(im.tobytes() in train_bytes for im in sets["val_knee_kl"][0] + sets["val_hand"][0])


def test_extra_inverted_negatives_are_inverted_radiographs_at_the_model_size():
    from training.train_gate import extra_inverted

    rng = np.random.default_rng(0)
    radiographs = [np.clip(rng.normal(60, 10, (90, 70)), 0, 255).astype(np.uint8) for _ in range(3)]
    out = extra_inverted(radiographs, 7, 32, seed=1)
    assert len(out) == 7 and all(o.shape == (32, 32) and o.dtype == np.uint8 for o in out)
    assert all(o.mean() > 128 for o in out)  # dark radiographs become bright: inverted
    assert extra_inverted([], 5, 32, seed=1) == []
