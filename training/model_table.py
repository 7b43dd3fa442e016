"""The README's table of shipped models, written from each model's manifest and evaluation file (never typed).

Usage: python -m training.model_table [--check]   (rewrites the block between the markers in README.md; --check
exits 1 when the README differs from what the files say)
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

from osteo_core.config import PROJECT_ROOT, models_dir

START, END = "<!-- model-table:start (python -m training.model_table) -->", "<!-- model-table:end -->"


def _ci(block: dict) -> str:
    return f"{block['value']:.3f} ({block['ci95_low']:.3f}–{block['ci95_high']:.3f})"


def _clinical(ev: dict, manifest: dict) -> tuple[str, str, str]:
    a50, t = ev["age_50plus"], ev["t_score"]["overall"]
    return (
        f"Clinical: {manifest['estimator']}, Platt-calibrated",
        f"NHANES 2013–14 and 2017–2020, {ev['split']['train_rows']:,} adults 40–80 with a hip DXA scan; label = "
        "hip DXA osteoporosis (T ≤ −2.5)",
        f"age 50+: AUC {_ci(a50['auc'])} vs OST {a50['ost_auc']['value']:.3f} (difference "
        f"{_ci(a50['auc_minus_ost'])}); calibration slope {a50['calibration_slope']}; femoral-neck T-score MAE "
        f"{t['mae']:.2f} SD, 80 % range covers {t['coverage_80']:.0%}",
    )


def _knee_kl(ev: dict, manifest: dict) -> tuple[str, str, str]:
    test, conformal = ev["test"], ev["conformal"]
    return (
        f"Knee KL grade 0–4 ({manifest.get('version', '')})",
        f"{ev['splits']['train']:,} OAI knees (knee_kl train, patient-level split)",
        f"our test split: accuracy {test['accuracy']:.3f}, QWK {test['qwk']:.3f}, MAE {test['mae']:.2f}; "
        f"conformal {conformal['coverage']:.0%} sets cover {conformal['test_coverage']:.1%}",
    )


def _gate(ev: dict, manifest: dict) -> tuple[str, str, str]:
    return (
        f"Body-part gate ({manifest.get('version', '')})",
        "OAI and knee_bone_density knees, RSNA hands, negatives made in code",
        f"false reject: OAI knees {ev['val_knee_kl']['false_reject_rate']:.1%}, hands "
        f"{ev['val_hand']['false_reject_rate']:.1%}; false accept of held-out negatives "
        f"{ev['val_negative']['false_accept_rate']:.1%}",
    )


def _density(ev: dict, manifest: dict) -> tuple[str, str, str]:
    image, age = ev["comparison"]["image"], ev["comparison"]["age"]
    return (
        f"Knee bone density ({manifest.get('version', '')})",
        f"{ev['data']['patients_with_image']} DXA-labelled patients (knee_bone_density)",
        f"cross-validated AUC low bone mass: image {_ci(image['auc_low_bone_mass'])}; age alone "
        f"{age['auc_low_bone_mass']['value']:.3f}",
    )


ROWS: dict[str, tuple[Callable[[dict, dict], tuple[str, str, str]], str]] = {
    "clinical_risk": (_clinical, "python -m training.train_clinical"),
    "knee_kl": (_knee_kl, "see the card"),
    "body_part_gate": (_gate, "python -m training.train_gate"),
    "bone_density_knee": (_density, "python -m training.train_bone_density"),
}


def model_table(root: Path | None = None) -> str:
    """The Markdown table, one row per shipped model that has an evaluation file."""
    root = root or models_dir()
    lines = ["| model | trained on | headline (held-out or cross-validated) | card | retrain |",
             "|---|---|---|---|---|"]
    for name, (row, retrain) in ROWS.items():
        folder = root / name
        if not (folder / "evaluation.json").is_file():
            continue
        evaluation: dict[str, Any] = json.loads((folder / "evaluation.json").read_text())
        manifest: dict[str, Any] = json.loads((folder / "manifest.json").read_text())
        what, data, headline = row(evaluation, manifest)
        lines.append(f"| {what} | {data} | {headline} | [card](models/{name}/model_card.md) | `{retrain}` |")
    return "\n".join(lines)


def render(readme: str, table: str) -> str:
    """``readme`` with the block between the markers replaced by ``table``. Raises ``ValueError`` without them."""
    if START not in readme or END not in readme:
        raise ValueError(f"README.md lacks the markers {START} … {END}.")
    head, rest = readme.split(START, 1)
    _, tail = rest.split(END, 1)
    return f"{head}{START}\n{table}\n{END}{tail}"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true")
    args = parser.parse_args()
    path = PROJECT_ROOT / "README.md"
    current = path.read_text(encoding="utf-8")
    wanted = render(current, model_table())
    if args.check:
        return 0 if wanted == current else 1
    path.write_text(wanted, encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
