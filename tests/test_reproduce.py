"""Finds that reproduce, and bare names that find races.

- A parallel executor named without a schedule runs on real threads and on the
  seeded schedule, which finds the races real threads under the GIL almost never
  show.
- A divergence found on real threads is replayed on the seeded and PCT schedules
  before it is saved; the replay that shows it is what is saved, or the entry is
  marked as never reproduced, and everything that shows it says so.
"""

from __future__ import annotations

import json
import subprocess
import sys
from dataclasses import replace
from pathlib import Path

import pytest

from tests.test_corpus import LOST_FEES_START, correct_entry, divergence_on
from txparity.harness.campaign import run_campaign
from txparity.harness.corpus import load_entry, save_and_shrink, save_entry
from txparity.harness.differential import Divergence, Runner
from txparity.harness.options import Command, Options, expand_specs
from txparity.harness.reproduce import Recheck, reproduce

LOST_FEES = "batched-lost-fees"


def txparity(*args: object) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "txparity", *map(str, args)],
        capture_output=True, text=True, timeout=300,
    )  # fmt: skip


# ---------------------------------------------------------------- bare names


@pytest.mark.parametrize(
    ("given", "runs"),
    [
        (["batched"], ["batched@memory/threads", "batched@memory/seeded"]),
        (["blockstm@sqlite"], ["blockstm@sqlite/threads", "blockstm@sqlite/seeded"]),
        (["batched-racy-fees"], ["batched-racy-fees@memory/threads",
                                 "batched-racy-fees@memory/seeded"]),
        (["batched/threads"], ["batched/threads"]),
        (["blockstm@memory/pct"], ["blockstm@memory/pct"]),
        (["sequential"], ["sequential"]),
        (["cmd:./exec batched"], ["cmd:./exec batched"]),
        (["batched", "batched@memory/seeded"], ["batched@memory/threads",
                                                "batched@memory/seeded"]),
    ],
)  # fmt: skip
def test_a_bare_parallel_name_runs_on_threads_and_seeded(given: list[str], runs: list[str]) -> None:
    assert expand_specs(given) == tuple(runs)
    assert Options(executors=tuple(given)).executors == tuple(runs)


def test_a_campaign_given_a_bare_planted_race_finds_it(tmp_path: Path) -> None:
    """On real threads alone, the racy fee counter was not found in thousands of
    cases; named bare, it runs on the seeded schedule too, which finds it."""
    options = Options.for_command(
        Command.FUZZ, executors=("batched-racy-fees",), profile="mixed", cases=20, seed=0,
        seconds=None, corpus=tmp_path / "corpus", workers=1, shrink_seconds=30.0,
    )  # fmt: skip
    summary = run_campaign(options)
    assert summary.executors["batched-racy-fees@memory/seeded"].divergences > 0
    assert summary.saved


def test_the_help_says_what_a_bare_name_means() -> None:
    done = txparity("fuzz", "--help")
    assert "without /SCHEDULE runs on both threads and seeded" in " ".join(done.stdout.split())


# ---------------------------------------------------------------- re-checked finds


def on_threads(spec: str) -> Divergence:
    """A divergence the executor shows on real threads."""
    return divergence_on(f"{spec}@memory/threads", LOST_FEES_START)


def test_a_find_on_threads_is_saved_as_its_replayable_reproduction(tmp_path: Path) -> None:
    found = on_threads(LOST_FEES)
    with Runner([found.executor]) as runner:
        kept = save_and_shrink(found, runner, tmp_path, seconds=60)
    entry = load_entry(kept.path)
    assert entry.executors == (f"{LOST_FEES}@memory/seeded",)
    assert entry.recheck == Recheck(f"{LOST_FEES}@memory/threads", 1, True)
    assert entry.fingerprint == found.fingerprint
    assert json.loads(kept.path.read_text())["recheck"] == {
        "found_on": f"{LOST_FEES}@memory/threads", "replays": 1, "reproduced": True,
    }  # fmt: skip
    done = txparity("replay", kept.path)
    assert done.stdout.startswith(f"DIVERGES {kept.path}: {LOST_FEES}@memory/seeded: ")


def a_find_that_never_reproduces() -> Divergence:
    """What a flaky real-thread find looks like: the divergence the lost-fees bug
    shows, as if the correct batched executor had shown it once on real threads.
    No replay of the correct executor can show it again."""
    found = on_threads(LOST_FEES)
    return replace(found, executor="batched@memory/threads", family="batched")


def test_a_find_no_replay_shows_is_marked_as_never_reproduced(tmp_path: Path) -> None:
    found = a_find_that_never_reproduces()
    with Runner(["batched@memory/threads"], Options(reproduce_seeds=5)) as runner:
        again, recheck = reproduce(found, runner, seeds=5)
        assert (again, recheck) == (found, Recheck("batched@memory/threads", 10, False))
        kept = save_and_shrink(found, runner, tmp_path, seconds=10)
    entry = load_entry(kept.path)
    assert entry.executors == ("batched@memory/threads",)
    assert entry.never_reproduced
    description = (
        "found once on real threads (batched@memory/threads), not reproduced in 10 replays "
        "on seeded/pct schedules"
    )
    assert recheck.describe() == description

    replayed = txparity("replay", kept.path)
    assert (replayed.returncode, replayed.stderr) == (0, "")
    assert replayed.stdout.splitlines() == [
        f"NOT REPRODUCED {kept.path}: did not reproduce (it never did): {description}",
        "replayed 1: 0 still diverge, 0 agree, 1 never reproduced, 0 need an executor, "
        "0 unreadable",
    ]
    shrunk = txparity("shrink", kept.path, "--corpus", tmp_path / "again")
    assert (shrunk.returncode, shrunk.stdout) == (
        0,
        f"no divergence: {kept.path} did not reproduce (it never did): {description}; "
        "nothing to shrink\n",
    )
    checked = txparity("check", kept.path)
    assert checked.stdout.splitlines()[-1] == f"did not reproduce (it never did): {description}"


def test_a_replay_budget_of_one_seed_counts_two_replays() -> None:
    """One seed per replayable schedule: seeded, then PCT."""
    found = a_find_that_never_reproduces()
    with Runner([found.executor]) as runner:
        assert reproduce(found, runner, seeds=1)[1] == Recheck(found.executor, 2, False)


def test_a_find_elsewhere_needs_no_recheck() -> None:
    found = divergence_on(f"{LOST_FEES}@memory/seeded", LOST_FEES_START)
    with Runner([found.executor]) as runner:
        assert reproduce(found, runner, seeds=4) == (found, None)


def test_shrink_of_an_agreeing_case_says_why(tmp_path: Path) -> None:
    path = save_entry(correct_entry(), tmp_path / "corpus")
    assert load_entry(path).executors == ("batched@memory/seeded",)
    done = txparity("shrink", path, "--corpus", tmp_path / "out")
    assert (done.returncode, done.stdout) == (
        0,
        f"no divergence: {path} agrees on batched@memory/seeded now (fixed, or shown only "
        "by other schedule seeds than the 3 tried: see --seeds); nothing to shrink\n",
    )
