#!/usr/bin/env bash
# The nightly's property tests, with the Hypothesis example database of the night
# before: every failure it kept is tried first. Failures are saved as corpus entries.
# Usage: ci/nightly-properties.sh OUT [STATE] [pytest arguments...]
#   STATE/hypothesis-example-db, if present, is the previous database.
#   pytest arguments default to: -n auto tests/test_properties.py
#   The settings profile is $TXPARITY_PROFILE (default nightly).
# Leaves OUT/hypothesis/examples (the database, to keep for the next night, in the
# layout Hypothesis' GitHubArtifactDatabase reads), OUT/corpus (failures),
# OUT/properties.xml, OUT/summary.json and OUT/shard.json. Exit status 0 when the
# tests ran, whether or not one failed.
set -euo pipefail
usage="usage: ci/nightly-properties.sh OUT [STATE] [pytest arguments...]"
out=${1:?$usage}
state=${2:-}
shift $(( $# >= 2 ? 2 : 1 ))
here="$(cd "$(dirname "$0")" && pwd)"
profile=${TXPARITY_PROFILE:-nightly}
if [[ $# -eq 0 ]]; then
  set -- -n auto tests/test_properties.py
fi

database="$out/hypothesis/examples"
mkdir -p "$database" "$out/corpus"
if [[ -n "$state" && -d "$state/hypothesis-example-db" ]]; then
  cp -R "$state/hypothesis-example-db/." "$database/"
fi

status=0
HYPOTHESIS_STORAGE_DIRECTORY="$out/hypothesis" TXPARITY_FAILURES="$out/corpus" \
  TXPARITY_PROFILE="$profile" \
  pytest -p no:cacheprovider -q --junitxml="$out/properties.xml" "$@" || status=$?
python "$here/shard_record.py" "$out" properties "$status" --junit "$out/properties.xml" -- \
  env "TXPARITY_PROFILE=$profile" pytest "$@"

case $status in
  0 | 1) exit 0 ;;  # passed, or a property failed: the merge reports the failure
  *) exit "$status" ;;
esac
