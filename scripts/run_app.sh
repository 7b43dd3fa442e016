#!/usr/bin/env bash
# Set up (first run only) and start the dashboard on http://localhost:8501 with the shipped models.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup_env.sh
exec .venv/bin/streamlit run streamlit_app.py "$@"
