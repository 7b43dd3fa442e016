"""Shipped model folders: ``models/<name>/`` with weights, ``manifest.json`` (file, sha256, settings), a model card
and an evaluation file. Loading always checks the weights against the manifest's checksum."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any

from osteo_core.config import models_dir
from osteo_core.errors import ModelLoadError
from osteo_core.i18n import _


def file_sha256(path: Path) -> str:
    """Hex SHA-256 of a file."""
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def model_folder(name: str, root: Path | None = None) -> Path:
    """Folder of a shipped model: ``models/<name>/``."""
    return (root or models_dir()) / name


def read_manifest(folder: Path, check_weights: bool = True) -> dict[str, Any]:
    """The manifest of a model folder, checked against its weights file (unless ``check_weights`` is false: for a
    caller that loads another file the manifest names and checks that one instead).

    Raises :class:`ModelLoadError` when the manifest is unreadable, or (when checked) the weights are missing or the
    checksum does not match.
    """
    manifest_path = Path(folder) / "manifest.json"
    try:
        manifest = json.loads(manifest_path.read_text())
        weights = Path(folder) / manifest["file"]
    except (OSError, KeyError, json.JSONDecodeError) as exc:
        raise ModelLoadError(_("Cannot read the model manifest {path}: {error}").format(path=manifest_path,
                                                                                      error=exc)) from exc
    if not check_weights:
        return manifest
    if not weights.is_file():
        raise ModelLoadError(_("Model file {path} is missing; see the README for how to retrain it.").format(
            path=weights))
    if file_sha256(weights) != manifest.get("sha256"):
        raise ModelLoadError(_("Model file {path} does not match the checksum in {manifest}.").format(
            path=weights, manifest=manifest_path))
    return manifest


def write_manifest(folder: Path, weights: Path, metadata: dict[str, Any]) -> dict[str, Any]:
    """Write ``manifest.json`` for ``weights`` (its name and checksum) plus ``metadata``; returns the manifest."""
    manifest = dict(metadata) | {"file": Path(weights).name, "sha256": file_sha256(weights)}
    (Path(folder) / "manifest.json").write_text(json.dumps(manifest, indent=2) + "\n")
    return manifest


def cached_loader(default_name: str):
    """Decorator for ``load(folder: Path | None)``: resolve ``None`` to ``models_dir()/default_name`` at call time,
    then load once per resolved folder (so changing ``OSTEO_MODELS_DIR`` is honoured). ``cache_clear`` is kept."""
    import functools

    def decorate(load):
        cached = functools.lru_cache(maxsize=4)(load)

        @functools.wraps(load)
        def wrapper(folder: Path | None = None):
            return cached(Path(folder).resolve() if folder else (models_dir() / default_name).resolve())

        wrapper.cache_clear = cached.cache_clear
        return wrapper

    return decorate
