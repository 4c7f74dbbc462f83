#!/usr/bin/env bash
# Whole-process start-up comparison of the benchmarks (make bench). For each N it
# builds the N-library program (go run ./bench/gen; skipped when up to date)
# and times with hyperfine, as whole processes:
#
#   cold    wasmdl run --cache-dir EMPTY   (the cache is emptied before each run)
#   warm    wasmdl run --cache-dir WARM    (after warm-up runs)
#   floor   bench/floor --cache-dir WARM   (Go start + cached compile + instantiate, no linking)
#   static  wasmdl run --cache-dir WARM static.wasm   (the same C as one plain module)
#   em      node main.js                   (Emscripten MAIN_MODULE=2 + side modules; if built)
#
# then prints one table (bench/report) and writes bench/build/startup.svg
# (and .png when rsvg-convert is installed).
#
# Environment: SIZES (default "10 30 100 300 1000"), RUNS (hyperfine runs per
# command, default 10), WARMUP (default 3), EM=no to skip Emscripten, FORKS
# (iterations of the in-process fork/dlopen/dlsym benchmarks, default 300),
# REALWORLD=no to skip the real-world programs (run only when built), RW_RUNS
# (their runs, default 3).
set -euo pipefail
export LC_ALL=C
cd "$(dirname "${BASH_SOURCE[0]}")/.."
ROOT=$PWD
B=$ROOT/bench/build
SIZES=${SIZES:-"10 30 100 300 1000"}
RUNS=${RUNS:-10}
WARMUP=${WARMUP:-3}
EM=${EM:-auto}
export NODE_PATH=${NODE_PATH:-/usr/share/nodejs}

if ! command -v hyperfine >/dev/null; then
  echo "== installing hyperfine (Debian package)"
  SUDO=
  [[ $(id -u) == 0 ]] || SUDO=sudo
  $SUDO apt-get install -y hyperfine || { $SUDO apt-get update && $SUDO apt-get install -y hyperfine; }
fi

mkdir -p "$B/bin" "$B/results" "$B/cache"
echo "== go build"
go build -o "$B/bin/wasmdl" ./cmd/wasmdl
go build -o "$B/bin/floor" ./bench/floor
go build -o "$B/bin/gen" ./bench/gen
go build -o "$B/bin/report" ./bench/report

for n in $SIZES; do
  echo "== build N=$n"
  "$B/bin/gen" -n "$n" -out "$B/$n" -em "$EM"
done

WASMDL=$B/bin/wasmdl
for n in $SIZES; do
  d=$B/$n
  warm=$B/cache/$n-warm
  cold=$B/cache/$n-cold
  rm -rf "$warm" "$cold"
  rm -f "$B/results/"*"-$n.csv"
  echo "== N=$n: checking outputs"
  want=$(cat "$d/expected.stdout")
  got=$("$WASMDL" run -L "$d/dyn" "$d/dyn/main.wasm")
  [[ $got == "$want" ]] || { echo "wasmdl printed '$got', want '$want'" >&2; exit 1; }
  got=$("$WASMDL" run "$d/static/static.wasm")
  [[ $got == "$want" ]] || { echo "static printed '$got', want '$want'" >&2; exit 1; }
  "$B/bin/floor" -cache-dir "$warm" -L "$d/dyn" "$d/dyn/main.wasm"
  have_em=no
  if [[ -f $d/em/main.js ]] && command -v node >/dev/null; then
    got=$(cd "$d/em" && node --no-experimental-fetch main.js)
    [[ $got == "$want" ]] || { echo "emscripten printed '$got', want '$want'" >&2; exit 1; }
    have_em=yes
  fi

  echo "== N=$n: hyperfine"
  hf=(hyperfine -N --style basic --runs "$RUNS")
  "${hf[@]}" --prepare "rm -rf $cold" --export-csv "$B/results/cold-$n.csv" \
    -n "wasmdl cold N=$n" "$WASMDL run --cache-dir $cold -L $d/dyn $d/dyn/main.wasm"
  "${hf[@]}" --warmup "$WARMUP" --export-csv "$B/results/warm-$n.csv" \
    -n "wasmdl warm N=$n" "$WASMDL run --cache-dir $warm -L $d/dyn $d/dyn/main.wasm"
  "${hf[@]}" --warmup "$WARMUP" --export-csv "$B/results/floor-$n.csv" \
    -n "floor N=$n" "$B/bin/floor -cache-dir $warm -L $d/dyn $d/dyn/main.wasm"
  "${hf[@]}" --warmup "$WARMUP" --export-csv "$B/results/static-$n.csv" \
    -n "static N=$n" "$WASMDL run --cache-dir $warm $d/static/static.wasm"
  if [[ $have_em == yes ]]; then
    # Emscripten's loader reads side modules relative to the working folder.
    (cd "$d/em" && "${hf[@]}" --warmup "$WARMUP" --export-csv "$B/results/em-$n.csv" \
      -n "emscripten N=$n" "node --no-experimental-fetch main.js")
  fi
done

echo
echo "== results (machine: $(nproc) cores, load average $(cut -d' ' -f1-3 /proc/loadavg))"
"$B/bin/report" -dir "$B/results" -svg "$B/startup.svg"

# In-process figures of a loaded program: fork, dlopen+dlclose, dlsym
# (go test -bench, one run each; bench/README.md has the targets).
echo
echo "== in process (go test -bench; N=100 program for Fork, N=${SIZES%% *} for dlopen/dlsym)"
go test ./bench -run '^$' -bench '^Benchmark(Fork|Dlopen|Dlsym)$' -benchtime "${FORKS:-300}x" |
  awk '/^Benchmark/ { printf "%-32s %s\n", $1, substr($0, index($0, $3)) }'
# Real-world programs, static against dynamic (CPU time), when their build
# is there already (make realworld builds it: Debian sources, ~15 min);
# REALWORLD=no skips them, RW_RUNS sets the runs (default 3).
rw=${WASMDL_REALWORLD_CACHE:-$HOME/.cache/wasmdl-realworld}/out
if [[ ${REALWORLD:-auto} != no && -d $rw ]]; then
  echo
  echo "== real-world programs (make realworld-bench; RW_RUNS=${RW_RUNS:-3} runs each)"
  RUNS=${RW_RUNS:-3} BENCH='[^/]*/(example|minigzip|zbig|tables|strings|module|memory|disk|xmltest|xmlwork)$' \
    bash realworld/bench.sh | sed -n '/^CPU time per run/,$p'
else
  echo "(real-world programs, static against dynamic: make realworld, then make realworld-bench)"
fi
if command -v rsvg-convert >/dev/null; then
  rsvg-convert -b white -o "$B/startup.png" "$B/startup.svg"
  echo "plot: $B/startup.png"
else
  echo "plot: $B/startup.svg (install librsvg2-bin for a PNG)"
fi
