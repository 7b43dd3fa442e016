"""Image cohorts: a zip (or a set of files) of knee radiographs, unpacked safely and graded in batches.

The grading itself is :func:`osteo_core.imaging.batch.predict_knee_files` (the same as ``predict-images``); every
file gets a row, and files that cannot be graded are ``rejected`` with the reason.
"""

from __future__ import annotations

import io
import re
import zipfile
from collections.abc import Callable, Iterable
from pathlib import Path

import pandas as pd
import plotly.graph_objects as go

from osteo_core.errors import ArchiveError
from osteo_core.i18n import _, format_decimal
from osteo_core.vocabulary import KL_GRADES, KL_NAMES

MAX_FILES = 5000
MAX_TOTAL_BYTES = 2 * 1024**3  # uncompressed, bytes


def _safe_name(name: str, taken: set[str]) -> str:
    """A flat, unique file name for an archive member (no folders, so nothing can escape the target folder)."""
    base = re.sub(r"[^A-Za-z0-9._-]+", "_", Path(name).name) or "file"
    candidate, counter = base, 1
    while candidate in taken:
        counter += 1
        candidate = f"{Path(base).stem}_{counter}{Path(base).suffix}"
    taken.add(candidate)
    return candidate


def unpack_zip(data: bytes, folder: Path, max_files: int = MAX_FILES,
               max_total_bytes: int = MAX_TOTAL_BYTES) -> list[tuple[str, Path]]:
    """Write every file of the zip ``data`` into ``folder`` (flattened, unique names) and return
    (name inside the zip, path written), in archive order. Folders and macOS metadata are skipped.

    Raises :class:`ArchiveError` for a file that is not a zip, more than ``max_files`` files, or more than
    ``max_total_bytes`` bytes once unpacked (a zip bomb guard).
    """
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
    except zipfile.BadZipFile as exc:
        raise ArchiveError(_("The upload is not a readable zip file: {error}.").format(error=exc)) from exc
    members = [m for m in archive.infolist() if not m.is_dir() and not m.filename.startswith("__MACOSX/")
               and not Path(m.filename).name.startswith("._")]
    if len(members) > max_files:
        raise ArchiveError(_("The zip holds {count} files; at most {limit} can be graded at once (use "
                             "`python -m osteo_core predict-images` for more).").format(
                                 count=format_decimal(len(members), 0), limit=format_decimal(max_files, 0)))
    total = sum(m.file_size for m in members)
    if total > max_total_bytes:
        raise ArchiveError(_("The zip unpacks to {size} MB; the limit is {limit} MB.").format(
            size=format_decimal(total / 1024**2, 0), limit=format_decimal(max_total_bytes / 1024**2, 0)))
    folder.mkdir(parents=True, exist_ok=True)
    taken: set[str] = set()
    written = []
    for member in members:
        target = folder / _safe_name(member.filename, taken)
        with archive.open(member) as source:
            target.write_bytes(source.read(max_total_bytes + 1))
        written.append((member.filename, target))
    return written


def save_files(files: Iterable[tuple[str, bytes]], folder: Path) -> list[tuple[str, Path]]:
    """Write uploaded (name, bytes) pairs into ``folder`` with flat unique names; returns (name, path) pairs."""
    folder.mkdir(parents=True, exist_ok=True)
    taken: set[str] = set()
    written = []
    for name, data in files:
        target = folder / _safe_name(name, taken)
        target.write_bytes(data)
        written.append((name, target))
    return written


def stage_uploads(files: Iterable[tuple[str, bytes]], folder: Path) -> list[tuple[str, Path]]:
    """Write uploaded (name, bytes) pairs into ``folder``: zip files unpacked (see :func:`unpack_zip`), other
    files saved flat. Returns (uploaded name, path written) pairs. Raises :class:`ArchiveError` for a bad zip."""
    named: list[tuple[str, Path]] = []
    for index, (name, data) in enumerate(files):
        if name.lower().endswith(".zip"):
            named += unpack_zip(data, folder / f"zip{index}")
        else:
            named += save_files([(name, data)], folder / f"file{index}")
    return named


def grade_files(named: list[tuple[str, Path]], grader, gate, progress: Callable[[int, int], None] | None = None
                ) -> pd.DataFrame:
    """Grade the files with the knee grader behind the body-part gate (as ``predict-images --task knee-kl``); one
    row per file (``KNEE_KL_COLUMNS``, ``path`` renamed ``file`` and holding the uploaded name)."""
    from osteo_core.imaging.batch import predict_knee_files

    table = predict_knee_files([path for _, path in named], grader, gate, progress=progress)
    table["path"] = [name for name, _ in named]
    return table.rename(columns={"path": "file"})


def image_summary(table: pd.DataFrame) -> dict[str, int]:
    """Counts: files, graded, rejected."""
    rejected = int((table["status"] == "rejected").sum())
    return {"files": len(table), "graded": len(table) - rejected, "rejected": rejected}


def rejected_files(table: pd.DataFrame) -> pd.DataFrame:
    """The files that could not be graded, with the reason (column names stay English: the page labels them)."""
    return table.loc[table["status"] == "rejected", ["file", "reason"]].reset_index(drop=True)


def grade_figure(table: pd.DataFrame) -> go.Figure:
    """Bars: graded images per Kellgren–Lawrence grade (0–4), labelled in the current language."""
    graded = table.loc[table["status"] == "ok", "prediction"].astype("Int64")
    counts = graded.value_counts().reindex(KL_GRADES, fill_value=0)
    names = [f"{k} {_(KL_NAMES[k]).lower()}" for k in counts.index]
    figure = go.Figure(go.Bar(x=names, y=counts.to_numpy(), marker_color="#1f6f8b"))
    figure.update_layout(xaxis_title=_("Predicted Kellgren–Lawrence grade"), yaxis_title=_("Images"), height=320,
                         margin=dict(t=30, b=10))
    return figure
