#!/bin/sh
# Create .venv with a Python >= 3.12 and install the project with the extras named as arguments:
#   sh scripts/bootstrap.sh             # the package alone (make run)
#   sh scripts/bootstrap.sh dev         # ... with the dev extra (make test)
# Extras only accumulate: .venv/.installed lists what earlier calls installed, and a call installs
# the union of those and its own, so `make test` then `make run` keeps the dev extra. Nothing is
# installed when every extra asked for is already there and neither pyproject.toml nor
# constraints.txt changed since. Versions come from constraints.txt (scripts/lock.sh), so two
# machines get the same ones.
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
# the stamp's extras plus the asked-for ones, sorted, one per line; the stamp's presence means the
# package itself is installed
had="$(cat "$stamp" 2>/dev/null || true)"
want="$(printf '%s\n' $had "$@" | sed '/^$/d' | sort -u)"
if [ ! -f "$stamp" ] || [ pyproject.toml -nt "$stamp" ] || [ constraints.txt -nt "$stamp" ] || [ "$want" != "$had" ]; then
    extras="$(printf '%s' "$want" | tr '\n' ',')"
    target="."
    [ -n "$extras" ] && target=".[$extras]"
    echo "installing the project into $venv (extras: ${extras:-none})"
    "$venv/bin/python" -m pip install --quiet --disable-pip-version-check --upgrade pip
    "$venv/bin/python" -m pip install --quiet --disable-pip-version-check -c constraints.txt -e "$target"
    printf '%s\n' "$want" | sed '/^$/d' > "$stamp"
fi
