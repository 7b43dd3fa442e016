"""KL grader v2: fine-tune ImageNet EfficientNet-Lite0 on the knee_kl set on CPU, resumable across sessions.

Usage: python -m training.train_knee_kl_v2 [--epochs 16] [--freeze-blocks 3] [--benchmark] [--work artifacts/knee_kl_v2]

Model: radiograph (224, 224, 1) in [0, 1] (the runtime's input, unchanged) → ×2 − 1 → grey repeated to 3 channels
(the (rgb − 127.5) / 127.5 scaling the converted weights expect, see docs/efficientnet_lite0_conversion.json) →
EfficientNet-Lite0 (stem and the first ``--freeze-blocks`` MBConv blocks frozen, BatchNorm of frozen layers in
inference mode) → ``kl_features`` (Grad-CAM layer) → average pool → dropout → softmax over KL 0–4.
``--variant lite1`` (or lite2): the same head on EfficientNet-Lite1 (21 blocks), still at 224 px so that its 7 × 7
feature map can join an ensemble (``python -m training.convert_efficientnet_lite --variant lite1`` makes its
backbone; ``--freeze-blocks 4`` freezes the same two stages as 3 does on Lite0).
Loss: SORD soft ordinal targets (softmax(−α(k − grade)²)), square-root inverse-frequency sample weights.
Augmentation (anatomically sane): horizontal flip (left/right knees), rotation ±6°, zoom ±10 %, shift ±5 %,
contrast ±20 %, brightness ±10 %; never a vertical flip. AdamW, linear warm-up (1 epoch) then cosine decay per step.

Splits (training/knee_kl_data.py): our train (90 % of the official train patients), our test (10 %, patient-
disjoint, never used here), the official val for selection. Images are decoded once into uint8 .npy caches.
Every epoch: ``last.keras`` (weights + optimizer state incl. step count, so the schedule resumes), per-epoch
weights, ``state.json`` (epoch, history, best), val accuracy/QWK/MAE with and without flip-TTA and img/s in
``train.log``; ``best.keras`` is the best val epoch. ``--resume`` (the default when state.json exists) continues.
Random state per epoch is derived from (seed, epoch), so a resumed run sees the same shuffles as an unbroken one.

Continuation (fresh optimizer and schedule from a checkpoint's weights, no warm-up):
  python -m training.train_knee_kl_v2 --init-from training/checkpoints/knee_kl_v2/last.keras --epochs 2 --lr 2e-4
  --warmup-epochs 0 --work artifacts/knee_kl_v2_cont

Run in the background:  nohup nice -n 10 .venv/bin/python -m training.train_knee_kl_v2 --epochs 15 --freeze-blocks 3
  > artifacts/knee_kl_v2/nohup.out 2>&1 &     (the same command resumes; the run's own settings are kept)
Progress: grep epoch artifacts/knee_kl_v2/train.log. Package: python -m training.export_knee_kl_v2.
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

from osteo_core.config import data_dir  # noqa: E402
from osteo_core.imaging.kl_model import LAST_CONV_LAYER, decode_grades  # noqa: E402
from osteo_core.metrics_ordinal import headline_metrics  # noqa: E402

SEED = 11
BACKBONE = Path("artifacts/efficientnet_lite0_imagenet.keras")  # lite1/2: efficientnet_liteN_imagenet.keras
log = logging.getLogger("train_knee_kl_v2")


def sord_targets(grades: np.ndarray, classes: int = 5, alpha: float = 2.0) -> np.ndarray:
    """Soft ordinal targets: softmax(−alpha·(k − grade)²) over k, (N, classes) float32."""
    k = np.arange(classes)[None, :]
    soft = np.exp(-alpha * (k - grades[:, None]) ** 2)
    return (soft / soft.sum(axis=1, keepdims=True)).astype("float32")


def class_weights(grades: np.ndarray, classes: int = 5) -> np.ndarray:
    """Square-root inverse-frequency weight per class, normalised to mean 1 over the samples."""
    counts = np.bincount(grades, minlength=classes).astype(float)
    weights = np.sqrt(counts.sum() / (classes * np.maximum(counts, 1)))
    return weights / weights[grades].mean()


def build_kl_v2_model(size: int = 224, classes: int = 5, freeze_blocks: int = 3, drop_connect: float = 0.1,
                      dropout: float = 0.3, variant: str = "lite0"):
    """The v2 grader on a (size, size, 1) [0, 1] input; ImageNet weights are copied in by ``load_backbone``.

    ``variant`` lite1/lite2 runs its backbone at the runtime's 224 px, not its ImageNet 240/260 px: the feature map
    then stays 7 × 7, as the other graders' are, so it can join their ensemble (one shared Grad-CAM layer).
    Raises ValueError for an unknown variant.
    """
    import keras
    from keras import layers

    from training.efficientnet_lite import VARIANTS, lite_features

    if variant not in VARIANTS:
        raise ValueError(f"variant must be one of {', '.join(VARIANTS)}. Got {variant!r}.")
    inputs = keras.Input((size, size, 1), name="radiograph")
    scaled = layers.Rescaling(2.0, -1.0, name="to_unit_range")(inputs)
    rgb = layers.Concatenate(axis=-1, name="grey_to_rgb")([scaled, scaled, scaled])
    features = lite_features(rgb, drop_connect=drop_connect, variant=variant)
    features = layers.Activation("linear", name=LAST_CONV_LAYER)(features)
    pooled = layers.GlobalAveragePooling2D(name="pool")(features)
    pooled = layers.Dropout(dropout, name="dropout")(pooled)
    outputs = layers.Dense(classes, activation="softmax", name="kl_probabilities")(pooled)
    model = keras.Model(inputs, outputs, name=f"knee_kl_efficientnet_{variant}")
    frozen = {"conv_stem", "bn0"} | {f"blocks_{i}_" for i in range(freeze_blocks)}
    for layer in model.layers:
        if layer.name in frozen or any(layer.name.startswith(p) for p in frozen if p.endswith("_")):
            layer.trainable = False
    return model


def load_backbone(model, path: Path = BACKBONE) -> int:
    """Copy same-named layer weights from the converted ImageNet backbone; returns the number of layers copied.
    Raises FileNotFoundError with the command that creates it."""
    import keras

    if not path.exists():
        raise FileNotFoundError(f"{path} is missing: run python -m training.convert_efficientnet_lite first")
    source = {layer.name: layer for layer in keras.models.load_model(path, compile=False).layers}
    copied = 0
    for layer in model.layers:
        if layer.weights and layer.name in source:
            layer.set_weights(source[layer.name].get_weights())
            copied += 1
    return copied


def cached_splits(data: Path, work: Path, size: int, limit: int | None) -> dict[str, tuple[np.ndarray, np.ndarray]]:
    """{split: (uint8 images (N, size, size), grades)} decoded once and cached as .npy under ``work``."""
    cache = work / (f"cache_{size}" + ("" if limit is None else f"_limit{limit}"))
    names = ("train", "val", "test")
    if not all((cache / f"{n}_images.npy").exists() for n in names):
        from training.knee_kl_data import load_knee_kl

        cache.mkdir(parents=True, exist_ok=True)
        splits = load_knee_kl(data, size, limit)
        for n in names:
            np.save(cache / f"{n}_images.npy", splits[n].images.astype(np.uint8))
            np.save(cache / f"{n}_grades.npy", splits[n].grades.astype(np.int64))
            splits[n].rows.to_csv(cache / f"{n}_rows.csv", index=False)
    return {n: (np.load(cache / f"{n}_images.npy"), np.load(cache / f"{n}_grades.npy")) for n in names}


def make_dataset(images: np.ndarray, grades: np.ndarray, batch: int, seed: int):
    """Shuffled, augmented tf.data pipeline of (x in [0, 1], SORD targets, sample weights)."""
    import keras
    import tensorflow as tf

    y = sord_targets(grades)
    w = class_weights(grades)[grades].astype("float32")
    order = np.random.default_rng(seed).permutation(len(grades))
    ds = tf.data.Dataset.from_tensor_slices((images[order][..., None], y[order], w[order])).batch(batch)
    augmenter = keras.Sequential([
        keras.layers.RandomFlip("horizontal", seed=seed),
        keras.layers.RandomRotation(6 / 360, fill_mode="constant", seed=seed + 1),
        keras.layers.RandomZoom((-0.1, 0.1), fill_mode="constant", seed=seed + 2),
        keras.layers.RandomTranslation(0.05, 0.05, fill_mode="constant", seed=seed + 3),
        keras.layers.RandomContrast(0.2, seed=seed + 4),
        keras.layers.RandomBrightness(0.1, value_range=(0.0, 1.0), seed=seed + 5),
    ])

    def augment(a, b, c):
        a = tf.cast(a, tf.float32) / 255.0
        return tf.clip_by_value(augmenter(a, training=True), 0.0, 1.0), b, c

    return ds.map(augment, num_parallel_calls=1).prefetch(2)


def predict_probs(model, images: np.ndarray, tta: bool = False, batch: int = 64) -> np.ndarray:
    """(N, 5) probabilities for uint8 (N, H, W) images; ``tta`` averages with the horizontally flipped image."""
    x = images[..., None].astype("float32") / 255.0
    probs = model.predict(x, batch_size=batch, verbose=0)
    if tta:
        probs = (probs + model.predict(x[:, :, ::-1], batch_size=batch, verbose=0)) / 2
    return probs


def val_metrics(grades: np.ndarray, probs: np.ndarray) -> dict[str, dict[str, float]]:
    """Accuracy, QWK and MAE under both decodings."""
    return {decoding: headline_metrics(grades, decode_grades(probs, decoding)) for decoding in ("argmax", "expected")}


def selection_score(metrics: dict[str, dict[str, dict[str, float]]]) -> float:
    """Accuracy + QWK, best over decodings and TTA on/off (both targets matter)."""
    return max(m["accuracy"] + m["qwk"] for view in metrics.values() for m in view.values())


def compile_model(model, lr: float, steps_per_epoch: int, epochs: int, weight_decay: float,
                  warmup_epochs: int = 1) -> None:
    """AdamW with a linear warm-up over ``warmup_epochs`` (0: none, start at ``lr``) then cosine decay per step."""
    import keras

    if warmup_epochs > 0:
        schedule = keras.optimizers.schedules.CosineDecay(
            initial_learning_rate=lr / 20, decay_steps=steps_per_epoch * (epochs - warmup_epochs), alpha=0.01,
            warmup_target=lr, warmup_steps=steps_per_epoch * warmup_epochs)
    else:
        schedule = keras.optimizers.schedules.CosineDecay(
            initial_learning_rate=lr, decay_steps=steps_per_epoch * epochs, alpha=0.01)
    optimizer = keras.optimizers.AdamW(schedule, weight_decay=weight_decay, clipnorm=2.0)
    model.compile(optimizer=optimizer, loss=keras.losses.CategoricalCrossentropy(), weighted_metrics=[])


def benchmark(model, images: np.ndarray, grades: np.ndarray, batch: int, batches: int = 20) -> dict[str, float]:
    """Train img/s over ``batches`` steps (after 2 warm-up steps) and inference img/s."""
    ds = make_dataset(images[: batch * (batches + 2)], grades[: batch * (batches + 2)], batch, SEED)
    it = iter(ds)
    for _ in range(2):
        a, b, c = next(it)
        model.train_on_batch(a, b, sample_weight=c)
    tick = time.time()
    for _ in range(batches):
        a, b, c = next(it)
        model.train_on_batch(a, b, sample_weight=c)
    train = batch * batches / (time.time() - tick)
    x = images[:256, :, :, None].astype("float32") / 255.0
    model.predict(x[:64], batch_size=64, verbose=0)
    tick = time.time()
    model.predict(x, batch_size=64, verbose=0)
    return {"train_img_s": round(train, 2), "infer_img_s": round(len(x) / (time.time() - tick), 2)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=data_dir() / "knee_kl")
    parser.add_argument("--work", type=Path, default=Path("artifacts/knee_kl_v2"))
    parser.add_argument("--variant", choices=("lite0", "lite1", "lite2"), default="lite0",
                        help="EfficientNet-Lite backbone (every variant runs at the 224 px input)")
    parser.add_argument("--backbone", type=Path, default=None,
                        help="converted ImageNet backbone (default artifacts/efficientnet_<variant>_imagenet.keras)")
    parser.add_argument("--epochs", type=int, default=16)
    parser.add_argument("--batch", type=int, default=32)
    parser.add_argument("--lr", type=float, default=6e-4)
    parser.add_argument("--weight-decay", type=float, default=0.01)
    parser.add_argument("--freeze-blocks", type=int, default=3)
    parser.add_argument("--threads", type=int, default=2, help="TF intra-op threads")
    parser.add_argument("--limit", type=int, default=None, help="images per split, for a smoke run")
    parser.add_argument("--benchmark", action="store_true", help="measure img/s over 20 batches and stop")
    parser.add_argument("--fresh", action="store_true", help="ignore an existing checkpoint (default: resume)")
    parser.add_argument("--init-from", type=Path, default=None,
                        help="start from this checkpoint's weights (and frozen layers) instead of ImageNet, with a "
                             "fresh optimizer and schedule (a continuation run)")
    parser.add_argument("--warmup-epochs", type=int, default=1)
    parser.add_argument("--seed", type=int, default=SEED, help="initial head, shuffles and augmentation")
    args = parser.parse_args()
    args.work.mkdir(parents=True, exist_ok=True)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(message)s",
                        handlers=[logging.StreamHandler(), logging.FileHandler(args.work / "train.log", "a")])
    import keras
    import tensorflow as tf

    tf.config.threading.set_intra_op_parallelism_threads(args.threads)
    tf.config.threading.set_inter_op_parallelism_threads(1)
    seed = args.seed
    keras.utils.set_random_seed(seed)
    tick = time.time()
    splits = cached_splits(args.data, args.work, 224, args.limit)
    (train_x, train_y), (val_x, val_y) = splits["train"], splits["val"]
    log.info("data %s in %.0f s", {k: len(v[1]) for k, v in splits.items()}, time.time() - tick)
    steps = math.ceil(len(train_y) / args.batch)
    state_path, last_path = args.work / "state.json", args.work / "last.keras"
    resume = last_path.exists() and state_path.exists() and not args.fresh and not args.benchmark
    if resume:
        state = json.loads(state_path.read_text())
        model = keras.models.load_model(last_path)
        log.info("resumed after epoch %d (best %s)", state["epoch"], state.get("best"))
    else:
        state = {"epoch": 0, "best": None, "history": [], "config": {k: str(v) for k, v in vars(args).items()}}
        if args.init_from is not None:
            model = keras.models.load_model(args.init_from, compile=False)
            log.info("continuation: weights and frozen layers from %s", args.init_from)
        else:
            model = build_kl_v2_model(freeze_blocks=args.freeze_blocks, variant=args.variant)
            backbone = args.backbone or Path(f"artifacts/efficientnet_{args.variant}_imagenet.keras")
            log.info("copied ImageNet weights into %d layers", load_backbone(model, backbone))
        compile_model(model, args.lr, steps, args.epochs, args.weight_decay, args.warmup_epochs)
    if args.benchmark:
        log.info("benchmark freeze_blocks=%d: %s", args.freeze_blocks,
                 benchmark(model, train_x, train_y, args.batch))
        return
    for epoch in range(state["epoch"], int(state["config"]["epochs"])):
        seed = int(state["config"].get("seed", SEED))  # the run's own seed on resume
        keras.utils.set_random_seed(seed + epoch)
        tick = time.time()
        batch = int(state["config"]["batch"])  # the run's own settings win over the command line on resume
        history = model.fit(make_dataset(train_x, train_y, batch, seed + epoch), epochs=1, verbose=0)
        train_seconds = time.time() - tick
        metrics = {"plain": val_metrics(val_y, predict_probs(model, val_x)),
                   "flip_tta": val_metrics(val_y, predict_probs(model, val_x, tta=True))}
        score = selection_score(metrics)
        row = {"epoch": epoch + 1, "loss": round(float(history.history["loss"][-1]), 4),
               "lr_end": float(keras.ops.convert_to_numpy(model.optimizer.learning_rate)),
               "train_img_s": round(len(train_y) / train_seconds, 2), "epoch_min": round((time.time() - tick) / 60, 1),
               "val": metrics, "score": round(score, 4)}
        model.save(args.work / "last.tmp.keras")
        os.replace(args.work / "last.tmp.keras", last_path)
        model.save_weights(args.work / f"epoch_{epoch + 1:02d}.weights.h5")
        if state["best"] is None or score > state["best"]["score"]:
            state["best"] = {"epoch": epoch + 1, "score": round(score, 4)}
            shutil.copy(last_path, args.work / "best.keras")
            row["saved_best"] = True
        state["epoch"] = epoch + 1
        state["history"].append(row)
        state_path.write_text(json.dumps(state, indent=1))
        log.info("epoch %d: %s", epoch + 1, json.dumps(row))
    log.info("done: best %s", state["best"])


if __name__ == "__main__":
    main()
