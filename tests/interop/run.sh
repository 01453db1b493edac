#!/usr/bin/env bash
# Runs the interop harness against every installed OpenClaw build: the runtime writes,
# statectl must read back exactly what the runtime's entries()/lookup() return.
# Usage: tests/interop/run.sh [--update-fixtures]
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
dir=${STATECTL_INTEROP_DIR:-$root/target/interop}
versions=${OPENCLAW_VERSIONS:-"2026.5.6 2026.9.6"}

"$here/install.sh" "$dir"
cargo build --quiet --manifest-path "$root/Cargo.toml"
bin="$root/target/debug/statectl"

fixtures=()
if [ "${1:-}" = "--update-fixtures" ]; then
  fixtures=(--fixtures "$root/tests/fixtures")
fi

status=0
for v in $versions; do
  "$dir/node/bin/node" "$here/harness.mjs" --runtime "$dir/openclaw-$v" --statectl "$bin" \
    --work "$dir/work-$v" "${fixtures[@]}" || status=1
done
# Export from one runtime's database, import into a fresh database of the other layout.
for v in $versions; do
  for peer in $versions; do
    [ "$v" = "$peer" ] && continue
    "$dir/node/bin/node" "$here/harness.mjs" --runtime "$dir/openclaw-$v" --statectl "$bin" \
      --work "$dir/import-$peer-into-$v" --import-from "$dir/work-$peer" || status=1
  done
done
exit $status
