#!/usr/bin/env python3
"""The correct result, on one line but not canonical: spaces, keys in reverse order."""

import json

from _serve import serve


def reverse_keys(value: object) -> object:
    if isinstance(value, dict):
        return {key: reverse_keys(value[key]) for key in sorted(value, reverse=True)}
    if isinstance(value, list):
        return [reverse_keys(item) for item in value]
    return value


def loosely(line: bytes, result: str) -> list[str]:
    return [json.dumps(reverse_keys(json.loads(result)), separators=(", ", ": "))]


if __name__ == "__main__":
    serve(loosely)
