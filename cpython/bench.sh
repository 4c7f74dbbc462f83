#!/usr/bin/env bash
# Start-up and import times of CPython under wasmdl (make cpython-bench).
# Builds the suite if needed (build.sh), then prints:
#
#   1. python -c pass, whole process, wall-clock and CPU time (median of
#      RUNS, default 10): native; the static build (every module built in,
#      one plain module); the dynamic build merged and --separate, each
#      with a warm --cache-dir; and the dynamic build with an empty
#      --cache-dir (cold: everything compiled) and with none at all;
#   2. the import of each extension module in a fresh process (median of
#      IMPORT_RUNS, default 3), timed inside Python around import_module:
#      dynamic with a warm cache, dynamic cold (only the interpreter is in
#      the cache, so dlopen compiles the module and its libraries), and the
#      static build, where the same module is built in.
#
# Figures move by 10-20% between runs on a shared machine.
set -euo pipefail
export LC_ALL=C
cd "$(dirname "${BASH_SOURCE[0]}")/.."
RUNS=${RUNS:-10}
IMPORT_RUNS=${IMPORT_RUNS:-3}
CACHE=${WASMDL_CPYTHON_CACHE:-$HOME/.cache/wasmdl-cpython}

bash cpython/build.sh >&2
W=$CACHE/bin/wasmdl
P=$CACHE/out/wasm/usr/local
S=$CACHE/out/static/python3.11.wasm
N=$CACHE/out/native/usr/local/bin/python3.11
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
mkdir -p "$tmp/work" "$tmp/warm"
cp cpython/bench_import.py "$tmp/work/"
mapfile -t MODS <"$CACHE/out/modules.txt"

# wasm KIND [FLAGS...] -- ARGS...: run an interpreter under wasmdl. KIND is
# dynamic or static.
wasm() {
  local kind=$1 flags=()
  shift
  while [[ $1 != -- ]]; do flags+=("$1"); shift; done
  shift
  if [[ $kind == static ]]; then
    "$W" run "${flags[@]}" --dir "$P/lib:/usr/local/lib" --dir "$tmp/work:/" "$S" "$@"
  else
    "$W" run "${flags[@]}" -L "$P/lib" --dir "$P/lib:/usr/local/lib" --dir "$tmp/work:/" \
      "$P/bin/python3.11.wasm" "$@"
  fi
}

# medians FILE: the medians of the two columns of FILE: "WALL CPU".
medians() {
  echo "$(cut -d' ' -f1 "$1" | median) $(cut -d' ' -f2 "$1" | median)"
}

# median: the median of the numbers on stdin, one a line.
median() {
  sort -n | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'
}

# timed N CMD...: the medians of N runs of CMD: "WALL_MS CPU_MS".
timed() {
  local n=$1 i TIMEFORMAT='%3R %3U %3S'
  shift
  for ((i = 0; i < n; i++)); do
    { time "$@" >/dev/null 2>&1; } 2>"$tmp/t"
    awk '{ printf "%.1f %.1f\n", $1 * 1000, ($2 + $3) * 1000 }' "$tmp/t"
  done >"$tmp/runs"
  medians "$tmp/runs"
}

# fresh_cache DIR: DIR emptied, then only the interpreter compiled into it.
fresh_cache() {
  rm -rf "$1"
  mkdir -p "$1"
  wasm dynamic --cache-dir "$1" -- -c pass
}

echo "== python -c pass (median of $RUNS runs; wall-clock and CPU ms)" >&2
wasm dynamic --cache-dir "$tmp/warm" -- -c pass
wasm dynamic --cache-dir "$tmp/warm" --separate -- -c pass
wasm static --cache-dir "$tmp/warm" -- -c pass
declare -A wall cpu
row() {
  local r
  r=$(timed "$2" "${@:3}")
  wall[$1]=${r% *}
  cpu[$1]=${r#* }
}
row native "$RUNS" "$N" -c pass
row static "$RUNS" wasm static --cache-dir "$tmp/warm" -- -c pass
row merged "$RUNS" wasm dynamic --cache-dir "$tmp/warm" -- -c pass
row separate "$RUNS" wasm dynamic --cache-dir "$tmp/warm" --separate -- -c pass
cold_runs=$(((RUNS + 2) / 3))
for ((i = 0; i < cold_runs; i++)); do
  rm -rf "$tmp/cold"
  /usr/bin/time -f '%e %U %S' -o "$tmp/t" "$W" run --cache-dir "$tmp/cold" -L "$P/lib" \
    --dir "$P/lib:/usr/local/lib" --dir "$tmp/work:/" "$P/bin/python3.11.wasm" -c pass
  awk '{ printf "%.1f %.1f\n", $1 * 1000, ($2 + $3) * 1000 }' "$tmp/t"
done >"$tmp/coldruns"
r=$(medians "$tmp/coldruns")
wall[cold]=${r% *}
cpu[cold]=${r#* }
row nocache "$cold_runs" wasm dynamic -- -c pass

printf '%-42s %10s %10s %12s\n' "python -c pass" "wall ms" "CPU ms" "wall/static"
for k in native static merged separate cold nocache; do
  case $k in
  native) label="native (gcc, glibc)" ;;
  static) label="static wasm, warm cache" ;;
  merged) label="dynamic, merged, warm cache" ;;
  separate) label="dynamic, --separate, warm cache" ;;
  cold) label="dynamic, empty --cache-dir (cold)" ;;
  nocache) label="dynamic, no --cache-dir" ;;
  esac
  printf '%-42s %10s %10s %12s\n' "$label" "${wall[$k]}" "${cpu[$k]}" \
    "$(awk -v a="${wall[$k]}" -v b="${wall[static]}" 'BEGIN { printf "%.2f", a / b }')"
done

echo >&2
echo "== import of each extension module (median of $IMPORT_RUNS fresh processes, ms inside Python)" >&2
fresh_cache "$tmp/mainonly"
declare -A imp_warm imp_cold imp_static
STATIC_BUILTIN=$(wasm static --cache-dir "$tmp/warm" -- -c 'import sys; print(*sys.builtin_module_names)')
# "warm": every module compiled into the cache once before
wasm dynamic --cache-dir "$tmp/warm" -- /bench_import.py "${MODS[@]}" >/dev/null
for m in "${MODS[@]}"; do
  for ((i = 0; i < IMPORT_RUNS; i++)); do
    wasm dynamic --cache-dir "$tmp/warm" -- /bench_import.py "$m" | awk '{ print $2 }' >>"$tmp/w.$m"
    # the static build leaves out the test modules CPython only builds shared
    if [[ " $STATIC_BUILTIN " == *" $m "* ]]; then
      wasm static --cache-dir "$tmp/warm" -- /bench_import.py "$m" | awk '{ print $2 }' >>"$tmp/s.$m"
    else
      echo - >>"$tmp/s.$m"
    fi
    rm -rf "$tmp/c"
    cp -r "$tmp/mainonly" "$tmp/c"
    wasm dynamic --cache-dir "$tmp/c" -- /bench_import.py "$m" | awk '{ print $2 }' >>"$tmp/c.$m"
  done
  imp_warm[$m]=$(median <"$tmp/w.$m")
  imp_cold[$m]=$(median <"$tmp/c.$m")
  imp_static[$m]=$(median <"$tmp/s.$m")
done
echo
printf '%-22s %10s %12s %14s\n' "import (ms)" "static" "dynamic warm" "dynamic cold"
for m in "${MODS[@]}"; do
  printf '%-22s %10s %12s %14s\n' "$m" "${imp_static[$m]}" "${imp_warm[$m]}" "${imp_cold[$m]}"
done
tw=0 tc=0 ts=0
for m in "${MODS[@]}"; do
  tw=$(awk -v a="$tw" -v b="${imp_warm[$m]}" 'BEGIN { print a + b }')
  tc=$(awk -v a="$tc" -v b="${imp_cold[$m]}" 'BEGIN { print a + b }')
  [[ ${imp_static[$m]} == - ]] || ts=$(awk -v a="$ts" -v b="${imp_static[$m]}" 'BEGIN { print a + b }')
done
printf '%-22s %10s %12s %14s\n' "sum (${#MODS[@]} modules)" "$ts" "$tw" "$tc"
