"""Exceptions of the harness package."""

from __future__ import annotations

__all__ = ["HarnessError", "InputError"]


class HarnessError(Exception):
    """Root of every error raised by the harness package."""


class InputError(HarnessError):
    """A file, argument or executor that the user named cannot be used."""
