"""Messages made in osteo_core come out in the caller's language; data values and CLI columns stay English."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from osteo_core.clinical.patient import parse_patient
from osteo_core.errors import InputValidationError
from osteo_core.i18n import use_language

ROOT = Path(__file__).resolve().parents[2]
YOUNG = {"age": 12, "sex": "female", "weight_kg": 58, "height_cm": 160}
ASSESS = ["assess", "--age", "67", "--sex", "female", "--weight", "58", "--height", "160"]


def _message(language: str) -> str:
    with use_language(language), pytest.raises(InputValidationError) as caught:
        parse_patient(YOUNG)
    return str(caught.value)


def test_a_validation_message_follows_the_language() -> None:
    english, spanish, hindi = _message("en"), _message("es"), _message("hi")
    assert "must be between 18 and 110" in english
    assert "debe estar entre 18 y 110" in spanish
    assert "18" in hindi and "110" in hindi and hindi != english
    assert all("`age`" in text for text in (english, spanish, hindi))  # the field name is the schema's, not translated


def _cli(args: list[str], lang: str) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if k not in ("LC_ALL", "LC_MESSAGES", "LANG")} | {"LANG": lang}
    return subprocess.run([sys.executable, "-m", "osteo_core", *args], cwd=ROOT, env=env, capture_output=True,
                          text=True, timeout=120)


def test_the_command_line_speaks_lang_but_keeps_english_keys() -> None:
    english, spanish = _cli(ASSESS, "en_US.UTF-8"), _cli(ASSESS, "es_ES.UTF-8")
    assert english.returncode == spanish.returncode == 0, spanish.stderr
    english_json, spanish_json = json.loads(english.stdout), json.loads(spanish.stdout)
    assert list(english_json) == list(spanish_json)  # same keys, same order: the contract
    assert english_json["risk_category"] == spanish_json["risk_category"] in ("low", "moderate", "high")
    refused = _cli([*ASSESS[:2], "12", *ASSESS[3:]], "hi_IN.UTF-8")
    assert refused.returncode == 2
    assert "त्रुटि" in refused.stderr and "must be between" not in refused.stderr
