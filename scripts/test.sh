#!/usr/bin/env bash
# Run the whole test suite: installs what is missing, starts PostgreSQL, Redis and
# Elasticsearch on loopback (scripts/services.sh), lints, then runs pytest.
# Extra arguments go to pytest, e.g. scripts/test.sh tests/unit -x
set -euo pipefail
source "$(dirname "$0")/bootstrap.sh"
ensure_python_env
cd "$MM_ROOT"

"$MM_ROOT/scripts/services.sh" install
"$MM_ROOT/scripts/services.sh" start
eval "$("$MM_ROOT/scripts/services.sh" env)"
export MATCHMAKER_TEST_CHROMIUM=${MATCHMAKER_TEST_CHROMIUM:-/usr/bin/chromium}

mm_log "ruff"
ruff check .
ruff format --check .

mm_log "pytest"
status=0
python -m pytest "$@" || status=$?
if ((status == 5)); then
    echo "pytest collected no tests" >&2
fi
exit "$status"
