#!/usr/bin/env bash
# The test command: install, then run pytest. Tests start their own services on
# separate ports and state (.state/test), so they never touch the demo's.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/bootstrap.sh
export PATH="$PWD/.venv/bin:$PATH"
exec python -m pytest "$@"
