#!/bin/sh
# Create .venv with a Python >= 3.12 and install the project with its dev extra.
# Re-installs only when pyproject.toml changed since the last install.
set -eu
cd "$(dirname "$0")/.."
venv=.venv
stamp="$venv/.installed"
if [ ! -x "$venv/bin/python" ] || ! "$venv/bin/python" -c 'import sys; sys.exit(sys.version_info < (3, 12))' 2>/dev/null; then
    python="$(sh scripts/find-python.sh)"
    echo "creating $venv with $python ($("$python" --version 2>&1))"
    rm -rf "$venv"
    "$python" -m venv "$venv"
    rm -f "$stamp"
fi
extras="${EXTRAS:-dev}"
if [ ! -f "$stamp" ] || [ pyproject.toml -nt "$stamp" ] || [ "$(cat "$stamp")" != "$extras" ]; then
    echo "installing the project into $venv (extras: $extras)"
    "$venv/bin/python" -m pip install --quiet --disable-pip-version-check --upgrade pip
    "$venv/bin/python" -m pip install --quiet --disable-pip-version-check -e ".[$extras]"
    echo "$extras" > "$stamp"
fi
