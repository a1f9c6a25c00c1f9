"""Terminal rendering (``harness.console``): the campaign's progress display (on a
fake terminal of a fixed width, which may change between redraws), its closing
summary table, and the shrink statistics, exactly as a user sees them."""

from __future__ import annotations

import io
import re

from tests.conftest import VECTORS_DIR, load_vector
from txparity.executors.codec import case_from_json
from txparity.harness.campaign import Progress, Summary
from txparity.harness.console import (
    LEGEND,
    STOPPING,
    ProgressDisplay,
    shrink_stats_table,
    summary_table,
)
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


ROWS = [
    "  cases     30  divergences    2  batched@memory/seeded",
    "  cases     30  divergences    0  blockstm@sqlite/pct",
]
UP, ERASE, ERASE_BELOW = "\x1b[{}F", "\x1b[2K", "\x1b[J"


def block(lines: list[str], up: int = 0) -> str:
    """What a redraw writes: back up ``up`` rows, each line erased and rewritten,
    then whatever is left below erased."""
    moved = UP.format(up) if up else ""
    return moved + "".join(f"{ERASE}{line}\n" for line in lines) + ERASE_BELOW


class Screen:
    """A terminal of a given width, as the display asks it; the width may change."""

    def __init__(self, width: int) -> None:
        self.width = width
        self.stream = Terminal()
        self.display = ProgressDisplay(self.stream, width=lambda: self.width)
        self.seen = 0

    def update(self, **changes: object) -> str:
        """What the display writes for one update of the campaign's summary."""
        elapsed = changes.pop("elapsed", 3.0)
        remaining = changes.pop("remaining", 57.0)
        self.display.update(Progress(summary(**changes), elapsed, remaining))  # type: ignore[arg-type]
        written = self.stream.getvalue()[self.seen :]
        self.seen = len(self.stream.getvalue())
        return written


def visible(written: str) -> list[str]:
    """The text of each line written, without the control sequences."""
    return [re.sub(r"\x1b\[\d*[A-Za-z]", "", line) for line in written.split("\n")[:-1]]


def test_on_a_terminal_progress_rewrites_a_block_with_a_line_per_executor() -> None:
    screen = Screen(120)
    assert screen.update() == block([HEAD, *ROWS])
    # Once stopping, the notice has a line of its own (it made the head wrap at 120).
    assert screen.update(interrupted=True, remaining=None) == block(
        ["cases 30  10.0/s  divergences 2  fingerprints 1  elapsed 3s", STOPPING, *ROWS], up=3
    )
    screen.display.finish()  # the block stays on screen; the next one starts below it
    assert screen.update(elapsed=4.0, remaining=None).startswith(f"{ERASE}cases 30  7.5/s")


def test_every_line_is_cropped_to_the_terminal_width() -> None:
    """At 60 columns every redraw left garbage: lines wider than the terminal took two
    rows, and moving up by the number of lines missed the top of the block."""
    screen = Screen(60)
    first = screen.update()
    assert first == block(["cases 30  10.0/s  divergences 2  fingerprints 1  elapsed...", *ROWS])
    assert all(len(line) <= 59 for line in visible(first))
    assert screen.update().startswith(UP.format(3))


def test_a_narrower_terminal_gets_a_new_block_and_a_wider_one_the_same() -> None:
    screen = Screen(120)
    screen.update()
    screen.width = 40  # the old block may now take more rows than were written
    narrower = screen.update()
    assert narrower.startswith(ERASE)  # not moving up first: below the old block
    assert visible(narrower) == [
        "cases 30  10.0/s  divergences 2  fin...",
        "  cases     30  divergences    2  ba...",
        "  cases     30  divergences    0  bl...",
    ]
    screen.width = 100  # cropped lines still take one row each: redraw in place
    assert screen.update().startswith(UP.format(3) + ERASE + HEAD)


def test_a_shorter_block_erases_what_the_longer_one_left_below() -> None:
    screen = Screen(120)
    screen.update(interrupted=True)  # four lines
    again = screen.update()  # three
    assert again.startswith(UP.format(4)) and again.endswith(ERASE_BELOW)


REPLAY_LINES = [  # broken between its parts, to fit 79 columns
    "corpus replayed 1: 0 still diverging, 1 agreeing, 0 never reproduced;",
    "not replayed: 0 needing an executor, 0 unreadable",
]


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
    header = f"{'executor':21}   cases    runs diverged parallel  aborts"
    assert table.splitlines() == [
        header,
        "-" * len(header),
        f"{'batched@memory/seeded':21}      30      90        2      50%       0",
        f"{'blockstm@sqlite/pct':21}      30       0        0        -       0",
        LEGEND,
        "30 cases in 4.0 s (7.5/s); 2 divergence(s), 1 fingerprint(s)",
        *REPLAY_LINES,
        'found f1 state in batched@memory/seeded: first state.accounts["m"].balances["TOS"]',
        "  saved corpus/f1/a.json (12 -> 4 transaction(s), shrinking stopped: candidates)",
        "  replay: txparity replay corpus/f1/a.json",
        "harness bug: boom",
    ]
    stopped = summary_table(summary(interrupted=True, skipped=["x.json: not JSON"]))
    assert stopped.splitlines()[-4:] == [
        "interrupted: 30 cases in 4.0 s (7.5/s); 2 divergence(s), 1 fingerprint(s)",
        REPLAY_LINES[0],
        REPLAY_LINES[1].replace("0 unreadable", "1 unreadable"),
        "skipped unreadable corpus file: x.json: not JSON",
    ]


def test_the_summary_table_fits_80_columns_whatever_the_executor_names() -> None:
    """It was 82 wide with the shortest names, and a cmd: executor pushed its figures
    off the line; a name too long for its column now sits above them."""
    long_name = "cmd:python3 /home/someone/projects/chain/tools/executor.py --threads 8"
    done = summary()
    done.executors = {**done.executors, long_name: Tally(cases=30, runs=30, divergences=1)}
    lines = summary_table(done).splitlines()
    assert all(len(line) <= 79 for line in lines)
    assert lines[4:6] == [long_name, f"{'':37}      30      30        1       0%       0"]
    assert lines[0] == f"{'executor':37}   cases    runs diverged parallel  aborts"
    assert (
        LEGEND == "runs: one per schedule seed; parallel: on the parallel path; aborts: Block-STM"
    )


def test_a_find_without_a_first_item_shows_its_detail() -> None:
    find = Find(
        fingerprint="f2", kind="hang", executor="blockstm@memory/pct", first_item="",
        detail="blockstm/pct hung on case 2fb328c12a15 (schedule seed 274): " + "x" * 200,
        status=FindStatus.IN_CORPUS, where="corpus/f2",
        replay="txparity replay corpus/f2", txs_found=9,
    )  # fmt: skip
    lines = summary_table(summary(finds={"f2": find})).splitlines()
    start = lines.index(REPLAY_LINES[1]) + 1
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


def test_long_totals_break_between_their_parts() -> None:
    table = summary_table(summary(cases=30000, seconds=0.8, interrupted=True))
    assert table.splitlines()[-4:] == [
        "interrupted: 30000 cases in 0.8 s (37500.0/s);",
        "2 divergence(s), 1 fingerprint(s)",
        *REPLAY_LINES,
    ]
    assert all(len(line) <= 79 for line in table.splitlines())
