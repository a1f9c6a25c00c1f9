"""Run options (``harness.options``): one declaration each, one value, and bounds.

Every numeric option is tested at its upper bound (accepted) and just past it
(refused by the command line with one error line and exit status 2, and by
``Options`` itself with ``OptionError``). The watchdog and the timeout at their
bounds are also run for real: a correct executor still agrees.
"""

from __future__ import annotations

import shlex
import subprocess
import sys
from dataclasses import fields, replace
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import VECTORS_DIR
from txparity.executors.parallel import DEFAULT_WATCHDOG_S
from txparity.harness.campaign import run_campaign
from txparity.harness.cli import COMMAND_OPTIONS, build_parser, main
from txparity.harness.errors import InputError, UnknownProfile
from txparity.harness.options import (
    CASES,
    DEFAULTS,
    OPTIONS,
    REPRODUCE_SEEDS,
    SECONDS,
    SEED,
    SEEDS,
    SHRINK_CANDIDATES,
    SHRINK_SECONDS,
    TIMEOUT,
    WATCHDOG,
    WORKERS,
    Command,
    Duration,
    Equivalence,
    Option,
    OptionError,
    Options,
    WholeNumber,
    default_specs,
    options_from,
)

PARALLEL_BLOCK = VECTORS_DIR / "parallel_mixed_block.json"  # 8 transactions on devnet
SCRIPTS = Path(__file__).parent / "external_scripts"
DAY = 86_400


def parsed(*args: str) -> Options:
    arguments = build_parser().parse_args(list(args))
    return options_from(arguments, Command(arguments.command))


def refused(capsys: pytest.CaptureFixture[str], *args: str) -> str:
    """The one error line the command line answers ``args`` with, exiting 2."""
    with pytest.raises(SystemExit) as stopped:
        main(list(args))
    assert stopped.value.code == 2
    out, err = capsys.readouterr()
    assert out == ""
    [line] = err.splitlines()
    return line


# ---------------------------------------------------------------- one home


def test_each_field_of_the_value_is_declared_once_with_its_default() -> None:
    names = [option.name for option in OPTIONS]
    assert names == [each.name for each in fields(Options)]
    assert len(set(names)) == len(names)
    assert len({option.flag for option in OPTIONS}) == len(OPTIONS)
    for option in OPTIONS:
        assert getattr(DEFAULTS, option.name) == option.default, option.name
    assert Options() == DEFAULTS


def test_the_defaults_that_the_code_used_to_repeat() -> None:
    assert (DEFAULTS.timeout_s, DEFAULTS.watchdog_s, DEFAULTS.shrink_seconds) == (10.0, 10.0, 120.0)
    assert DEFAULTS.shrink_candidates == 1000
    assert DEFAULTS.watchdog_s == DEFAULT_WATCHDOG_S  # read from the executors, not retyped
    assert (DEFAULTS.profile, DEFAULTS.corpus, DEFAULTS.equivalence) == (
        "mixed", Path("corpus"), Equivalence.STRICT,
    )  # fmt: skip
    assert DEFAULTS.executors == tuple(default_specs())
    assert (DEFAULTS.cases, DEFAULTS.seconds, DEFAULTS.seed) == (None, 60.0, None)


def test_check_and_shrink_try_three_schedule_seeds_fuzz_and_replay_one() -> None:
    seeds = {command: Options.for_command(command).seeds for command in Command}
    assert seeds == {Command.RUN: 3, Command.CHECK: 3, Command.SHRINK: 3, Command.FUZZ: 1,
                     Command.REPLAY: 1, Command.VECTOR: 3, Command.BENCH: 1}  # fmt: skip
    assert parsed("check", "x").seeds == 3
    assert parsed("fuzz").seeds == 1
    assert parsed("replay", "x").seeds == 1
    assert Options.for_command(Command.FUZZ, seeds=4).seeds == 4


def test_each_command_takes_its_options_from_the_declarations() -> None:
    for command, options in COMMAND_OPTIONS.items():
        assert all(option in OPTIONS for option in options), command
    arguments = build_parser().parse_args(["fuzz"])
    assert all(getattr(arguments, option.name) is None for option in COMMAND_OPTIONS[Command.FUZZ])


def test_values_given_replace_the_commands_defaults() -> None:
    options = parsed(
        "fuzz", "--executor", "batched", "--executor", "blockstm@sqlite", "--seeds", "2",
        "--equivalence", "state", "--timeout", "1.5", "--watchdog", "2", "--profile", "wide",
        "--seconds", "7", "--cases", "9", "--seed", "11", "--corpus", "c", "--workers", "1",
        "--shrink-seconds", "0",
    )  # fmt: skip
    assert options == Options(
        executors=("batched", "blockstm@sqlite"), seeds=2, equivalence=Equivalence.STATE,
        timeout_s=1.5, watchdog_s=2.0, profile="wide", corpus=Path("c"), shrink_seconds=0.0,
        workers=1, cases=9, seconds=7.0, seed=11,
    )  # fmt: skip


def test_a_campaign_given_only_a_case_count_has_no_time_limit() -> None:
    assert parsed("fuzz").seconds == 60.0
    assert parsed("fuzz", "--cases", "5").seconds is None
    assert parsed("fuzz", "--cases", "5", "--seconds", "3").seconds == 3.0
    assert parsed("shrink", "x").seconds == 60.0  # the shrink budget


def test_a_campaign_seed_is_drawn_once_and_kept() -> None:
    assert Options(seed=5).with_seed().seed == 5
    drawn = Options().with_seed()
    assert drawn.seed is not None and 0 <= drawn.seed < 2**32
    assert drawn.with_seed() is drawn


def test_a_campaign_without_a_seed_reports_the_one_it_drew(tmp_path: Path) -> None:
    options = Options.for_command(
        Command.FUZZ, executors=("batched@memory/seeded",), cases=2, seconds=None, workers=1,
        corpus=tmp_path / "corpus",
    )  # fmt: skip
    summary = run_campaign(options)
    assert summary.cases == 2 and summary.seed is not None
    again = run_campaign(replace(options, seed=summary.seed))
    assert (again.seed, again.executors) == (summary.seed, summary.executors)


# ---------------------------------------------------------------- the value checks itself


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"seeds": 0}, "--seeds: must be at least 1: 0"),
        ({"seeds": 1001}, "--seeds: must be at most 1000: 1001"),
        ({"timeout_s": 1e10}, "--timeout: must be at most 86400 seconds: 1e+10"),
        ({"watchdog_s": 0.0}, "--watchdog: must be more than 0 seconds"),
        ({"watchdog_s": float("nan")}, "--watchdog: must be a finite number of seconds >= 0: nan"),
        ({"shrink_seconds": -1.0}, "--shrink-seconds: must be a finite number of seconds >= 0"),
        ({"workers": 10**20}, "--workers: must be at most"),
        ({"cases": 0}, "--cases: must be at least 1: 0"),
        ({"seconds": 31 * DAY}, "--seconds: must be at most 2592000 seconds: 2.6784e+06"),
        ({"seed": -1}, "--seed: must be at least 0: -1"),
        ({"seed": 2**64}, "--seed: must be at most 18446744073709551615"),
        ({"seeds": "3"}, "--seeds: not a whole number: '3'"),
        ({"seeds": True}, "--seeds: not a whole number: True"),
        ({"equivalence": "loose"}, "--equivalence: invalid choice: 'loose'"),
        ({"executors": "batched"}, "--executor: a sequence of values, not 'batched'"),
    ],
)
def test_a_value_out_of_bounds_is_refused_in_code_too(
    changes: dict[str, object], message: str
) -> None:
    with pytest.raises(OptionError) as refusal:
        Options(**changes)  # type: ignore[arg-type]
    assert str(refusal.value).startswith(message)
    assert isinstance(refusal.value, InputError)


def test_an_unknown_profile_is_refused_by_the_value() -> None:
    with pytest.raises(UnknownProfile, match=r"unknown profile 'busy' \(known: mixed, "):
        Options(profile="busy")


def test_values_built_in_code_are_normalized() -> None:
    options = Options(executors=["batched"], equivalence="state", corpus="c")  # type: ignore[arg-type]
    assert (options.executors, options.equivalence, options.corpus) == (
        ("batched@memory/threads", "batched@memory/seeded"), Equivalence.STATE, Path("c"),
    )  # fmt: skip
    assert options.equivalence is Equivalence.STATE
    assert Options(cases=None, seconds=None, seed=None) == replace(DEFAULTS, seconds=None)


# ---------------------------------------------------------------- upper bounds on the command line


def upper(option: Option[Any]) -> int | float:
    assert isinstance(option.bounds, WholeNumber | Duration)
    return option.bounds.most


BOUNDED: list[tuple[list[str], Option[Any], str, str]] = [
    # (command line before the option, option, the largest value, the least refused)
    (["check", "x"], SEEDS, "1000", "1001"),
    (["replay", "x"], SEEDS, "1000", "1001"),
    (["fuzz"], SEEDS, "1000", "1001"),
    (["check", "x"], TIMEOUT, "86400", "86400.001"),
    (["fuzz"], TIMEOUT, "86400", "1e10"),
    (["run", "x"], WATCHDOG, "86400", "86401"),
    (["check", "x"], WATCHDOG, "86400", "1e10"),
    (["fuzz"], WORKERS, str(upper(WORKERS)), str(int(upper(WORKERS)) + 1)),
    (["fuzz"], CASES, "1000000000", "1000000001"),
    (["fuzz"], SECONDS, "2592000", "2592001"),
    (["shrink", "x"], SECONDS, "2592000", "99999999999999999999"),
    (["fuzz"], SHRINK_SECONDS, "86400", "86401"),
    (["fuzz"], SEED, str(2**64 - 1), str(2**64)),
    (["fuzz"], REPRODUCE_SEEDS, "1000", "1001"),
    (["fuzz"], SHRINK_CANDIDATES, "1000000", "1000001"),
    (["shrink", "x"], SHRINK_CANDIDATES, "1000000", "1000001"),
    (["shrink", "x"], REPRODUCE_SEEDS, "1000", "1001"),
]


@pytest.mark.parametrize(
    ("before", "option", "largest", "refused_value"),
    BOUNDED,
    ids=[f"{before[0]}{option.flag}" for before, option, _, _ in BOUNDED],
)
def test_every_numeric_option_has_an_upper_bound(
    capsys: pytest.CaptureFixture[str],
    before: list[str],
    option: Option[Any],
    largest: str,
    refused_value: str,
) -> None:
    assert (int(largest) if largest.isdigit() else float(largest)) == upper(option)
    assert getattr(parsed(*before, option.flag, largest), option.name) == upper(option)
    line = refused(capsys, *before, option.flag, refused_value)
    unit = " seconds" if isinstance(option.bounds, Duration) else ""
    assert line == (
        f"txparity: error: argument {option.flag}: must be at most {largest}{unit}: {refused_value}"
    )


def test_every_numeric_option_is_bounded() -> None:
    numeric = [o for o in OPTIONS if isinstance(o.default, int | float) or o.bounds is not None]
    assert all(option.bounds is not None for option in numeric)
    assert {option.flag for option in numeric} == {
        "--seeds", "--timeout", "--watchdog", "--shrink-seconds", "--workers", "--cases",
        "--seconds", "--seed", "--reproduce-seeds", "--shrink-candidates",
    }  # fmt: skip
    bounded = {option.flag for _, option, _, _ in BOUNDED}
    assert bounded == {option.flag for option in numeric}


def test_twenty_digit_values_are_refused_at_once(capsys: pytest.CaptureFixture[str]) -> None:
    huge = "9" * 20
    for before, flag in [(["fuzz"], "--workers"), (["check", "x"], "--seeds"),
                         (["fuzz"], "--cases"), (["fuzz"], "--timeout"),
                         (["check", "x"], "--watchdog")]:  # fmt: skip
        assert refused(capsys, *before, flag, huge).startswith(
            f"txparity: error: argument {flag}: must be at most "
        )


def test_a_number_too_long_to_read_is_named_briefly(capsys: pytest.CaptureFixture[str]) -> None:
    line = refused(capsys, "check", "x", "--seeds", "9" * 5000)
    assert line == f"txparity: error: argument --seeds: not a whole number: '{'9' * 40}...'"


# ---------------------------------------------------------------- the bounds run


def txparity(*args: object) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "txparity", *(str(a) for a in args)],
        capture_output=True, text=True, timeout=300,
    )  # fmt: skip


def test_a_correct_executor_agrees_with_the_watchdog_at_its_bound() -> None:
    """A watchdog past what a lock can wait for used to overflow inside the thread
    schedule and was reported as the executor's own exception."""
    done = txparity("check", PARALLEL_BLOCK, "--watchdog", upper(WATCHDOG))
    assert (done.returncode, done.stdout, done.stderr) == (
        0, "agree: 20 executor(s), 60 run(s)\n", "",
    )  # fmt: skip
    sequential = txparity("run", PARALLEL_BLOCK)
    threads = txparity(
        "run", PARALLEL_BLOCK, "--executor", "blockstm", "--schedule", "threads", "--stats",
        "--watchdog", upper(WATCHDOG),
    )  # fmt: skip
    assert threads.returncode == 0, threads.stderr
    assert threads.stdout == sequential.stdout
    assert '"path": "parallel"' in threads.stderr


def test_an_external_executor_agrees_with_the_timeout_at_its_bound() -> None:
    correct = "cmd:" + shlex.join([sys.executable, str(SCRIPTS / "correct.py")])
    done = txparity("check", PARALLEL_BLOCK, "--executor", correct, "--timeout", upper(TIMEOUT))
    assert (done.returncode, done.stdout, done.stderr) == (
        0, "agree: 1 executor(s), 1 run(s)\n", "",
    )  # fmt: skip


def test_the_most_schedule_seeds_all_run() -> None:
    done = txparity(
        "check", PARALLEL_BLOCK, "--executor", "batched@memory/seeded", "--seeds", upper(SEEDS)
    )
    assert (done.returncode, done.stdout) == (0, "agree: 1 executor(s), 1000 run(s)\n")
