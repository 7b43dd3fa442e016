"""Streamlit clears the Keras session after every script run; the app turns that off so the image models it caches
across runs keep TensorFlow's runtime state (the KL ensemble's next prediction no longer pays ~1 s again)."""

import sys

import keras
from streamlit.runtime.scriptrunner import script_runner

from app_support.image_models import keep_keras_session


def test_streamlit_clean_up_no_longer_clears_the_keras_session(monkeypatch):
    assert keep_keras_session() is True
    assert keep_keras_session() is True  # idempotent
    calls = []
    monkeypatch.setattr(keras.backend, "clear_session", lambda *a, **k: calls.append("cleared"))
    closed = []

    class _Pyplot:
        @staticmethod
        def close(which):
            closed.append(which)

    monkeypatch.setitem(sys.modules, "matplotlib.pyplot", _Pyplot)
    script_runner._clean_problem_modules()
    assert calls == []  # the Keras session survives the run
    assert closed == ["all"]  # the matplotlib half of Streamlit's clean-up still happens
