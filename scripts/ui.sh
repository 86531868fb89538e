#!/usr/bin/env bash
# The Airflow UI on the demo's state, http://127.0.0.1:${RECSYS_UI_PORT:-8080}: the API server
# first, then the scheduler, DAG processor and triggerer. Stop it with Ctrl-C.
set -euo pipefail
source "$(dirname "$0")/local_stack.sh"
airflow db migrate > "$RECSYS_STATE_DIR/airflow-db-migrate.log" 2>&1 \
  || { tail -20 "$RECSYS_STATE_DIR/airflow-db-migrate.log"; exit 1; }
exec python -m recsys.local.cli ui
