"""External executors: a command speaking SPEC section 8, started once and kept.

The harness writes one compact case per line to the command's standard input and
reads one answer per line from its standard output, in order. What can go wrong
is classified, never raised:

- ``{"error": ...}``: the executor could not run the case (``error``);
- no answer within the per-case limit: ``hang`` — the process is killed, and a new
  one is started for the next case;
- the process exits (or closes its output): ``crash`` — restarted likewise;
- anything else on standard output: ``protocol``, quoting (the start of) the line:
  text that is not strict JSON (the reader cases use), JSON that is not shaped like
  a result (``result_shape``), or a line nobody asked for.

Standard error is free-form log; its last lines are kept for the report of a crash.
The only error raised is ``InputError``, when the command cannot be started at all.
"""

from __future__ import annotations

import collections
import queue
import shlex
import subprocess
import threading
import time
from collections.abc import Callable
from typing import IO

from txparity.executors.codec import canonical_json, encode_case, parse_json
from txparity.executors.errors import InvalidCase
from txparity.executors.model import Case
from txparity.harness.errors import InputError
from txparity.harness.targets.protocol import Answer, AnswerKind
from txparity.harness.targets.result_shape import shape_problem

__all__ = ["DEFAULT_TIMEOUT_S", "EXTERNAL_PREFIX", "ExternalTarget", "answer_from_line"]

EXTERNAL_PREFIX = "cmd:"
DEFAULT_TIMEOUT_S = 10.0
QUOTE_CHARS = 200  # of a line quoted in a report
ERROR_CHARS = 1000  # of an executor's own error text kept in a report

_EOF = b""
_LOG_LINES = 20


class ExternalTarget:
    """``cmd:<command line>``: one long-lived process, restarted after a hang or crash."""

    seeded = False

    def __init__(self, spec: str, timeout_s: float) -> None:
        self.spec = spec
        self.family = spec
        self.command = spec.removeprefix(EXTERNAL_PREFIX).strip()
        try:
            self._argv = shlex.split(self.command)
        except ValueError as error:
            raise InputError(f"cannot parse external command {self.command!r}: {error}") from None
        if not self._argv:
            raise InputError("empty external command after 'cmd:'")
        self.timeout_s = timeout_s
        self.restarts = 0
        self._process: subprocess.Popen[bytes] | None = None
        self._lines: queue.Queue[bytes] = queue.Queue()
        self._log: collections.deque[str] = collections.deque(maxlen=_LOG_LINES)
        self._log_pump: threading.Thread | None = None
        self._start()

    # ------------------------------------------------------------ the process

    def _start(self) -> None:
        try:
            # Buffered, so that a line already in the pipe reaches the queue at once
            # after the one before it (an extra answer line is caught in time).
            process = subprocess.Popen(
                self._argv, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE
            )
        except OSError as error:
            reason = error.strerror or str(error)
            raise InputError(f"cannot start external executor {self.command!r}: {reason}") from None
        self._process = process
        self._lines = queue.Queue()
        log: collections.deque[str] = collections.deque(maxlen=_LOG_LINES)
        self._log = log  # each process its own: a crash reports only its own stderr
        assert process.stdout is not None and process.stderr is not None
        _pump(process.stdout, self._lines.put)
        self._log_pump = _pump(
            process.stderr, lambda line: log.append(line.decode(errors="replace"))
        )

    def _stop(self) -> None:
        process, self._process = self._process, None
        if process is None:
            return
        if process.poll() is None:
            process.kill()
        process.wait()
        for stream in (process.stdin, process.stdout, process.stderr):
            if stream is not None:
                stream.close()

    def _restart_if_needed(self) -> subprocess.Popen[bytes]:
        if self._process is None or self._process.poll() is not None:
            self._stop()
            self.restarts += 1
            self._start()
        assert self._process is not None
        return self._process

    # ------------------------------------------------------------ answering

    def answer(self, case: Case) -> Answer:
        process = self._restart_if_needed()
        leftover = self._unasked_line()
        if leftover is not None:
            self._stop()  # restart to get back in step with the protocol
            return _protocol("an extra line after the last answer", leftover.rstrip(b"\n"))
        line = canonical_json(encode_case(case)).encode("utf-8") + b"\n"
        try:
            assert process.stdin is not None
            process.stdin.write(line)
            process.stdin.flush()
        except (BrokenPipeError, OSError):
            return self._crashed()
        try:
            reply = self._lines.get(timeout=self.timeout_s)
        except queue.Empty:
            self._stop()
            return Answer(AnswerKind.HANG, detail=f"no answer within {self.timeout_s:g} s")
        if reply == _EOF:
            return self._crashed()
        return answer_from_line(reply.rstrip(b"\n"))

    def _unasked_line(self) -> bytes | None:
        """A line written before this case was sent: the previous answer had two."""
        time.sleep(0)  # let the reader thread queue what is already in the pipe
        try:
            line = self._lines.get_nowait()
        except queue.Empty:
            return None
        if line == _EOF:
            self._lines.put(_EOF)  # leave the end for answer() to report as a crash
            return None
        return line

    def _crashed(self) -> Answer:
        process = self._process
        code = None if process is None else process.wait()
        if self._log_pump is not None:
            self._log_pump.join(timeout=1.0)  # the last words on stderr come after the exit
        self._stop()
        log = "".join(self._log).strip()
        detail = f"the executor exited (status {code})"
        return Answer(AnswerKind.CRASH, detail=f"{detail}; stderr: {log}" if log else detail)

    def close(self) -> None:
        process = self._process
        if process is not None and process.stdin is not None and process.poll() is None:
            try:
                process.stdin.close()
                process.wait(timeout=2)
            except (OSError, subprocess.TimeoutExpired):
                pass
        self._stop()


def _pump(stream: IO[bytes], sink: Callable[[bytes], object]) -> threading.Thread:
    """Copy lines from ``stream`` into ``sink`` on a daemon thread, then ``_EOF``."""

    def copy() -> None:
        try:
            for line in iter(stream.readline, b""):
                sink(line)
        except (OSError, ValueError):  # the stream was closed under us: the process is gone
            pass
        sink(_EOF)

    thread = threading.Thread(target=copy, daemon=True, name="txparity-external")
    thread.start()
    return thread


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
