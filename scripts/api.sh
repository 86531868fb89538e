#!/usr/bin/env bash
# The recommendations API and its commands on the demo's state: api | api-key --name N | rollback [--to RUN].
set -euo pipefail
source "$(dirname "$0")/local_stack.sh"
exec python -m recsys.local.cli "$@"
