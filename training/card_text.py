"""Writing model cards: the generated text plus the "Serving runtime" section that ``training.export_litert`` adds."""

from __future__ import annotations

import json
from pathlib import Path

RUNTIME_START = "<!-- runtime:start (python -m training.export_litert) -->"
RUNTIME_END = "<!-- runtime:end -->"


def runtime_section(text: str) -> str | None:
    """The runtime section (markers included) of a card's text, or ``None``."""
    if RUNTIME_START not in text or RUNTIME_END not in text:
        return None
    return RUNTIME_START + text.split(RUNTIME_START, 1)[1].split(RUNTIME_END, 1)[0] + RUNTIME_END


def write_card_section(card: Path, section: str) -> None:
    """Replace the runtime section of a model card, or append it."""
    text = card.read_text() if card.is_file() else ""
    old = runtime_section(text)
    text = text.replace(old, section) if old else text.rstrip("\n") + "\n\n" + section + "\n"
    card.write_text(text)


def write_card(path: Path, lines: list[str]) -> None:
    """Write a generated card. Its runtime section survives when the folder's manifest still names the LiteRT export
    (the card was only regenerated); a retrained model's manifest names none, so the stale section goes."""
    old = runtime_section(path.read_text()) if path.is_file() else None
    try:
        exported = "runtime" in json.loads((path.parent / "manifest.json").read_text())
    except (OSError, ValueError):
        exported = False
    text = "\n".join(lines) + "\n"
    if old and exported:
        text = text.rstrip("\n") + "\n\n" + old + "\n"
    path.write_text(text)
