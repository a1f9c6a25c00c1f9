#!/usr/bin/env bash
# The nightly's merge: every shard directory under SHARDS merged into the findings
# directory OUT (one entry per new fingerprint, the smallest; the night's report),
# against the committed corpus ($TXPARITY_COMMITTED, default corpus/).
# Usage: ci/nightly-merge.sh OUT SHARDS
# In GitHub Actions, the report goes to the run's summary and new=N, known=N to the
# step's outputs. Exit status 1 when there is a new fingerprint.
set -euo pipefail
usage="usage: ci/nightly-merge.sh OUT SHARDS"
out=${1:?$usage}
shards=${2:?$usage}
here="$(cd "$(dirname "$0")" && pwd)"
committed=${TXPARITY_COMMITTED:-$here/../corpus}

directories=()
for directory in "$shards"/*/; do
  [[ -d "$directory" ]] && directories+=("${directory%/}")
done
[[ ${#directories[@]} -gt 0 ]] || { echo "no shard directories in $shards" >&2; exit 2; }

output=()
if [[ -n "${GITHUB_OUTPUT:-}" ]]; then
  output=(--github-output "$GITHUB_OUTPUT")
fi
status=0
python -m txparity.harness.nightly merge "$out" "${directories[@]}" \
  --committed "$committed" "${output[@]}" || status=$?
if [[ -n "${GITHUB_STEP_SUMMARY:-}" && -f "$out/report.md" ]]; then
  limit=1000000  # GitHub refuses a step summary over 1 MiB; the artifact has it all
  head -c "$limit" "$out/report.md" >> "$GITHUB_STEP_SUMMARY"
  if [[ $(wc -c < "$out/report.md") -gt $limit ]]; then
    printf '\n\n_(cut: the whole report is report.md in the txparity-nightly artifact)_\n' \
      >> "$GITHUB_STEP_SUMMARY"
  fi
fi
exit "$status"
