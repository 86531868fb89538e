#!/usr/bin/env bash
# Airflow UI on the demo's state: `airflow standalone` at http://127.0.0.1:8080.
# Stop it with Ctrl-C (SIGINT; SIGTERM leaves orphans).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/bootstrap.sh
eval "$(PYTHONPATH=plugins .venv/bin/python -m recsys.local.cli env)"
export PATH="$PWD/.venv/bin:$PATH"
python -m recsys.local.cli up
echo "admin password: $AIRFLOW_HOME/simple_auth_manager_passwords.json.generated"
exec airflow standalone
