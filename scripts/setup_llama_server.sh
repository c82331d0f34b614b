#!/usr/bin/env bash
# llama.cpp's own `llama-server` (continuous batching with --parallel), the reference that
# Benchmarks/bench_serve.sh measures `ragtune serve` against. Built with CMake from the llama.cpp
# source vendored in llama-cpp-python's PyPI sdist (the same version as the wheel of
# setup_llama_cpp.sh), native CPU, once, under ${RAGTUNE_BENCH_CACHE:-~/.cache/ragtune-bench}, never in
# the repo (~15 minutes on 2 cores; log in server-build.log there). Prints the binary's path last.
set -euo pipefail
cd "$(dirname "$0")/.."
LLAMA_CPP_PYTHON_VERSION=0.3.36
cache="${RAGTUNE_BENCH_CACHE:-$HOME/.cache/ragtune-bench}"
source_dir="$cache/llama-server-src"
build_dir="$cache/llama-server-build"
binary="$build_dir/bin/llama-server"
log="$cache/server-build.log"
mkdir -p "$cache"

if [ ! -x "$binary" ]; then
    (
        flock 9
        [ -x "$binary" ] && exit 0
        if ! command -v cmake >/dev/null; then
            echo "installing cmake (apt)" >&2
            export DEBIAN_FRONTEND=noninteractive
            apt-get update -qq >&2 && apt-get install -y -qq cmake >&2
        fi
        command -v c++ >/dev/null || { echo "need a C++ compiler: apt-get install build-essential" >&2; exit 1; }
        sdist="$(ls "$cache"/sdist/llama_cpp_python-"$LLAMA_CPP_PYTHON_VERSION".tar.gz 2>/dev/null || true)"
        if [ -z "$sdist" ]; then
            python3 -m pip download -q --disable-pip-version-check --no-deps --no-binary :all: \
                "llama-cpp-python==$LLAMA_CPP_PYTHON_VERSION" -d "$cache/sdist" >&2
            sdist="$cache/sdist/llama_cpp_python-$LLAMA_CPP_PYTHON_VERSION.tar.gz"
        fi
        rm -rf "$source_dir" && mkdir -p "$source_dir"
        tar -xzf "$sdist" -C "$source_dir" --strip-components=1
        echo "building llama-server from $(basename "$sdist")'s vendor/llama.cpp (native CPU, ~15 minutes; log: $log)" >&2
        rc=0
        {
            cmake -S "$source_dir/vendor/llama.cpp" -B "$build_dir" -DCMAKE_BUILD_TYPE=Release -DGGML_NATIVE=ON \
                -DLLAMA_CURL=OFF -DLLAMA_BUILD_SERVER=ON -DLLAMA_BUILD_TESTS=OFF -DLLAMA_BUILD_EXAMPLES=OFF \
                && cmake --build "$build_dir" --target llama-server -j "$(nproc)"
        } >"$log" 2>&1 || rc=$?
        [ "$rc" = 0 ] || { echo "llama-server build failed; see $log" >&2; tail -30 "$log" >&2; exit 1; }
    ) 9>"$cache/server-build.lock"
fi
[ -x "$binary" ] || { echo "no llama-server at $binary" >&2; exit 1; }
echo "$binary"
