#!/usr/bin/env bash
# Set up and start trialdesk on a demo SQLite database with the seed study, one account per role.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
exec .venv/bin/trialdesk demo "$@"
