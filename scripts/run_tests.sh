#!/usr/bin/env bash
# Set up (first run only), lint, and run the whole test suite. Extra arguments go to pytest.
# Browser tests need Debian's chromium: installed here when running as root with apt-get; skipped otherwise.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup_env.sh
if [ ! -x /usr/bin/chromium ] || [ ! -d /usr/share/fonts/truetype/dejavu ]; then
  if [ "$(id -u)" = "0" ] && command -v apt-get >/dev/null; then
    echo "Installing Debian's chromium and DejaVu fonts for the browser tests and PDF reports…" >&2
    (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium fonts-dejavu-core \
      >/dev/null) || echo "warning: could not install chromium; browser tests will be skipped" >&2
  else
    echo "note: /usr/bin/chromium is missing; browser tests will be skipped (apt-get install chromium)" >&2
  fi
fi
.venv/bin/ruff check .
.venv/bin/python -m pytest -q "$@"
