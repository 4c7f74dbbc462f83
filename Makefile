# wasmdl build helpers.
#   make fixtures        rebuild every binary fixture under testdata/ (testdata/build.sh)
#   make fixtures-check  rebuild, then fail if anything under testdata/ differs from git
#                        or is untracked (CI)
#   make realworld       build zlib, Lua and SQLite from Debian's sources (outside the
#                        repository) and compare their runs under wasmdl with native ones
#   make realworld-bench CPU time of those programs: static wasm versus dynamically linked
# Needs clang-19, lld-19 (wasm-ld-19), wasi-libc, wabt, emscripten, gcc, python3.

SHELL := /bin/bash

.PHONY: help fixtures fixtures-check

help:
	@echo "targets:"
	@echo "  fixtures         rebuild every binary fixture under testdata/"
	@echo "  fixtures-check   rebuild the fixtures and fail if they differ from git (CI)"
	@echo "  bench            start-up benchmark of N-library programs (bench/README.md)"
	@echo "  realworld        zlib, Lua and SQLite under wasmdl versus native (realworld/README.md)"
	@echo "  realworld-bench  static versus dynamically linked CPU time of those programs"

fixtures:
	bash testdata/build.sh
	bash testdata/dl/build.sh
	bash internal/check/testdata/build.sh

fixtures-check: fixtures
	git diff --exit-code -- testdata internal/check/testdata
	@untracked="$$(git ls-files --others --exclude-standard -- testdata internal/check/testdata)"; \
	if [ -n "$$untracked" ]; then \
		echo "untracked files under testdata/ (commit them or fix build.sh):"; \
		echo "$$untracked"; \
		exit 1; \
	fi

# Performance (issue 6): builds the N-library benchmark programs and prints the
# whole-process start-up table (bench/run.sh; see bench/README.md).
.PHONY: bench
bench:
	bash bench/run.sh

# Real-world suite (realworld/README.md): sources, objects and programs are
# kept in $${WASMDL_REALWORLD_CACHE:-$$HOME/.cache/wasmdl-realworld}, so a
# second run only relinks what changed, then runs the comparison tests.
.PHONY: realworld realworld-bench
realworld:
	bash realworld/build.sh
	go test ./realworld -count=1 -timeout 30m

realworld-bench:
	bash realworld/bench.sh
