"""The values the generator breaks a rule with on purpose, each derived from the
limit it breaks (``executors.limits``), so that a changed limit can never silently
turn a deliberately invalid case valid. ``tests/test_strategies.py`` checks each one
against the executors' own validation.

Version 2 (SPEC 10.4) adds two ways for ``CLONE`` to fail with ``create_failed``:
a creator whose nonce is at the last u64, and a creator whose name leaves no room
for ``.<nonce>``.
"""

from __future__ import annotations

from txparity.executors.limits import (
    MAX_ADDRESS_LENGTH,
    MAX_ARG_INDEX,
    MAX_ARGS,
    MAX_CALL_ARGS,
    MAX_GAS_LIMIT,
    MAX_OUTPUTS,
    MAX_PROGRAM_LENGTH,
    U64_LIMIT,
)

__all__ = [
    "BAD_ARG_INDEX",
    "BAD_ENTRY_IDS",
    "BAD_ITEMS",
    "GAS_OVER_LIMIT",
    "JUMP_OUTSIDE",
    "LAST_CONTRACT_NONCE",
    "LONG_ACCOUNT",
    "LONG_CONTRACT",
    "TOO_LONG_PROGRAM",
    "TOO_MANY_ARGS",
    "TOO_MANY_CALL_ARGS",
    "TOO_MANY_OUTPUTS",
]

# SPEC 5.1: transactions that are ``malformed``.
TOO_MANY_OUTPUTS = MAX_OUTPUTS + 1  # outputs of a transfer
TOO_MANY_ARGS = MAX_ARGS + 1  # arguments of an invoke
GAS_OVER_LIMIT = MAX_GAS_LIMIT + 1  # the least ``max_gas`` over the limit; a drawn budget is added
# A valid account name, one character short of the longest address: every deploy
# address "<name>.<nonce>" it would get is too long.
LONG_ACCOUNT = "z" * (MAX_ADDRESS_LENGTH - 1)

# SPEC 10.4: ``CLONE`` fails with ``create_failed``. A contract at the last nonce
# cannot count one more clone; a contract named one character short of the longest
# address would create "<name>.<nonce>", at least two characters too long.
LAST_CONTRACT_NONCE = U64_LIMIT - 1
LONG_CONTRACT = "y" * (MAX_ADDRESS_LENGTH - 1)

# SPEC 6: code that is not well-formed.
TOO_LONG_PROGRAM = MAX_PROGRAM_LENGTH + 1  # instructions
BAD_ARG_INDEX = MAX_ARG_INDEX + 1  # ``ARG i`` past the last argument an invoke can have
TOO_MANY_CALL_ARGS = MAX_CALL_ARGS + 1  # values ``CALL c e n`` passes
# A jump target past the end of every program (at most MAX_PROGRAM_LENGTH long); the
# number itself is kept because drawn cases carry it.
JUMP_OUTSIDE = 999

# Items that break an otherwise well-formed program, and bad entry ids.
BAD_ITEMS: tuple[object, ...] = (
    ["PUSH"], ["PUSH", 1, 2], ["PUSH", -1], ["PUSH", U64_LIMIT], ["PUSH", "1"],
    ["PUSH", True], ["ARG", BAD_ARG_INDEX], ["JUMP", JUMP_OUTSIDE], ["JUMPI", -1], ["NOPE"],
    [], ["STOP", 0], ["CALL", "c0", 0], ["CALL", "Bad!", 0, 0],
    ["CALL", "c0", 0, TOO_MANY_CALL_ARGS], 1, "PUSH", None,
)  # fmt: skip
BAD_ENTRY_IDS = ("01", "-1", "x", str(U64_LIMIT), "", " 1")
