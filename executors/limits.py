"""Every limit and value grammar of SPEC sections 1, 3, 5.1 and 6, named once.

Whatever checks a limit (the decoder, the rules, the VM, the code grammar) and
whatever deliberately breaks one (the generators' invalid values, written as
``MAX_OUTPUTS + 1``, never ``17``) reads it from here, so that a changed limit can
never leave a stale copy behind.
"""

from __future__ import annotations

import re

__all__ = [
    "ADDRESS_PATTERN",
    "ADDRESS_TEXT",
    "ASSET_PATTERN",
    "ASSET_TEXT",
    "CANONICAL_DECIMAL_PATTERN",
    "MAX_ADDRESS_LENGTH",
    "MAX_ARGS",
    "MAX_ARG_INDEX",
    "MAX_ASSET_LENGTH",
    "MAX_CALL_ARGS",
    "MAX_FRAMES",
    "MAX_GAS_LIMIT",
    "MAX_JSON_DEPTH",
    "MAX_OUTPUTS",
    "MAX_PROGRAM_LENGTH",
    "MAX_STACK",
    "U64_BITS",
    "U64_LIMIT",
    "U64_LIMIT_TEXT",
]

# SPEC 1: values. Each grammar's pattern and the words messages use for it sit
# side by side, built from the same limit.
U64_BITS = 64
U64_LIMIT: int = 2**U64_BITS  # every integer is below this
U64_LIMIT_TEXT = f"2**{U64_BITS}"  # how messages write that bound
MAX_ADDRESS_LENGTH = 64
ADDRESS_PATTERN = re.compile(rf"[a-z0-9_.]{{1,{MAX_ADDRESS_LENGTH}}}")
ADDRESS_TEXT = f"an address (1-{MAX_ADDRESS_LENGTH} of a-z 0-9 _ .)"
MAX_ASSET_LENGTH = 8
ASSET_PATTERN = re.compile(rf"[A-Z][A-Z0-9]{{0,{MAX_ASSET_LENGTH - 1}}}")
ASSET_TEXT = f"an asset (1-{MAX_ASSET_LENGTH} of A-Z 0-9, a letter first)"

# How deep JSON may nest before the decoder refuses it. A case is at most eight
# levels deep (a deploy's code object, with its instructions), but whatever reads a
# decoded value walks it recursively (the repeated-key check, the encoders, the
# shrinker), so a document nested a thousand deep would exhaust the interpreter's
# stack in one of them instead of being refused with its reason.
MAX_JSON_DEPTH = 200

# SPEC 3 and 6: storage keys and entry ids are canonical decimals (no sign, no
# leading zeros) below ``U64_LIMIT``.
CANONICAL_DECIMAL_PATTERN = re.compile(r"0|[1-9][0-9]*")

# SPEC 5.1: the rules of form (``malformed``).
MAX_OUTPUTS = 16  # outputs of one transfer (and at least one)
MAX_ARGS = 8  # arguments of one invoke
MAX_GAS_LIMIT = 1_000_000  # the largest ``max_gas``

# SPEC 6: contract code and the VM.
MAX_PROGRAM_LENGTH = 256  # instructions of one program
MAX_ARG_INDEX = MAX_ARGS - 1  # ``ARG i`` reads one of the invoke's arguments
MAX_CALL_ARGS = 8  # values ``CALL c e n`` may pass
MAX_STACK = 64  # items on one frame's stack
MAX_FRAMES = 4  # the entry's frame and three nested calls
