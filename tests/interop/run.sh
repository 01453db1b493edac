#!/usr/bin/env bash
# Runs the interop harness against every installed OpenClaw build: the runtime writes,
# statectl must read back exactly what the runtime's entries()/lookup() return.
# Usage: tests/interop/run.sh [--update-fixtures]
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
dir=${STATECTL_INTEROP_DIR:-$root/target/interop}
# Every version the contract names.
versions=${OPENCLAW_VERSIONS:-"2026.5.6 2026.6.1 2026.8.1 2026.9.6"}
# Runtimes filled to their plugin cap by capacity.mjs (1,000 rows in 2026.5.6, 50,000 in 2026.8.1).
capacity_versions=${OPENCLAW_CAPACITY_VERSIONS:-"2026.5.6 2026.8.1"}

if [ -z "${STATECTL_INTEROP_PRIVATE_TMP:-}" ]; then
  OPENCLAW_VERSIONS="$versions $capacity_versions" "$here/install.sh" "$dir"
  cargo build --quiet --manifest-path "$root/Cargo.toml"
  cargo build --quiet --manifest-path "$root/Cargo.toml" --example value_verdict
fi
bin="$root/target/debug/statectl"

fixtures=()
if [ "${1:-}" = "--update-fixtures" ]; then
  fixtures=(--fixtures "$root/tests/fixtures")
fi

# The runtime's lock root is fixed (/tmp/openclaw-state-locks-<uid>): run the runtime
# and statectl in a private mount namespace with a tmpfs on /tmp, so nothing they
# lock is left in the real /tmp. Needs root (CI runs as root); fails otherwise.
if [ -z "${STATECTL_INTEROP_PRIVATE_TMP:-}" ]; then
  if ! unshare -m --propagation private true 2>/dev/null; then
    echo "run.sh: needs 'unshare -m' (util-linux, as root) to keep the runtime's lock files out of the real /tmp" >&2
    exit 1
  fi
  STATECTL_INTEROP_PRIVATE_TMP=1 exec unshare -m --propagation private \
    sh -ec 'mount -t tmpfs -o size=256m,mode=1777 tmpfs /tmp && exec "$@"' sh "$0" "$@"
fi
# Inside the namespace from here on.
status=0
for v in $versions; do
  "$dir/node/bin/node" "$here/harness.mjs" --runtime "$dir/openclaw-$v" --statectl "$bin" \
    --work "$dir/work-$v" "${fixtures[@]}" || status=1
done
# Export from each runtime's database, import into a fresh database of each version
# (every ordered pair, a version with itself included: 16 with four versions).
for v in $versions; do
  for peer in $versions; do
    "$dir/node/bin/node" "$here/harness.mjs" --runtime "$dir/openclaw-$v" --statectl "$bin" \
      --work "$dir/import-$peer-into-$v" --import-from "$dir/work-$peer" || status=1
  done
done
# Times the runtime cannot read (issue 13 defect 5): check, ls and prune against the
# runtime's own entries().
for v in $versions; do
  "$dir/node/bin/node" "$here/times.mjs" --runtime "$dir/openclaw-$v" --statectl "$bin" \
    --work "$dir/times-$v" || status=1
done
# Values JSON.parse accepts and a strict parser refuses (issue 13 defects 1-2): the
# runtime writes (lone surrogates) or reads back (1e400, whitespace, 70 deep) them;
# ls/check/export/verify/import, then every ordered pair of versions restores them.
for v in $versions; do
  "$dir/node/bin/node" "$here/values.mjs" --runtime "$dir/openclaw-$v" --statectl "$bin" \
    --work "$dir/values-$v" "${fixtures[@]}" || status=1
done
for v in $versions; do
  for peer in $versions; do
    "$dir/node/bin/node" "$here/values.mjs" --runtime "$dir/openclaw-$v" --statectl "$bin" \
      --work "$dir/values-$peer-into-$v" --import-from "$dir/values-$peer" || status=1
  done
done
# The validity rule against node's own JSON.parse, over generated strings.
"$dir/node/bin/node" "$here/json-parse.mjs" --rule "$root/target/debug/examples/value_verdict" \
  "${fixtures[@]}" || status=1
# schema_meta that disagrees with user_version (issue 13 defect 11): statectl writes
# or refuses as each version's runtime does.
for v in $versions; do
  "$dir/node/bin/node" "$here/schema-meta.mjs" --runtime "$dir/openclaw-$v" --statectl "$bin" \
    --work "$dir/schema-meta-$v" || status=1
done
# watch beside the real runtime (the shared layout's sync store), in synchronised steps.
for v in $versions; do
  case $v in 2026.9.*)
    "$dir/node/bin/node" "$here/watch.mjs" --runtime "$dir/openclaw-$v" --statectl "$bin" \
      --work "$dir/watch-$v" || status=1 ;;
  esac
done
# A plugin at its cap: statectl top/check report the cap state, the deadlock and the
# namespace to prune, and the runtime's next writes fail or evict as reported.
for v in $capacity_versions; do
  "$dir/node/bin/node" "$here/capacity.mjs" --runtime "$dir/openclaw-$v" --statectl "$bin" \
    --work "$dir/capacity-$v" "${fixtures[@]}" || status=1
done
# Decoded namespaces: the channel plugins' own writers write, statectl decodes.
STATECTL_INTEROP_DIR="$dir" STATECTL_BIN="$bin" "$here/../decoded/smoke.sh" || status=1
# Every database of a state dir (issue 21): the 2026.9.6 store, a 2026.5.6 sidecar and two
# Matrix token roots at the paths the Matrix plugin computes (installed by smoke.sh above).
"$dir/node/bin/node" "$here/dbs.mjs" --runtime "$dir/openclaw-2026.9.6" --legacy-runtime "$dir/openclaw-2026.5.6" \
  --matrix "$dir/plugins-2026.9/node_modules/@openclaw/matrix" --statectl "$bin" --work "$dir/dbs" \
  ${fixtures:+--fixture "$root/tests/fixtures/statedir-2026.9.6.tar.gz"} || status=1
exit $status
