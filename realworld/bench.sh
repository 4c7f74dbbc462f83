#!/usr/bin/env bash
# Static versus dynamic linking on the real-world programs (make
# realworld-bench). Builds the suite if needed (build.sh), runs
# BenchmarkPrograms (RUNS timed runs per program and mode, default 5; each
# wasm run a whole wasmdl process with a warm compilation cache) and prints
# one table of CPU time (user+system, milliseconds per run): native, the
# static wasm build, the dynamically linked program merged into one module
# and with separate instances, and the ratios to the static build. A mode
# whose output differs from the native run is shown as "differs".
# BENCH=zlib (a -bench pattern below BenchmarkPrograms) picks programs.
set -euo pipefail
export LC_ALL=C
cd "$(dirname "${BASH_SOURCE[0]}")/.."
RUNS=${RUNS:-5}
BENCH=${BENCH:-.}

bash realworld/build.sh
log=$(mktemp)
trap 'rm -f "$log"' EXIT
echo "== go test ./realworld -bench (${RUNS} runs per program and mode)"
WASMDL_REALWORLD=1 go test ./realworld -run '^$' -bench "BenchmarkPrograms/$BENCH" -benchtime "${RUNS}x" -count 1 -timeout 60m -v |
  grep --line-buffered -v -e '^=== RUN' | tee "$log"

echo
echo "CPU time per run (user+system, ms); ratios to the static wasm build"
awk '
  function key(name) {
    sub(/^BenchmarkPrograms\//, "", name)
    sub(/-[0-9]+$/, "", name)
    n = split(name, part, "/")
    mode = part[n]
    prog = substr(name, 1, length(name) - length(mode) - 1)
    if (!(prog in seen)) { seen[prog] = 1; order[++count] = prog }
    return prog SUBSEP mode
  }
  /^BenchmarkPrograms\/.*cpu-ms\/op/ {
    for (i = 2; i <= NF; i++) if ($i == "cpu-ms/op") v[key($1)] = sprintf("%.1f", $(i - 1))
  }
  $1 == "---" && $2 == "SKIP:" && $3 ~ /^BenchmarkPrograms\/.*\/(static|merged|separate)$/ { v[key($3)] = "differs" }
  function ratio(a, b) { return (a ~ /^[0-9.]+$/ && b ~ /^[0-9.]+$/ && b > 0) ? sprintf("%.2f", a / b) : "-" }
  END {
    fmt = "%-20s %9s %9s %9s %9s %14s %16s\n"
    printf fmt, "program", "native", "static", "merged", "separate", "merged/static", "separate/static"
    for (i = 1; i <= count; i++) {
      p = order[i]
      na = v[p, "native"]; st = v[p, "static"]; me = v[p, "merged"]; se = v[p, "separate"]
      if (na == "" && st == "") continue
      printf fmt, p, na, st, me == "" ? "-" : me, se == "" ? "-" : se, ratio(me, st), ratio(se, st)
    }
  }' "$log"
