"""``txparity vector``: a scenario vector of a case, with the reference's result."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from txparity.harness.casefile import read_case, read_file
from txparity.harness.commands import EXIT_OK
from txparity.harness.errors import InputError
from txparity.harness.vector import vector_of, vector_text, write_vector

__all__ = ["command"]


def command(arguments: argparse.Namespace) -> int:
    output: Path | None = arguments.output
    if output is not None and output.exists() and not arguments.force:
        raise InputError(f"{output} exists (--force replaces it)")
    case = read_case(read_file(arguments.case))
    vector = vector_of(case)
    if output is None:
        sys.stdout.write(vector_text(vector))
        return EXIT_OK
    write_vector(vector, output, replace=arguments.force)
    print(f"wrote {output}", file=sys.stderr)
    return EXIT_OK
