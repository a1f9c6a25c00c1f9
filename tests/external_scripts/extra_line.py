#!/usr/bin/env python3
"""The correct result, written twice for every case: one line too many."""

from _serve import serve


def twice(line: bytes, result: str) -> list[str]:
    return [result, result]


if __name__ == "__main__":
    serve(twice)
