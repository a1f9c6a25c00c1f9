"""An external executor's process: a group of its own, and pipes that never block.

An external executor is untrusted: it may never read its input, close its output
and keep running, leave children behind that hold its pipes, write an endless
line, or be a wrapper (``sh -c ...``, a script without ``exec``) around the
process that does any of that. ``Child`` runs one such command so that none of it
can make the harness wait past a deadline, grow without bound, or outlive it::

                 exchange(request, deadline)
        start ──> running ────────────────────────> Line | TooLong | Exited
                    │                                  | OutputClosed | TimedOut
                    │ stop()  (any time; also after every outcome but Line)
                    v
                  gone: the whole group SIGKILLed, the leader reaped, pipes closed

Invariants:

- The command leads a new process group (``process_group=0``). Whatever it starts
  stays in that group unless it leaves on purpose (``setsid``), so one ``killpg``
  ends a wrapper together with the process it wraps and every grandchild.
- ``stop`` sends SIGKILL to the group at once, with no SIGTERM grace: it is only
  called on a process that has already exited, hung past its limit, or broken the
  protocol, and an executor that ignores SIGTERM would otherwise cost a second
  limit. The one polite ending is ``finish``: end of input, then a grace period to
  exit on its own, then ``stop``.
- The leader is reaped only after its group was killed: until then its zombie
  keeps the group id reserved, so ``killpg`` can never reach a group that reused
  the number. Exit is observed with ``waitid(WNOWAIT)``, which does not reap.
- The harness's ends of the pipes are non-blocking and only touched by the thread
  that calls ``exchange``, ``finish`` or ``stop``; every wait is a ``select``
  bounded by the deadline and by ``_TICK_S`` (to look at the leader's exit, which
  a pipe cannot show while a grandchild holds it open). So no timeout is ever
  handed to the OS as one large number: any limit, even infinity, works.
- Memory: at most ``max_line`` bytes of standard output (one answer line) plus one
  read, and ``_LOG_LINES`` lines of standard error cut to ``_LOG_LINE_BYTES``.
- A watcher (``sh``, in the group) blocks reading a pipe whose only writer is the
  harness. If the harness dies, even by SIGKILL, the read ends and the watcher
  kills the group. (``PR_SET_PDEATHSIG`` would only reach the leader, not its
  children, and it fires when the thread that started the child exits.) A command
  that leaves the group on purpose, or a harness forked without ``exec`` after the
  target started (the fork inherits the writer), escapes this net.
"""

from __future__ import annotations

import array
import collections
import contextlib
import fcntl
import os
import selectors
import signal
import subprocess
import termios
import time
from dataclasses import dataclass

__all__ = [
    "Child",
    "Exited",
    "Line",
    "Outcome",
    "OutputClosed",
    "TimedOut",
    "TooLong",
    "exit_text",
]

_TICK_S = 0.05  # how often a wait looks at whether the leader exited
_READ_BYTES = 1 << 16  # one read from a pipe
_REAP_S = 10.0  # how long to wait for a SIGKILLed leader to be reapable
_LOG_LINES = 20  # lines of standard error kept for the report of a crash
_LOG_LINE_BYTES = 1000  # of each, at most; the rest of a longer line is dropped
_QUOTE_BYTES = 1000  # of a line reported as broken: enough to quote it
_DRAIN_BYTES = 1 << 20  # read from standard error at most, when not waiting
_WATCHER = ("/bin/sh", "-c", "read -r _; kill -s KILL 0")


# ---------------------------------------------------------------- outcomes


@dataclass(frozen=True, slots=True)
class Line:
    """One whole line of standard output, without its newline."""

    text: bytes


@dataclass(frozen=True, slots=True)
class TooLong:
    """A line longer than the limit; ``prefix`` is its start, enough to quote."""

    prefix: bytes


@dataclass(frozen=True, slots=True)
class Exited:
    """The leader exited without a whole line; ``fragment`` is a line it left unfinished."""

    fragment: bytes


@dataclass(frozen=True, slots=True)
class OutputClosed:
    """Standard output ended, but the leader was still running at the deadline."""


@dataclass(frozen=True, slots=True)
class TimedOut:
    """No line by the deadline; ``taken`` bytes of the request of ``size`` were read."""

    taken: int
    size: int


Outcome = Line | TooLong | Exited | OutputClosed | TimedOut


def exit_text(status: int | None) -> str:
    """How a leader's exit status reads in a report."""
    if status is None:
        return "the executor exited"
    if status >= 0:
        return f"the executor exited (status {status})"
    try:
        name = signal.Signals(-status).name
    except ValueError:
        name = "an unknown signal"
    return f"the executor was killed by {name} (signal {-status})"


# ---------------------------------------------------------------- the child


class Child:
    """One started command; raises ``OSError`` if it cannot be started at all."""

    def __init__(self, argv: list[str], lifeline: int) -> None:
        stdin, self._stdin = os.pipe()
        self._stdout, stdout = os.pipe()
        self._stderr, stderr = os.pipe()
        self._owned = {self._stdin, self._stdout, self._stderr}  # not closed yet
        try:
            self.process = subprocess.Popen(
                argv, stdin=stdin, stdout=stdout, stderr=stderr, process_group=0
            )
        except BaseException:
            self._close(*self._owned)
            raise
        finally:
            for fd in (stdin, stdout, stderr):
                os.close(fd)
        for fd in self._owned:
            os.set_blocking(fd, False)
        self.pid = self.process.pid  # also the group's id
        self._watcher = _start_watcher(self.pid, lifeline)
        self._out = bytearray()  # standard output not yet taken as a line
        self._scanned = 0  # bytes of ``_out`` known to hold no newline
        self._open = {self._stdout, self._stderr}  # read ends not yet at end of file
        self._input_open = True
        self.log = StderrLog()
        self.written = 0  # bytes of input written, over the process's life
        self.lines = 0  # lines taken, over the process's life
        self.status: int | None = None  # the leader's exit status, once stopped
        self.stopped = False

    # ------------------------------------------------------------ exchanging

    def exchange(self, request: bytes, deadline: float, max_line: int) -> Outcome:
        """Write ``request`` and wait for one line, all before ``deadline``.

        Reading, writing and draining standard error go on together, so an executor
        that answers (or logs) before it has read all of a large case cannot
        deadlock with the harness.
        """
        started_with = self.written
        pending = memoryview(request)
        with selectors.DefaultSelector() as selector:
            for fd in self._open:
                selector.register(fd, selectors.EVENT_READ)
            if pending and self._input_open:
                selector.register(self._stdin, selectors.EVENT_WRITE)
            while True:
                outcome = self._settled(max_line)
                if outcome is not None:
                    return outcome
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    return self._late(self.written - started_with, len(request))
                for key, _ in selector.select(min(remaining, _TICK_S)):
                    if key.fd == self._stdin:
                        pending = self._write(pending, selector)
                    else:
                        self._read(key.fd, selector)

    def unasked(self, max_line: int) -> bytes | None:
        """Output written since the last line was taken, when none was asked for."""
        self._drain(max_line)
        if not self._out:
            return None
        end = self._out.find(b"\n")
        return bytes(self._out[: min(end, _QUOTE_BYTES) if end >= 0 else _QUOTE_BYTES])

    def _settled(self, max_line: int) -> Outcome | None:
        """The exchange's outcome if there is one yet, looking at the output first."""
        line = self._take_line(max_line)
        if line is not None:
            return line
        if self._stdout in self._open:
            if not self.exited():
                return None
            # The leader exited: everything it wrote is in the pipe already.
            self._drain(max_line)
            line = self._take_line(max_line)
            return line if line is not None else Exited(bytes(self._out[:_QUOTE_BYTES]))
        # Standard output ended. An unfinished last line is not an answer; wait for
        # the exit, so that a crash is reported with its status.
        return Exited(bytes(self._out[:_QUOTE_BYTES])) if self.exited() else None

    def _late(self, sent: int, size: int) -> Outcome:
        if self._stdout not in self._open:
            return OutputClosed()
        unread = self.unread_input()
        taken = sent if unread is None else sent - min(unread, sent)
        return TimedOut(taken, size)

    def _take_line(self, max_line: int) -> Line | TooLong | None:
        end = self._out.find(b"\n", self._scanned)
        if end < 0:
            self._scanned = len(self._out)
            if len(self._out) > max_line:
                return self._too_long()
            return None
        if end > max_line:
            return self._too_long()
        text = bytes(self._out[:end])
        del self._out[: end + 1]
        self._scanned = 0
        self.lines += 1
        return Line(text)

    def _too_long(self) -> TooLong:
        prefix = bytes(self._out[:_QUOTE_BYTES])
        self._out.clear()
        self._scanned = 0
        return TooLong(prefix)

    # ------------------------------------------------------------ the pipes

    def _write(self, pending: memoryview, selector: selectors.BaseSelector) -> memoryview:
        try:
            written = os.write(self._stdin, pending)
        except BlockingIOError:
            return pending
        except OSError:  # EPIPE: nobody reads any more; the exit or silence will tell
            self._input_open = False
            selector.unregister(self._stdin)
            return pending[len(pending) :]
        self.written += written
        pending = pending[written:]
        if not pending:
            selector.unregister(self._stdin)
        return pending

    def _read(self, fd: int, selector: selectors.BaseSelector | None) -> bool:
        """One read from ``fd``; False when nothing more is there for now."""
        try:
            chunk = os.read(fd, _READ_BYTES)
        except BlockingIOError:
            return False
        if not chunk:
            self._open.discard(fd)
            if selector is not None:
                selector.unregister(fd)
            return False
        if fd == self._stdout:
            self._out += chunk
        else:
            self.log.feed(chunk)
        return True

    def _drain(self, max_line: int) -> None:
        """Read what is in the pipes now, without waiting, up to a line's limit."""
        while self._stdout in self._open and len(self._out) <= max_line:
            if not self._read(self._stdout, None):
                break
        self._drain_log()

    def _drain_log(self) -> None:
        budget = _DRAIN_BYTES
        while self._stderr in self._open and budget > 0 and self._read(self._stderr, None):
            budget -= _READ_BYTES

    def unread_input(self) -> int | None:
        """Bytes written to the executor's input that it has not read (None: unknown)."""
        if self._stdin not in self._owned:
            return None
        count = array.array("i", [0])
        try:
            fcntl.ioctl(self._stdin, termios.FIONREAD, count)
        except OSError:
            return None
        return count[0]

    # ------------------------------------------------------------ the process

    def exited(self) -> bool:
        """Whether the leader has exited, without reaping it."""
        if self.process.returncode is not None:
            return True
        if not hasattr(os, "waitid"):
            return self.process.poll() is not None
        try:
            info = os.waitid(os.P_PID, self.pid, os.WEXITED | os.WNOHANG | os.WNOWAIT)
        except ChildProcessError:
            return True
        return info is not None

    def finish(self, grace_s: float) -> None:
        """End of input, ``grace_s`` seconds to exit on its own, then ``stop``."""
        if not self.stopped:
            self._close(self._stdin)
            self._input_open = False
            deadline = time.monotonic() + grace_s
            while not self.exited() and time.monotonic() < deadline:
                self._wait_for_output(min(deadline - time.monotonic(), _TICK_S))
                self._out.clear()  # nobody asked; keep nothing
                self._scanned = 0
        self.stop()

    def _wait_for_output(self, timeout: float) -> None:
        with selectors.DefaultSelector() as selector:
            for fd in self._open:
                selector.register(fd, selectors.EVENT_READ)
            for key, _ in selector.select(max(timeout, 0)):
                self._read(key.fd, selector)

    def stop(self) -> int | None:
        """SIGKILL the whole group, reap the leader and the watcher, close the pipes.

        Returns the leader's exit status (None if it could not be reaped). Safe to
        call more than once.
        """
        if not self.stopped:
            self.stopped = True
            self._drain_log()  # the last words on standard error, if already written
            _kill_group(self.pid)
            self.status = _reap(self.process)
            if self._watcher is not None:
                _reap(self._watcher)
            self._close(*self._owned)
            self._open.clear()
        return self.status

    def _close(self, *fds: int) -> None:
        """Close each of our ends once: a number closed twice may be someone else's by then."""
        for fd in fds:
            if fd in self._owned:
                self._owned.discard(fd)
                os.close(fd)


class StderrLog:
    """The last lines an executor wrote on standard error, each cut to a length."""

    def __init__(self) -> None:
        self._lines: collections.deque[str] = collections.deque(maxlen=_LOG_LINES)
        self._partial = bytearray()
        self._cut = False

    def feed(self, chunk: bytes) -> None:
        *complete, rest = chunk.split(b"\n")
        for piece in complete:
            self._add(piece)
            self._lines.append(self._text())
            self._partial.clear()
            self._cut = False
        self._add(rest)

    def _add(self, piece: bytes) -> None:
        room = _LOG_LINE_BYTES - len(self._partial)
        self._partial += piece[: max(room, 0)]
        self._cut = self._cut or len(piece) > room

    def _text(self) -> str:
        text = self._partial.decode("utf-8", errors="replace").rstrip()
        return text + "..." if self._cut else text

    def tail(self) -> str:
        """The kept lines, the last one perhaps unfinished, joined by newlines."""
        lines = [*self._lines, self._text()] if self._partial else list(self._lines)
        return "\n".join(lines).strip()

    def last_line(self) -> str:
        """The last line that is not blank, or ''."""
        return next((line for line in reversed(self.tail().splitlines()) if line.strip()), "")


# ---------------------------------------------------------------- helpers


def _start_watcher(group: int, lifeline: int) -> subprocess.Popen[bytes] | None:
    """The process in ``group`` that kills the group when ``lifeline`` ends.

    None if it cannot join (the leader left its session, or no ``sh``): the
    executor then runs without that net, exactly as it would have before.
    """
    try:
        return subprocess.Popen(
            _WATCHER,
            stdin=lifeline,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            process_group=group,
        )
    except (OSError, subprocess.SubprocessError):
        return None


def _kill_group(group: int) -> None:
    # ProcessLookupError: nothing left; PermissionError: only zombies, on some systems.
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(group, signal.SIGKILL)


def _reap(process: subprocess.Popen[bytes]) -> int | None:
    try:
        return process.wait(timeout=_REAP_S)
    except subprocess.TimeoutExpired:  # stuck in the kernel; its zombie is reaped later
        return None
