#!/usr/bin/env bash
# README command 2: the whole test suite. Model-backed tests need `bash scripts/setup.sh` first
# (README command 1 does it); without models they skip with a message, unless
# RAGTUNE_REQUIRE_MODELS=1 (CI), where a missing model fails the run.
set -uo pipefail
cd "$(dirname "$0")/.."
dpkg -s libopenblas-dev >/dev/null 2>&1 || {
  echo "test: libopenblas-dev is missing; run: bash scripts/setup.sh" >&2; exit 1; }
swift build --build-tests 2>&1 | grep -vE '^\[[0-9]+/[0-9]+\] '
[ "${PIPESTATUS[0]}" -eq 0 ] || { echo "test: build failed" >&2; exit 1; }
# The tests make their scratch folders in the temporary folder: this run gets its own, removed
# afterwards, so runs do not pile folders up in /tmp. It is traversable by other users, as /tmp is:
# a test searches a store as an unprivileged user.
scratch="$(mktemp -d "${TMPDIR:-/tmp}/ragtune-tests.XXXXXX")" && chmod 755 "$scratch" || exit 1
trap 'rm -rf "$scratch"' EXIT
TMPDIR="$scratch" swift test --skip-build --disable-xctest 2>&1 | grep -vE '^. Test .* started\.$|^. Suite .* started\.$'
exit "${PIPESTATUS[0]}"
