"""The atheris entry point runs, and what it finds lands in the corpus.

Skipped only where atheris is not installed (it is a Linux x86-64 extra).
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from harness.corpus import corpus_files, load_entry

pytest.importorskip("atheris")


def fuzz(cwd: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "harness.fuzz_atheris", *args],
        cwd=cwd, capture_output=True, text=True, timeout=180,
    )  # fmt: skip


def test_it_fuzzes_correct_executors_for_a_few_seconds(tmp_path: Path) -> None:
    done = fuzz(tmp_path, "-max_total_time=4", "--executor", "blockstm@memory/seeded")
    assert done.returncode == 0, done.stderr[-2000:]
    assert "Done " in done.stderr
    assert not (tmp_path / "corpus").exists()


def test_a_divergence_it_finds_lands_in_the_corpus(tmp_path: Path) -> None:
    done = fuzz(
        tmp_path, "-max_total_time=60", "--executor", "batched-lost-fees@memory/seeded",
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
