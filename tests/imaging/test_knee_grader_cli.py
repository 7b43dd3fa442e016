import numpy as np
import pandas as pd
import pytest

from osteo_core.__main__ import main
from osteo_core.errors import ModelLoadError
from osteo_core.imaging.batch import KNEE_KL_COLUMNS
from osteo_core.imaging.knee_grader import load_knee_grader
from tests.helpers.images import SIZE, encode, synthetic_knee


def test_grader_predicts_probabilities_grade_and_set(tiny_kl_folder):
    grader = load_knee_grader(tiny_kl_folder)
    [prediction] = grader.predict([synthetic_knee()])
    assert prediction.probabilities.sum() == pytest.approx(1.0, abs=1e-5)
    assert prediction.grade == int(np.argmax(prediction.probabilities))
    low, high = prediction.grade_range
    assert low <= prediction.grade <= high
    assert prediction.grade_set.startswith("KL ") and prediction.grade_set.endswith("90 %")
    assert prediction.model_view.shape == (SIZE, SIZE)
    heat = grader.heatmap(synthetic_knee(), method="gradcam++")
    assert heat.shape == (SIZE, SIZE) and 0 <= heat.min() <= heat.max() <= 1


def test_grader_refuses_tampered_weights(tmp_path, tiny_kl_folder):
    import shutil

    copy = tmp_path / "copy"
    shutil.copytree(tiny_kl_folder, copy)
    (copy / "model.keras").write_bytes(b"broken")
    with pytest.raises(ModelLoadError, match="checksum"):
        load_knee_grader(copy)


def test_predict_images_cli_contract(tmp_path, tiny_models_root, monkeypatch, capsys):
    monkeypatch.setenv("OSTEO_MODELS_DIR", str(tiny_models_root))
    folder = tmp_path / "xrays" / "nested"
    folder.mkdir(parents=True)
    (folder / "a.png").write_bytes(encode(synthetic_knee(seed=1)))
    (folder / "b.jpg").write_bytes(encode(synthetic_knee(seed=2), ".jpg"))
    (folder / "corrupt.jpg").write_bytes(b"\xff\xd8 truncated")
    (folder / "notes.txt").write_text("ignored: not an image suffix")
    single = tmp_path / "colour.png"
    colour = np.zeros((128, 128, 3), dtype=np.uint8)
    colour[:, :, 2] = 220
    colour[::2, :, 1] = 90
    single.write_bytes(encode(colour))
    out = tmp_path / "out.csv"
    code = main(["predict-images", "--task", "knee-kl", "--out", str(out), str(tmp_path / "xrays"), str(single)])
    assert code == 0
    table = pd.read_csv(out, keep_default_na=False)
    assert list(table.columns) == KNEE_KL_COLUMNS
    assert len(table) == 4
    by_name = {p.rsplit("/", 1)[-1]: row for p, row in zip(table["path"], table.to_dict("records"), strict=True)}
    for name in ("a.png", "b.jpg"):
        row = by_name[name]
        assert row["status"] == "ok" and row["reason"] == "" and int(row["prediction"]) in range(5)
        assert sum(float(row[f"p_{k}"]) for k in range(5)) == pytest.approx(1.0, abs=1e-3)
        assert row["grade_set"].startswith("KL ")
    assert by_name["corrupt.jpg"]["status"] == "rejected" and by_name["corrupt.jpg"]["reason"]
    assert by_name["colour.png"]["status"] == "rejected" and "colour" in by_name["colour.png"]["reason"]
    assert by_name["colour.png"]["prediction"] == ""
    assert "4/4 images" in capsys.readouterr().err


def test_predict_images_cli_reports_missing_path(tmp_path, capsys):
    code = main(["predict-images", "--task", "knee-kl", "--out", str(tmp_path / "o.csv"), str(tmp_path / "none")])
    assert code == 2 and "does not exist" in capsys.readouterr().err
