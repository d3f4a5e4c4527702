#!/usr/bin/env bash
# Builds hack/tools/luahealth (our Argo CD health-check runner on gopher-lua, the interpreter Argo CD
# embeds) from the Go module proxy into a cache outside the repository, keyed by the hash of its
# sources (go.mod pins the gopher-lua version), and prints the binary's path. Idempotent and
# flock'ed: a second run finds the binary and only prints it.
#   bash hack/tools/luahealth.sh        build if needed, print the path
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
TE=${TE:-$HOME/.cache/op-testenv}
case ":$PATH:" in *:/usr/local/go/bin:*) ;; *) [ -x /usr/local/go/bin/go ] && PATH="$PATH:/usr/local/go/bin" ;; esac
command -v go >/dev/null || { echo "luahealth: Go >= 1.24 is needed to build the Argo CD health-check runner" >&2; exit 1; }
SUM=$(cat "$HERE/luahealth/go.mod" "$HERE/luahealth/go.sum" "$HERE/luahealth/main.go" | sha256sum | cut -c1-12)
OUT=$TE/luahealth-$SUM
mkdir -p "$TE"
exec 9>"$TE/.luahealth.lock"
flock 9
if [ ! -x "$OUT/luahealth" ]; then
  echo "luahealth: building the Argo CD health-check runner (gopher-lua from the Go module proxy)" >&2
  mkdir -p "$OUT"
  (cd "$HERE/luahealth" && GOTOOLCHAIN=local CGO_ENABLED=0 GOFLAGS="-trimpath -mod=readonly" go build -o "$OUT/luahealth.tmp" .)
  mv "$OUT/luahealth.tmp" "$OUT/luahealth"
fi
echo "$OUT/luahealth"
