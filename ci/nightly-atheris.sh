#!/usr/bin/env bash
# The nightly's coverage-guided fuzzing: atheris over the libFuzzer corpus of the
# night before, finding divergences into a copy of the committed corpus.
# Usage: ci/nightly-atheris.sh OUT [STATE] [fuzz_atheris and libFuzzer options...]
#   STATE/txparity-atheris-corpus, if present, is the previous libFuzzer corpus.
#   Options default to -max_total_time=900.
# Leaves OUT/atheris-corpus (the libFuzzer corpus, to keep for the next night),
# OUT/crashes (libFuzzer's crash files: never in the working directory), OUT/corpus
# (the saved divergences), OUT/atheris.txt, OUT/summary.json and OUT/shard.json.
# Exit status 0 when it ran, whether or not it found a divergence.
set -euo pipefail
usage="usage: ci/nightly-atheris.sh OUT [STATE] [options...]"
out=${1:?$usage}
state=${2:-}
shift $(( $# >= 2 ? 2 : 1 ))
here="$(cd "$(dirname "$0")" && pwd)"
committed=${TXPARITY_COMMITTED:-$here/../corpus}
if [[ $# -eq 0 ]]; then
  set -- -max_total_time=900
fi

mkdir -p "$out/atheris-corpus" "$out/crashes" "$out/corpus" "$out/hypothesis"
out=$(cd "$out" && pwd)  # libFuzzer's -artifact_prefix is a path prefix, not a directory
if [[ -n "$state" && -d "$state/txparity-atheris-corpus" ]]; then
  cp -R "$state/txparity-atheris-corpus/." "$out/atheris-corpus/"
fi
if [[ -d "$committed" ]]; then
  cp -R "$committed/." "$out/corpus/"
fi

status=0
HYPOTHESIS_STORAGE_DIRECTORY="$out/hypothesis" \
  python -m txparity.harness.fuzz_atheris --corpus "$out/corpus" \
  -artifact_prefix="$out/crashes/" -print_final_stats=1 "$@" "$out/atheris-corpus" \
  > "$out/atheris.txt" 2>&1 || status=$?
tail -n 40 "$out/atheris.txt"
python "$here/shard_record.py" "$out" atheris "$status" \
  --libfuzzer-log "$out/atheris.txt" --crashes "$out/crashes" -- \
  python -m txparity.harness.fuzz_atheris "$@"

case $status in
  0 | 77) exit 0 ;;  # ran out its budget, or stopped on a divergence (libFuzzer's 77)
  *) exit "$status" ;;
esac
