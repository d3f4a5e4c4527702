#!/usr/bin/env bash
# Debian's Chromium for the web client's browser tests (playwright-core drives it; no browser
# download from elsewhere). `ensure` installs it when missing; `path` prints the binary.
#   usage: hack/tools/chromium.sh ensure|path
set -euo pipefail
# shellcheck source=../testenv/lib.sh
. "$(dirname "$0")/../testenv/lib.sh"

bin() { command -v chromium 2>/dev/null || echo /usr/bin/chromium; }

case "${1:-}" in
  ensure)
    [ -x "$(bin)" ] || apt_install chromium fonts-dejavu-core
    [ -x "$(bin)" ] || die "chromium is not installed"
    ;;
  path) bin ;;
  *) die "usage: hack/tools/chromium.sh ensure|path" ;;
esac
