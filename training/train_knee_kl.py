"""Train the Kellgren–Lawrence (0–4) knee grader from scratch on 2 CPU cores, resumable.

Usage: python -m training.train_knee_kl [--epochs 80] [--budget-min 110] [--work artifacts/knee_kl]

MobileNetV3-Small at 224×224 (≈ 130 train img/s on 2 cores), ordinal soft labels (SORD: the target puts weight on
neighbouring grades), square-root inverse-frequency class weights, augmentation (flip, rotation, zoom, shift,
brightness, contrast), AdamW with warm-up and cosine decay. After each epoch: QWK on val, checkpoint of the full
training state, and the best-by-val-QWK model copied to models/knee_kl/model.keras. Re-running resumes.
"""

from __future__ import annotations

import argparse
import json
import logging
import math
import os
import shutil
import time
from pathlib import Path

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

import numpy as np  # noqa: E402

from osteo_core.config import data_dir, models_dir  # noqa: E402
from osteo_core.imaging.kl_model import build_kl_model, decode_grades  # noqa: E402
from osteo_core.metrics_ordinal import ordinal_metrics  # noqa: E402
from training.knee_kl_data import load_knee_kl  # noqa: E402

SEED = 7
log = logging.getLogger("train_knee_kl")


def sord_targets(grades: np.ndarray, classes: int = 5, alpha: float = 2.0) -> np.ndarray:
    """Soft ordinal targets: softmax(−alpha·(k − grade)²) over k."""
    k = np.arange(classes)[None, :]
    logits = -alpha * (k - grades[:, None]) ** 2
    soft = np.exp(logits)
    return (soft / soft.sum(axis=1, keepdims=True)).astype("float32")


def class_weights(grades: np.ndarray, classes: int = 5) -> np.ndarray:
    counts = np.bincount(grades, minlength=classes).astype(float)
    weights = np.sqrt(counts.sum() / (classes * np.maximum(counts, 1)))
    return weights / weights[grades].mean()


def make_dataset(images, grades, batch, augment, shuffle):
    import keras
    import tensorflow as tf

    x = images[..., None]
    y = sord_targets(grades)
    w = class_weights(grades)[grades].astype("float32")
    ds = tf.data.Dataset.from_tensor_slices((x, y, w))
    if shuffle:
        ds = ds.shuffle(len(x), seed=SEED, reshuffle_each_iteration=True)
    ds = ds.batch(batch)
    to_float = lambda a, b, c: (tf.cast(a, tf.float32) / 255.0, b, c)  # noqa: E731
    ds = ds.map(to_float, num_parallel_calls=tf.data.AUTOTUNE)
    if augment:
        augmenter = keras.Sequential([
            keras.layers.RandomFlip("horizontal", seed=SEED),
            keras.layers.RandomRotation(0.03, fill_mode="constant", seed=SEED),
            keras.layers.RandomZoom((-0.1, 0.1), fill_mode="constant", seed=SEED),
            keras.layers.RandomTranslation(0.05, 0.05, fill_mode="constant", seed=SEED),
            keras.layers.RandomContrast(0.2, seed=SEED),
            keras.layers.RandomBrightness(0.1, value_range=(0.0, 1.0), seed=SEED),
        ])
        ds = ds.map(lambda a, b, c: (tf.clip_by_value(augmenter(a, training=True), 0.0, 1.0), b, c),
                    num_parallel_calls=tf.data.AUTOTUNE)
    return ds.prefetch(2)


def predict_probs(model, images: np.ndarray, batch: int = 64) -> np.ndarray:
    return model.predict((images[..., None].astype("float32") / 255.0), batch_size=batch, verbose=0)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=data_dir() / "knee_kl")
    parser.add_argument("--work", type=Path, default=Path("artifacts/knee_kl"))
    parser.add_argument("--out", type=Path, default=models_dir() / "knee_kl")
    parser.add_argument("--epochs", type=int, default=80)
    parser.add_argument("--batch", type=int, default=32)
    parser.add_argument("--lr", type=float, default=2e-3)
    parser.add_argument("--size", type=int, default=224)
    parser.add_argument("--budget-min", type=float, default=110.0, help="stop (resumably) after this many minutes")
    parser.add_argument("--limit", type=int, default=None, help="images per split, for a smoke run")
    args = parser.parse_args()
    args.work.mkdir(parents=True, exist_ok=True)
    args.out.mkdir(parents=True, exist_ok=True)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(message)s",
                        handlers=[logging.StreamHandler(), logging.FileHandler(args.work / "training.log", "a")])
    import keras
    import tensorflow as tf

    keras.utils.set_random_seed(SEED)
    started = time.time()
    splits = load_knee_kl(args.data, args.size, args.limit)
    log.info("loaded %s in %.0f s", {k: len(v.grades) for k, v in splits.items()}, time.time() - started)
    state_path, last_path = args.work / "state.json", args.work / "last.keras"
    state = json.loads(state_path.read_text()) if state_path.exists() else {"epoch": 0, "best_qwk": -1.0,
                                                                            "history": []}
    if last_path.exists() and state["epoch"] > 0:
        model = keras.models.load_model(last_path)
        log.info("resumed after epoch %d (best val QWK %.4f)", state["epoch"], state["best_qwk"])
    else:
        model = build_kl_model(args.size)
        model.compile(optimizer=keras.optimizers.AdamW(args.lr, weight_decay=1e-4),
                      loss=keras.losses.CategoricalCrossentropy(), weighted_metrics=[])
    train_ds = make_dataset(splits["train"].images, splits["train"].grades, args.batch, augment=True, shuffle=True)
    steps = math.ceil(len(splits["train"].grades) / args.batch)

    def lr_at(epoch: int) -> float:
        warm = 3
        if epoch < warm:
            return args.lr * (epoch + 1) / warm
        return 0.5 * args.lr * (1 + math.cos(math.pi * (epoch - warm) / max(1, args.epochs - warm))) + 1e-5

    for epoch in range(state["epoch"], args.epochs):
        if (time.time() - started) / 60 > args.budget_min:
            log.info("time budget reached after epoch %d; re-run to resume", epoch)
            break
        model.optimizer.learning_rate.assign(lr_at(epoch))
        tick = time.time()
        history = model.fit(train_ds, epochs=1, steps_per_epoch=steps, verbose=0)
        loss = float(history.history["loss"][-1])
        val_probs = predict_probs(model, splits["val"].images)
        row = {"epoch": epoch + 1, "lr": lr_at(epoch), "loss": round(loss, 4), "seconds": round(time.time() - tick)}
        for decoding in ("argmax", "expected"):
            m = ordinal_metrics(splits["val"].grades, decode_grades(val_probs, decoding))
            row[f"val_{decoding}"] = {k: round(v, 4) for k, v in m.items() if k in ("accuracy", "qwk", "mae")}
        qwk = max(row["val_argmax"]["qwk"], row["val_expected"]["qwk"])
        model.save(last_path)
        if qwk > state["best_qwk"]:
            state.update(best_qwk=qwk, best_epoch=epoch + 1)
            shutil.copy(last_path, args.out / "model.keras")
            row["saved_best"] = True
        state["epoch"] = epoch + 1
        state["history"].append(row)
        state_path.write_text(json.dumps(state, indent=1))
        log.info("%s", row)
    shutil.copy(args.work / "training.log", args.out / "training.log")
    (args.out / "training_history.json").write_text(json.dumps(state, indent=1))
    log.info("done: best val QWK %.4f at epoch %s; total %.0f min", state["best_qwk"], state.get("best_epoch"),
             (time.time() - started) / 60)
    del tf


if __name__ == "__main__":
    main()
