#!/usr/bin/env bash
# The whole nightly on this machine, one step after another: what the nightly
# workflow runs on many runners. The shards (each a fuzz campaign), the property
# tests, atheris, the merge into OUT/findings, and the issues as gh command lines
# (nothing is sent to GitHub).
# Usage: ci/nightly.sh OUT [--shards N] [--minutes M] [--base-seed S] [--state DIR]
#                      [--properties "PYTEST ARGS" | --no-properties]
#                      [--atheris "OPTIONS" | --no-atheris] [-- txparity fuzz options...]
#   --shards N, --minutes M: N campaigns of M minutes each (default 2 and 1);
#   --state DIR: the Hypothesis database and libFuzzer corpus of the night before,
#     updated in place afterwards;
#   options after -- go to every campaign (e.g. --cases 50 --workers 1).
# Exit status 1 when the night found a new fingerprint (see OUT/findings/report.md).
set -euo pipefail
usage="usage: ci/nightly.sh OUT [--shards N] [--minutes M] [--base-seed S] [--state DIR] ..."
out=${1:?$usage}
shift
here="$(cd "$(dirname "$0")" && pwd)"
shards=2 minutes=1 base_seed="" state="" properties="" atheris=""
run_properties=1 run_atheris=1
while [[ $# -gt 0 ]]; do
  case $1 in
    --shards) shards=$2; shift 2 ;;
    --minutes) minutes=$2; shift 2 ;;
    --base-seed) base_seed=$2; shift 2 ;;
    --state) state=$2; shift 2 ;;
    --properties) properties=$2; shift 2 ;;
    --no-properties) run_properties=0; shift ;;
    --atheris) atheris=$2; shift 2 ;;
    --no-atheris) run_atheris=0; shift ;;
    --) shift; break ;;
    *) echo "$usage" >&2; exit 2 ;;
  esac
done
[[ ! -e "$out" ]] || { echo "$out already exists" >&2; exit 2; }
mkdir -p "$out/shards"

plan=(--shards "$shards" --minutes "$minutes")
[[ -z "$base_seed" ]] || plan+=(--base-seed "$base_seed")
python -m txparity.harness.nightly plan "${plan[@]}" > "$out/plan.txt"
seconds=$(sed -n 's/^seconds=//p' "$out/plan.txt")
python - "$out/plan.txt" > "$out/shards.txt" <<'PY'
import json, sys
for line in open(sys.argv[1], encoding="utf-8"):
    if line.startswith("matrix="):
        for shard in json.loads(line.removeprefix("matrix="))["include"]:
            print(shard["name"], shard["profile"], shard["seed"])
PY
while read -r name profile seed; do
  echo "+ shard $name"
  bash "$here/nightly-shard.sh" "$out/shards/$name" "$name" \
    --profile "$profile" --seed "$seed" --seconds "$seconds" "$@"
done < "$out/shards.txt"

if [[ $run_properties -eq 1 ]]; then
  echo "+ property tests"
  read -ra words <<< "$properties"
  bash "$here/nightly-properties.sh" "$out/shards/properties" "$state" "${words[@]}"
fi
if [[ $run_atheris -eq 1 ]]; then
  echo "+ atheris"
  read -ra words <<< "${atheris:--max_total_time=$seconds}"
  bash "$here/nightly-atheris.sh" "$out/shards/atheris" "$state" "${words[@]}"
fi
if [[ -n "$state" ]]; then  # what this night learned, for the next one
  mkdir -p "$state"
  if [[ $run_properties -eq 1 ]]; then
    rm -rf "$state/hypothesis-example-db"
    cp -R "$out/shards/properties/hypothesis/examples" "$state/hypothesis-example-db"
  fi
  if [[ $run_atheris -eq 1 ]]; then
    rm -rf "$state/txparity-atheris-corpus"
    cp -R "$out/shards/atheris/atheris-corpus" "$state/txparity-atheris-corpus"
  fi
fi

echo "+ merge"
status=0
bash "$here/nightly-merge.sh" "$out/findings" "$out/shards" || status=$?
[[ $status -le 1 ]] || exit "$status"
echo "+ issues (not sent)"
bash "$here/nightly-issues.sh" "$out/findings"
exit "$status"
