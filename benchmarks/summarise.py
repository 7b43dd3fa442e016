"""Collect benchmarks/results/*.json into one Markdown table: benchmarks/results/SUMMARY.md."""

from __future__ import annotations

import json
from pathlib import Path

RESULTS = Path(__file__).resolve().parent / "results"


def _row(name: str, data: dict) -> list[str]:
    if "predict" in data:
        return [f"{data.get('model', name)}: predict p50 / p95", f"{data['predict']['p50_ms']} / "
                f"{data['predict']['p95_ms']} ms", f"with Grad-CAM {data['predict_with_gradcam']['p50_ms']} / "
                f"{data['predict_with_gradcam']['p95_ms']} ms; batch {data['batch_images_per_second']} img/s"]
    if str(data.get("benchmark", "")).startswith("score-cohort --dask"):
        return ["score-cohort --dask local (1 machine)", f"{data['seconds_wall_including_startup']} s",
                f"{data['rows']:,} rows; cluster overhead on 2 cores, not the goal path"]
    if "runs" in data and isinstance(data["runs"], list) and data["runs"] and "writes_per_s" in data["runs"][0]:
        best = max(data["runs"], key=lambda r: (r["writers"], r["mode"]))
        return ["SQLite concurrent writes", f"{best['writes_per_s']:,.0f} writes/s with {best['writers']} "
                f"{best['mode']}", f"{best['rows_stored']}/{best['rows_expected']} rows stored, "
                f"{best['errors']} errors, p95 {best['latency_ms_p95']} ms"]
    if "seconds_by_function" in data:
        steps = data["seconds_by_function"]
        clicks = ", ".join(f"{k} {v} s" for k, v in data.get("seconds_page_apptest", {}).items())
        extras = ", ".join(f"{k} {v} s" for k, v in steps.items() if "on_" in k)
        return [f"cohort page, {data['rows']:,}-row upload", f"{steps['page_response_total']} s (read to dashboard)",
                f"AppTest: {clicks}; on demand: {extras}"]
    if "knee_staging" in data and isinstance(data["knee_staging"], dict):
        parts = [f"{k.replace('_', ' ')} median {v['median_seconds']} s" for k, v in data.items()
                 if isinstance(v, dict) and "median_seconds" in v]
        runtime = data.get("image_runtime", "keras")  # files from before the LiteRT runtime were Keras
        return [f"page response after an upload ({runtime} image models)", parts[0],
                "; ".join(parts[1:]) + f" ({data.get('images', '')})"]
    if data.get("benchmark") == "score-cohort":
        return [f"score-cohort {data['rows']:,} rows", f"{data['seconds_wall_including_startup']} s",
                f"{data['rows_per_second']:,} rows/s, peak RSS {data['peak_rss_mb']} MB"]
    if "load_seconds_median" in data:
        loads = "; ".join(f"{runtime}: " + ", ".join(f"{m} {s} s" for m, s in models.items())
                          for runtime, models in data["load_seconds_median"].items())
        imported = ", ".join(f"{runtime} {'yes' if flag else 'no'}"
                             for runtime, flag in data["tensorflow_imported"].items())
        return [data["benchmark"], loads, f"TensorFlow imported: {imported}"]
    if "median_seconds" in data:
        phases = "; ".join(f"{k.replace('_', ' ')} {v} s" for k, v in data.get("phases_median_seconds", {}).items())
        return [data.get("benchmark", name), f"median {data['median_seconds']} s",
                f"runs {data['seconds']}" + (f"; phases (median): {phases}" if phases else "")]
    summary = {k: v for k, v in data.items() if k not in ("machine", "date")}
    return [name, "", json.dumps(summary)[:200]]


def main() -> None:
    lines = ["| benchmark | result | detail | machine | date |", "|---|---|---|---|---|"]
    for path in sorted(RESULTS.glob("*.json")):
        data = json.loads(path.read_text())
        cells = _row(path.stem, data) + [data.get("machine", ""), data.get("date", "")[:10]]
        lines.append("| " + " | ".join(cells) + " |")
    (RESULTS / "SUMMARY.md").write_text("\n".join(lines) + "\n")
    print("\n".join(lines))


if __name__ == "__main__":
    main()
