# Sourced by scripts/run.sh and scripts/test.sh: one Python environment per machine, reused.
# shellcheck shell=bash

MM_ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
MM_CACHE=${MATCHMAKER_CACHE:-$HOME/.cache/matchmaker}
MM_VENV=${MATCHMAKER_VENV:-$MM_CACHE/venv}
MM_PYTHON=${MATCHMAKER_PYTHON:-python3}

mm_log() { printf '[setup] %s\n' "$*" >&2; }

# Create the virtualenv once, install the project with its dependencies (torch is large: the
# first install downloads a few GB), and skip all of it when nothing changed since last time.
ensure_python_env() {
    if [[ ! -x $MM_VENV/bin/python ]]; then
        mm_log "creating virtualenv in $MM_VENV"
        mkdir -p "$(dirname "$MM_VENV")"
        "$MM_PYTHON" -m venv "$MM_VENV"
        "$MM_VENV/bin/pip" install --quiet --upgrade pip
    fi
    local stamp
    stamp="$(sha256sum "$MM_ROOT/pyproject.toml" | cut -c1-16) $MM_ROOT"
    if [[ "$(cat "$MM_VENV/.matchmaker-stamp" 2>/dev/null)" != "$stamp" ]]; then
        mm_log "installing Python dependencies (first time on a machine: several minutes)"
        "$MM_VENV/bin/pip" install --quiet --disable-pip-version-check -e "$MM_ROOT[dev]"
        echo "$stamp" >"$MM_VENV/.matchmaker-stamp"
    fi
    "$MM_VENV/bin/python" "$MM_ROOT/scripts/i18n.py" compile >/dev/null
    export PATH="$MM_VENV/bin:$PATH"
}
