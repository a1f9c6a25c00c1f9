#!/usr/bin/env bash
# Print the README's Quick start command number N (1: main job, 2: tests), so that CI
# runs exactly what the README tells a newcomer to run.
set -euo pipefail
n=${1:?usage: ci/quickstart.sh 1|2}
readme="$(dirname "$0")/../README.md"
awk '/^## Quick start/{on=1} on && /^```sh/{block=1; next} block && /^```/{exit} block{print}' "$readme" \
  | sed -n "${n}p"
