#!/usr/bin/env bash
# llama-cpp-python (the llama.cpp reference for Benchmarks/bench_decode.sh, and the OpenAI-compatible
# server the remote-generator test talks to), in a venv under ${RAGTUNE_BENCH_CACHE:-~/.cache/ragtune-bench},
# never in the repo. The wheel is built from PyPI's sdist once (native CPU build of llama.cpp, ~20
# minutes on 2 cores; log in build.log there); later runs only check it is in place.
set -euo pipefail
cd "$(dirname "$0")/.."
LLAMA_CPP_PYTHON_VERSION=0.3.36
cache="${RAGTUNE_BENCH_CACHE:-$HOME/.cache/ragtune-bench}"
wheels="$cache/wheels"
venv="$cache/venv"
mkdir -p "$wheels"

find_wheel() { ls "$wheels"/llama_cpp_python-"$LLAMA_CPP_PYTHON_VERSION"-*.whl 2>/dev/null | head -1; }

# --- llama-cpp-python wheel (built once, native CPU) -------------------------------------------------
if [ -z "$(find_wheel)" ]; then
    (
        flock 9  # one build at a time, even across concurrent runs of this script
        # a build started by hand (same command) may already be running: wait for it
        while [ -z "$(find_wheel)" ] && pgrep -f "pip wheel.*llama-cpp-python==$LLAMA_CPP_PYTHON_VERSION" >/dev/null; do
            echo "waiting for the llama-cpp-python build already running (log: $cache/build.log) ..." >&2
            sleep 60
        done
        if [ -z "$(find_wheel)" ]; then
            command -v c++ >/dev/null || { echo "need a C++ compiler: apt-get install build-essential" >&2; exit 1; }
            echo "building llama-cpp-python $LLAMA_CPP_PYTHON_VERSION from source into $wheels" >&2
            echo "(native CPU build of llama.cpp; this takes ~20 minutes on 2 cores; log: $cache/build.log)" >&2
            rc=0
            python3 -m pip wheel --no-deps "llama-cpp-python==$LLAMA_CPP_PYTHON_VERSION" -w "$wheels" \
                >>"$cache/build.log" 2>&1 || rc=$?
            echo "exit $rc" >>"$cache/build.log"
            [ "$rc" = 0 ] || { echo "wheel build failed; see $cache/build.log" >&2; tail -30 "$cache/build.log" >&2; exit 1; }
        fi
    ) 9>"$cache/build.lock"
fi
wheel="$(find_wheel)"
[ -n "$wheel" ] || { echo "no llama-cpp-python wheel in $wheels" >&2; exit 1; }

# --- venv with the wheel + numpy (and its deps) -------------------------------------------------------
if [ ! -x "$venv/bin/python" ]; then
    python3 -m venv "$venv" || { echo "python3 -m venv failed (Debian: apt-get install python3-venv)" >&2; exit 1; }
fi
if [ "$(cat "$venv/.installed-wheel" 2>/dev/null)" != "$(basename "$wheel")" ]; then
    "$venv/bin/python" -m pip install -q --disable-pip-version-check --force-reinstall --no-deps "$wheel" >&2
    "$venv/bin/python" -m pip install -q --disable-pip-version-check numpy typing-extensions diskcache jinja2 >&2
    basename "$wheel" >"$venv/.installed-wheel"
fi

# --- the server extras (FastAPI, uvicorn, SSE) for `python -m llama_cpp.server` ------------------------
if ! "$venv/bin/python" -c "import llama_cpp.server, uvicorn, sse_starlette" 2>/dev/null; then
    "$venv/bin/python" -m pip install -q --disable-pip-version-check --find-links "$wheels" \
        "llama_cpp_python[server]==$LLAMA_CPP_PYTHON_VERSION" >&2
fi
echo "llama-cpp-python $LLAMA_CPP_PYTHON_VERSION ready in $venv" >&2
