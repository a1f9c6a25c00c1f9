#!/usr/bin/env python3
"""A wrong external executor: pays the miner one TOS too many, in canonical JSON."""

import json

from _serve import serve

from txparity.executors.codec import canonical_json


def overpay_miner(line: bytes, result: str) -> list[str]:
    miner = json.loads(line)["block"]["miner"]
    document = json.loads(result)
    balances = document["state"]["accounts"][miner]["balances"]
    balances["TOS"] = balances.get("TOS", 0) + 1
    return [canonical_json(document)]


if __name__ == "__main__":
    serve(overpay_miner)
