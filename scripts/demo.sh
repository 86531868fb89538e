#!/usr/bin/env bash
# The main job: install, start the local services, run the full daily DAG once on the
# bundled sample with `airflow dags test`, then print where to look at the results.
set -euo pipefail
cd "$(dirname "$0")/.."
DS=${DS:-$(date -u -d yesterday +%F)}

bash scripts/bootstrap.sh
eval "$(PYTHONPATH=plugins .venv/bin/python -m recsys.local.cli env)"
export PATH="$PWD/.venv/bin:$PATH"

echo "==> starting local services (moto server, PostgreSQL)"
python -m recsys.local.cli up
echo "==> preparing the Airflow metadata database"
airflow db migrate > "$RECSYS_STATE_DIR/airflow-db-migrate.log" 2>&1 \
  || { tail -20 "$RECSYS_STATE_DIR/airflow-db-migrate.log"; exit 1; }
echo "==> running DAG recsys_daily for ds=$DS (log: $RECSYS_STATE_DIR/dags-test-$DS.log)"
if ! airflow dags test recsys_daily "$DS" > "$RECSYS_STATE_DIR/dags-test-$DS.log" 2>&1; then
  grep -E "ERROR|Error|failed|Traceback" "$RECSYS_STATE_DIR/dags-test-$DS.log" | tail -30
  echo "DAG run failed; full log: $RECSYS_STATE_DIR/dags-test-$DS.log" >&2
  exit 1
fi
echo "==> $(grep -c '\[DAG TEST\] end task' "$RECSYS_STATE_DIR/dags-test-$DS.log") tasks ran;" \
  "$(grep -o 'DagRun Finished: dag_id=recsys_daily.*state=[a-z]*' "$RECSYS_STATE_DIR/dags-test-$DS.log" | grep -o 'state=[a-z]*$')"
python -m recsys.local.cli summary --ds "$DS"
