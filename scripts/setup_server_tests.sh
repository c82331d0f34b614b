#!/usr/bin/env bash
# The Python clients the server tests drive a live `ragtune serve` with: the official `openai`
# client and schemathesis (property-based tests from the served OpenAPI document), from PyPI, in a venv under ${RAGTUNE_BENCH_CACHE:-~/.cache/ragtune-bench}/client-venv, never in
# the repo. Later runs only check it is in place.
set -euo pipefail
OPENAI_VERSION=3.63.0
SCHEMATHESIS_VERSION=4.32.5
cache="${RAGTUNE_BENCH_CACHE:-$HOME/.cache/ragtune-bench}"
venv="$cache/client-venv"
mkdir -p "$cache"
if [ ! -x "$venv/bin/python" ]; then
    python3 -m venv "$venv" || { echo "python3 -m venv failed (Debian: apt-get install python3-venv)" >&2; exit 1; }
fi
if ! "$venv/bin/python" -c "import openai, sys; sys.exit(openai.__version__ != '$OPENAI_VERSION')" 2>/dev/null; then
    "$venv/bin/python" -m pip install -q --disable-pip-version-check "openai==$OPENAI_VERSION" >&2
fi
if ! "$venv/bin/python" -c "import schemathesis, sys; sys.exit(schemathesis.__version__ != '$SCHEMATHESIS_VERSION')" 2>/dev/null; then
    "$venv/bin/python" -m pip install -q --disable-pip-version-check "schemathesis==$SCHEMATHESIS_VERSION" >&2
fi
echo "server test clients ready in $venv (openai $OPENAI_VERSION, schemathesis $SCHEMATHESIS_VERSION)" >&2
