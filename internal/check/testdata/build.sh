#!/bin/sh
# Rebuilds the .wasm fixtures of internal/check from their .wat sources
# (wabt's wat2wasm; --debug-names keeps the name section, which the checker
# reads for __stack_pointer and function names). The seed fixtures the
# tests also use live in ../../../testdata/seed and have their own script.
set -eu
cd "$(dirname "$0")"
for f in *.wat; do
  wat2wasm --enable-threads --debug-names -o "${f%.wat}.wasm" "$f"
done
