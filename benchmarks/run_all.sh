#!/usr/bin/env bash
# Run every benchmark; each writes its JSON file into benchmarks/results/. Needs the shipped models and, for the
# browser-based ones, Debian's chromium (/usr/bin/chromium). Takes a few minutes on 2 cores.
set -euo pipefail
cd "$(dirname "$0")/.."
PY=.venv/bin/python
$PY benchmarks/bench_cohort.py --rows 100000 --out benchmarks/results/cohort_100k.json
$PY benchmarks/bench_cohort.py --rows 1000000 --out benchmarks/results/cohort_1m.json
$PY benchmarks/image_latency.py --out benchmarks/results/knee_kl_latency.json
$PY benchmarks/image_latency.py --model bone_density_knee --out benchmarks/results/bone_density_knee_latency.json
[ -f benchmarks/bench_db_concurrency.py ] && $PY benchmarks/bench_db_concurrency.py
[ -f benchmarks/bench_cohort_page.py ] && $PY benchmarks/bench_cohort_page.py
$PY benchmarks/bench_model_load.py --runs 3
$PY benchmarks/bench_app_start.py --runs 3
$PY benchmarks/bench_page_upload.py --runs 3
$PY benchmarks/summarise.py
