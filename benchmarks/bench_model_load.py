"""Loading the three shipped image models in a fresh process: seconds per model (import of the runtime included in
the first), for the served LiteRT exports and for Keras, and whether TensorFlow was imported.

Usage: python benchmarks/bench_model_load.py [--runs 3] [--out benchmarks/results/model_load.json]
Each run is a new Python process (nothing cached), the shipped models in ``models/``.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from benchmarks.results_file import write_result  # noqa: E402

CHILD = """
import json, sys, time
started = time.perf_counter()
from osteo_core.imaging.bone_density import load_bone_density_model
from osteo_core.imaging.gate import load_gate
from osteo_core.imaging.knee_grader import load_knee_grader
seconds = {"import": time.perf_counter() - started}
runtimes = {}
for name, loader in (("gate", load_gate), ("knee_kl", load_knee_grader), ("bone_density", load_bone_density_model)):
    t = time.perf_counter()
    runtimes[name] = loader().runtime
    seconds[name] = time.perf_counter() - t
seconds["all"] = time.perf_counter() - started
print(json.dumps({"seconds": seconds, "runtimes": runtimes, "tensorflow": "tensorflow" in sys.modules}))
"""


def one_run(runtime: str) -> dict:
    """Seconds per step in a fresh process with ``OSTEO_IMAGE_RUNTIME=runtime``. Raises CalledProcessError."""
    env = dict(os.environ, OSTEO_IMAGE_RUNTIME=runtime, TF_CPP_MIN_LOG_LEVEL="3")
    out = subprocess.run([sys.executable, "-c", CHILD], cwd=ROOT, env=env, capture_output=True, text=True,
                         check=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--out", type=Path, default=ROOT / "benchmarks" / "results" / "model_load.json")
    args = parser.parse_args()
    medians, imported, served = {}, {}, {}
    for runtime in ("litert", "keras"):
        runs = [one_run(runtime) for _ in range(args.runs)]
        medians[runtime] = {step: round(statistics.median(r["seconds"][step] for r in runs), 2)
                            for step in runs[0]["seconds"]}
        imported[runtime] = any(r["tensorflow"] for r in runs)
        served[runtime] = runs[0]["runtimes"]
    result = {"benchmark": "image models loaded in a fresh process", "runs": args.runs,
              "load_seconds_median": medians, "tensorflow_imported": imported, "served_by": served}
    write_result(args.out, result)


if __name__ == "__main__":
    main()
