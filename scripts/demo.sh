#!/usr/bin/env bash
# The main job: install, start the local services, let the real Airflow scheduler run the
# full daily DAG once on the bundled sample (progress printed), then print where to look.
set -euo pipefail
cd "$(dirname "$0")/.."
DS=${DS:-$(date -u +%F)}  # today: the run the DAG's own @daily schedule creates

bash scripts/bootstrap.sh
eval "$(PYTHONPATH=plugins .venv/bin/python -m recsys.local.cli env)"
export PATH="$PWD/.venv/bin:$PATH"

echo "==> starting local services (moto server, PostgreSQL)"
python -m recsys.local.cli up
echo "==> preparing the Airflow metadata database"
airflow db migrate > "$RECSYS_STATE_DIR/airflow-db-migrate.log" 2>&1 \
  || { tail -20 "$RECSYS_STATE_DIR/airflow-db-migrate.log"; exit 1; }
if [ "${RECSYS_DATASET:-}" = "app-db" ]; then
  echo "==> the daily run reads the application database (RECSYS_DATASET=app-db)"
  python -m recsys.local.cli seed-app-db
fi
python -m recsys.local.cli demo --ds "$DS"
python -m recsys.local.cli summary --ds "$DS"

