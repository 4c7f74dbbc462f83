#!/bin/sh
# attacks.sh WASMDL: feeds hostile inputs to a wasmdl binary, each under a
# time limit and an address-space limit, and prints one line per attack:
# its exit status, wall time and peak RSS. Run from the repository root:
#
#	go build -o /tmp/wasmdl ./cmd/wasmdl && sh hardening/attacks.sh /tmp/wasmdl
#
# A status of 124 is the time limit; 134 or 2 with "out of memory" the
# address-space limit, standing in for the host's OOM killer.
set -u
W=$(cd "$(dirname "$1")" && pwd)/$(basename "$1")
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
go run hardening/gen.go "$T" || exit 1
mkfifo "$T/needs-fifo/libfifo.so"
ln -s ../outside/libsecret.so "$T/link-out/libsecret.so"
LIMIT_KB=${LIMIT_KB:-4000000}   # address space: 4 GB
SECS=${SECS:-60}

# attack NAME DIR ARGS...: runs wasmdl ARGS in DIR.
attack() {
	name=$1 dir=$2
	shift 2
	out=$( cd "$dir" && ( ulimit -v "$LIMIT_KB"; /usr/bin/time -f '%e s %M KB' timeout "$SECS" "$W" "$@" ) 2>&1 >/dev/null )
	status=$?
	last=$(printf '%s\n' "$out" | grep -v '^\s*$' | tail -n 1)
	first=$(printf '%s\n' "$out" | grep -m1 -E 'wasmdl:|fatal error|panic|signal' | cut -c1-110)
	printf '%-22s status %3d  %-22s %s\n' "$name" "$status" "$last" "$first"
}

attack "locals 2^32-1" "$T" run locals32.wasm
attack "locals 2^27" "$T" run locals27.wasm
attack "65536 blocks" "$T" run blocks.wasm
attack "br_table 2^20" "$T" run brtable.wasm
attack "names 2^32-1" "$T" run --separate names.wasm  # merged programs drop the name section
attack "NEEDED zero, /dev" "$T/needs-zero" run -L . main.wasm
attack "ldd NEEDED zero" "$T/needs-zero" ldd -L . main.wasm
attack "FIFO in -L" "$T/needs-fifo" run -L . main.wasm
attack "link out of -L" "$T/link-out" run -L . main.wasm
attack "main /dev/zero" "$T" run /dev/zero
# The compilation cache: a cold run, one flipped byte in each entry, a run.
attack "cache cold" "$T/cached" run --cache-dir "$T/cache" -L . main.wasm
for f in $(find "$T/cache" -type f); do
	printf '\377' | dd of="$f" bs=1 seek=$(( $(wc -c <"$f") / 2 )) conv=notrunc 2>/dev/null
done
attack "cache flipped byte" "$T/cached" run --cache-dir "$T/cache" -L . main.wasm
attack "cache after" "$T/cached" run --cache-dir "$T/cache" -L . main.wasm
