#!/usr/bin/env bash
# The numeric test targets built for the other instruction set: Swift kernels compiled for AVX2
# (`-target-cpu haswell`) and OpenBLAS forced to its Haswell kernels, in a second build folder
# (.build-haswell), so an AVX-512 machine also checks the AVX2 code paths (CI runs this after
# README command 2). On an AVX2-only machine it repeats the native run, which costs time but is
# still correct.
set -uo pipefail
cd "$(dirname "$0")/.."
export RAGTUNE_TARGET_CPU=haswell OPENBLAS_CORETYPE=Haswell
echo "other-isa: building tests for -target-cpu haswell with OPENBLAS_CORETYPE=Haswell in .build-haswell" >&2
swift build --build-tests --scratch-path .build-haswell 2>&1 | grep -vE '^\[[0-9]+/[0-9]+\] '
[ "${PIPESTATUS[0]}" -eq 0 ] || { echo "other-isa: build failed" >&2; exit 1; }
# Kernels, models, training, retrieval indexes and the cross-encoder reranker: every suite whose
# results are floats from SIMD or BLAS code.
scratch="$(mktemp -d "${TMPDIR:-/tmp}/ragtune-tests.XXXXXX")" && chmod 755 "$scratch" || exit 1   # removed afterwards, as in test.sh
trap 'rm -rf "$scratch"' EXIT
TMPDIR="$scratch" swift test --skip-build --scratch-path .build-haswell --disable-xctest \
    --filter '^(TensorTests|ModelsTests|TrainingTests|RetrievalTests|TokenizersTests)\.|CrossEncoderRerankerTests' 2>&1 \
    | grep -vE '^. Test .* started\.$|^. Suite .* started\.$'
exit "${PIPESTATUS[0]}"
