"""External executors: a command speaking SPEC section 8, started once and kept.

The harness writes one compact case per line to the command's standard input and
reads one answer per line from its standard output, in order. The command is
untrusted; whatever it does is classified, never raised, and costs the harness at
most the per-case limit (``timeout_s``, which covers writing the case and reading
its answer) and a bounded amount of memory:

- ``{"error": STRING}``: the executor could not run the case (``error``);
- a result line (SPEC 7) of the right shape (``result_shape``): ``result``;
- no answer within the limit: ``hang``;
- the process exits, or closes its standard output and does not exit within the
  limit: ``crash``, with the exit status and the last lines of standard error;
- anything else on standard output: ``protocol``, quoting (the start of) the line:
  text that is not strict JSON (the reader cases use), JSON that is not shaped
  like a result, a line longer than ``MAX_ANSWER_BYTES``, or a line nobody asked
  for (written before a case was sent).

After a hang, a crash, an over-long line or an unasked line, the whole process
group is killed (``process.Child``) and the next case gets a fresh process.
Standard error is free-form log.

The only error raised is ``InputError``, for a command that cannot start: one that
cannot be executed at all, or one that exits before reading any input twice in a
row from fresh starts with the same status (``python nosuch.py``, ``true``). Such
an exit says nothing about the case (it was never read), so the harness retries
once on a fresh process before it decides; an executor that reads its case and
then exits is a ``crash`` however often it does so.
"""

from __future__ import annotations

import os
import shlex
import time

from txparity.executors.codec import canonical_json, encode_case, parse_json
from txparity.executors.errors import InvalidCase
from txparity.executors.model import Case
from txparity.harness.errors import InputError
from txparity.harness.specs import DEFAULT_TIMEOUT_S, EXTERNAL_PREFIX
from txparity.harness.targets.process import (
    Child,
    Exited,
    Line,
    Outcome,
    OutputClosed,
    TimedOut,
    TooLong,
    exit_text,
)
from txparity.harness.targets.protocol import Answer, AnswerKind
from txparity.harness.targets.result_shape import shape_problem

__all__ = [
    "DEFAULT_TIMEOUT_S",
    "EXTERNAL_PREFIX",
    "MAX_ANSWER_BYTES",
    "ExternalTarget",
    "answer_from_line",
]

# One answer line, at most. Far above any result a case of the generators leads to
# (kilobytes) and above a hand-made block of ten thousand transactions (a few MB),
# yet small enough that an endless line costs the harness little.
MAX_ANSWER_BYTES = 64 * 2**20
CLOSE_GRACE_S = 2.0  # after the end of its input, how long an executor may take to exit
QUOTE_CHARS = 200  # of a line quoted in a report
ERROR_CHARS = 1000  # of an executor's own error text kept in a report


class ExternalTarget:
    """``cmd:<command line>``: one long-lived process, restarted after it breaks."""

    seeded = False

    def __init__(
        self, spec: str, timeout_s: float, max_answer_bytes: int = MAX_ANSWER_BYTES
    ) -> None:
        self.spec = spec
        self.family = spec
        self.command = spec.removeprefix(EXTERNAL_PREFIX).strip()
        try:
            self._argv = shlex.split(self.command)
        except ValueError as error:
            raise InputError(f"cannot parse external command {self.command!r}: {error}") from None
        if not self._argv:
            raise InputError("empty external command after 'cmd:'")
        if not timeout_s > 0:  # also refuses NaN
            raise InputError(f"the timeout must be a positive number of seconds, not {timeout_s}")
        self.timeout_s = timeout_s
        self.max_answer_bytes = max_answer_bytes
        self.restarts = 0
        # The status of the last fresh process that exited before reading any input,
        # while no process since has read or answered anything.
        self._unstarted: int | None = None
        self._lifeline: tuple[int, ...] = os.pipe()  # its writer, ours alone, ends with us
        self._child: Child | None = self._start()

    # ------------------------------------------------------------ answering

    def answer(self, case: Case) -> Answer:
        request = canonical_json(encode_case(case)).encode("utf-8") + b"\n"
        for attempt in (1, 2):
            child = self._running_child()
            unasked = child.unasked(self.max_answer_bytes)
            if unasked is not None:
                self._stop()  # restart to get back in step with the protocol
                where = "after the last answer" if child.lines else "before the first case"
                return _protocol(f"an extra line {where}", unasked)
            outcome = self._exchange(child, request)
            if isinstance(outcome, Line):
                self._unstarted = None
                return answer_from_line(outcome.text)
            unread = isinstance(outcome, Exited) and _read_nothing(child)
            self._stop()
            self._count_exit(child, unread)
            if not (unread and child.lines == 0 and attempt == 1):
                return self._classify(child, outcome, unread)
            # A fresh process exited before reading the case: the case is not to
            # blame, and a second fresh start tells a flaky start from a broken one.
        raise AssertionError("unreachable: the second attempt always answers")

    def _exchange(self, child: Child, request: bytes) -> Outcome:
        try:
            return child.exchange(request, time.monotonic() + self.timeout_s, self.max_answer_bytes)
        except BaseException:  # interrupted: whatever was under way is out of step
            self._stop()
            raise

    def _classify(self, child: Child, outcome: Outcome, unread: bool) -> Answer:
        match outcome:
            case TooLong(prefix):
                what = f"an answer line longer than {self.max_answer_bytes} bytes"
                return _protocol(what, prefix)
            case TimedOut(taken, size):
                detail = f"no answer within {self.timeout_s:g} s"
                if taken < size:
                    detail += f" (the executor read {taken} of the case's {size} bytes)"
                return Answer(AnswerKind.HANG, detail=detail)
            case OutputClosed():
                detail = "the executor closed its standard output and was still running"
                detail += f" {self.timeout_s:g} s after the case was sent"
                return Answer(AnswerKind.CRASH, detail=_with_log(detail, child))
            case Exited(fragment):
                detail = exit_text(child.status)
                if unread:
                    detail += " without reading the case"
                elif fragment:
                    detail += f" in the middle of an answer line {_quote(fragment)}"
                return Answer(AnswerKind.CRASH, detail=_with_log(detail, child))
            case Line():
                raise AssertionError("a line is an answer, not a failure")

    # ------------------------------------------------------------ the process

    def _start(self) -> Child:
        try:
            return Child(self._argv, self._lifeline[0])
        except OSError as error:
            reason = error.strerror or str(error)
            raise InputError(f"cannot start external executor {self.command!r}: {reason}") from None

    def _running_child(self) -> Child:
        child = self._child
        if child is not None and not child.exited():
            return child
        if child is not None:  # exited between cases
            child.stop()
            self._count_exit(child, child.written == 0)
        self.restarts += 1
        self._child = self._start()
        return self._child

    def _count_exit(self, child: Child, unread: bool) -> None:
        """Note how a stopped process ended; raise if the command cannot start.

        It cannot when two fresh processes in a row exit before reading any input,
        with the same status: every further start would do the same.
        """
        if not (unread and child.lines == 0):
            self._unstarted = None
            return
        if self._unstarted is None or self._unstarted != child.status:
            self._unstarted = child.status
            return
        last = child.log.last_line() or "(nothing on standard error)"
        how = exit_text(child.status).removeprefix("the executor ")
        raise InputError(
            f"external executor {self.command!r} cannot start: it {how} before reading"
            f" any input, twice in a row: {last}"
        )

    def _stop(self) -> None:
        child, self._child = self._child, None
        if child is not None:
            child.stop()

    def close(self) -> None:
        """End the process: the end of its input and ``CLOSE_GRACE_S`` to exit on its
        own, or, if it was never asked anything, at once (it has nothing to finish,
        and may still be starting: a command checked and closed, as ``txparity
        fuzz`` checks its executors, would otherwise wait out its whole start-up)."""
        child, self._child = self._child, None
        if child is not None and child.written == 0:
            child.stop()
        elif child is not None:
            child.finish(CLOSE_GRACE_S)
        lifeline, self._lifeline = self._lifeline, ()
        for fd in lifeline:
            os.close(fd)


def _read_nothing(child: Child) -> bool:
    """Whether the process took none of the bytes written to it (all still unread)."""
    return child.written == 0 or child.unread_input() == child.written


def _with_log(detail: str, child: Child) -> str:
    log = child.log.tail()
    return f"{detail}; stderr: {log}" if log else detail


# ---------------------------------------------------------------- one line


def answer_from_line(line: bytes) -> Answer:
    """Classify one answer line an external executor wrote (SPEC 8), without its newline."""
    try:
        value = parse_json(line)
    except InvalidCase as error:  # not UTF-8, not JSON, NaN, nested too deep
        return _protocol(error.message, line)
    problem = shape_problem(value)
    if problem is not None:
        return _protocol(f"not a result ({problem})", line)
    if isinstance(value, dict) and set(value) == {"error"}:
        return Answer(AnswerKind.ERROR, detail=_cut(str(value["error"]), ERROR_CHARS))
    # Whitespace and key order are not part of an answer; everything else is.
    return Answer.of_result(canonical_json(value))


def _protocol(what: str, line: bytes) -> Answer:
    return Answer(AnswerKind.PROTOCOL, detail=f"{what}: {_quote(line)}")


def _quote(line: bytes) -> str:
    # Decode no more than the quote can show: the line may be megabytes long.
    shown = QUOTE_CHARS * 4  # bytes enough for QUOTE_CHARS characters of UTF-8
    text = line[:shown].decode("utf-8", errors="replace").rstrip("\r\n")
    quoted = _cut(text, QUOTE_CHARS)
    if len(line) > shown and quoted is text:
        quoted += "..."
    return repr(quoted)


def _cut(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[:limit] + "..."
