#!/usr/bin/env bash
# The nightly benchmark: txparity bench on every workload, each block checked against
# the reference, compared with the last night's result when the restore job found
# one (STATE/txparity-bench/bench.json). Leaves in OUT: bench.json (kept as the
# txparity-bench artifact, the next night's comparison), bench.png, metrics.prom, the
# table (bench.txt) and, if an executor diverged, its counterexamples (corpus/).
# Exit status: txparity bench's (1: a divergence, or a figure more than the
# tolerance worse than the last night's; 2: bad input).
# Usage: ci/nightly-bench.sh OUT STATE [txparity bench options...]
set -euo pipefail
usage="usage: ci/nightly-bench.sh OUT STATE [txparity bench options...]"
out=${1:?$usage}
state=${2:?$usage}
shift 2

mkdir -p "$out"
last="$state/txparity-bench/bench.json"
compare=()
if [[ -f "$last" ]]; then
  compare=(--compare "$last")
else
  echo "no earlier bench result in $state: nothing to compare with" >&2
fi
txparity bench --json "$out/bench.json" --plot "$out/bench.png" \
  --metrics "$out/metrics.prom" --corpus "$out/corpus" "${compare[@]}" "$@" \
  | tee "$out/bench.txt"
