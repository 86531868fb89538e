#!/usr/bin/env bash
# The recommendations API and its commands on the demo's state: api | api-key --name N | rollback [--to RUN].
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/bootstrap.sh
eval "$(PYTHONPATH=plugins .venv/bin/python -m recsys.local.cli env)"
export PATH="$PWD/.venv/bin:$PATH"
python -m recsys.local.cli up
exec python -m recsys.local.cli "$@"
