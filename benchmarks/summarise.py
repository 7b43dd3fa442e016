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
    if data.get("benchmark") == "score-cohort":
        return [f"score-cohort {data['rows']:,} rows", f"{data['seconds_wall_including_startup']} s",
                f"{data['rows_per_second']:,} rows/s, peak RSS {data['peak_rss_mb']} MB"]
    if "median_seconds" in data:
        return [data.get("benchmark", name), f"median {data['median_seconds']} s", f"runs {data['seconds']}"]
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
