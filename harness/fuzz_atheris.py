"""Coverage-guided fuzzing with atheris, driving the same Hypothesis case strategy.

    python -m txparity.harness.fuzz_atheris [--executor SPEC]... [--profile NAME]
        [--corpus DIR] [--shrink-seconds N] [libFuzzer flags, e.g. -max_total_time=60]

atheris (libFuzzer) mutates byte strings; each one is handed to the differential
property through Hypothesis's ``fuzz_one_input``, which turns the bytes into a case
with the project's strategy. Coverage guidance comes from the executors' code,
which is instrumented on import. A divergence is saved and shrunk into the corpus
like any other, then raised: libFuzzer stops on it and keeps the crashing input,
and Hypothesis records the failing example in its database, so a later pytest run
of the same property replays and shrinks it too. Linux only (atheris ships wheels
for Linux x86-64).
"""

from __future__ import annotations

import argparse
import random
import sys
from pathlib import Path
from typing import Any, NoReturn

__all__ = ["PADDED_BYTES", "main"]

PADDED_BYTES = 8192


def _arguments(argv: list[str]) -> tuple[argparse.Namespace, list[str]]:
    parser = argparse.ArgumentParser(
        prog="python -m txparity.harness.fuzz_atheris", description=__doc__
    )
    parser.add_argument("--executor", action="append", default=None, metavar="SPEC")
    parser.add_argument("--profile", default="mixed")
    parser.add_argument("--corpus", type=Path, default=Path("corpus"))
    parser.add_argument("--shrink-seconds", type=float, default=30.0, metavar="SECONDS")
    return parser.parse_known_args(argv)


def main(argv: list[str] | None = None) -> None:
    arguments, fuzzer_flags = _arguments(sys.argv[1:] if argv is None else argv)
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
    fuzz_one_input = _checked_property(arguments).hypothesis.fuzz_one_input

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


def _checked_property(arguments: argparse.Namespace) -> Any:
    """The property, or one error line and exit 2 for a bad profile, executor or corpus.

    Imported only now, after the executors were instrumented."""
    from txparity.executors.errors import ExecutorError
    from txparity.harness.corpus import check_writable
    from txparity.harness.errors import HarnessError
    from txparity.harness.strategies import PROFILES

    if arguments.profile not in PROFILES:
        _fail(f"unknown profile {arguments.profile!r} (known: {', '.join(PROFILES)})")
    try:
        check_writable(arguments.corpus)
        return _property(arguments)
    except (ExecutorError, HarnessError) as error:
        _fail(str(error))


def _property(arguments: argparse.Namespace) -> Any:
    """The differential property as a Hypothesis test (imported after instrumenting)."""
    from hypothesis import HealthCheck, given, settings

    from txparity.executors.model import Case
    from txparity.harness.corpus import replay_command, save_and_shrink
    from txparity.harness.differential import Runner, default_specs
    from txparity.harness.strategies import cases

    runner = Runner(arguments.executor or default_specs(), seeds=1)

    @settings(deadline=None, suppress_health_check=list(HealthCheck))
    @given(cases(arguments.profile))
    def executors_agree(case: Case) -> None:
        divergences = runner.check(case).divergences
        if divergences:
            first = divergences[0]
            kept = save_and_shrink(first, runner, arguments.corpus, arguments.shrink_seconds)
            raise AssertionError(
                f"{first.executor} diverges ({first.kind}); "
                f"saved {kept.path}; replay: {replay_command(kept.path)}"
            )

    return executors_agree


if __name__ == "__main__":
    main()
