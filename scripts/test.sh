#!/usr/bin/env bash
# Set up everything the tests need (venv, packages, Debian's chromium) and run them all.
# SQLite by default; set TRIALDESK_DATABASE_URL=postgresql://postgres@127.0.0.1:5432/trialdesk for PostgreSQL.
# --tests-only skips the static checks (ruff, mypy, import contract); further arguments go to pytest.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh test
if [ ! -x /usr/bin/chromium ] || [ ! -f /usr/share/fonts/truetype/noto/NotoSansArabic-Regular.ttf ]; then
  echo "installing Debian's chromium (browser tests) and fonts-noto-core (Persian glyphs in figures)"
  SUDO=""; [ "$(id -u)" -ne 0 ] && SUDO="sudo"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq chromium fonts-noto-core >/dev/null
fi
if [ "${1:-}" != "--tests-only" ]; then
  echo "== static checks: ruff, mypy --strict (core, protocol, services, web, cli), import contracts"
  .venv/bin/ruff check src tests bench
  .venv/bin/ruff format --check src tests bench
  .venv/bin/mypy --strict src/trialdesk
  .venv/bin/lint-imports --no-cache
fi
echo "== tests on ${TRIALDESK_DATABASE_URL:-SQLite}"
[ "${1:-}" = "--tests-only" ] && shift
exec .venv/bin/python -m pytest -q -p no:cacheprovider "$@"
