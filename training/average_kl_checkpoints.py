"""Weight averaging along one KL v2 run (stochastic weight averaging over its last epochs, done afterwards): the
element-wise mean of ``epoch_NN.weights.h5`` files of one run, BatchNorm moving statistics included, written as a
new ``.weights.h5`` in the same run folder so ``training.evaluate_kl_ensemble`` can load it as a member.

Usage: python -m training.average_kl_checkpoints artifacts/knee_kl_v2b --epochs 6 7 8
       (writes artifacts/knee_kl_v2b/average_e6-7-8.weights.h5)

Why: the per-epoch val figures of these runs move by ±0.03 accuracy from one epoch to the next while the learning
rate decays; an average of late checkpoints usually sits in a flatter region than any one of them. Whether it pays
is decided on val by the ensemble search, never here.
"""

from __future__ import annotations

import argparse
import json
import os
from pathlib import Path

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

import numpy as np  # noqa: E402


def average_weights(weight_sets: list[list[np.ndarray]]) -> list[np.ndarray]:
    """Element-wise mean of several models' weight lists (same architecture). Raises ValueError when the lists do
    not match in length or shapes."""
    if not weight_sets:
        raise ValueError("no checkpoints to average")
    first = weight_sets[0]
    for other in weight_sets[1:]:
        if len(other) != len(first) or any(a.shape != b.shape for a, b in zip(first, other, strict=True)):
            raise ValueError("checkpoints differ in architecture: cannot average them")
    return [np.mean([ws[i].astype(np.float64) for ws in weight_sets], axis=0).astype(first[i].dtype)
            for i in range(len(first))]


def averaged_checkpoint(run: Path, epochs: list[int]) -> Path:
    """Average ``run/epoch_NN.weights.h5`` for ``epochs`` and write ``run/average_e…weights.h5``; returns its path.
    Raises FileNotFoundError when a checkpoint or the run's ``state.json`` is missing."""
    from training.train_knee_kl_v2 import build_kl_v2_model

    config = json.loads((run / "state.json").read_text())["config"]
    model = build_kl_v2_model(freeze_blocks=int(config["freeze_blocks"]),
                              variant=config.get("variant", "lite0"))
    weight_sets = []
    for epoch in epochs:
        path = run / f"epoch_{epoch:02d}.weights.h5"
        if not path.exists():
            raise FileNotFoundError(f"{path} is missing")
        model.load_weights(path)
        weight_sets.append([w.copy() for w in model.get_weights()])
    model.set_weights(average_weights(weight_sets))
    out = run / f"average_e{'-'.join(str(e) for e in epochs)}.weights.h5"
    model.save_weights(out)
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("run", type=Path, help="a train_knee_kl_v2 work folder with epoch_NN.weights.h5 files")
    parser.add_argument("--epochs", type=int, nargs="+", required=True)
    args = parser.parse_args()
    print(averaged_checkpoint(args.run, sorted(args.epochs)))


if __name__ == "__main__":
    main()
