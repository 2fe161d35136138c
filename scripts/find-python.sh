#!/bin/sh
# Print the path of a Python >= 3.12: $PYTHON if set, else one on PATH, else one under pyenv.
# Prefers 3.12 (what the project is tested on), then newer ones.
# Exits 1 with a message naming what to install when there is none.
set -u
ok() { "$1" -c 'import sys; sys.exit(0 if sys.version_info >= (3, 12) else 1)' >/dev/null 2>&1; }

if [ -n "${PYTHON:-}" ]; then
    if ok "$PYTHON"; then command -v "$PYTHON" || echo "$PYTHON"; exit 0; fi
    echo "PYTHON=$PYTHON is not Python 3.12 or newer" >&2; exit 1
fi
for name in python3.12 python3.13 python3.14 python3 python; do
    if command -v "$name" >/dev/null 2>&1 && ok "$name"; then
        # a pyenv shim resolves per directory: report the real interpreter
        "$name" -c 'import sys; print(sys.executable)'; exit 0
    fi
done
root="${PYENV_ROOT:-}"
[ -z "$root" ] && command -v pyenv >/dev/null 2>&1 && root="$(pyenv root 2>/dev/null)"
[ -z "$root" ] && root="$HOME/.pyenv"
if [ -d "$root/versions" ]; then
    for dir in $(ls -1 "$root/versions" | grep -E '^3\.[0-9]+\.[0-9]+$' | sort -t. -k1,1n -k2,2n -k3,3nr); do
        candidate="$root/versions/$dir/bin/python3"
        if [ -x "$candidate" ] && ok "$candidate"; then echo "$candidate"; exit 0; fi
    done
fi
echo "No Python 3.12+ found on PATH or under pyenv ($root). Install one (e.g. 'pyenv install 3.12') or set PYTHON=/path/to/python3.12." >&2
exit 1
