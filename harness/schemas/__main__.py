"""``python -m txparity.harness.schemas``: write the published schemas again.

With no argument it writes the package's copy (beside this module) and, from the
package's files, the repository's published copy in ``docs/schemas``; with
``--check`` it writes nothing and exits 1 if either copy differs from what
``build_schemas`` makes. Any other arguments name directories to write the
schemas into instead (the package's files are then left alone).
"""

from __future__ import annotations

import sys
from pathlib import Path

from txparity.harness.schemas import build_schemas, publish, schema_text, write_schemas

_PACKAGE = Path(__file__).resolve().parent
_PUBLISHED = _PACKAGE.parents[1] / "docs" / "schemas"


def _stale(directory: Path) -> list[str]:
    return [
        str(directory / name)
        for name, schema in build_schemas().items()
        if not (directory / name).is_file()
        or (directory / name).read_text("utf-8") != schema_text(schema)
    ]


def main(arguments: list[str]) -> int:
    if arguments == ["--check"]:
        stale = _stale(_PACKAGE) + _stale(_PUBLISHED)
        for name in stale:
            print(f"stale schema: {name}", file=sys.stderr)
        return 1 if stale else 0
    if arguments:
        written = [path for argument in arguments for path in write_schemas(Path(argument))]
    else:
        written = publish(_PACKAGE, [_PUBLISHED])
    for path in written:
        print(path)
    return 0


sys.exit(main(sys.argv[1:]))
