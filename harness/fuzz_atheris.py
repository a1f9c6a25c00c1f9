"""Coverage-guided fuzzing with atheris, driving the same Hypothesis case strategy.

    python -m txparity.harness.fuzz_atheris [--executor SPEC]... [--profile NAME]
        [--corpus DIR] [--shrink-seconds N] [--seeds N] [--equivalence E]
        [--timeout S] [--watchdog S] [libFuzzer flags, e.g. -max_total_time=60]

atheris (libFuzzer) mutates byte strings; each one is handed to the differential
property through Hypothesis's ``fuzz_one_input``, which turns the bytes into a case
with the project's strategy. Coverage guidance comes from the executors' code,
which is instrumented on import. A divergence is saved and shrunk into the corpus
like any other, then raised: libFuzzer stops on it and keeps the crashing input,
and Hypothesis records the failing example in its database, so a later pytest run
of the same property replays and shrinks it too. Linux only (atheris ships wheels
for Linux x86-64).

The options are ``txparity fuzz``'s, declared once in ``harness.options``, with its
defaults; libFuzzer's own flags (a single dash) pass through. The executors are
instrumented before anything of the harness is imported, since the harness's
modules import them.
"""

from __future__ import annotations

import random
import sys
from typing import TYPE_CHECKING, Any, NoReturn

if TYPE_CHECKING:
    from txparity.harness.options import Options

__all__ = ["PADDED_BYTES", "main"]

PADDED_BYTES = 8192


def main(argv: list[str] | None = None) -> None:
    try:
        import atheris
    except ImportError:
        _fail("atheris is not installed (pip install 'txparity[fuzz]')")
    with atheris.instrument_imports(include=["txparity.executors"]):
        import txparity.executors.batched
        import txparity.executors.blockstm
        import txparity.executors.rules
        import txparity.executors.sequential
        import txparity.executors.vm  # noqa: F401  (instrumented for coverage)
    options, fuzzer_flags = _options(sys.argv[1:] if argv is None else argv)
    fuzz_one_input = _checked_property(options).hypothesis.fuzz_one_input

    def one_input(data: bytes) -> None:
        # libFuzzer starts from short inputs, on which the strategy runs out of bytes
        # and Hypothesis never calls the property. Each input is completed with bytes
        # drawn from a generator seeded by the input itself: the case stays a pure
        # function of the input (replayable), and the part libFuzzer has not shaped
        # yet is an ordinary random case rather than the smallest one.
        filler = random.Random(data).randbytes(max(0, PADDED_BYTES - len(data)))
        fuzz_one_input(data + filler)

    atheris.Setup([sys.argv[0], *fuzzer_flags], one_input)
    atheris.Fuzz()


def _fail(message: str) -> NoReturn:
    print(f"txparity: error: {message}", file=sys.stderr)
    raise SystemExit(2)


def _options(argv: list[str]) -> tuple[Options, list[str]]:
    """The options given (one error line and exit 2 for a bad one), and the rest of
    the arguments, for libFuzzer."""
    from txparity.harness.errors import HarnessError
    from txparity.harness.options import (
        CORPUS,
        DIFFERENTIAL,
        PROFILE,
        SHRINK_SECONDS,
        Command,
        OptionParser,
        add_options,
        options_from,
    )

    parser = OptionParser(prog="python -m txparity.harness.fuzz_atheris", description=__doc__)
    shared = (*DIFFERENTIAL, PROFILE, CORPUS, SHRINK_SECONDS)
    add_options(parser, Command.FUZZ, shared)
    arguments, fuzzer_flags = parser.parse_known_args(argv)
    try:
        return options_from(arguments, Command.FUZZ), fuzzer_flags
    except HarnessError as error:
        _fail(str(error))


def _checked_property(options: Options) -> Any:
    """The property, or one error line and exit 2 for a bad executor or corpus."""
    from txparity.executors.errors import ExecutorError
    from txparity.harness.corpus import check_writable
    from txparity.harness.errors import HarnessError

    try:
        check_writable(options.corpus)
        return _property(options)
    except (ExecutorError, HarnessError) as error:
        _fail(str(error))


def _property(options: Options) -> Any:
    """The differential property as a Hypothesis test."""
    from hypothesis import HealthCheck, given, settings

    from txparity.executors.model import Case
    from txparity.harness.corpus import replay_command, save_and_shrink
    from txparity.harness.differential import Runner
    from txparity.harness.strategies import cases

    runner = Runner(options.executors, options)

    @settings(deadline=None, suppress_health_check=list(HealthCheck))
    @given(cases(options.profile))
    def executors_agree(case: Case) -> None:
        divergences = runner.check(case).divergences
        if divergences:
            first = divergences[0]
            kept = save_and_shrink(first, runner, options.corpus, options.shrink_seconds)
            raise AssertionError(
                f"{first.executor} diverges ({first.kind}); "
                f"saved {kept.path}; replay: {replay_command(kept.path)}"
            )

    return executors_agree


if __name__ == "__main__":
    main()
