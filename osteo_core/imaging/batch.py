"""Batch prediction over image files and folders, for the command line and the cohort page.

Every file goes through the reader, the sanity rules and the body-part gate before a model sees it. A bad file
gives a ``rejected`` row with the reason and never stops the batch.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from pathlib import Path

import numpy as np
import pandas as pd

from osteo_core.i18n import N_, _
from osteo_core.imaging.radiograph import load_radiograph

BATCH_SUFFIXES = (".png", ".jpg", ".jpeg", ".dcm")
KNEE_KL_COLUMNS = ["path", "status", "reason", "prediction", "p_0", "p_1", "p_2", "p_3", "p_4", "grade_set"]
BONE_DENSITY_COLUMNS = ["path", "status", "reason", "body_part", "prediction", "p_normal", "p_osteopenia",
                        "p_osteoporosis", "t_score_estimate"]
HAND_ANSWER = N_("hand radiograph recognised; no validated hand bone-density model exists here (no DXA-labelled "
                 "hand radiographs were available), so no estimate is given")


def find_images(paths: Iterable[str | Path], suffixes: tuple[str, ...] = BATCH_SUFFIXES) -> list[Path]:
    """Files given directly (any suffix: a wrong one is rejected later with a reason) plus files under folders
    (searched recursively for ``suffixes``), in a stable order. Raises ``FileNotFoundError`` for a missing path."""
    found: list[Path] = []
    for raw in paths:
        path = Path(raw)
        if path.is_dir():
            found.extend(sorted(p for p in path.rglob("*") if p.is_file() and p.suffix.lower() in suffixes))
        elif path.exists():
            found.append(path)
        else:
            raise FileNotFoundError(_("{path} does not exist.").format(path=path))
    return found


def screen_file(path: Path, gate, expected: tuple[str, ...]) -> tuple[dict, np.ndarray | None]:
    """Read and gate one file: (row with path/status/reason/body_part, pixels if the image may be analysed). The
    ``reason`` is in the current language; ``status`` and ``body_part`` are English values."""
    row = {"path": str(path), "status": "rejected", "reason": "", "body_part": ""}
    try:
        radiograph = load_radiograph(path)
    except (ValueError, OSError) as exc:
        row["reason"] = str(exc)
        return row, None
    verdict = gate.check(radiograph, expected)
    row["body_part"] = verdict.body_part
    if not verdict.usable:
        row["reason"] = _(HAND_ANSWER) if verdict.body_part == "hand" else verdict.reason
        return row, None
    return row, radiograph.pixels


def _run(files, gate, expected, predict_rows, columns, batch_size, progress) -> pd.DataFrame:
    rows: list[dict] = []
    for start in range(0, len(files), batch_size):
        ready: list[tuple[dict, np.ndarray]] = []
        for path in files[start:start + batch_size]:
            row, pixels = screen_file(path, gate, expected)
            rows.append(row)
            if pixels is not None:
                ready.append((row, pixels))
        if ready:
            predict_rows([row for row, _ in ready], [pixels for _, pixels in ready])
        if progress:
            progress(min(start + batch_size, len(files)), len(files))
    table = pd.DataFrame(rows).reindex(columns=columns)
    table["prediction"] = table["prediction"].astype("Int64") if "p_0" in columns else table["prediction"]
    return table


def predict_knee_files(files: list[Path], grader, gate, batch_size: int = 16,
                       progress: Callable[[int, int], None] | None = None) -> pd.DataFrame:
    """KL grade per knee file with the ``KNEE_KL_COLUMNS``; ``progress(done, total)`` after each batch."""
    def predict_rows(rows: list[dict], images: list[np.ndarray]) -> None:
        for row, prediction in zip(rows, grader.predict(images), strict=True):
            row.update(status="ok", prediction=prediction.grade, grade_set=prediction.grade_set,
                       **{f"p_{k}": round(float(p), 4) for k, p in enumerate(prediction.probabilities)})

    return _run(files, gate, ("knee",), predict_rows, KNEE_KL_COLUMNS, batch_size, progress)


def predict_density_files(files: list[Path], density, gate, batch_size: int = 16,
                          progress: Callable[[int, int], None] | None = None) -> pd.DataFrame:
    """Bone-density category per knee file with the ``BONE_DENSITY_COLUMNS``; hands get an honest rejection."""
    def predict_rows(rows: list[dict], images: list[np.ndarray]) -> None:
        for row, prediction in zip(rows, density.predict(images), strict=True):
            row.update(status="ok", prediction=prediction.category, t_score_estimate=round(prediction.t_score, 2),
                       **{f"p_{k}": round(v, 4) for k, v in prediction.probabilities.items()})

    return _run(files, gate, ("knee",), predict_rows, BONE_DENSITY_COLUMNS, batch_size, progress)
