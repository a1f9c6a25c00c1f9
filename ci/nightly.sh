#!/usr/bin/env bash
# The nightly job: the property tests at the nightly profile, then a fuzz campaign.
# Usage: ci/nightly.sh [SECONDS]   (default 1800). Writes reports/ for the artifacts.
set -euo pipefail
cd "$(dirname "$0")/.."
seconds=${1:-1800}
mkdir -p reports

status=0
TXPARITY_PROFILE=nightly pytest -n auto tests/test_properties.py -q \
  --junitxml=reports/properties.xml || status=1

txparity fuzz --seconds "$seconds" --json --corpus corpus \
  > reports/fuzz.txt || status=$?
tail -n 1 reports/fuzz.txt > reports/fuzz-summary.json

# A Markdown report of every counterexample the campaign saved, for the run summary.
python - <<'PY' > reports/divergences.md
import json, pathlib
from txparity.harness.corpus import replay_command
summary = json.loads(pathlib.Path("reports/fuzz-summary.json").read_text())
print(f"## txparity nightly: {summary['cases']} cases, {summary['divergences']} divergence(s)\n")
for path in summary["saved"]:
    entry = json.loads(pathlib.Path(path).read_text())
    print(f"- `{path}`: {entry['executors'][0]} ({entry['kind']}): {entry['detail']}")
    print(f"  replay: `{replay_command(pathlib.Path(path))}`")
PY
if [[ -n "${GITHUB_STEP_SUMMARY:-}" ]]; then
  cat reports/divergences.md >> "$GITHUB_STEP_SUMMARY"
fi
exit "$status"
