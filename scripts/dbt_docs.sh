#!/usr/bin/env bash
# dbt docs of the warehouse the demo built: generate, then serve on http://127.0.0.1:${RECSYS_DBT_DOCS_PORT:-8081}.
# Run `make demo` first so the warehouse holds the marts. Stop with Ctrl-C.
set -euo pipefail
source "$(dirname "$0")/local_stack.sh"
cd dbt
dbt docs generate --profiles-dir . --target-path "$RECSYS_STATE_DIR/dbt-docs"
exec dbt docs serve --profiles-dir . --target-path "$RECSYS_STATE_DIR/dbt-docs" --host 127.0.0.1 --port "$RECSYS_DBT_DOCS_PORT" \
  --no-browser
