#!/usr/bin/env python3
"""A nondeterministic executor: the correct result, with the miner paid one TOS more
for every case this process answered before (0 on its first answer, 1 on its second...)."""

import json

from _serve import serve

from txparity.executors.codec import canonical_json

answered = [0]


def drift(line: bytes, result: str) -> list[str]:
    miner = json.loads(line)["block"]["miner"]
    document = json.loads(result)
    balances = document["state"]["accounts"][miner]["balances"]
    balances["TOS"] = balances.get("TOS", 0) + answered[0]
    answered[0] += 1
    return [canonical_json(document)]


if __name__ == "__main__":
    serve(drift)
