# Sourced by the scripts that work on the demo's state: install, load the local environment, start
# the services. The caller has set -euo pipefail.
cd "$(dirname "$0")/.."
bash scripts/bootstrap.sh
eval "$(PYTHONPATH=plugins .venv/bin/python -m recsys.local.cli env)"
export PATH="$PWD/.venv/bin:$PATH"
python -m recsys.local.cli up
