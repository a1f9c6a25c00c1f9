#!/usr/bin/env bash
# Lint and type checks; run inside an environment with the test extras installed.
set -euo pipefail
cd "$(dirname "$0")/.."
ruff check .
ruff format --check .
mypy --strict -p txparity
# The workflows: structure against the GitHub schema, then security (offline).
check-jsonschema --builtin-schema vendor.github-workflows .github/workflows/*.yml
zizmor --offline --quiet .github/workflows/
