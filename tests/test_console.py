"""Terminal rendering (``harness.console``): the campaign's progress display, its
closing summary table, and the shrink statistics, exactly as a user sees them."""

from __future__ import annotations

import io

from tests.conftest import VECTORS_DIR, load_vector
from txparity.executors.codec import case_from_json
from txparity.harness.campaign import Progress, Summary
from txparity.harness.console import ProgressDisplay, shrink_stats_table, summary_table
from txparity.harness.differential import Divergence, DivergenceKind, Tally
from txparity.harness.shrink import PassStats, ShrinkResult, ShrinkStop
from txparity.harness.summary import Find, FindStatus


class Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def summary(**changes: object) -> Summary:
    done = Summary(cases=30, seconds=4.0, divergences=2, fingerprints={"f1"}, replayed=1)
    done.executors = {
        "batched@memory/seeded": Tally(cases=30, runs=90, divergences=2, parallel=45, aborts=0),
        "blockstm@sqlite/pct": Tally(cases=30, runs=0),
    }
    for name, value in changes.items():
        setattr(done, name, value)
    return done


HEAD = "cases 30  10.0/s  divergences 2  fingerprints 1  elapsed 3s  remaining 57s"


def test_off_a_terminal_progress_is_the_head_line_every_few_seconds() -> None:
    stream = io.StringIO()
    display = ProgressDisplay(stream, plain_every_s=5.0)
    for elapsed in (3.0, 4.9, 5.0, 9.0, 10.0):
        display.update(Progress(summary(), elapsed, 60.0 - elapsed))
    lines = stream.getvalue().splitlines()
    assert [line.split("elapsed ")[1] for line in lines] == [
        "5s  remaining 55s",
        "10s  remaining 50s",
    ]
    assert lines[0].startswith("cases 30  6.0/s  divergences 2  fingerprints 1  ")


def test_on_a_terminal_progress_rewrites_a_block_with_a_line_per_executor() -> None:
    stream = Terminal()
    display = ProgressDisplay(stream)
    display.update(Progress(summary(), 3.0, 57.0))
    first = stream.getvalue()
    assert first == (
        f"\x1b[2K{HEAD}\n"
        f"\x1b[2K  {'batched@memory/seeded':40} cases     30  divergences    2\n"
        f"\x1b[2K  {'blockstm@sqlite/pct':40} cases     30  divergences    0\n"
    )
    display.update(Progress(summary(interrupted=True), 3.0, None))
    again = stream.getvalue()[len(first) :]
    assert again.startswith("\x1b[3F\x1b[2Kcases 30  10.0/s  divergences 2  fingerprints 1  "
                            "elapsed 3s  stopping after the current cases (Ctrl-C again to stop "
                            "now)\n")  # fmt: skip
    display.finish()  # the block stays on screen; the next one starts below it
    display.update(Progress(summary(), 4.0, None))
    assert stream.getvalue()[len(first) + len(again) :].startswith("\x1b[2Kcases 30  7.5/s")


REPLAY_LINE = (
    "corpus replayed 1: 0 still diverging, 1 agreeing, 0 never reproduced; "
    "not replayed: 0 needing an executor, 0 unreadable"
)


def test_the_summary_table() -> None:
    find = Find(
        fingerprint="f1", kind="state", executor="batched@memory/seeded",
        first_item='state.accounts["m"].balances["TOS"]', detail="1 state item(s) differ",
        status=FindStatus.SAVED, where="corpus/f1/a.json",
        replay="txparity replay corpus/f1/a.json", txs_found=12, txs_saved=4,
        shrink_stopped="candidates",
    )  # fmt: skip
    table = summary_table(
        summary(saved=["corpus/f1/a.json"], harness_bugs=["boom"], finds={"f1": find})
    )
    header = f"{'executor':40}   cases    runs diverged parallel  aborts"
    assert table.splitlines() == [
        header,
        "-" * len(header),
        f"{'batched@memory/seeded':40}      30      90        2      50%       0",
        f"{'blockstm@sqlite/pct':40}      30       0        0        -       0",
        "30 cases in 4.0 s (7.5/s); 2 divergence(s), 1 fingerprint(s)",
        REPLAY_LINE,
        'found f1 state in batched@memory/seeded: first state.accounts["m"].balances["TOS"]',
        "  saved corpus/f1/a.json (12 -> 4 transaction(s), shrinking stopped: candidates)",
        "  replay: txparity replay corpus/f1/a.json",
        "harness bug: boom",
    ]
    stopped = summary_table(summary(interrupted=True, skipped=["x.json: not JSON"]))
    assert stopped.splitlines()[-3:] == [
        "interrupted: 30 cases in 4.0 s (7.5/s); 2 divergence(s), 1 fingerprint(s)",
        REPLAY_LINE.replace("0 unreadable", "1 unreadable"),
        "skipped unreadable corpus file: x.json: not JSON",
    ]


def test_a_find_without_a_first_item_shows_its_detail() -> None:
    find = Find(
        fingerprint="f2", kind="hang", executor="blockstm@memory/pct", first_item="",
        detail="blockstm/pct hung on case 2fb328c12a15 (schedule seed 274): " + "x" * 200,
        status=FindStatus.IN_CORPUS, where="corpus/f2",
        replay="txparity replay corpus/f2", txs_found=9,
    )  # fmt: skip
    lines = summary_table(summary(finds={"f2": find})).splitlines()
    start = lines.index(REPLAY_LINE) + 1
    assert lines[start:] == [
        "found f2 hang in blockstm@memory/pct: blockstm/pct hung on case 2fb328c12a15 "
        "(schedule seed 274): " + "x" * 37 + "...",
        "  not saved: already in the corpus (corpus/f2)",
        "  replay: txparity replay corpus/f2",
    ]


def test_the_shrink_statistics_table() -> None:
    case_json, expected = load_vector(VECTORS_DIR / "simple_transfer.json")
    divergence = Divergence(
        DivergenceKind.STATE, "x@memory/seeded", "x", case_from_json(case_json), expected,
        expected, "detail", None, (), "f" * 16,
    )  # fmt: skip
    result = ShrinkResult(
        divergence, candidates_tried=7, kept=2, seconds=1.0, stopped=ShrinkStop.TIME,
        passes=(
            PassStats("delete_transactions", proposed=9, duplicate=3, tried=6, kept=2,
                      seconds=0.5),
            PassStats("lower_numbers", proposed=2, not_smaller=1, tried=1, seconds=0.25),
        ),
        orders=(("delete_transactions", "lower_numbers"), ("delete_transactions",
                                                          "lower_numbers")),
    )  # fmt: skip
    header = f"{'pass':24} proposed not smaller repeated invalid  tried  kept  seconds"
    assert shrink_stats_table(result).splitlines() == [
        header,
        "-" * len(header),
        f"{'delete_transactions':24}        9           0        3       0      6     2     0.50",
        f"{'lower_numbers':24}        2           1        0       0      1     0     0.25",
        "2 round(s), 7 candidate(s) tried, 2 kept; stopped: time",
        "round 1: delete_transactions, lower_numbers",
        "round 2: delete_transactions, lower_numbers",
    ]
