"""The atheris entry point runs, and what it finds lands in the corpus.

Skipped only where atheris is not installed (it is a Linux x86-64 extra).
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from txparity.harness.corpus import corpus_files, load_entry
from txparity.harness.options import (
    CORPUS,
    EQUIVALENCE,
    EXECUTORS,
    PROFILE,
    SEEDS,
    SHRINK_SECONDS,
    TIMEOUT,
    WATCHDOG,
    Command,
)

pytest.importorskip("atheris")


def fuzz(cwd: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "txparity.harness.fuzz_atheris", *args],
        cwd=cwd, capture_output=True, text=True, timeout=600,  # a bound, never reached
    )  # fmt: skip


def test_it_fuzzes_correct_executors_for_a_hundred_runs(tmp_path: Path) -> None:
    done = fuzz(tmp_path, "-runs=100", "--executor", "blockstm@memory/seeded")
    assert done.returncode == 0, done.stderr[-2000:]
    assert "Done " in done.stderr
    assert not (tmp_path / "corpus").exists()


def test_a_divergence_it_finds_lands_in_the_corpus(tmp_path: Path) -> None:
    done = fuzz(
        tmp_path, "-runs=100000", "--executor", "batched-lost-fees@memory/seeded",
        "--shrink-seconds", "5",
    )  # fmt: skip
    assert done.returncode != 0
    saved = list(corpus_files([tmp_path / "corpus"]))
    assert len(saved) == 1
    entry = load_entry(saved[0])
    assert entry.executors == ("batched-lost-fees@memory/seeded",)
    assert entry.shrunk
    # atheris prints the uncaught exception on standard output
    assert f"replay: txparity replay {saved[0].relative_to(tmp_path)}" in done.stdout
    assert list(tmp_path.glob("crash-*")), "libFuzzer keeps the crashing input"


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--profile", "bogus"], "unknown profile 'bogus' (known: mixed, contended, wide, "
         "contracts, nonces)"),
        (["--executor", "cmd:/no/such/cmd"], "cannot start external executor '/no/such/cmd': "
         "No such file or directory"),
        (["--corpus", "blocker/corpus"], "cannot write to corpus directory blocker/corpus: "
         "{tmp}/blocker is not a directory"),
        (["--shrink-seconds", "86401"], "argument --shrink-seconds: must be at most 86400 "
         "seconds: 86401"),
        (["--watchdog", "1e10"], "argument --watchdog: must be at most 86400 seconds: 1e10"),
        (["--seeds", "0"], "argument --seeds: must be at least 1: 0"),
    ],
    ids=["profile", "executor", "corpus", "shrink-bound", "watchdog-bound", "seeds"],
)  # fmt: skip
def test_bad_input_is_one_error_line_and_exit_2(
    tmp_path: Path, args: list[str], message: str
) -> None:
    (tmp_path / "blocker").write_text("")
    done = fuzz(tmp_path, "-runs=1", *args)
    assert done.returncode == 2, done.stderr[-2000:]
    # Above it, atheris's own INFO lines about instrumenting the executors.
    ours = [line for line in done.stderr.splitlines() if not line.startswith("INFO: ")]
    assert ours == [f"txparity: error: {message.format(tmp=tmp_path)}"]
    assert "Traceback" not in done.stderr


def test_its_options_are_the_fuzz_commands_declarations(tmp_path: Path) -> None:
    done = fuzz(tmp_path, "--help")
    assert done.returncode == 0, done.stderr[-2000:]
    for option in (EXECUTORS, PROFILE, CORPUS, SHRINK_SECONDS, SEEDS, EQUIVALENCE, TIMEOUT,
                   WATCHDOG):  # fmt: skip
        assert option.flag in done.stdout
    text = " ".join(done.stdout.split())
    assert SEEDS.help_for(Command.FUZZ) in text  # fuzz's default: one schedule seed
    assert SHRINK_SECONDS.help_for(Command.FUZZ) in text
