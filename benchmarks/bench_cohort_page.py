"""Time what the cohort page does with a 100,000-row upload, function by function, and the page itself (AppTest).

Steps timed: read the uploaded bytes, score in chunks (with progress), build the analysis frame, the dashboard
(referral, shares, agreement, charts), the outcome section (ROC, calibration, confusion, decision curve, subgroups)
and the results-table filter; then a full page rerun after clicking "Score the cohort" in Streamlit's AppTest.
Global drivers (SHAP on 200 patients, on a button) and the exports (built on download) are timed separately.

Usage: python benchmarks/bench_cohort_page.py [--rows 100000] [--out benchmarks/results/cohort_page.json]
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def _timed(results: dict, name: str, action):
    started = time.perf_counter()
    value = action()
    results[name] = round(time.perf_counter() - started, 3)
    return value


def function_timings(data: bytes) -> dict[str, float]:
    from osteo_core.clinical.risk_model import load_risk_model
    from osteo_core.cohort import export, outcome, summary, view
    from osteo_core.cohort.columns import map_columns
    from osteo_core.cohort.reading import read_table
    from osteo_core.cohort.score import score_table

    model = load_risk_model()
    t: dict[str, float] = {}
    loaded = _timed(t, "read_upload", lambda: read_table(data, "cohort.csv"))
    mapping = map_columns(list(loaded.frame.columns))
    result = _timed(t, "score_with_progress", lambda: score_table(loaded.frame, model, mapping,
                                                                  progress=lambda d, n: None))
    analysis = _timed(t, "analysis_frame", lambda: summary.analysis_frame(
        result.scored, result.values, outcome.parse_outcome(loaded.frame["outcome"])))

    def dashboard():
        rule = summary.referral(analysis, 0.10)
        shares = summary.flag_shares(analysis, rule.threshold)
        summary.agreement(analysis, rule.threshold)
        view.counts(result.scored), view.issues_table(result.scored, "id"), view.duplicate_ids(result.scored, "id")
        for figure in (summary.risk_distribution_figure(analysis, model.band_thresholds, rule.threshold),
                       summary.referral_curve_figure(analysis, rule), summary.flag_shares_figure(shares)):
            figure.to_json()
        return rule

    rule = _timed(t, "dashboard", dashboard)

    def outcome_section():
        rows = outcome.usable(analysis)
        outcome.headline(rows), outcome.confusion(rows, rule.threshold), outcome.subgroups(rows, rule.threshold)
        for figure in (outcome.roc_figure(rows, rule.threshold), outcome.calibration_figure(rows),
                       outcome.decision_curve_figure(rows)):
            figure.to_json()

    _timed(t, "outcome_section", outcome_section)
    _timed(t, "results_table_filter", lambda: view.filter_results(result.scored, analysis, ["high"]).head(5000))
    t["page_response_total"] = round(sum(t.values()), 3)
    _timed(t, "export_csv_on_download", lambda: export.csv_bytes(result.scored))
    _timed(t, "export_parquet_on_download", lambda: export.parquet_bytes(result.scored))
    _timed(t, "global_drivers_shap_200_on_button", lambda: summary.global_drivers(
        result.values, analysis["valid"].to_numpy(), model, sample_size=200))
    return t


def apptest_timing(data: bytes) -> dict[str, float]:
    from streamlit.testing.v1 import AppTest

    at = AppTest.from_file(str(ROOT / "pages" / "cohort.py"), default_timeout=600)
    at.run()
    at.file_uploader(key="cohort_file").set_value(("cohort.csv", data, "text/csv"))
    started = time.perf_counter()
    at.run()
    upload = time.perf_counter() - started
    started = time.perf_counter()
    at.button(key="cohort_score").click().run()
    score = time.perf_counter() - started
    assert not at.exception, at.exception
    started = time.perf_counter()
    at.slider(key="cohort_share").set_value(20).run()
    slider = time.perf_counter() - started
    return {"upload_rerun": round(upload, 2), "score_click_rerun": round(score, 2),
            "slider_move_rerun": round(slider, 2)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--out", type=Path, default=ROOT / "benchmarks" / "results" / "cohort_page.json")
    args = parser.parse_args()
    from osteo_core.clinical.risk_model import load_risk_model
    from osteo_core.cohort.demo import demo_cohort

    data = demo_cohort(args.rows, seed=11, model=load_risk_model()).to_csv(index=False).encode()
    result = {
        "benchmark": "cohort page on a synthetic upload", "rows": args.rows, "file_mb": round(len(data) / 1e6, 1),
        "seconds_by_function": function_timings(data),
        "seconds_page_apptest": apptest_timing(data),
        "machine": f"{platform.processor() or platform.machine()}, {os.cpu_count()} cores, load average at end "
                   f"{os.getloadavg()[0]:.1f}",
        "date": datetime.now(UTC).isoformat(timespec="seconds"),
    }
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(result, indent=2) + "\n")
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
