#!/usr/bin/env bash
# Installs the npm dependencies, which include the pinned Node.js 24 binary (the `node` package from
# the npm registry). Only needs some npm on the machine; on a bare Debian it installs Debian's.
set -euo pipefail
cd "$(dirname "$0")/.."
if ! command -v npm >/dev/null 2>&1; then
  echo "ensure-node: npm not found, installing Debian's nodejs and npm to bootstrap" >&2
  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq nodejs npm >/dev/null
fi
npm ci --no-audit --no-fund --loglevel=error
v=$(node_modules/.bin/node --version)
case "$v" in v24.*) ;; *) echo "ensure-node: expected Node 24 from node_modules, got $v" >&2; exit 1 ;; esac
