"""Terminal rendering: the live progress of a campaign and the tables that end a run.

Only the command line prints; this module decides what it prints. On a terminal
the progress is a block of lines rewritten in place (one per executor under a
head line); elsewhere (a pipe, a CI log) it is the head line alone, every few
seconds of campaign time, so that logs stay readable.
"""

from __future__ import annotations

from typing import IO

from txparity.harness.bench.measure import StepDone
from txparity.harness.campaign import Progress, Summary
from txparity.harness.shrink import ShrinkResult
from txparity.harness.summary import Find, FindStatus

__all__ = ["BenchDisplay", "ProgressDisplay", "shrink_stats_table", "summary_table"]


class ProgressDisplay:
    """A live block of lines on a terminal; a plain line every few seconds otherwise."""

    def __init__(self, stream: IO[str], plain_every_s: float = 5.0) -> None:
        self.stream = stream
        self.live = stream.isatty()
        self.plain_every_s = plain_every_s
        self._last_plain = 0.0
        self._lines = 0

    def update(self, progress: Progress) -> None:
        lines = _progress_lines(progress, per_executor=self.live)
        if self.live:
            if self._lines:
                self.stream.write(f"\x1b[{self._lines}F")
            self.stream.write("".join(f"\x1b[2K{line}\n" for line in lines))
            self._lines = len(lines)
        elif progress.elapsed - self._last_plain >= self.plain_every_s:
            self._last_plain = progress.elapsed
            self.stream.write(lines[0] + "\n")
        self.stream.flush()

    def finish(self) -> None:
        self._lines = 0


def _progress_lines(progress: Progress, per_executor: bool) -> list[str]:
    summary = progress.summary
    rate = summary.cases / progress.elapsed if progress.elapsed > 0 else 0.0
    remaining = "" if progress.remaining is None else f"  remaining {progress.remaining:.0f}s"
    head = (
        f"cases {summary.cases}  {rate:.1f}/s  divergences {summary.divergences}  "
        f"fingerprints {len(summary.fingerprints)}  "
        f"elapsed {progress.elapsed:.0f}s{remaining}"
    )
    if summary.interrupted:
        head += "  stopping after the current cases (Ctrl-C again to stop now)"
    elif progress.remaining == 0 and progress.doing:
        head += f"  time is up, finishing: {'; '.join(progress.doing)}"
    if not per_executor:
        return [head]
    rows = [
        f"  {spec:40} cases {t.cases:6}  divergences {t.divergences:4}"
        for spec, t in summary.executors.items()
    ]
    return [head, *rows]


def summary_table(summary: Summary) -> str:
    """The executors' table, then the counts, the corpus replay's verdicts and one
    short block per fingerprint found, then what went wrong."""
    header = (
        f"{'executor':40} {'cases':>7} {'runs':>7} {'diverged':>8} {'parallel':>8} {'aborts':>7}"
    )
    rows = [header, "-" * len(header)]
    for spec, t in summary.executors.items():
        share = f"{100 * t.parallel / t.runs:.0f}%" if t.runs else "-"
        rows.append(f"{spec:40} {t.cases:7} {t.runs:7} {t.divergences:8} {share:>8} {t.aborts:7}")
    rate = summary.cases / summary.seconds if summary.seconds else 0.0
    stopped = "interrupted: " if summary.interrupted else ""
    rows.append(
        f"{stopped}{summary.cases} cases in {summary.seconds:.1f} s ({rate:.1f}/s); "
        f"{summary.divergences} divergence(s), {len(summary.fingerprints)} fingerprint(s)"
    )
    rows.append(_replay_line(summary))
    for name in sorted(summary.finds):
        rows += _find_lines(summary.finds[name])
    rows += [f"corpus file {line}" for line in summary.never_reproduced]
    rows += [f"not replayed: {reason}" for reason in summary.needs_executor]
    rows += [f"skipped unreadable corpus file: {skip}" for skip in summary.skipped]
    rows += [f"harness bug: {bug}" for bug in summary.harness_bugs]
    return "\n".join(rows)


def _replay_line(summary: Summary) -> str:
    cut = f", {summary.replay_cut} not reached in time" if summary.replay_cut else ""
    return (
        f"corpus replayed {summary.replayed}: {summary.replay_divergences} still diverging, "
        f"{summary.replay_agreeing} agreeing, {len(summary.never_reproduced)} never "
        f"reproduced; not replayed: {len(summary.needs_executor)} needing an executor, "
        f"{len(summary.skipped)} unreadable{cut}"
    )


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
