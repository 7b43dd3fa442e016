"""Model cards keep the LiteRT "Serving runtime" section when only regenerated, and drop it for a retrained model."""

from __future__ import annotations

import json

import pytest

from training.card_text import RUNTIME_END, RUNTIME_START, write_card, write_card_section

SECTION = f"{RUNTIME_START}\n## Serving runtime\n\nchecked export\n{RUNTIME_END}"


def _folder(tmp_path, runtime: bool):
    manifest = {"file": "model.keras", "sha256": "x"} | ({"runtime": {"format": "litert"}} if runtime else {})
    (tmp_path / "manifest.json").write_text(json.dumps(manifest))
    card = tmp_path / "model_card.md"
    card.write_text("# Old card\n")
    write_card_section(card, SECTION)
    return card


def test_section_is_appended_once_and_replaced(tmp_path):
    card = _folder(tmp_path, runtime=True)
    write_card_section(card, SECTION.replace("checked export", "re-checked export"))
    text = card.read_text()
    assert text.count(RUNTIME_START) == 1 and "re-checked export" in text and "# Old card" in text


def test_regenerated_card_keeps_the_section_while_the_manifest_names_the_export(tmp_path):
    card = _folder(tmp_path, runtime=True)
    write_card(card, ["# New card", "", "figures"])
    text = card.read_text()
    assert text.startswith("# New card") and "# Old card" not in text and SECTION in text


def test_retrained_model_card_drops_the_stale_section(tmp_path):
    card = _folder(tmp_path, runtime=False)  # a retrained model's manifest names no export yet
    write_card(card, ["# New card"])
    assert card.read_text() == "# New card\n"


@pytest.mark.parametrize("name", ["knee_kl", "bone_density_knee", "body_part_gate"])
def test_shipped_runtime_sections_show_only_what_the_manifest_records(name):
    """Every figure in a shipped card's "Serving runtime" section (differences, inputs, latency) is rendered from the
    manifest's ``runtime`` entry that training.export_litert wrote."""
    from osteo_core.config import models_dir
    from training.card_text import runtime_section
    from training.export_litert import runtime_card_section

    folder = models_dir() / name
    entry = json.loads((folder / "manifest.json").read_text())["runtime"]
    assert entry["checked_on"]
    assert ("latency" in entry) == (name != "body_part_gate")  # the gate's latency is in its own card
    assert runtime_section((folder / "model_card.md").read_text()) == runtime_card_section(entry)
