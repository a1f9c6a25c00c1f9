#!/usr/bin/env bash
# What the nightly learned before: the newest unexpired artifact of each NAME, from
# any run of this repository, downloaded into STATE/NAME (left empty if there is
# none). Run with GH_TOKEN (actions: read) and GITHUB_REPOSITORY set; nothing else
# of the nightly sees the token. Writes STATE/restored.json: NAME -> run id or null.
# Usage: ci/nightly-restore.sh STATE NAME...
set -euo pipefail
state=${1:?usage: ci/nightly-restore.sh STATE NAME...}
shift
repository=${GITHUB_REPOSITORY:?GITHUB_REPOSITORY must name the repository (owner/name)}
mkdir -p "$state"

# The run of the newest unexpired artifact in a listing of the REST API (standard input).
newest_run='
import json, sys
try:
    listing = json.load(sys.stdin)["artifacts"]
except (ValueError, KeyError, TypeError):
    listing = []
alive = [a for a in listing if not a.get("expired")]
if alive:
    print(max(alive, key=lambda a: a["created_at"])["workflow_run"]["id"])
'

restored=()
for name in "$@"; do
  mkdir -p "$state/$name"
  listing=$(gh api "repos/$repository/actions/artifacts?name=$name&per_page=100") || listing=""
  run=$(printf '%s' "$listing" | python3 -c "$newest_run")
  if [[ -n "$run" ]] && ! gh run download "$run" --repo "$repository" --name "$name" \
      --dir "$state/$name"; then
    echo "could not download $name from run $run: starting without it" >&2
    run=""
  fi
  echo "$name: ${run:-none}"
  restored+=("$name" "${run:-}")
done

python3 - "$state/restored.json" "${restored[@]}" <<'PY'
import json, sys
path, *pairs = sys.argv[1:]
runs = {pairs[i]: (pairs[i + 1] or None) for i in range(0, len(pairs), 2)}
with open(path, "w", encoding="utf-8") as stream:
    json.dump(runs, stream, sort_keys=True)
    stream.write("\n")
PY
