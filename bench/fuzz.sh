#!/usr/bin/env bash
# Fuzzes the export reader and the duration/time parsers (tests/fuzz.rs) for a fixed
# time with fresh random seeds. A failure is shrunk by proptest and saved in
# proptest-regressions/fuzz.txt: commit that file and every `cargo test` replays it.
# Usage: bench/fuzz.sh [SECONDS]   (default 300)
set -euo pipefail
cd "$(dirname "$0")/.."
seconds=${1:-300}
cargo test --release --test fuzz --no-run --quiet
end=$(( $(date +%s) + seconds ))
rounds=0
while [ "$(date +%s)" -lt "$end" ]; do
  PROPTEST_CASES=${PROPTEST_CASES:-5000} cargo test --release --quiet --test fuzz >/dev/null
  rounds=$((rounds + 1))
done
echo "fuzz: $rounds rounds of ${PROPTEST_CASES:-5000} cases per property in ${seconds}s, no failure"
