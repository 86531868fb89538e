#!/usr/bin/env bash
# The test command: install, then run pytest. Tests start their own services on
# separate ports and state (.state/test), so they never touch the demo's.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/bootstrap.sh
# The sign-up page is tested in a real browser: Debian's chromium (Playwright's own download is not reachable).
if ! command -v chromium >/dev/null; then
  if [ "$(id -u)" -eq 0 ]; then
    echo "==> installing chromium (Debian) for the browser test"
    { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium; } >/dev/null
  else
    echo "the browser test needs chromium: sudo apt-get install chromium" >&2
  fi
fi
export PATH="$PWD/.venv/bin:$PATH"
# With no arguments: the default run, without the whole-DAG runs (make test-dag on the sample,
# make test-real-data on ../shared/data; CI runs both too).
if [ $# -eq 0 ]; then set -- -m "not slow"; fi
exec python -m pytest "$@"
