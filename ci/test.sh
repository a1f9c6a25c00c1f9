#!/usr/bin/env bash
# The test suite, as the README runs it.
set -euo pipefail
cd "$(dirname "$0")/.."
pytest -n auto "$@"
