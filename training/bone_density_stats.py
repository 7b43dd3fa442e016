"""Statistics of the bone-density comparison: per-model summaries, what the image adds beyond age (paired AUC
differences, within age bands, likelihood-ratio tests) and the framing (image size) checks.

Conventions: ``probs`` are out-of-fold 3-class probabilities (repeats, N, 3) in the order normal / osteopenia /
osteoporosis, ``t_hat`` out-of-fold T-score estimates (repeats, N). "Low bone mass" = osteopenia or osteoporosis
(score 1 − p(normal)); "osteoporosis" vs the rest (score p(osteoporosis)). CIs are 95 %.
"""

from __future__ import annotations

import numpy as np
from sklearn.metrics import roc_auc_score

from osteo_core.metrics import auc_delong_paired, calibration_slope_intercept

OUTCOMES = ("low_bone_mass", "osteoporosis")
PAIRS = (("image+age", "age"), ("fused", "clinical"), ("clinical", "age"))
AGE_BANDS = {"under_50": (0, 50), "50_plus": (50, 200)}
BOOT = 1000


def outcome(labels: np.ndarray, name: str) -> np.ndarray:
    """Binary outcome (0/1) from labels 0–2."""
    return (labels >= 1).astype(int) if name == "low_bone_mass" else (labels == 2).astype(int)


def score(probs: np.ndarray, name: str) -> np.ndarray:
    """Risk score of an outcome from (..., 3) probabilities."""
    return 1 - probs[..., 0] if name == "low_bone_mass" else probs[..., 2]


def _r(value: float, digits: int = 4) -> float:
    return round(float(value), digits)


def _boot_ci(values: np.ndarray, seed: int = 0) -> dict[str, float]:
    """Mean of per-patient ``values`` with a percentile bootstrap CI (resampling patients)."""
    rng = np.random.default_rng(seed)
    boots = values[rng.integers(0, len(values), (BOOT, len(values)))].mean(axis=1)
    low, high = np.percentile(boots, [2.5, 97.5])
    return {"value": _r(values.mean()), "ci95_low": _r(low), "ci95_high": _r(high)}


def _rank_auc(positives: np.ndarray, negatives: np.ndarray) -> np.ndarray:
    """Mann–Whitney AUC (ties count ½) of each row pair of (B, m) positive and (B, n) negative scores."""
    from scipy.stats import rankdata

    m, n = positives.shape[1], negatives.shape[1]
    ranks = rankdata(np.hstack([positives, negatives]), axis=1)
    return (ranks[:, :m].sum(axis=1) - m * (m + 1) / 2) / (m * n)


def auc_ci(y_true: np.ndarray, score_values: np.ndarray, seed: int = 0) -> dict[str, float]:
    """ROC AUC with a percentile bootstrap 95 % CI, resampling patients stratified by outcome (the scheme of
    ``osteo_core.metrics.auc_with_ci``, vectorised). Raises ValueError when an outcome is missing."""
    y, values = np.asarray(y_true, dtype=int), np.asarray(score_values, dtype=float)
    pos, neg = values[y == 1], values[y == 0]
    if not len(pos) or not len(neg):
        raise ValueError("AUC needs both outcomes present; got a single class.")
    rng = np.random.default_rng(seed)
    boots = _rank_auc(pos[rng.integers(0, len(pos), (BOOT, len(pos)))],
                      neg[rng.integers(0, len(neg), (BOOT, len(neg)))])
    low, high = np.percentile(boots, [2.5, 97.5])
    return {"value": _r(_rank_auc(pos[None], neg[None])[0]), "ci95_low": _r(low), "ci95_high": _r(high)}


def _log_loss_rows(probs: np.ndarray, labels: np.ndarray) -> np.ndarray:
    return -np.log(np.clip(probs[np.arange(len(labels)), labels], 1e-12, 1.0))


def summarise(name: str, probs: np.ndarray, t_hat: np.ndarray, labels: np.ndarray, t_scores: np.ndarray,
              brief: bool = False) -> dict:
    """AUCs (low bone mass, osteoporosis) with bootstrap CIs and the spread over repeats, T-score MAE with its CI;
    unless ``brief`` also the calibration slope, 3-class log loss, T-score r and 90th-percentile error."""
    mean_p, mean_t = probs.mean(axis=0), t_hat.mean(axis=0)
    out: dict = {"model": name}
    for key in OUTCOMES:
        y = outcome(labels, key)
        per_repeat = [roc_auc_score(y, score(p, key)) for p in probs]
        out[f"auc_{key}"] = auc_ci(y, score(mean_p, key)) | {
            "repeat_mean": _r(np.mean(per_repeat)), "repeat_sd": _r(np.std(per_repeat))}
    errors = np.abs(mean_t - t_scores)
    out["t_score_mae"] = _r(errors.mean(), 3)
    out["t_score_mae_ci95"] = [d for k, d in _boot_ci(errors).items() if k != "value"]
    if brief:
        return out
    slope, intercept = calibration_slope_intercept(outcome(labels, "low_bone_mass"), score(mean_p, "low_bone_mass"))
    out |= {
        "calibration_low_bone_mass": {"slope": round(slope, 3), "intercept": round(intercept, 3)},
        "log_loss_3class": _r(_log_loss_rows(mean_p, labels).mean()),
        "t_score_pearson_r": _r(np.corrcoef(mean_t, t_scores)[0, 1], 3),
        "t_score_abs_error_q90": _r(np.quantile(errors, 0.9), 3),
    }
    return out


def _pair(probs: dict, t_hat: dict, labels: np.ndarray, t_scores: np.ndarray, a: str, b: str,
          mask: np.ndarray | None = None) -> dict:
    """a − b on the same patients: AUC differences (paired DeLong CI on repeat-averaged predictions, and the spread
    of per-repeat differences), 3-class log-loss and T-score MAE differences (bootstrap CIs)."""
    mask = np.ones(len(labels), bool) if mask is None else mask
    pa, pb = probs[a][:, mask], probs[b][:, mask]
    out: dict = {}
    for key in OUTCOMES:
        y = outcome(labels[mask], key)
        if min(y.sum(), len(y) - y.sum()) < 2:
            continue
        paired = auc_delong_paired(y, score(pa.mean(axis=0), key), score(pb.mean(axis=0), key))
        per_repeat = np.array([roc_auc_score(y, score(ra, key)) - roc_auc_score(y, score(rb, key))
                               for ra, rb in zip(pa, pb, strict=True)])
        out[f"auc_{key}_difference"] = paired["difference"] | {
            "repeat_mean": _r(per_repeat.mean()), "repeat_min": _r(per_repeat.min()),
            "repeat_max": _r(per_repeat.max()), "repeats_positive": int((per_repeat > 0).sum())}
    y3 = labels[mask]
    out["log_loss_3class_difference"] = _boot_ci(_log_loss_rows(pa.mean(axis=0), y3)
                                                 - _log_loss_rows(pb.mean(axis=0), y3))
    t_true = t_scores[mask]
    out["t_score_mae_difference"] = _boot_ci(np.abs(t_hat[a][:, mask].mean(axis=0) - t_true)
                                             - np.abs(t_hat[b][:, mask].mean(axis=0) - t_true))
    return out


def increments(probs: dict, t_hat: dict, labels: np.ndarray, t_scores: np.ndarray) -> dict:
    """{"image+age minus age": …, "fused minus clinical": …, "clinical minus age": …} on all patients (negative
    log-loss and MAE differences favour the first model)."""
    return {f"{a} minus {b}": _pair(probs, t_hat, labels, t_scores, a, b) for a, b in PAIRS}


def within_age_bands(probs: dict, t_hat: dict, labels: np.ndarray, t_scores: np.ndarray, ages: np.ndarray,
                     names: list[str]) -> dict:
    """Per age band (under 50, 50+): for each outcome with at least 2 patients of each class, every model's AUC
    (bootstrap CI) and the paired differences; every model's T-score MAE."""
    out = {}
    for band, (low, high) in AGE_BANDS.items():
        mask = (ages >= low) & (ages < high)
        block: dict = {"n": int(mask.sum()), "classes": np.bincount(labels[mask], minlength=3).tolist()}
        for key in OUTCOMES:
            y = outcome(labels[mask], key)
            if min(y.sum(), len(y) - y.sum()) < 2:
                block[key] = {"positives": int(y.sum()), "note": "fewer than 2 patients of a class: no AUC"}
                continue
            block[key] = {"positives": int(y.sum())} | {
                name: auc_ci(y, score(probs[name][:, mask].mean(axis=0), key)) for name in names}
        block["t_score_mae"] = {name: _r(np.abs(t_hat[name][:, mask].mean(axis=0) - t_scores[mask]).mean(), 3)
                                for name in names}
        block["differences"] = {f"{a} minus {b}": _pair(probs, t_hat, labels, t_scores, a, b, mask)
                                for a, b in PAIRS[:2]}
        out[band] = block
    return out


def _loglik_logistic(X: np.ndarray, y: np.ndarray) -> float:
    from sklearn.linear_model import LogisticRegression

    model = LogisticRegression(C=np.inf, max_iter=20000).fit(X, y)
    p = np.clip(model.predict_proba(X), 1e-12, 1.0)
    return float(np.log(p[np.arange(len(y)), np.searchsorted(model.classes_, y)]).sum())


def _rss(X: np.ndarray, y: np.ndarray) -> float:
    design = np.hstack([np.ones((len(y), 1)), X])
    coef, *_ = np.linalg.lstsq(design, y, rcond=None)
    return float(((y - design @ coef) ** 2).sum())


def likelihood_ratio_tests(table, image: np.ndarray, labels: np.ndarray, t_scores: np.ndarray, pca: int) -> dict:
    """In-sample nested tests of adding ``pca`` image components (PCA of the standardised image features of all
    patients, unsupervised) to age and to the clinical columns: likelihood-ratio χ² (df = ``pca``) for the
    3-class and both binary outcomes (unpenalised logistic regression), F test for the T-score (OLS)."""
    from scipy import stats
    from sklearn.decomposition import PCA
    from sklearn.preprocessing import StandardScaler

    from training.bone_density_data import CLINICAL_COLUMNS

    components = PCA(pca, random_state=0).fit_transform(StandardScaler().fit_transform(image))
    out = {"note": f"in-sample, {pca} image principal components added; unpenalised models", "df": pca}
    for base_name, columns in (("age", ["age"]), ("clinical", list(CLINICAL_COLUMNS))):
        base = StandardScaler().fit_transform(table[columns].to_numpy(dtype=float))
        full = np.hstack([base, components])
        block = {}
        for key, y in (("three_class", labels), ("low_bone_mass", outcome(labels, "low_bone_mass")),
                       ("osteoporosis", outcome(labels, "osteoporosis"))):
            df = pca * (len(np.unique(y)) - 1)
            stat = 2 * (_loglik_logistic(full, y) - _loglik_logistic(base, y))
            block[key] = {"chi2": _r(stat, 2), "df": df, "p": float(f"{stats.chi2.sf(max(stat, 0), df):.3g}")}
        rss0, rss1 = _rss(base, t_scores), _rss(full, t_scores)
        dof = len(t_scores) - full.shape[1] - 1
        f_stat = ((rss0 - rss1) / pca) / (rss1 / dof)
        block["t_score"] = {"F": _r(f_stat, 3), "df": [pca, dof], "p": float(f"{stats.f.sf(f_stat, pca, dof):.3g}"),
                            "r2_base": _r(1 - rss0 / ((t_scores - t_scores.mean()) ** 2).sum(), 3),
                            "r2_with_image": _r(1 - rss1 / ((t_scores - t_scores.mean()) ** 2).sum(), 3)}
        out[f"image_beyond_{base_name}"] = block
    return out


def framing_block(framing: dict[str, np.ndarray], probs: dict, labels: np.ndarray, repeats: int,
                  ages: np.ndarray | None = None) -> dict:
    """For each framing variable (image width, height, aspect ratio, crop side, crop scale): its raw AUC for both
    outcomes (higher value = positive; 0.5 = no signal, below 0.5 = the inverse direction) with bootstrap CI, the
    cross-validated AUC of a logistic regression on it alone in the same folds, and (with ``ages``) its raw AUC for
    osteoporosis among patients 50 and over (is it age in disguise?)."""
    out = {"note": f"raw AUC: the value itself as the score; cv: one-feature logistic regression, same 5-fold x "
                   f"{repeats} splits"}
    for name, values in framing.items():
        block = {"median_by_class": {c: _r(np.median(values[labels == k]), 3)
                                     for k, c in enumerate(("normal", "osteopenia", "osteoporosis"))}}
        for key in OUTCOMES:
            y = outcome(labels, key)
            block[f"raw_auc_{key}"] = auc_ci(y, values)
            block[f"cv_auc_{key}"] = auc_ci(y, score(probs[name].mean(axis=0), key))
        if ages is not None:
            older = ages >= 50
            block["raw_auc_osteoporosis_age_50_plus"] = auc_ci(outcome(labels[older], "osteoporosis"), values[older])
        out[name] = block
    return out
