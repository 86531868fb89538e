#!/usr/bin/env bash
# The test command: install, then run pytest. Tests start their own services on
# separate ports and state (.state/test), so they never touch the demo's.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/bootstrap.sh
export PATH="$PWD/.venv/bin:$PATH"
# With no arguments: the default run, without the whole-DAG run on the real data
# (make test-real-data, which CI runs too).
if [ $# -eq 0 ]; then set -- -m "not real_data"; fi
exec python -m pytest "$@"
