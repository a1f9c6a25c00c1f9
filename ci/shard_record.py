"""Write a nightly shard's record for the merge (python -m txparity.harness.nightly merge).

    python ci/shard_record.py OUT NAME STATUS [--libfuzzer-log LOG --crashes DIR]
                              [--junit XML] -- COMMAND...

OUT/shard.json gets the shard's name, the command that does its work again and its
exit status. A shard that is not a ``txparity fuzz`` campaign (whose --json line is
its summary) gets OUT/summary.json from what it left:

- ``--libfuzzer-log`` (atheris): the inputs libFuzzer executed, as cases (when a
  divergence stopped the run before its final statistics, as far as its last
  progress line says), and the crash files it wrote, as divergences;
- ``--junit`` (property tests): the tests run, and those that failed, as
  divergences.

Both files are written under a temporary name and renamed.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import sys
import tempfile
import xml.etree.ElementTree as ElementTree
from pathlib import Path

_EXECUTED = re.compile(r"stat::number_of_executed_units:\s*(\d+)")
_PROGRESS = re.compile(r"^#(\d+)\s", re.MULTILINE)  # libFuzzer's progress lines


def main(argv: list[str]) -> None:
    ours, command = _split(argv)
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("out", type=Path)
    parser.add_argument("name")
    parser.add_argument("status", type=int)
    parser.add_argument("--libfuzzer-log", type=Path)
    parser.add_argument("--crashes", type=Path)
    parser.add_argument("--junit", type=Path)
    arguments = parser.parse_args(ours)
    record = {"name": arguments.name, "command": command, "status": arguments.status}
    _write(arguments.out / "shard.json", record)
    if arguments.libfuzzer_log is not None:
        _write(arguments.out / "summary.json", _libfuzzer_summary(arguments))
    if arguments.junit is not None:
        _write(arguments.out / "summary.json", _junit_summary(arguments.junit))


def _split(argv: list[str]) -> tuple[list[str], list[str]]:
    if "--" not in argv:
        return argv, []
    at = argv.index("--")
    return argv[:at], argv[at + 1 :]


def _libfuzzer_summary(arguments: argparse.Namespace) -> dict[str, object]:
    try:
        log = arguments.libfuzzer_log.read_text(encoding="utf-8", errors="replace")
    except OSError:
        log = ""
    executed = [int(count) for count in _EXECUTED.findall(log)]
    executed = executed or [int(count) for count in _PROGRESS.findall(log)][-1:]
    crashes = arguments.crashes
    found = sorted(p.name for p in crashes.iterdir()) if crashes and crashes.is_dir() else []
    return {"cases": sum(executed), "divergences": len(found), "crash_files": found}


def _junit_summary(path: Path) -> dict[str, object]:
    try:
        root = ElementTree.parse(path).getroot()
    except (OSError, ElementTree.ParseError):
        return {}
    suites = [root] if root.tag == "testsuite" else list(root.iter("testsuite"))
    tests = sum(int(suite.get("tests", 0)) for suite in suites)
    failed = sum(int(suite.get("failures", 0)) + int(suite.get("errors", 0)) for suite in suites)
    return {"tests": tests, "divergences": failed}


def _write(path: Path, document: object) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=".tmp-", suffix=".json")
    try:
        with os.fdopen(handle, "w", encoding="utf-8") as stream:
            json.dump(document, stream, sort_keys=True)
            stream.write("\n")
        os.chmod(temporary, 0o644)
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


if __name__ == "__main__":
    main(sys.argv[1:])
