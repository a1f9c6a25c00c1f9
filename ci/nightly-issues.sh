#!/usr/bin/env bash
# The nightly's issues: from the findings directory FINDINGS, one issue per new
# fingerprint, or a comment on the open issue that has it. Without --execute, writes
# the bodies and prints the gh command lines only (no GitHub needed); with it, runs
# them (GH_TOKEN with issues: write).
# Usage: ci/nightly-issues.sh FINDINGS [--execute] [--open-issues FILE] [--repo R]
set -euo pipefail
findings=${1:?usage: ci/nightly-issues.sh FINDINGS [--execute] [options...]}
shift
exec python -m txparity.harness.nightly issues "$findings" "$@"
