#!/usr/bin/env bash
# The Python clients the server tests drive a live `ragtune serve` with: the official `openai`
# client (PyPI), in a venv under ${RAGTUNE_BENCH_CACHE:-~/.cache/ragtune-bench}/client-venv, never in
# the repo. Later runs only check it is in place.
set -euo pipefail
OPENAI_VERSION=3.63.0
cache="${RAGTUNE_BENCH_CACHE:-$HOME/.cache/ragtune-bench}"
venv="$cache/client-venv"
mkdir -p "$cache"
if [ ! -x "$venv/bin/python" ]; then
    python3 -m venv "$venv" || { echo "python3 -m venv failed (Debian: apt-get install python3-venv)" >&2; exit 1; }
fi
if ! "$venv/bin/python" -c "import openai, sys; sys.exit(openai.__version__ != '$OPENAI_VERSION')" 2>/dev/null; then
    "$venv/bin/python" -m pip install -q --disable-pip-version-check "openai==$OPENAI_VERSION" >&2
fi
echo "server test clients ready in $venv (openai $OPENAI_VERSION)" >&2
