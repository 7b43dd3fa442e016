"""One cached loader per image model (body-part gate, knee KL grader, knee bone density), cached predictions and
heatmaps, and a background warm-up of the image models at start-up."""

from __future__ import annotations

import logging
import sys
import threading
import time
from pathlib import Path
from typing import TYPE_CHECKING, Any

import streamlit as st

from osteo_core.config import models_dir, warm_up_models
from osteo_core.i18n import current_language

if TYPE_CHECKING:  # pragma: no cover - typing only
    import numpy as np

    from osteo_core.imaging.bone_density import BoneDensityModel, DensityPrediction
    from osteo_core.imaging.gate import BodyPartGate, GateVerdict
    from osteo_core.imaging.knee_grader import KneeGrader, KneePrediction
    from osteo_core.imaging.radiograph import Radiograph

GATE_MODEL_NAME = "body_part_gate"
KNEE_MODEL_NAME = "knee_kl"
DENSITY_MODEL_NAME = "bone_density_knee"
WARM_UP_DELAY_S = 1.5  # start after the first page has been sent, so warm-up never competes with drawing it
_LOCKS = {name: threading.Lock() for name in (GATE_MODEL_NAME, KNEE_MODEL_NAME, DENSITY_MODEL_NAME)}
IDLE_WARM_UP_S = 5.0  # a server started by app_support.serve warms up this long after start if no browser came
_warm_up_started = threading.Event()
_script_started = threading.Event()
_LOG = logging.getLogger("osteo.image_models")


def keep_keras_session() -> bool:
    """Stop Streamlit from clearing the Keras session after every script run.

    Streamlit's script runner calls ``keras.backend.clear_session()`` after each run
    (``script_runner._clean_problem_modules``). That throws away TensorFlow's runtime state for the models this app
    caches across runs, so the next prediction of the KL ensemble paid ~0.8–1.5 s again (measured with AppTest:
    1.3–1.7 s for the first forward pass of each run, 0.04 s for the second). The replacement only does the other
    half of Streamlit's clean-up (closing matplotlib figures). Idempotent; returns whether the patch is in place
    (``False`` when a Streamlit version no longer has that hook).
    """
    try:
        from streamlit.runtime.scriptrunner import script_runner
    except ImportError:  # pragma: no cover - streamlit moved the module
        return False
    current = getattr(script_runner, "_clean_problem_modules", None)
    if current is None:
        return False
    if getattr(current, "keeps_keras_session", False):
        return True

    def clean_without_keras() -> None:
        pyplot = sys.modules.get("matplotlib.pyplot")
        if pyplot is not None:
            try:
                pyplot.close("all")
            except Exception:  # noqa: BLE001 - as Streamlit's own clean-up: never break a run over this
                pass

    clean_without_keras.keeps_keras_session = True  # type: ignore[attr-defined]
    script_runner._clean_problem_modules = clean_without_keras
    return True


keep_keras_session()


def _load_plain(name: str, folder: Path) -> Any:
    """The osteo_core loader of ``name`` (itself cached per folder), serialised with the warm-up thread."""
    if name == GATE_MODEL_NAME:
        from osteo_core.imaging.gate import load_gate as load
    elif name == KNEE_MODEL_NAME:
        from osteo_core.imaging.knee_grader import load_knee_grader as load
    elif name == DENSITY_MODEL_NAME:
        from osteo_core.imaging.bone_density import load_bone_density_model as load
    else:
        raise ValueError(f"unknown image model {name!r}; expected one of {', '.join(_LOCKS)}")
    with _LOCKS[name]:
        return load(folder)


@st.cache_resource(show_spinner=False)
def _image_model(name: str, folder: str) -> Any:
    return _load_plain(name, Path(folder))


def get_image_model(name: str) -> Any:
    """The image model ``name`` (``body_part_gate``, ``knee_kl`` or ``bone_density_knee``), loaded once per server
    process and folder. Raises ModelLoadError (not cached, so a repaired model is picked up) or ValueError."""
    return _image_model(name, str(models_dir() / name))


def get_gate() -> BodyPartGate:
    """The body-part gate, loaded once. Raises ModelLoadError."""
    return get_image_model(GATE_MODEL_NAME)


def get_knee_grader() -> KneeGrader:
    """The knee KL grader (``models/knee_kl``), loaded once. Raises ModelLoadError."""
    return get_image_model(KNEE_MODEL_NAME)


def get_density_model() -> BoneDensityModel:
    """The knee bone-density model, loaded once. Raises ModelLoadError."""
    return get_image_model(DENSITY_MODEL_NAME)


def _warm_up_all(root: Path) -> None:
    from osteo_core.errors import ModelLoadError

    started = time.perf_counter()
    for name in (GATE_MODEL_NAME, KNEE_MODEL_NAME, DENSITY_MODEL_NAME):  # the order the pages need them
        try:
            _load_plain(name, root / name).warm_up()
        except (ModelLoadError, OSError):
            continue  # the page that needs the model reports the problem
        except Exception:  # noqa: BLE001 - one model's failure must not leave the others cold; the page reports it
            _LOG.exception("warming up image model %s failed", name)
            continue
        _LOG.info("image model %s ready %.1f s after the warm-up started", name, time.perf_counter() - started)
    _LOG.info("image models warm: %.1f s", time.perf_counter() - started)


def warm_up_image_models(delay_s: float | None = None) -> threading.Thread | None:
    """Load the image models and trace what a first upload runs (forward pass and default Grad-CAM), in a
    background thread, once per process, ``delay_s`` seconds from now (default ``WARM_UP_DELAY_S``). Returns the
    timer thread, or ``None`` when already started or ``OSTEO_WARM_UP_MODELS=0``."""
    if not warm_up_models() or _warm_up_started.is_set():
        return None
    _warm_up_started.set()
    delay = WARM_UP_DELAY_S if delay_s is None else delay_s
    timer = threading.Timer(delay, _warm_up_all, args=(models_dir(),))
    timer.daemon = True
    timer.name = "osteo-image-model-warm-up"
    timer.start()
    return timer


def note_script_run() -> None:
    """Record that a browser is being served (``streamlit_app.py`` calls this at the top of every run)."""
    _script_started.set()


def warm_up_when_idle(idle_s: float = IDLE_WARM_UP_S) -> threading.Thread:
    """For a server started by ``app_support.serve``: begin the warm-up ``idle_s`` seconds from now unless a
    browser has been served by then — that page starts it once drawn, so the warm-up (TensorFlow's import alone
    holds the interpreter for seconds) never competes with drawing a first page that is already on its way.
    Returns the waiting thread."""

    def wait_then_warm() -> None:
        if not _script_started.wait(idle_s):
            warm_up_image_models(delay_s=0.0)

    thread = threading.Thread(target=wait_then_warm, daemon=True, name="osteo-idle-warm-up")
    thread.start()
    return thread


def read_upload(data: bytes, name: str) -> tuple[Radiograph | None, str]:
    """The decoded radiograph of an upload and "" — or ``None`` and the reason it cannot be read (current
    language). Cached by file bytes and language."""
    return _read_upload(data, name, current_language())


@st.cache_data(show_spinner=False, max_entries=32, ttl=900)
def _read_upload(data: bytes, name: str, language: str) -> tuple[Radiograph | None, str]:
    """``language`` is only a cache key: the reason is text shown to the user, worded in the current language."""
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
def _predict(name: str, folder: str, version: str, pixels: np.ndarray, language: str) -> Any:
    # ``language`` is a cache key only: a prediction may carry worded text (the knee grade set)
    return _image_model(name, folder).predict([pixels])[0]


@st.cache_data(show_spinner=False, max_entries=64, ttl=900)
def _heatmap(name: str, folder: str, version: str, pixels: np.ndarray, target: Any, method: str) -> np.ndarray:
    return _image_model(name, folder).heatmap(pixels, target, method)


def _folder_and_version(name: str) -> tuple[str, str]:
    """The cache key of a model: its folder and version (a retrained model never reuses old answers)."""
    folder = str(models_dir() / name)
    return folder, _image_model(name, folder).version


def predict_knee(pixels: np.ndarray) -> KneePrediction:
    """The knee grader's prediction for one grayscale image, cached by model folder, version, pixels and language."""
    return _predict(KNEE_MODEL_NAME, *_folder_and_version(KNEE_MODEL_NAME), pixels, current_language())


def knee_heatmap(pixels: np.ndarray, grade: int, method: str) -> np.ndarray:
    """Grad-CAM (``"gradcam"`` or ``"gradcam++"``) map of ``grade`` on the model's view, cached like
    :func:`predict_knee`, so moving the opacity slider does not recompute it."""
    return _heatmap(KNEE_MODEL_NAME, *_folder_and_version(KNEE_MODEL_NAME), pixels, grade, method)


def predict_density(pixels: np.ndarray) -> DensityPrediction:
    """Bone-density prediction for one grayscale image, cached by model and pixels."""
    return _predict(DENSITY_MODEL_NAME, *_folder_and_version(DENSITY_MODEL_NAME), pixels, current_language())


def density_heatmap(pixels: np.ndarray, category: str, method: str) -> np.ndarray:
    """Grad-CAM of ``category`` on the model's view, cached so the opacity slider does not recompute it."""
    return _heatmap(DENSITY_MODEL_NAME, *_folder_and_version(DENSITY_MODEL_NAME), pixels, category, method)
