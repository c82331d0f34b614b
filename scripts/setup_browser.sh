#!/usr/bin/env bash
# Installs headless Chromium (Debian's `chromium`) for the tests that load the HTML reports in a real
# browser (console messages fail them; screenshots at two widths go to $RAGTUNE_SCREENSHOTS). Without
# it those tests skip with a message; CI runs this and sets RAGTUNE_REQUIRE_BROWSER=1.
set -euo pipefail
as_root() { if [ "$(id -u)" = 0 ]; then "$@"; else sudo "$@"; fi; }
if ! dpkg -s chromium >/dev/null 2>&1; then
  echo "setup_browser: installing chromium" >&2
  as_root apt-get update -qq
  DEBIAN_FRONTEND=noninteractive as_root apt-get install -y -qq --no-install-recommends chromium >/dev/null
fi
chromium --version >&2
