"""Bad inputs: every file here is made by the tests. Image pages run with tiny hand-built models and a gate that
tells a knee from "something else" by brightness (dark synthetic knee → knee, bright image → other)."""

from __future__ import annotations

import io
import shutil
from pathlib import Path

import numpy as np
import pytest
import streamlit as st
from PIL import Image
from streamlit.testing.v1 import AppTest

from osteo_core.clinical.risk_model import load_risk_model
from osteo_core.imaging.bone_density import load_bone_density_model
from osteo_core.imaging.gate import GATE_CLASSES, load_gate
from osteo_core.imaging.knee_grader import load_knee_grader
from osteo_core.model_files import write_manifest
from tests.helpers.images import dicom_bytes, encode, png_header_only, synthetic_knee
from tests.tiny_models import GATE_SIZE, write_tiny_models

ROOT = Path(__file__).resolve().parents[2]


def build_brightness_gate():
    """Knee when the mean brightness is below 0.5 (a synthetic knee is ~0.37), "other" above it."""
    import keras
    from keras import layers

    inputs = keras.Input((GATE_SIZE, GATE_SIZE, 1))
    pooled = layers.GlobalAveragePooling2D()(inputs)
    dense = layers.Dense(3, activation="softmax", name="gate_probabilities")
    model = keras.Model(inputs, dense(pooled))
    weights = np.zeros((1, 3), dtype="float32")
    weights[0, GATE_CLASSES.index("knee")] = -40.0
    weights[0, GATE_CLASSES.index("other")] = 40.0
    bias = np.zeros(3, dtype="float32")
    bias[GATE_CLASSES.index("knee")] = 20.0
    bias[GATE_CLASSES.index("other")] = -20.0
    bias[GATE_CLASSES.index("hand")] = -10.0
    dense.set_weights([weights, bias])
    return model


def clear_model_caches() -> None:
    for loader in (load_gate, load_bone_density_model, load_knee_grader, load_risk_model):
        loader.cache_clear()
    st.cache_resource.clear()
    st.cache_data.clear()


@pytest.fixture(scope="session")
def bad_input_models(tmp_path_factory) -> Path:
    root = write_tiny_models(tmp_path_factory.mktemp("bad_input_models") / "models")
    gate = root / "body_part_gate"
    shutil.rmtree(gate)
    gate.mkdir()
    build_brightness_gate().save(gate / "model.keras")
    write_manifest(gate, gate / "model.keras", {"input_size": GATE_SIZE, "version": "brightness-gate",
                                                "accept_threshold": 0.5})
    (gate / "model_card.md").write_text("# Brightness gate (tests)\n")
    (gate / "evaluation.json").write_text("{}\n")
    shutil.copytree(ROOT / "models" / "clinical_risk", root / "clinical_risk")
    return root


@pytest.fixture()
def models_env(bad_input_models, monkeypatch) -> Path:
    monkeypatch.setenv("OSTEO_MODELS_DIR", str(bad_input_models))
    clear_model_caches()
    yield bad_input_models
    clear_model_caches()


def page_test(page: str) -> AppTest:
    at = AppTest.from_file(str(ROOT / "pages" / page), default_timeout=180)
    at.run()
    assert not at.exception, at.exception
    return at


def upload(at: AppTest, key: str, name: str, data: bytes, mime: str = "application/octet-stream") -> AppTest:
    at.file_uploader(key=key).set_value((name, data, mime))
    at.run()
    assert not at.exception, at.exception
    return at


def page_text(at: AppTest) -> str:
    parts = [m.value for m in at.markdown] + [c.value for c in at.caption] + [s.value for s in at.success]
    parts += [e.value for e in at.error] + [w.value for w in at.warning] + [i.value for i in at.info]
    return "\n".join(str(p) for p in parts)


# ---- synthetic images, good and bad -------------------------------------------------------------------------

def pil_bytes(image: Image.Image, fmt: str, **options) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, fmt, **options)
    return buffer.getvalue()


def good_knee() -> bytes:
    return encode(synthetic_knee(seed=3))


def knee_16bit() -> bytes:
    return pil_bytes(Image.fromarray(synthetic_knee(seed=4).astype(np.uint16) * 257), "PNG")


def knee_alpha() -> bytes:
    gray = Image.fromarray(synthetic_knee(seed=5))
    rgba = gray.convert("RGBA")
    rgba.putalpha(Image.fromarray(np.full((256, 256), 128, dtype=np.uint8)))
    return pil_bytes(rgba, "PNG")


def knee_cmyk() -> bytes:
    return pil_bytes(Image.fromarray(synthetic_knee(seed=6)).convert("CMYK"), "JPEG", quality=95)


def colour_photo() -> bytes:
    rng = np.random.default_rng(1)
    photo = np.zeros((240, 320, 3), dtype=np.uint8)
    photo[..., 0] = rng.integers(150, 255, (240, 320))  # a reddish, saturated holiday snap
    photo[..., 1] = rng.integers(40, 120, (240, 320))
    photo[..., 2] = rng.integers(0, 60, (240, 320))
    return pil_bytes(Image.fromarray(photo), "JPEG")


def bright_other_radiograph() -> bytes:
    """A gray, high-contrast image that is not a knee: mostly bright (the test gate calls it "other")."""
    rng = np.random.default_rng(2)
    image = np.full((256, 256), 215.0) + rng.normal(0, 12, (256, 256))
    image[100:150, :] = 120  # a dark band
    return encode(np.clip(image, 0, 255).astype(np.uint8))


def elongated_radiograph() -> bytes:
    """A long-bone or spine strip, 4:1 — not a single knee joint."""
    return encode(np.ascontiguousarray(synthetic_knee(size=512, seed=8)[:, 192:320]))


BAD_IMAGES = {
    # case: (file name, bytes, message expected on both pages)
    "zero_bytes": ("empty.png", b"", "The file is empty (0 bytes)"),
    "truncated": ("truncated.png", good_knee()[:400], "not a readable PNG, JPEG, BMP or TIFF image"),
    "corrupt": ("corrupt.jpg", b"\xff\xd8\xff\xe0" + bytes(range(256)) * 8, "not a readable PNG, JPEG"),
    "not_an_image": ("notes.png", b"patient notes, not a picture\n" * 20, "not a readable PNG, JPEG"),
    "100_megapixels": ("huge.png", png_header_only(10_000, 10_000), "(100 megapixels); the limit is 50"),
    "decompression_bomb": ("bomb.png", png_header_only(100_000, 100_000), "looks like a decompression bomb"),
    "colour_photo": ("holiday.jpg", colour_photo(), "the image is in colour"),
    "dicom_without_pixels": ("report.dcm", dicom_bytes(synthetic_knee(), with_pixels=False),
                             "The DICOM file has no pixel data"),
}
ODD_BUT_VALID = {"16_bit": ("knee16.png", knee_16bit), "alpha": ("knee_alpha.png", knee_alpha),
                 "cmyk": ("knee_cmyk.jpg", knee_cmyk)}
