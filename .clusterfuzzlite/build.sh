#!/bin/bash -eu
# ClusterFuzzLite's build, run in the builder image from $SRC/txparity: install
# txparity and its dependencies, then compile every fuzz target of this directory
# (*_fuzzer.py) into a standalone libFuzzer binary in $OUT.
pip3 install .
for fuzzer in "$SRC"/txparity/.clusterfuzzlite/*_fuzzer.py; do
  compile_python_fuzzer "$fuzzer"
done
