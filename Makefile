# wasmdl build helpers. `make help` lists the targets.
# Fixtures need clang-19, lld-19 (wasm-ld-19), wasi-libc, wabt, emscripten, gcc, python3, node.

SHELL := /bin/bash

.PHONY: help fixtures fixtures-check stress

help:
	@echo "make help            list these targets"
	@echo "make fixtures        rebuild every binary fixture under testdata/ from its sources"
	@echo "make fixtures-check  rebuild, then fail if anything under testdata/ differs from git (CI)"
	@echo "make stress          the memory-ownership stress, longer and with more seeds, and the"
	@echo "                     consequence tests of forks, slots and embedding hosts (CI)"
	@echo "make bench           the start-up benchmark table and plot (bench/README.md)"
	@echo "make realworld       zlib, Lua, SQLite and tinyxml2 from Debian's sources under wasmdl"
	@echo "                     versus native"
	@echo "                     (builds cached outside the repository; realworld/README.md)"
	@echo "make realworld-bench CPU time of those programs: static wasm versus dynamically linked"
	@echo "make cpython         CPython 3.11 with its extension modules as wasm shared libraries, its"
	@echo "                     regression tests under wasmdl versus native (cpython/README.md)"
	@echo "make cpython-full    the same with the slow regression test modules too"
	@echo "make cpython-bench   CPython start-up and import times: static versus dynamically loaded"

fixtures:
	bash testdata/build.sh
	bash testdata/dl/build.sh
	bash testdata/mem/build.sh
	bash internal/check/testdata/build.sh
	bash internal/ehtrans/testdata/build.sh

fixtures-check: fixtures
	git diff --exit-code -- testdata internal/check/testdata internal/ehtrans/testdata
	@untracked="$$(git ls-files --others --exclude-standard -- testdata internal/check/testdata internal/ehtrans/testdata)"; \
	if [ -n "$$untracked" ]; then \
		echo "untracked files under testdata/ (commit them or fix build.sh):"; \
		echo "$$untracked"; \
		exit 1; \
	fi

# The stress of testdata/mem with more operations and seeds than the default
# test run: every byte of every heap block, grown page and library checked.
# It takes about 70 s on a busy 2-core machine (26-28 minutes while wasmdl
# run compiled guest code with wazero's context checks); the timeout only
# guards against a hang. Then every consequence test of forks, table slots
# and embedding hosts, including those the race detector makes too long for
# the default test command (longUnderRace): about a minute.
stress:
	go test ./cmd/wasmdl -run TestMemoryStress -count=1 -timeout 20m -stress.iterations 12000 -stress.seeds 3
	go test . -run 'Hazard' -count=1 -timeout 20m

# Builds the N-library benchmark programs and prints the whole-process
# start-up table (bench/run.sh; see bench/README.md).
.PHONY: bench
bench:
	bash bench/run.sh

# Real-world suite (realworld/README.md): sources, objects and programs are
# kept in $${WASMDL_REALWORLD_CACHE:-$$HOME/.cache/wasmdl-realworld}, so a
# second run only relinks what changed, then runs the comparison tests.
.PHONY: realworld realworld-bench
realworld:
	bash realworld/build.sh
	WASMDL_REALWORLD=1 go test ./realworld -count=1 -timeout 30m

realworld-bench:
	bash realworld/bench.sh

# CPython suite (cpython/README.md): Debian's python3.11 built natively, as
# python3.11.wasm with every extension module a wasm shared library, and
# with the modules built in; kept in
# $${WASMDL_CPYTHON_CACHE:-$$HOME/.cache/wasmdl-cpython}. Then CPython's own
# tests of those modules, under wasmdl versus native.
.PHONY: cpython cpython-full cpython-bench
cpython:
	bash cpython/build.sh
	WASMDL_CPYTHON=1 go test ./cpython -count=1 -timeout 60m

cpython-full:
	bash cpython/build.sh
	WASMDL_CPYTHON=full go test ./cpython -count=1 -timeout 90m

cpython-bench:
	bash cpython/bench.sh
