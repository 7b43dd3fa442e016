"""Batch prediction over image files and folders, for the command line and the cohort page.

A bad file gives a ``rejected`` row with the reason and never stops the batch.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from pathlib import Path

import numpy as np
import pandas as pd

from osteo_core.imaging.radiograph import check_readable

BATCH_SUFFIXES = (".png", ".jpg", ".jpeg", ".dcm")
KNEE_KL_COLUMNS = ["path", "status", "reason", "prediction", "p_0", "p_1", "p_2", "p_3", "p_4", "grade_set"]


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
            raise FileNotFoundError(f"{path} does not exist.")
    return found


def predict_knee_files(
    files: list[Path], grader, batch_size: int = 16, progress: Callable[[int, int], None] | None = None
) -> pd.DataFrame:
    """One row per file with the ``KNEE_KL_COLUMNS``; ``progress(done, total)`` after each batch."""
    rows: list[dict] = []
    for start in range(0, len(files), batch_size):
        chunk = files[start:start + batch_size]
        ready: list[tuple[int, np.ndarray]] = []
        for path in chunk:
            radiograph, reason = check_readable(path)
            row = {"path": str(path), "status": "rejected", "reason": reason}
            rows.append(row)
            if not reason and radiograph is not None:
                ready.append((len(rows) - 1, radiograph.pixels))
        predictions = grader.predict([pixels for _, pixels in ready])
        for (index, _), prediction in zip(ready, predictions, strict=True):
            rows[index].update(
                status="ok", reason="", prediction=prediction.grade, grade_set=prediction.grade_set,
                **{f"p_{k}": round(float(p), 4) for k, p in enumerate(prediction.probabilities)},
            )
        if progress:
            progress(min(start + batch_size, len(files)), len(files))
    table = pd.DataFrame(rows, columns=KNEE_KL_COLUMNS)
    table["prediction"] = table["prediction"].astype("Int64")
    return table
