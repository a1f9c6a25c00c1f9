"""The command line as a user first meets it: usage, help, version, exit statuses,
Ctrl-C, pipes that close early, and the files a package ships with.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import signal
import subprocess
import sys
from importlib.metadata import version
from pathlib import Path

import pytest

from txparity.harness import cli
from txparity.harness.console import LEGEND

ROOT = Path(__file__).parent.parent
SIMPLE = ROOT / "tests" / "vectors" / "simple_transfer.json"
CONTRACT_BLIND = ROOT / "examples" / "reports" / "contract_blind.json"
COMMANDS = ("run", "check", "shrink", "fuzz", "replay")


def txparity(*args: object, stdout: int | None = None) -> subprocess.CompletedProcess[str]:
    """Run the command; its standard output goes to ``stdout`` if given (a file
    descriptor), else is captured like standard error."""
    return subprocess.run(
        [sys.executable, "-m", "txparity", *map(str, args)],
        stdout=subprocess.PIPE if stdout is None else stdout, stderr=subprocess.PIPE,
        text=True, timeout=300,
    )  # fmt: skip


# ---------------------------------------------------------------- usage, help, version


def test_txparity_alone_prints_the_usage_and_the_commands_and_exits_2() -> None:
    done = txparity()
    assert (done.returncode, done.stdout) == (2, "")
    lines = done.stderr.splitlines()
    assert lines[0] == "usage: txparity [-h] [--version] COMMAND ..."
    for command in COMMANDS:
        assert any(re.match(rf"    {command} +\w", line) for line in lines), command
    assert lines[-1] == "txparity: error: a command is required"


def test_version_comes_from_the_package_metadata() -> None:
    done = txparity("--version")
    assert (done.returncode, done.stdout, done.stderr) == (
        0,
        f"txparity {version('txparity')}\n",
        "",
    )


def subparsers() -> dict[str, argparse.ArgumentParser]:
    [action] = [a for a in cli.build_parser()._actions if isinstance(a, argparse._SubParsersAction)]
    return dict(action.choices)


@pytest.mark.parametrize("command", COMMANDS)
def test_every_argument_has_help(command: str) -> None:
    for action in subparsers()[command]._actions:
        assert action.help and action.help != argparse.SUPPRESS, (command, action.dest)
    for action in cli.build_parser()._actions:
        assert action.help and action.help != argparse.SUPPRESS, action.dest


@pytest.mark.parametrize("command", [None, *COMMANDS])
def test_help_shows_no_docstring(command: str | None) -> None:
    """The top-level help used to show the first line of cli.py's module docstring."""
    done = txparity(*([command] if command else []), "--help")
    assert done.returncode == 0
    assert "``" not in done.stdout
    docstring = {line.strip() for line in (cli.__doc__ or "").splitlines() if line.strip()}
    assert not docstring & {line.strip() for line in done.stdout.splitlines()}
    assert "exit status:" in done.stdout or command is not None


def test_fuzz_help_explains_the_summary_columns() -> None:
    done = txparity("fuzz", "--help")
    for column in ("cases", "runs", "diverged", "parallel", "aborts"):
        assert re.search(rf"^  {column} +\w", done.stdout, re.M), column


# ---------------------------------------------------------------- exit statuses


def test_replay_of_an_empty_directory_is_bad_input(tmp_path: Path) -> None:
    done = txparity("replay", tmp_path)
    assert (done.returncode, done.stdout) == (2, "")
    assert done.stderr == (
        f"txparity: error: nothing to replay in {tmp_path}: no counterexample file\n"
    )


def test_replay_of_nothing_readable_is_bad_input(tmp_path: Path) -> None:
    (tmp_path / "a.json").write_text("{not json")
    (tmp_path / "b.json").write_text('{"format": "something/1"}')
    done = txparity("replay", tmp_path)
    assert (done.returncode, done.stdout) == (2, "")
    lines = done.stderr.splitlines()
    assert [line.split(":")[0] for line in lines[:2]] == [
        f"SKIP {tmp_path / 'a.json'}",
        f"SKIP {tmp_path / 'b.json'}",
    ]
    assert lines[2:] == [f"txparity: error: nothing to replay in {tmp_path}: 2 unreadable file(s)"]


@pytest.mark.parametrize(
    "args",
    [
        ["run", "--jsonl", "{many}"],
        ["check", CONTRACT_BLIND],
        ["replay", CONTRACT_BLIND.parent],
    ],
    ids=["run-jsonl", "check", "replay"],
)
def test_a_reader_that_went_away_ends_the_command_quietly_with_141(
    args: list[object], tmp_path: Path
) -> None:
    """As with ``txparity ... | head``, but the reader is gone before the first line."""
    many = tmp_path / "many.jsonl"
    line = json.dumps(json.loads(SIMPLE.read_text())["case"])
    many.write_text((line + "\n") * 500)
    reader, writer = os.pipe()
    os.close(reader)
    try:
        done = txparity(*(str(a).format(many=many) for a in args), stdout=writer)
    finally:
        os.close(writer)
    assert (done.returncode, done.stderr) == (cli.EXIT_BROKEN_PIPE, "")


def test_help_into_a_closed_pipe_is_quiet() -> None:
    reader, writer = os.pipe()
    os.close(reader)
    try:
        done = txparity("fuzz", "--help", stdout=writer)
    finally:
        os.close(writer)
    assert done.stderr == ""


def test_ctrl_c_outside_a_campaign_exits_130_with_one_line() -> None:
    """It was exit 2, an error line, as if the input were bad. Handshake: the first
    answer shows the command is inside its loop before Ctrl-C is pressed."""
    process = subprocess.Popen(
        [sys.executable, "-m", "txparity", "run", "--jsonl", "-"],
        stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        start_new_session=True,
    )  # fmt: skip
    assert process.stdin is not None and process.stdout is not None
    try:
        process.stdin.write(json.dumps(json.loads(SIMPLE.read_text())["case"]) + "\n")
        process.stdin.flush()
        assert process.stdout.readline().startswith('{"format":"txparity.result/1"')
        os.killpg(process.pid, signal.SIGINT)
        _, err = process.communicate(timeout=300)
    finally:
        process.kill()
        process.wait()
    assert (process.returncode, err) == (cli.EXIT_INTERRUPTED, "txparity: interrupted\n")


# ---------------------------------------------------------------- fuzz


def test_an_executor_named_short_has_one_row(tmp_path: Path) -> None:
    """``--executor batched`` used to add an empty ``batched`` row beside the one its
    results were counted under, ``batched@memory/threads``."""
    done = txparity(
        "fuzz", "--executor", "batched", "--cases", "2", "--seed", "0", "--workers", "1",
        "--corpus", tmp_path / "corpus",
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    rows = lines[2 : lines.index(LEGEND)]  # a bare name runs on both default schedules
    assert [row.split()[0] for row in rows] == ["batched@memory/threads", "batched@memory/seeded"]
    assert all(len(line) <= 79 for line in done.stdout.splitlines())


# ---------------------------------------------------------------- what ships


def test_the_license_is_the_apache_license_the_metadata_names() -> None:
    text = (ROOT / "LICENSE").read_text(encoding="utf-8")
    assert text.split()[:4] == ["Apache", "License", "Version", "2.0,"]
    assert "END OF TERMS AND CONDITIONS" in text and "APPENDIX" in text
    pyproject = (ROOT / "pyproject.toml").read_text(encoding="utf-8").splitlines()
    assert 'license = "Apache-2.0"' in pyproject
    assert 'license-files = ["LICENSE"]' in pyproject


def test_the_changelog_keeps_a_changelog() -> None:
    text = (ROOT / "CHANGELOG.md").read_text(encoding="utf-8")
    headings = re.findall(r"^## (.+)$", text, re.M)
    assert headings[0] == "[Unreleased]"
    assert headings[1].startswith("[0.1.0]")
    kinds = set(re.findall(r"^### (.+)$", text, re.M))
    assert kinds <= {"Added", "Changed", "Deprecated", "Removed", "Fixed", "Security"}
    assert "keepachangelog.com" in text
