"""What the harness prints and hashes: canonical JSON, the case and result documents,
field paths, and the digests that name cases and divergences.

Other things depend on these byte for byte: results agree when their canonical JSON
is equal (SPEC 7), a corpus file is named by its case's digest and a corpus
directory by a fingerprint, and hang messages name a case by a shorter digest. A
change here renames saved counterexamples: ``tests/test_pinned_digests.py`` pins
examples of each, and ``executors/codec.py`` re-exports the encoders beside the
decoder.

Field paths name a field the way a user would write it: fields are joined with dots,
list items indexed, and map keys (addresses, assets, storage slots, entry ids) are
JSON strings in brackets, since an address may contain dots::

    block.txs[3].outputs[0].amount        state.accounts["a.0"].balances["TOS"]

Whether an object's keys are field names or data depends only on the field that
holds it (an account may well be called ``nonce``): ``MAP_FIELDS`` lists the fields,
in case and result documents alike, whose value is keyed by data. A fingerprint's
signature is a path with every index and key replaced by ``*``.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from json.encoder import encode_basestring_ascii
from typing import Any

from txparity.executors.model import (
    Block,
    Burn,
    Case,
    Deploy,
    Genesis,
    Invoke,
    MalformedCode,
    Receipt,
    Transaction,
    Transfer,
    Version,
)

__all__ = [
    "CASE_FORMAT",
    "CASE_FORMATS",
    "CASE_HASH_LENGTH",
    "CASE_ID_LENGTH",
    "FINGERPRINT_LENGTH",
    "MAP_FIELDS",
    "RESULT_FORMAT",
    "RESULT_FORMATS",
    "canonical_json",
    "case_digest",
    "encode_case",
    "encode_result",
    "encode_transaction",
    "fingerprint",
    "flatten_state",
    "key_path",
    "map_path",
    "readable_json",
    "star_keys",
]

CASE_FORMATS: Mapping[Version, str] = {
    version: f"txparity.case/{version.value}" for version in Version
}
RESULT_FORMATS: Mapping[Version, str] = {
    version: f"txparity.result/{version.value}" for version in Version
}
CASE_FORMAT = CASE_FORMATS[Version.V1]  # the format of sections 1 to 9
RESULT_FORMAT = RESULT_FORMATS[Version.V1]

CASE_ID_LENGTH = 12  # hex digits naming a case in messages
CASE_HASH_LENGTH = 16  # hex digits naming a case's corpus file
FINGERPRINT_LENGTH = 16  # hex digits naming a divergence's corpus directory


# ---------------------------------------------------------------- canonical JSON


# One encoder, made once: ``json.dumps`` with arguments makes a new one per call. It
# does not look for reference cycles: what it encodes is decoded JSON or built by the
# encoders below, which cannot hold one (a cycle would still be refused, as a
# ``RecursionError``), and the look-up per container would double its time.
_CANONICAL = json.JSONEncoder(
    sort_keys=True, separators=(",", ":"), ensure_ascii=False, check_circular=False
)


def canonical_json(value: object) -> str:
    """SPEC 7's byte form: keys sorted by code point, no insignificant whitespace,
    text as UTF-8 rather than escaped."""
    return _CANONICAL.encode(value)


def readable_json(value: object) -> str:
    """JSON for people, in details and reports: keys sorted, with spaces. Not canonical."""
    return json.dumps(value, sort_keys=True)


def encode_result(
    state: Mapping[str, object], receipts: list[Receipt], version: Version = Version.V1
) -> str:
    """The canonical result line, in the case's ``version``, for a canonical state
    dump of that version and the block's receipts (SPEC 7, 10.5)."""
    receipts_json = [receipt.to_json(version) for receipt in receipts]
    return canonical_json(
        {"format": RESULT_FORMATS[version], "state": state, "receipts": receipts_json}
    )


def encode_case(case: Case) -> dict[str, object]:
    """The case as a JSON value; ``decode_case(canonical_json(...))`` gives it back.

    A version 1 case shows no version 2 field. A version 2 case shows every contract's
    ``nonce`` and the block's ``fee_payment``, and ``gas_limit`` and a deploy's
    ``salt`` where they are given (they have no value meaning "none").
    """
    config = case.config
    return {
        "format": CASE_FORMATS[case.version],
        "genesis": _genesis_json(case.genesis, case.version),
        "block": _block_json(case.block, case.version),
        "config": {
            "network": config.network.value,
            "threads": config.threads,
            "schedule_seed": config.schedule_seed,
        },
    }


def _genesis_json(genesis: Genesis, version: Version) -> dict[str, object]:
    accounts = {
        address: {"nonce": account.nonce, "balances": dict(account.balances)}
        for address, account in genesis.accounts.items()
    }
    contracts: dict[str, object] = {}
    for address, contract in genesis.contracts.items():
        body: dict[str, object] = {
            "code": contract.code.to_json(),
            "balances": dict(contract.balances),
            "storage": {str(slot): value for slot, value in contract.storage.items()},
        }
        if version >= Version.V2:
            body["nonce"] = contract.nonce
        contracts[address] = body
    return {"accounts": accounts, "contracts": contracts}


def _block_json(block: Block, version: Version) -> dict[str, object]:
    body: dict[str, object] = {
        "miner": block.miner,
        "reward": block.reward,
        "txs": [encode_transaction(tx) for tx in block.txs],
    }
    if version >= Version.V2:
        body["fee_payment"] = block.fee_payment.value
        if block.gas_limit is not None:
            body["gas_limit"] = block.gas_limit
    return body


def encode_transaction(tx: Transaction) -> dict[str, object]:
    """One transaction as a JSON value (SPEC 4, 10.2)."""
    head: dict[str, object] = {"source": tx.source, "nonce": tx.nonce, "fee": tx.fee}
    match tx:
        case Transfer(outputs=outputs):
            body: dict[str, object] = {
                "kind": "transfer",
                "outputs": [
                    {"dest": o.dest, "asset": o.asset, "amount": o.amount} for o in outputs
                ],
            }
        case Burn(asset=asset, amount=amount):
            body = {"kind": "burn", "asset": asset, "amount": amount}
        case Deploy(code=code, salt=salt):
            raw = json.loads(code.raw_json) if isinstance(code, MalformedCode) else code.to_json()
            body = {"kind": "deploy", "code": raw}
            if salt is not None:
                body["salt"] = salt
        case Invoke():
            body = {
                "kind": "invoke",
                "contract": tx.contract,
                "entry": tx.entry,
                "args": list(tx.args),
                "deposits": dict(tx.deposits),
                "max_gas": tx.max_gas,
            }
    return {**body, **head}


# ---------------------------------------------------------------- field paths

MAP_FIELDS = frozenset(
    {"accounts", "contracts", "balances", "storage", "code", "deposits", "burned"}
)
"""Fields whose value is an object keyed by data: addresses (``accounts``,
``contracts``), assets (``balances``, ``deposits``, ``burned``), storage slots
(``storage``) and entry ids (``code``), in case and result documents alike."""


def key_path(path: str, field: str) -> str:
    """The path of ``field`` of the object at ``path`` (the root's path is "")."""
    return f"{path}.{field}" if path else field


def map_path(path: str, key: str) -> str:
    """The path of the item under data key ``key`` of the map at ``path``: the key as
    a JSON string (``json.dumps`` of a string is this function)."""
    return f"{path}[{encode_basestring_ascii(key)}]"


def flatten_state(state: Mapping[str, Any]) -> dict[str, object]:
    """A canonical state as ``path -> value``; an existing holder is ``path -> "exists"``.

    Code is one item, its JSON text: a divergence in code is one difference.
    """
    items: dict[str, object] = {}
    for holder in ("accounts", "contracts"):
        for address, body in state.get(holder, {}).items():
            base = map_path(key_path("state", holder), address)
            items[base] = "exists"
            items.update(_holder_items(base, body))
    for asset, amount in state.get("burned", {}).items():
        items[map_path("state.burned", asset)] = amount
    return items


def _holder_items(base: str, body: Mapping[str, Any]) -> dict[str, object]:
    items: dict[str, object] = {}
    for name, value in body.items():
        if name == "code":
            items[key_path(base, name)] = readable_json(value)
        elif isinstance(value, dict):
            for key, item in value.items():
                items[map_path(key_path(base, name), key)] = item
        else:
            items[key_path(base, name)] = value
    return items


def star_keys(path: str) -> str:
    """Replace every bracketed index or map key with ``*``: a fingerprint's signature."""
    out, depth = [], 0
    for char in path:
        if char == "[":
            depth += 1
            if depth == 1:
                out.append("[*]")
        elif char == "]":
            depth -= 1
        elif depth == 0:
            out.append(char)
    return "".join(out)


# ---------------------------------------------------------------- digests


def _digest(text: str, length: int) -> str:
    import hashlib  # here: loading OpenSSL costs ``txparity run`` a few ms, and it names no case

    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:length]


def case_digest(case: Case, length: int) -> str:
    """The first ``length`` hex digits of SHA-256 of the case's canonical JSON:
    ``CASE_ID_LENGTH`` in messages, ``CASE_HASH_LENGTH`` for corpus file names."""
    return _digest(canonical_json(encode_case(case)), length)


def fingerprint(kind: str, family: str, signature: str) -> str:
    """A divergence's stable name: the digest of its kind, the diverging executor's
    family and the signature of its first differing path."""
    return _digest(f"{kind}|{family}|{signature}", FINGERPRINT_LENGTH)
