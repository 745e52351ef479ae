#!/usr/bin/env bash
# Run the whole site on this machine with the embedded default (SQLite + local index + a
# filesystem queue, no server to install) and demo data, at http://127.0.0.1:5000.
set -euo pipefail
source "$(dirname "$0")/bootstrap.sh"
ensure_python_env
cd "$MM_ROOT"
exec matchmaker run --host "${MATCHMAKER_HOST:-127.0.0.1}" --port "${MATCHMAKER_PORT:-5000}" "$@"
