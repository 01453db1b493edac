#!/usr/bin/env bash
# Smoke test of decoded namespaces against the real writers: installs the channel
# plugins from the npm registry (never committed), lets their own writer code write
# through OpenClaw 2026.9.6's plugin state store, and checks that statectl decodes
# every row back to what the writer was given (tests/decoded/make-fixtures.mjs).
# Usage: tests/decoded/smoke.sh [--update-fixture]   (env: STATECTL_INTEROP_DIR, STATECTL_BIN)
# --update-fixture also rewrites tests/fixtures/decoded-2026.9.6.{sqlite,writers.json}.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
dir=${STATECTL_INTEROP_DIR:-$root/target/interop}
bin=${STATECTL_BIN:-$root/target/debug/statectl}
runtime="$dir/openclaw-2026.9.6"
plugins="$dir/plugins-2026.9"

# 2026.5.6 is installed by default: its bundled Matrix plugin writes the old key grammar.
OPENCLAW_VERSIONS="2026.5.6 2026.9.6" "$root/tests/interop/install.sh" "$dir" >/dev/null
[ -x "$bin" ] || cargo build --quiet --manifest-path "$root/Cargo.toml"
if [ ! -f "$plugins/node_modules/@openclaw/msteams/package.json" ]; then
  mkdir -p "$plugins"
  (cd "$plugins" && echo '{"private":true}' > package.json &&
    npm install --silent --no-audit --no-fund --ignore-scripts \
      @openclaw/slack@2026.9.6 @openclaw/discord@2026.9.6 @openclaw/matrix@2026.9.6 \
      @openclaw/msteams@2026.9.5 >/dev/null)
fi
# The plugins resolve `openclaw` (their peer dependency) to the interop runtime.
ln -sfn "$runtime/node_modules/openclaw" "$plugins/node_modules/openclaw"

fixture=()
if [ "${1:-}" = "--update-fixture" ]; then
  fixture=(--fixture "$root/tests/fixtures/decoded-2026.9.6.sqlite")
fi
"$dir/node/bin/node" "$here/make-fixtures.mjs" --openclaw "$runtime" --openclaw-old "$dir/openclaw-2026.5.6" --plugins "$plugins" \
  --statectl "$bin" --work "$dir/decoded-work" "${fixture[@]}" 2> >(grep -v 'slow SQLite' >&2)
