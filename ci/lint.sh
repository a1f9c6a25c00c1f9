#!/usr/bin/env bash
# Lint and type checks; run inside an environment with the test extras installed.
set -euo pipefail
cd "$(dirname "$0")/.."
ruff check .
ruff format --check .
mypy --strict executors harness
