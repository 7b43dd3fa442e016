#!/usr/bin/env bash
# Set up (first run only), lint, and run the whole test suite. Extra arguments go to pytest.
# Browser tests need Debian's chromium: installed here when running as root with apt-get; skipped otherwise.
# The store tests also run on PostgreSQL (a throwaway cluster per test session, tests/store/postgres.py): Debian's
# postgresql is installed the same way; without it those variants skip and say why.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup_env.sh
if [ ! -x /usr/bin/chromium ] || [ ! -d /usr/share/fonts/truetype/dejavu ] || [ ! -d /usr/share/fonts/truetype/noto ] \
   || ! command -v pdftoppm >/dev/null; then
  if [ "$(id -u)" = "0" ] && command -v apt-get >/dev/null; then
    # fonts-noto-core: Devanagari (and other scripts) for the Hindi pages in the browser; poppler-utils: pdftoppm
    # turns the Hindi PDF into a PNG to check its shaping
    echo "Installing Debian's chromium, DejaVu and Noto fonts and poppler-utils for the browser and PDF tests…" >&2
    (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium fonts-dejavu-core \
      fonts-noto-core poppler-utils >/dev/null) || echo "warning: could not install chromium; browser tests will be skipped" >&2
  else
    echo "note: /usr/bin/chromium is missing; browser tests will be skipped (apt-get install chromium)" >&2
  fi
fi
if ! ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 && ! command -v initdb >/dev/null; then
  if [ "$(id -u)" = "0" ] && command -v apt-get >/dev/null; then
    echo "Installing Debian's postgresql for the PostgreSQL store tests…" >&2
    (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql >/dev/null) \
      || echo "warning: could not install postgresql; PostgreSQL tests will be skipped" >&2
  else
    echo "note: PostgreSQL is not installed; PostgreSQL tests will be skipped (apt-get install postgresql)" >&2
  fi
fi
.venv/bin/ruff check .
.venv/bin/python -m pytest -q "$@"
