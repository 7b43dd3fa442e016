"""Issue 13 item 10: figures in the bone-density card and the README come from evaluation / benchmark files."""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

from training.bone_density_card import cohort_facts, write_density_card

ROOT = Path(__file__).resolve().parents[2]
DENSITY = ROOT / "models" / "bone_density_knee"


def _evaluation() -> dict:
    return json.loads((DENSITY / "evaluation.json").read_text(encoding="utf-8"))


def test_shipped_card_is_exactly_what_the_card_script_writes(tmp_path):
    """Regenerated in a copy of the model folder, the card equals the shipped one, its "Serving runtime" section
    (written by training.export_litert, kept while the manifest names the export) included."""
    for name in ("manifest.json", "model_card.md"):
        shutil.copy(DENSITY / name, tmp_path / name)
    (tmp_path / "model_card.md").write_text((DENSITY / "model_card.md").read_text() + "stale text\n")
    write_density_card(tmp_path / "model_card.md", _evaluation())
    assert (tmp_path / "model_card.md").read_text() == (DENSITY / "model_card.md").read_text()


def test_card_counts_are_those_of_the_modelled_patients_and_the_backbone_training_knees():
    evaluation, card = _evaluation(), (DENSITY / "model_card.md").read_text()
    cohort, backbone = evaluation["data"]["cohort"], evaluation["data"]["backbone"]
    assert cohort["patients"] == evaluation["data"]["patients_with_image"]
    assert cohort["osteoporosis"] == evaluation["data"]["classes"]["osteoporosis"]
    assert f"{cohort['osteoporosis_men']} of the {cohort['osteoporosis']} osteoporosis patients are men" in card
    assert f"trained on {backbone['training_knees']:,} OAI training knees" in card
    assert "31 of the 49" not in card and "5,778" not in card
    assert "Bayes" not in card and "self-reported" not in card


def test_cohort_facts_match_the_data(real_data_dir):
    from training.bone_density_data import load_patients

    facts = cohort_facts(load_patients(real_data_dir / "knee_bone_density"))
    stored = dict(_evaluation()["data"]["cohort"])
    assert facts == stored


def test_readme_history_store_throughput_matches_the_benchmark_file():
    runs = json.loads((ROOT / "benchmarks" / "results" / "db_concurrency.json").read_text())["runs"]
    rates = [run["writes_per_s"] for run in runs]
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    match = re.search(r"roughly ([\d,]+)–([\d,]+) screenings/s", readme)
    assert match, "README must quote the history-store throughput as a range"
    low, high = (float(group.replace(",", "")) for group in match.groups())
    assert low <= min(rates) and max(rates) <= high, (low, high, min(rates), max(rates))
    assert high - low <= 0.5 * max(rates), "the range must be tight enough to say something"


def test_readme_model_table_is_what_the_evaluation_files_say():
    from training.model_table import model_table, render

    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert render(readme, model_table()) == readme, "run: python -m training.model_table"
