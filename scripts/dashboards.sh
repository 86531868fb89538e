#!/usr/bin/env bash
# The Streamlit dashboards on the warehouse the demo built: install (.venv-dashboards, once), serve
# on http://127.0.0.1:${RECSYS_DASHBOARDS_PORT:-8082}. Run `make demo` first.
# Stop with Ctrl-C.
set -euo pipefail
source "$(dirname "$0")/local_stack.sh"
exec python -m recsys.local.cli dashboards "$@"
