"""The commands of ``txparity``, one module each, imported only when that command
runs: ``txparity run``, restarted by every ``cmd:`` executor built on it, never
loads Hypothesis, deepdiff, the campaign or the executors it does not run.

``harness.cli`` parses the command line and calls the command's ``command``
function with the parsed arguments; it returns the exit status. This module holds
what every command shares: the exit statuses, and the one line of an error.
"""

from __future__ import annotations

import sys

__all__ = [
    "EXIT_BROKEN_PIPE",
    "EXIT_DIVERGENCE",
    "EXIT_INCOMPLETE",
    "EXIT_INTERRUPTED",
    "EXIT_OK",
    "EXIT_USAGE",
    "fail",
    "ignore_interrupts",
]

EXIT_OK = 0
EXIT_DIVERGENCE = 1
EXIT_USAGE = 2
EXIT_INCOMPLETE = 3  # replay: nothing diverged, but some file was not replayed
EXIT_INTERRUPTED = 130  # the shell's code for SIGINT: the campaign did not run to its end
EXIT_BROKEN_PIPE = 141  # the shell's code for SIGPIPE: the reader of standard output left


def fail(message: str) -> int:
    """One line on standard error, and the exit status of bad input."""
    print(f"txparity: error: {message}", file=sys.stderr)
    return EXIT_USAGE


def ignore_interrupts() -> None:
    """From now on a Ctrl-C does nothing (in the main thread, where it lands)."""
    import signal  # here: only an interrupted command needs them
    import threading

    if threading.current_thread() is threading.main_thread():
        signal.signal(signal.SIGINT, signal.SIG_IGN)
