"""The executor under test, run once for the whole session as txparity's target.

``pytest --planted-bug`` runs it with its planted bug, to see a failure.
"""

from __future__ import annotations

import shlex
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from txparity.harness.differential import Runner

EXECUTOR = Path(__file__).parent / "executor.py"


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption(
        "--planted-bug", action="store_true", help="run the executor with its planted bug"
    )


@pytest.fixture(scope="session")
def runner(pytestconfig: pytest.Config) -> Iterator[Runner]:
    """Checks cases against the reference and the executor (a ``cmd:`` target)."""
    command = [sys.executable, str(EXECUTOR)]
    if pytestconfig.getoption("--planted-bug"):
        command.append("--planted-bug")
    with Runner(["cmd:" + shlex.join(command)]) as checking:
        yield checking
