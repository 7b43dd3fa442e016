"""The shipped body-part gate refuses synthetic periodic patterns (no real data needed): the 16-bit sinusoid that an
outside check once saw accepted as a knee at 0.63, read through the app's own reader, and a few other gratings."""

import cv2
import numpy as np
import pytest

from osteo_core.imaging.gate import load_gate
from osteo_core.imaging.radiograph import load_radiograph
from osteo_core.model_files import model_folder


def _png16(array: np.ndarray) -> bytes:
    ok, encoded = cv2.imencode(".png", array.astype(np.uint16))
    assert ok
    return encoded.tobytes()


@pytest.fixture(scope="module")
def gate():
    if not (model_folder("body_part_gate") / "model.keras").is_file():
        pytest.skip("the shipped gate is absent")
    load_gate.cache_clear()
    return load_gate()


@pytest.mark.parametrize("axis", ["x", "y"])
def test_shipped_gate_refuses_the_16_bit_sinusoid(gate, axis):
    yy, xx = np.mgrid[0:512, 0:512]
    wave = 32767 + 30000 * np.sin(2 * np.pi * 8 * (xx if axis == "x" else yy) / 512)
    verdict = gate.check(load_radiograph(_png16(wave), "sinusoid.png"))
    assert not verdict.usable, verdict
    assert verdict.probabilities["knee"] < 0.5


@pytest.mark.parametrize("cycles", [4, 16, 32])
def test_shipped_gate_refuses_8_bit_gratings(gate, cycles):
    yy, xx = np.mgrid[0:256, 0:256]
    wave = 127 + 100 * np.sin(2 * np.pi * cycles * (xx + 0.5 * yy) / 256)
    ok, encoded = cv2.imencode(".png", wave.astype(np.uint8))
    verdict = gate.check(load_radiograph(encoded.tobytes(), "grating.png"))
    assert not verdict.usable, verdict
