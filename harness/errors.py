"""Exceptions of the harness package.

Everything a user can cause (a file, an option, an executor, a profile that cannot
be used) raises a ``HarnessError``; the command line turns one into a single error
line and exit status 2. Any other exception is a bug of the harness.
"""

from __future__ import annotations

__all__ = [
    "CorpusError",
    "HarnessError",
    "InputError",
    "KnobsError",
    "ProfileFormatMismatch",
    "ReferenceFailure",
    "UnknownFormat",
    "UnknownProfile",
]


class HarnessError(Exception):
    """Root of every error raised by the harness package."""


class InputError(HarnessError):
    """A file, argument or executor that the user named cannot be used."""


class CorpusError(HarnessError):
    """A corpus file that cannot be read as a counterexample, or be written."""


class UnknownProfile(InputError):
    """A case profile name that ``PROFILES`` does not know."""


class UnknownFormat(InputError):
    """A case format name that ``CaseFormat`` does not know."""


class ProfileFormatMismatch(InputError):
    """A profile asked for cases of a version it never draws (``v2`` in format 1)."""


class KnobsError(HarnessError):
    """A ``Knobs`` value that cannot shape cases (a bad range, weight or percentage)."""


class ReferenceFailure(HarnessError):
    """The reference executor gave no result for a case: nothing can be compared, and
    no target is to blame. The message carries the reference's answer."""
