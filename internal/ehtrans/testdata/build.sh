#!/bin/bash
# Rebuilds the binary test inputs of internal/ehtrans from their sources and
# records, in expected.json, what Node (which runs legacy exception handling
# natively) returns for each exported function and input.
# Needs wabt (wat2wasm), clang-19, wasm-ld-19 and node (20).
set -euo pipefail
cd "$(dirname "$0")"

for f in eh/*.wat sjlj/env.wat; do
	wat2wasm --enable-exceptions "$f" -o "${f%.wat}.wasm"
done

# Recipe (ii) of TOOLCHAIN.md with clang's setjmp/longjmp lowering. Linked
# without -O (clang would run wasm-opt).
clang-19 --target=wasm32-wasi -mexception-handling -mllvm -wasm-enable-sjlj \
	-fPIC -fvisibility=default -O2 -c sjlj/sjlj.c -o sjlj/sjlj.o
clang-19 --target=wasm32-wasi -nostdlib -shared -Wl,--experimental-pic -Wl,--no-entry \
	-Wl,--export=__wasm_call_ctors -Wl,--unresolved-symbols=import-dynamic \
	-o sjlj/libsjlj.so sjlj/sjlj.o
rm sjlj/sjlj.o

node expect.mjs eh/*.wasm sjlj/libsjlj.so >expected.json
