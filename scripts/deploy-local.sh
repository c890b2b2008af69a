#!/usr/bin/env bash
# The production layout on one machine, without containers (docs/deployment.md, "Trying the layout locally"):
#   PostgreSQL (TRIALDESK_DATABASE_URL) + 2 stateless app processes + 1 job worker + a round-robin proxy.
#
#   TRIALDESK_DATABASE_URL=postgresql://postgres@127.0.0.1:5432/trialdesk scripts/deploy-local.sh
#
# Environment (all optional but the database):
#   TRIALDESK_DATABASE_URL   the shared database (PostgreSQL; unset = SQLite in the data folder, for a try only)
#   TRIALDESK_DATA_DIR       data folder: secret key, audit signing key (default ./data), shared by every process
#   PROXY_PORT=8000 APP_PORTS="8001 8002" APP_WORKERS=1   ports, and gunicorn processes per app server
#   TRIALDESK_TASKS_BACKEND=redis TRIALDESK_REDIS_URL=redis://...   jobs on Redis (else in the database)
#   PYTHON=.venv/bin/python
# Runs in the foreground; Ctrl+C or SIGTERM stops every process it started.
set -euo pipefail
cd "$(dirname "$0")/.."

PYTHON=${PYTHON:-.venv/bin/python}
PROXY_PORT=${PROXY_PORT:-8000}
APP_PORTS=${APP_PORTS:-"8001 8002"}
APP_WORKERS=${APP_WORKERS:-1}
export TRIALDESK_DATA_DIR=${TRIALDESK_DATA_DIR:-data}
mkdir -p "$TRIALDESK_DATA_DIR"
if [ -z "${TRIALDESK_DATABASE_URL:-}" ]; then
    echo "deploy-local: TRIALDESK_DATABASE_URL is not set: using SQLite in $TRIALDESK_DATA_DIR (a trial runs on PostgreSQL)" >&2
fi

pids=()
stop_all() {
    trap - EXIT INT TERM
    for pid in "${pids[@]}"; do kill -TERM "$pid" 2>/dev/null || true; done
    for pid in "${pids[@]}"; do wait "$pid" 2>/dev/null || true; done
}
trap stop_all EXIT
trap 'exit 0' INT TERM

wait_for() {  # wait_for PORT: until the sign-in page answers (60 s at most)
    "$PYTHON" - "$1" <<'EOF'
import sys, time, urllib.request
deadline = time.monotonic() + 60
while True:
    try:
        urllib.request.urlopen(f"http://127.0.0.1:{sys.argv[1]}/signin/", timeout=5)
        break
    except OSError:
        if time.monotonic() > deadline:
            sys.exit(f"deploy-local: nothing answers on port {sys.argv[1]}")
        time.sleep(0.3)
EOF
}

# Every process needs the same secret key (a session made by one is read by the other) and audit key file:
# made once here (in the data folder, unless TRIALDESK_SECRET_KEY is given), before the processes start.
"$PYTHON" -c "import os, django; os.environ.setdefault('DJANGO_SETTINGS_MODULE', 'trialdesk.settings'); django.setup()"

# The first app server migrates and installs the study; the others start once it answers (no migration race).
first=1
for port in $APP_PORTS; do
    "$PYTHON" -m trialdesk.cli serve --data-dir "$TRIALDESK_DATA_DIR" --port "$port" \
        --workers "$APP_WORKERS" --no-job-worker &
    pids+=($!)
    if [ "$first" = 1 ]; then wait_for "$port"; first=0; fi
done
"$PYTHON" -m trialdesk.cli worker &
pids+=($!)
backends=()
for port in $APP_PORTS; do backends+=(--backend "127.0.0.1:$port"); done
"$PYTHON" scripts/round_robin_proxy.py --port "$PROXY_PORT" "${backends[@]}" &
pids+=($!)
for port in $APP_PORTS; do wait_for "$port"; done
wait_for "$PROXY_PORT"
echo "deploy-local: ready at http://127.0.0.1:$PROXY_PORT/ (app servers on ports $APP_PORTS, 1 job worker)"
wait -n "${pids[@]}"  # one process ended on its own: stop the rest
echo "deploy-local: a process stopped; stopping the others" >&2
exit 1
