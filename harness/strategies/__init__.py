"""Hypothesis strategies for whole cases: genesis, one block, and executor settings.

``cases(profile)`` generates ``executors.model.Case`` values that are always valid
(SPEC 3): they survive ``decode_case(canonical_json(encode_case(case)))`` unchanged.
Their transactions are not always valid: some are rejected or reverted on purpose,
so that every reason of SPEC 5.1 and 6 shows up.

How a case is made. Everything is first drawn as a *plan* of small integers
(``_plans.py``, drawn by ``_generate.py`` with the machinery of ``_draw.py`` and the
weighted tables of ``_tables.py``): pool sizes, then for each transaction a sender,
a nonce offset, a fee and a body whose addresses are indices into pools. A final
builder pass (``_build.py``) turns the plan into a case, running the reference
rules as it goes, so that nonces, fees and addresses are the ones the block really
needs. Contracts hold templates or free programs (``_templates.py``); what is
deliberately invalid is derived from the SPEC's limits (``_invalid.py``).

Shrinking. Because nonces, addresses and amounts are resolved from the plan,
deleting a transaction is one step that keeps the others as valid as they were;
merging two accounts is shrinking an index; amounts, fees, gas, pool sizes, threads
and the schedule seed shrink toward small values, and every weighted choice toward
its first, plainest option (a transfer, an existing receiver, the exact nonce,
devnet). Nothing is filtered or assumed.

Contention is a knob: a ``Knobs`` value fixes pool sizes, how often a transaction
touches the hot account or contract (index 0), block sizes around each network's
parallel threshold, network and kind weights, and how often the odd cases come up.
``PROFILES`` names six: ``mixed`` (the default), ``contended``, ``wide``,
``contracts``, ``nonces`` and ``payments`` (transfers and burns only);
``profile_knobs`` looks a name up.

The Hypothesis settings profiles (dev, ci, nightly) are not part of this package:
they live in ``txparity.harness.hypothesis_profiles``.
"""

from __future__ import annotations

from hypothesis import strategies as st

from txparity.executors.model import Case
from txparity.harness.strategies._generate import cases_of
from txparity.harness.strategies._knobs import DEFAULT_PROFILE, PROFILES, Knobs, profile_knobs

__all__ = ["DEFAULT_PROFILE", "PROFILES", "Knobs", "cases", "profile_knobs"]


def cases(profile: str | Knobs = DEFAULT_PROFILE) -> st.SearchStrategy[Case]:
    """Valid cases shaped by the named profile (a key of ``PROFILES``) or by ``Knobs``;
    an unknown name is ``UnknownProfile``."""
    return cases_of(profile_knobs(profile))
