#!/usr/bin/env bash
# Set up (first run only) and start the dashboard on http://localhost:8501 with the shipped models.
#
# Without a credentials file (local mode: no login) the app listens on 127.0.0.1 only — it also refuses any
# client that is not on this computer. To open it to others safely, add an admin first:
#   python -m osteo_core add-user NAME --role admin      (then run this script again: a login is required)
# Environment: OSTEO_SKIP_SETUP=1 uses the python/streamlit on PATH (the Docker image); OSTEO_DRY_RUN=1 prints the
# command instead of running it. Extra arguments go to `streamlit run`.
set -euo pipefail
cd "$(dirname "$0")/.."
if [ "${OSTEO_SKIP_SETUP:-0}" = "1" ]; then
  PY=python
else
  bash scripts/setup_env.sh
  PY=.venv/bin/python
fi
CREDENTIALS="$("$PY" -c 'from osteo_core.config import credentials_file; print(credentials_file())')"
ARGS=()
if [ ! -f "$CREDENTIALS" ]; then
  for arg in "$@"; do
    case "$arg" in
      --server.address|--server.address=*)
        echo "error: no login is configured ($CREDENTIALS is missing), so the app may only listen on 127.0.0.1." >&2
        echo "Add an admin first: python -m osteo_core add-user NAME --role admin" >&2
        exit 2 ;;
    esac
  done
  echo "Local mode (no login configured): listening on 127.0.0.1 only. To open the app to others, add an admin" >&2
  echo "with: python -m osteo_core add-user NAME --role admin   and run this script again." >&2
  ARGS=(--server.address 127.0.0.1)
fi
CMD=("$PY" -m app_support.serve "${ARGS[@]}" "$@")  # streamlit run, models warming up from the start
if [ "${OSTEO_DRY_RUN:-0}" = "1" ]; then
  echo "${CMD[*]}"
  exit 0
fi
exec "${CMD[@]}"
