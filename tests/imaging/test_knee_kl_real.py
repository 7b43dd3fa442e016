"""The shipped KL model, as served (its LiteRT export), reproduces the val figures its evaluation file claims
(needs ../shared/data)."""

import json

import numpy as np
import pandas as pd
import pytest

from osteo_core.imaging.kl_model import decode_grades
from osteo_core.imaging.knee_grader import load_knee_grader
from osteo_core.imaging.read import read_radiograph
from osteo_core.metrics_ordinal import ordinal_metrics
from osteo_core.model_files import model_folder


@pytest.mark.real_data
@pytest.mark.slow
def test_shipped_knee_model_matches_its_card_on_val(real_data_dir):
    root = real_data_dir / "knee_kl"
    if not root.is_dir():
        pytest.skip(f"{root} is absent")
    claimed = json.loads((model_folder("knee_kl") / "evaluation.json").read_text())["val"]
    grader = load_knee_grader()
    assert grader.runtime == "litert"  # the figures must hold for what the app serves, not only for the Keras file
    labels = pd.read_csv(root / "labels.csv")
    val = labels[labels["split"] == "val"]
    inputs = np.stack([grader.prepare(read_radiograph(root / p)) for p in val["path"]])
    probabilities = np.concatenate([grader.predict_inputs(inputs[i:i + 64]) for i in range(0, len(inputs), 64)])
    measured = ordinal_metrics(val["kl_grade"].to_numpy(), decode_grades(probabilities, grader.decoding))
    assert measured["n"] == claimed["n"]
    assert measured["accuracy"] == pytest.approx(claimed["accuracy"], abs=0.005)
    assert measured["qwk"] == pytest.approx(claimed["qwk"], abs=0.005)
