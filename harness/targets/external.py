"""External executors: a command speaking SPEC section 8, started once and kept.

The harness writes one compact case per line to the command's standard input and
reads one answer per line from its standard output, in order. What can go wrong
is classified, never raised:

- ``{"error": ...}``: the executor could not run the case (``error``);
- no answer within the per-case limit: ``hang`` — the process is killed, and a new
  one is started for the next case;
- the process exits (or closes its output): ``crash`` — restarted likewise;
- anything else on standard output: ``protocol``, with the offending line quoted.

Standard error is free-form log; its last lines are kept for the report of a crash.
The only error raised is ``InputError``, when the command cannot be started at all.
"""

from __future__ import annotations

import collections
import json
import queue
import shlex
import subprocess
import threading
import time
from collections.abc import Callable
from typing import IO

from txparity.executors.codec import RESULT_FORMAT, canonical_json, encode_case
from txparity.executors.model import Case
from txparity.harness.errors import InputError
from txparity.harness.targets.protocol import Answer, AnswerKind

__all__ = ["DEFAULT_TIMEOUT_S", "EXTERNAL_PREFIX", "ExternalTarget", "answer_from_line"]

EXTERNAL_PREFIX = "cmd:"
DEFAULT_TIMEOUT_S = 10.0

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
            return answer_from_line(leftover, unasked=True)
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
        return answer_from_line(reply)

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


def answer_from_line(line: bytes, unasked: bool = False) -> Answer:
    """Classify one line an external executor wrote (SPEC 8)."""
    quoted = _quote(line)
    if unasked:
        return Answer(AnswerKind.PROTOCOL, detail=f"an extra line after the last answer: {quoted}")
    try:
        value = json.loads(line)
    except (ValueError, UnicodeDecodeError):
        return Answer(AnswerKind.PROTOCOL, detail=f"not JSON: {quoted}")
    if isinstance(value, dict) and set(value) == {"error"}:
        return Answer(AnswerKind.ERROR, detail=str(value["error"]))
    if not (isinstance(value, dict) and value.get("format") == RESULT_FORMAT):
        return Answer(AnswerKind.PROTOCOL, detail=f"not a result or an error: {quoted}")
    if set(value) != {"format", "state", "receipts"}:
        return Answer(
            AnswerKind.PROTOCOL, detail=f"a result needs exactly format, state, receipts: {quoted}"
        )
    # Whitespace and key order are not part of an answer; everything else is.
    return Answer.of_result(canonical_json(value))


def _quote(line: bytes, limit: int = 200) -> str:
    text = line.decode("utf-8", errors="replace").rstrip("\n")
    return repr(text if len(text) <= limit else text[:limit] + "...")


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
