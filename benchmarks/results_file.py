"""Writing a benchmark's result file: the machine and date stamped in, the JSON written under
``benchmarks/results/`` (or wherever ``--out`` points) and echoed to stdout."""

from __future__ import annotations

import json
import os
import platform
from datetime import UTC, datetime
from pathlib import Path
from typing import Any


def write_result(path: Path, result: dict[str, Any]) -> dict[str, Any]:
    """Add ``machine`` (architecture, cores) and ``date`` (UTC, ISO) to ``result``, write it as JSON to ``path``
    (creating its folder) and print it; returns the stamped result. Raises OSError when the file cannot be written."""
    stamped = {**result, "machine": f"{platform.machine()}, {os.cpu_count()} cores",
               "date": datetime.now(UTC).isoformat(timespec="seconds")}
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(stamped, indent=2) + "\n")
    print(json.dumps(stamped, indent=2))
    return stamped
