#!/usr/bin/env bash
# Redshift validity without Redshift: parse and compile the dbt project for the
# `prod` (Redshift) target offline, then lint the compiled models with sqlfluff's
# redshift dialect. Usage: scripts/lint_dbt.sh [target dir]   (needs bootstrap.sh first)
set -euo pipefail
cd "$(dirname "$0")/../dbt"
out=$(realpath -m "${1:-../.state/dbt-prod}")
export PATH="$PWD/../.venv/bin:$PATH" DBT_SEND_ANONYMOUS_USAGE_STATS=False
echo "==> dbt parse --target prod"
dbt parse --target prod --profiles-dir . --target-path "$out" --quiet
echo "==> dbt compile --target prod (offline: no introspection)"
dbt compile --target prod --profiles-dir . --target-path "$out" --no-introspect --no-populate-cache --quiet
echo "==> sqlfluff lint (redshift) of the compiled models"
find "$out/compiled/recsys/models" -name '*.sql' -not -path '*.yml/*' -print0 \
  | xargs -0 sqlfluff lint --config .sqlfluff --disable-progress-bar
