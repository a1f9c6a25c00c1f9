"""Terminal rendering: the live progress of a campaign and the tables that end a run.

Only the command line prints; this module decides what it prints. On a terminal
the progress is a block of lines rewritten in place (a head line, the Ctrl-C notice
once the campaign is stopping, and one line per executor); elsewhere (a pipe, a CI
log) it is the head line alone, every few seconds of campaign time, so that logs
stay readable.

Rewriting in place means moving the cursor up over the block drawn last, which is
only right if every line of it took exactly one row. So each line is cropped to
the terminal's width, asked again at every redraw (numbers come first in a line,
so that cropping takes the end of a long executor name, never a count). When the
terminal has become narrower since the last redraw, it may have re-wrapped the old
block onto more rows than were written; the new block is then drawn below the old
one instead of over it. Whatever the last block left below the new one is erased.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from typing import IO, TYPE_CHECKING

from txparity.harness.campaign import Progress, Summary
from txparity.harness.summary import Find, FindStatus

if TYPE_CHECKING:  # named in signatures only: a campaign's display loads neither
    from txparity.harness.bench.measure import StepDone
    from txparity.harness.shrink import ShrinkResult

__all__ = [
    "BenchDisplay",
    "ProgressDisplay",
    "shrink_stats_table",
    "summary_table",
    "terminal_width",
]

DEFAULT_WIDTH = 80  # when the stream is not a terminal, or will not say
NARROWEST = 20  # below this, lines are cropped as if the terminal were this wide
STOPPING = "stopping after the current cases (Ctrl-C again to stop now)"
_UP = "\x1b[{}F"  # to the start of the line that many rows up
_ERASE_LINE = "\x1b[2K"
_ERASE_BELOW = "\x1b[J"


def terminal_width(stream: IO[str]) -> int:
    """The width of the terminal ``stream`` writes to, or ``DEFAULT_WIDTH``."""
    try:
        return os.get_terminal_size(stream.fileno()).columns or DEFAULT_WIDTH
    except (AttributeError, OSError, ValueError):
        return DEFAULT_WIDTH


class ProgressDisplay:
    """A live block of lines on a terminal; a plain line every few seconds otherwise.

    ``width`` tells the terminal's current width (by default, asked of the
    terminal ``stream`` is); it is asked at every redraw."""

    def __init__(
        self,
        stream: IO[str],
        plain_every_s: float = 5.0,
        width: Callable[[], int] | None = None,
    ) -> None:
        self.stream = stream
        self.live = stream.isatty()
        self.plain_every_s = plain_every_s
        self._width = width or (lambda: terminal_width(stream))
        self._last_plain = 0.0
        self._lines = 0  # rows of the block on screen, 0 when there is none
        self._drawn_width = 0

    def update(self, progress: Progress) -> None:
        if self.live:
            self._redraw(_progress_lines(progress, per_executor=True))
        elif progress.elapsed - self._last_plain >= self.plain_every_s:
            self._last_plain = progress.elapsed
            self.stream.write("  ".join(_progress_lines(progress, per_executor=False)) + "\n")
        self.stream.flush()

    def finish(self) -> None:
        """Leave the block on screen; the next update starts a new one below it."""
        self._lines = 0

    def _redraw(self, lines: list[str]) -> None:
        width = max(self._width(), NARROWEST)
        over_the_last = self._lines and width >= self._drawn_width
        head = _UP.format(self._lines) if over_the_last else ""
        body = "".join(f"{_ERASE_LINE}{crop(line, width)}\n" for line in lines)
        self.stream.write(head + body + _ERASE_BELOW)
        self._lines, self._drawn_width = len(lines), width


def crop(line: str, width: int) -> str:
    """``line`` in at most ``width - 1`` columns: writing into the last column would
    leave some terminals waiting to wrap, and the next newline would skip a row."""
    room = width - 1
    return line if len(line) <= room else line[: room - 3] + "..."


def _progress_lines(progress: Progress, per_executor: bool) -> list[str]:
    summary = progress.summary
    rate = summary.cases / progress.elapsed if progress.elapsed > 0 else 0.0
    remaining = "" if progress.remaining is None else f"  remaining {progress.remaining:.0f}s"
    head = (
        f"cases {summary.cases}  {rate:.1f}/s  divergences {summary.divergences}  "
        f"fingerprints {len(summary.fingerprints)}  "
        f"elapsed {progress.elapsed:.0f}s{remaining}"
    )
    lines = [head]
    if summary.interrupted:
        lines.append(STOPPING)
    elif progress.remaining == 0 and progress.doing:
        lines.append(f"time is up, finishing: {'; '.join(progress.doing)}")
    if not per_executor:
        return lines
    rows = [
        f"  cases {t.cases:6}  divergences {t.divergences:4}  {spec}"
        for spec, t in summary.executors.items()
    ]
    return [*lines, *rows]


TABLE_WIDTH = 79  # the summary fits an 80-column terminal
_FIGURES = f"{'cases':>7} {'runs':>7} {'diverged':>8} {'parallel':>8} {'aborts':>7}"
LEGEND = "runs: one per schedule seed; parallel: on the parallel path; aborts: Block-STM"


def summary_table(summary: Summary) -> str:
    """Each executor's figures, a legend, the counts, the corpus replay's verdicts
    and one short block per fingerprint found, then what went wrong; in at most
    ``TABLE_WIDTH`` columns but for paths and messages (an executor name too long
    for its column has a line of its own, above its figures)."""
    widest = max([len("executor"), *map(len, summary.executors)])
    column = min(widest, TABLE_WIDTH - 1 - len(_FIGURES))
    header = f"{'executor':{column}} {_FIGURES}"
    rows = [header, "-" * len(header)]
    for spec, t in summary.executors.items():
        share = f"{100 * t.parallel / t.runs:.0f}%" if t.runs else "-"
        figures = f"{t.cases:7} {t.runs:7} {t.divergences:8} {share:>8} {t.aborts:7}"
        rows += (
            [spec, f"{'':{column}} {figures}"]
            if len(spec) > column
            else [f"{spec:{column}} {figures}"]
        )
    rate = summary.cases / summary.seconds if summary.seconds else 0.0
    stopped = "interrupted: " if summary.interrupted else ""
    totals = [
        f"{stopped}{summary.cases} cases in {summary.seconds:.1f} s ({rate:.1f}/s)",
        f"{summary.divergences} divergence(s), {len(summary.fingerprints)} fingerprint(s)",
        *_reference_failures(summary),
    ]
    rows += [LEGEND, *_packed(totals, TABLE_WIDTH), *_packed(_replay_parts(summary), TABLE_WIDTH)]
    for name in sorted(summary.finds):
        rows += _find_lines(summary.finds[name])
    rows += [f"corpus file {line}" for line in summary.never_reproduced]
    rows += [f"not replayed: {reason}" for reason in summary.needs_executor]
    rows += [f"skipped unreadable corpus file: {skip}" for skip in summary.skipped]
    rows += [f"harness bug: {bug}" for bug in summary.harness_bugs]
    return "\n".join(rows)


def _reference_failures(summary: Summary) -> list[str]:
    """The reference's failures, a part of the totals when there are any."""
    count = summary.reference_failures
    if not count:
        return []
    return [f"the reference failed on {count} case(s), none counted against an executor"]


def _packed(parts: list[str], width: int) -> list[str]:
    """``parts`` joined by "; " into lines of at most ``width``, breaking between parts."""
    lines = [parts[0]]
    for part in parts[1:]:
        joined = f"{lines[-1]}; {part}"
        if len(joined) <= width:
            lines[-1] = joined
        else:
            lines[-1] += ";"
            lines.append(part)
    return lines


def _replay_parts(summary: Summary) -> list[str]:
    """The corpus replay's verdicts, in the two parts ``_packed`` may break between."""
    cut = f", {summary.replay_cut} not reached in time" if summary.replay_cut else ""
    return [
        f"corpus replayed {summary.replayed}: {summary.replay_divergences} still diverging, "
        f"{summary.replay_agreeing} agreeing, {len(summary.never_reproduced)} never reproduced",
        f"not replayed: {len(summary.needs_executor)} needing an executor, "
        f"{len(summary.skipped)} unreadable{cut}",
    ]


_SHOWN_DETAIL = 100  # characters of a detail shown where a kind has no first item


def _find_lines(find: Find) -> list[str]:
    what = f"first {find.first_item}" if find.first_item else _cut(find.detail, _SHOWN_DETAIL)
    lines = [f"found {find.fingerprint} {find.kind} in {find.executor}: {what}"]
    match find.status:
        case FindStatus.SAVED:
            size = f"{find.txs_found} -> {find.txs_saved} transaction(s)"
            stop = f", shrinking stopped: {find.shrink_stopped}" if find.shrink_stopped else ""
            lines.append(f"  saved {find.where} ({size}{stop})")
        case FindStatus.IN_CORPUS:
            lines.append(f"  not saved: already in the corpus ({find.where})")
        case FindStatus.REPLAYED:
            lines.append(f"  still diverges: corpus file {find.where}")
    if find.note:
        lines.append(f"  {find.note}")
    lines.append(f"  replay: {find.replay}")
    return lines


def _cut(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 3] + "..."


def shrink_stats_table(result: ShrinkResult) -> str:
    """Each pass's candidates, how far they got, and its time; then the rounds."""
    header = (
        f"{'pass':24} {'proposed':>8} {'not smaller':>11} {'repeated':>8} {'invalid':>7} "
        f"{'tried':>6} {'kept':>5} {'seconds':>8}"
    )
    rows = [header, "-" * len(header)]
    for p in result.passes:
        rows.append(
            f"{p.name:24} {p.proposed:8} {p.not_smaller:11} {p.duplicate:8} {p.invalid:7} "
            f"{p.tried:6} {p.kept:5} {p.seconds:8.2f}"
        )
    rows.append(
        f"{result.rounds} round(s), {result.candidates_tried} candidate(s) tried, "
        f"{result.kept} kept; stopped: {result.stopped.value.replace('_', ' ')}"
    )
    rows += [f"round {n}: {', '.join(order)}" for n, order in enumerate(result.orders, 1)]
    return "\n".join(rows)


# ---------------------------------------------------------------- bench


class BenchDisplay:
    """``bench``'s progress: one line rewritten in place on a terminal, a line per
    workload and size elsewhere (a CI log keeps them all)."""

    def __init__(self, stream: IO[str]) -> None:
        self.stream = stream
        self.live = stream.isatty()

    def update(self, step: StepDone, elapsed: float) -> None:
        line = (
            f"bench: {step.done}/{step.total} {step.workload} size {step.size} done, "
            f"{step.divergences} divergence(s), elapsed {elapsed:.0f}s"
        )
        if not self.live:
            self.stream.write(line + "\n")
        else:
            self.stream.write("\r\x1b[2K" + line + ("\n" if step.done == step.total else ""))
        self.stream.flush()
