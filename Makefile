# wasmdl build helpers.
#   make fixtures        rebuild every binary fixture under testdata/ (testdata/build.sh)
#   make fixtures-check  rebuild, then fail if anything under testdata/ differs from git
#                        or is untracked (CI)
# Needs clang-19, lld-19 (wasm-ld-19), wasi-libc, wabt, emscripten, gcc, python3, node.

SHELL := /bin/bash

.PHONY: help fixtures fixtures-check

help:
	@echo "targets: fixtures fixtures-check"

fixtures:
	bash testdata/build.sh
	bash testdata/dl/build.sh
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

# Performance (issue 6): builds the N-library benchmark programs and prints the
# whole-process start-up table (bench/run.sh; see bench/README.md).
.PHONY: bench
bench:
	bash bench/run.sh
