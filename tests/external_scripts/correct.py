#!/usr/bin/env python3
"""A correct external executor: the reference's result for every case."""

from _serve import correct, serve

if __name__ == "__main__":
    serve(correct)
