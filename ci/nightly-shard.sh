#!/usr/bin/env bash
# One shard of the nightly: a fuzz campaign over a copy of the committed corpus, so
# that it replays the corpus first and never saves a fingerprint the corpus has.
# Usage: ci/nightly-shard.sh OUT NAME [txparity fuzz options...]
# Leaves, for python -m txparity.harness.nightly merge: OUT/corpus (the corpus it
# fuzzed with), OUT/summary.json (the campaign's --json summary), OUT/fuzz.txt (its
# output) and OUT/shard.json. The committed corpus is $TXPARITY_COMMITTED (default
# corpus/). Exit status 0 when the campaign ran to its end, whatever it found.
set -euo pipefail
usage="usage: ci/nightly-shard.sh OUT NAME [txparity fuzz options...]"
out=${1:?$usage}
name=${2:?$usage}
shift 2
here="$(cd "$(dirname "$0")" && pwd)"
committed=${TXPARITY_COMMITTED:-$here/../corpus}

mkdir -p "$out"
[[ ! -e "$out/corpus" ]] || { echo "$out/corpus already exists" >&2; exit 2; }
mkdir -p "$out/corpus"
if [[ -d "$committed" ]]; then
  cp -R "$committed/." "$out/corpus/"
fi

status=0
txparity fuzz --corpus "$out/corpus" --json "$@" > "$out/fuzz.txt" || status=$?
cat "$out/fuzz.txt"
tail -n 1 "$out/fuzz.txt" > "$out/summary.json"
python "$here/shard_record.py" "$out" "$name" "$status" -- txparity fuzz "$@"

case $status in
  0 | 1) exit 0 ;;  # agreed, or diverged: the merge reports what it found
  *) exit "$status" ;;
esac
