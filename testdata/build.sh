#!/usr/bin/env bash
# Rebuilds every binary fixture under testdata/ (see testdata/README.md).
# Run it through `make fixtures`. Needs clang-19, wasm-ld-19 (lld-19), Debian's
# wasi-libc, emscripten (emcc) and gcc. Output is deterministic: fixed output
# names, relative paths, objects in a temporary folder, no timestamps.
set -euo pipefail
export LC_ALL=C TZ=UTC SOURCE_DATE_EPOCH=0
export NODE_PATH=${NODE_PATH:-/usr/share/nodejs} # for emcc (do not set EM_CACHE)

cd "$(dirname "${BASH_SOURCE[0]}")"
TD=$PWD
CLANG=${CLANG:-clang-19}
EMCC=${EMCC:-emcc}
GCC=${GCC:-gcc}
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT

# libc symbols every libc main exports for its side modules (wasi-libc's own
# symbols are hidden, so --export-dynamic does not export them). clang may
# turn printf into puts/putchar/fwrite/fputc/iprintf, so those are here too.
MAIN_LIBC_EXPORTS=(
  printf iprintf puts putchar fputs fputc fwrite fprintf fflush snprintf sprintf
  malloc calloc realloc free qsort getenv
  strlen strcmp strncmp strcpy memcpy memset memmove
  abort exit atexit __cxa_atexit stdout stderr
)

# ---------------------------------------------------------------- helpers ----

say() { printf '== %s\n' "$*"; }

# at DIR: make DIR (relative to testdata/) the current fixture folder.
at() {
  mkdir -p "$TD/$1"
  cd "$TD/$1"
}

# o_of SRC: the object file for SRC (relative to the current fixture folder).
o_of() { echo "$TMP/obj/${PWD#"$TD"/}/${1%.c}.o"; }

# cc SRC CFLAGS...: compile one C file (always -O2 -c; see TOOLCHAIN.md).
cc() {
  local src=$1 o
  shift
  o=$(o_of "$src")
  mkdir -p "$(dirname "$o")"
  "$CLANG" "$@" -O2 -c "$src" -o "$o"
}

PIC_CFLAGS=(--target=wasm32-wasi -fPIC -fvisibility=default)

# Recipe (i): plain non-PIC module importing one memory.
#   plain OUT SRC [LDFLAGS...]
plain() {
  local out=$1 src=$2
  shift 2
  cc "$src" --target=wasm32
  "$CLANG" --target=wasm32 -nostdlib -Wl,--no-entry -Wl,--import-memory "$@" -o "$out" "$(o_of "$src")"
}

# Recipe (ii): position-independent shared library (side module).
#   solib OUT "SRC..." [NEEDED .so files and extra link flags...]
# Extra compile flags: set XCFLAGS (e.g. XCFLAGS="-matomics -mbulk-memory").
solib() {
  local out=$1 srcs=$2 s
  shift 2
  local objs=()
  for s in $srcs; do
    # shellcheck disable=SC2086
    cc "$s" "${PIC_CFLAGS[@]}" ${XCFLAGS-}
    objs+=("$(o_of "$s")")
  done
  "$CLANG" --target=wasm32-wasi -nostdlib -shared -Wl,--experimental-pic -Wl,--no-entry \
    -Wl,--export=__wasm_call_ctors -Wl,--unresolved-symbols=import-dynamic \
    -o "$out" "${objs[@]}" "$@"
}

# libc_main_own OUT SRC [LIBS...]: like libc_main, but the main defines and
# exports its own memory and table instead of importing them.
libc_main_own() {
  local out=$1 src=$2 s a
  shift 2
  local exports=() libs=()
  for s in "${MAIN_LIBC_EXPORTS[@]}"; do exports+=("-Wl,--export=$s"); done
  for a in "$@"; do
    if [[ $a == *.so ]]; then libs+=("$(stub_of "$a")"); else libs+=("$a"); fi
  done
  cc "$src" "${PIC_CFLAGS[@]}"
  "$CLANG" --target=wasm32-wasi -mexec-model=reactor -o "$out" "$(o_of "$src")" "${libs[@]}" \
    -Wl,--export-dynamic -Wl,--export-table -Wl,--growable-table \
    -Wl,--experimental-pic -Wl,--unresolved-symbols=import-dynamic \
    -Wl,--export=__stack_pointer -Wl,--export=__main_void "${exports[@]}" -Wl,--strip-debug
}

# Recipe (iii): PIE main without libc; entry __main_void.
#   pie_main OUT SRC [LIBS...]
pie_main() {
  local out=$1 src=$2
  shift 2
  cc "$src" --target=wasm32 -fPIC -fvisibility=default
  "$CLANG" --target=wasm32 -nostdlib -Wl,-pie -Wl,--experimental-pic -Wl,--no-entry -Wl,--import-memory \
    -Wl,--export=__main_void -Wl,--export=__wasm_call_ctors -Wl,--unresolved-symbols=import-dynamic \
    -o "$out" "$(o_of "$src")" "$@"
}

# Recipe (iv): non-PIE main with wasi-libc, reactor model, compiled -fPIC
# (TOOLCHAIN.md "TRAP"); entry __main_void after _initialize.
# NO --allow-undefined (unlike TOOLCHAIN.md's recipe): wasm-ld 19 then
# ignores --unresolved-symbols=import-dynamic whatever the order, links the
# main's static pointers to library data and functions as 0 and emits no
# __wasm_apply_data_relocs, silently. import-dynamic alone imports undefined
# functions from env just the same.
#
# STUBS: wasm-ld 19 has the same bug for symbols DEFINED in a .so on the link
# line (it treats them as static, not as undefined): `int *q = &lib_var;` or
# `fn_t f = lib_fn;` in the main become 0 and __wasm_apply_data_relocs stays
# empty. So the main is linked against empty stub libraries that carry only
# the real libraries' basenames: NEEDED is recorded, every library symbol is
# undefined, and import-dynamic turns them into env/GOT imports plus runtime
# data relocations, which is what a correct link gives.
#   libc_main OUT SRC [LIBS...]
libc_main() {
  local out=$1 src=$2 s a
  shift 2
  local exports=() libs=()
  for s in "${MAIN_LIBC_EXPORTS[@]}"; do exports+=("-Wl,--export=$s"); done
  for a in "$@"; do
    if [[ $a == *.so ]]; then libs+=("$(stub_of "$a")"); else libs+=("$a"); fi
  done
  cc "$src" "${PIC_CFLAGS[@]}"
  "$CLANG" --target=wasm32-wasi -mexec-model=reactor -o "$out" "$(o_of "$src")" "${libs[@]}" \
    -Wl,--export-dynamic -Wl,--import-memory -Wl,--import-table -Wl,--growable-table \
    -Wl,--experimental-pic -Wl,--unresolved-symbols=import-dynamic \
    -Wl,--export=__stack_pointer -Wl,--export=__main_void "${exports[@]}" -Wl,--strip-debug
}

# stub_of LIB: path of an empty shared library with LIB's basename (made once).
stub_of() {
  local s="$TMP/stubs/${PWD#"$TD"/}/$1"
  if [[ ! -f $s ]]; then
    mkdir -p "$(dirname "$s")"
    [[ -f $TMP/empty.o ]] || "$CLANG" "${PIC_CFLAGS[@]}" -c -x c /dev/null -o "$TMP/empty.o"
    "$CLANG" --target=wasm32-wasi -nostdlib -shared -Wl,--experimental-pic -Wl,--no-entry \
      -o "$s" "$TMP/empty.o"
  fi
  echo "$s"
}

# Emscripten side module (LLVM 14 style dylink.0). -sWASM_BIGINT keeps i64
# parameters as i64 (otherwise emcc splits them into i32 pairs for JS).
#   em_side OUT SRC
em_side() { "$EMCC" -O2 -sSIDE_MODULE=1 -sWASM_BIGINT -o "$1" "$2"; }

# Emscripten plain module with an imported memory (seed exp1).
#   em_plain OUT SRC
em_plain() {
  "$EMCC" -O2 -sSTANDALONE_WASM -sIMPORTED_MEMORY -sERROR_ON_UNDEFINED_SYMBOLS=0 --no-entry \
    -o "$1" "$2" 2> >(grep -v 'warning: undefined symbol' >&2)
}

# add_memsize FILE BYTES: add BYTES to the memory size in FILE's dylink.0
# MEM_INFO (dylink.0 must be the first section; re-encodes the LEB128s).
add_memsize() {
  python3 - "$1" "$2" <<'PY'
import sys
path, add = sys.argv[1], int(sys.argv[2])
b = open(path, 'rb').read()
def uleb(v):
    out = bytearray()
    while True:
        x = v & 0x7f; v >>= 7
        out.append(x | (0x80 if v else 0))
        if not v: return bytes(out)
def rd(buf, p):
    r = s = 0
    while True:
        x = buf[p]; p += 1; r |= (x & 0x7f) << s; s += 7
        if x < 0x80: return r, p
assert b[:8] == b'\0asm\1\0\0\0' and b[8] == 0, 'no custom section first'
size, p = rd(b, 9); end = p + size
n, q = rd(b, p); assert b[q:q + n] == b'dylink.0', 'first section is not dylink.0'
q += n; payload = bytearray()
while q < end:
    t = b[q]; l, q2 = rd(b, q + 1); sub = b[q2:q2 + l]; q = q2 + l
    if t == 1:
        ms, r = rd(sub, 0); sub = uleb(ms + add) + sub[r:]
    payload += bytes([t]) + uleb(len(sub)) + sub
body = uleb(len(b'dylink.0')) + b'dylink.0' + payload
open(path, 'wb').write(b[:8] + b'\0' + uleb(len(body)) + body + b[end:])
PY
}

# ---- native twins: the same C built with gcc as ELF shared libraries -------

nat() { echo "$TMP/native/${PWD#"$TD"/}"; }

# native_lib OUT "SRC..." [NEEDED .so files...]
native_lib() {
  local out=$1 srcs=$2 d n
  shift 2
  n=$(nat)
  mkdir -p "$n/$(dirname "$out")"
  local deps=()
  for d in "$@"; do deps+=("$n/$d"); done
  # shellcheck disable=SC2086,SC2016
  "$GCC" -O2 -fPIC -shared -Wl,-soname,"$(basename "$out")" -Wl,--no-as-needed \
    -Wl,-rpath,'$ORIGIN' -o "$n/$out" $srcs "${deps[@]}"
}

# native_main [NEEDED .so files...]: main.c -> native main
native_main() {
  local n d
  n=$(nat)
  mkdir -p "$n"
  local deps=()
  for d in "$@"; do deps+=("$n/$d"); done
  # shellcheck disable=SC2016
  "$GCC" -O2 -rdynamic -Wl,--no-as-needed -Wl,-rpath,'$ORIGIN:$ORIGIN/sub' -o "$n/main" main.c "${deps[@]}"
}

# expect: run the native main with the case's args/env files; write
# expected.stdout and (when the status is not 0) expected.exit.
expect() {
  local n args=() envs=() rc=0
  n=$(nat)
  [[ -f args ]] && mapfile -t args <args
  [[ -f env ]] && mapfile -t envs <env
  (cd "$n" && env -i PATH=/usr/bin:/bin "${envs[@]}" ./main "${args[@]}") >expected.stdout || rc=$?
  rm -f expected.exit
  if ((rc != 0)); then echo "$rc" >expected.exit; fi
  [[ -s expected.stdout ]] || { echo "empty expected.stdout in $PWD" >&2; exit 1; }
}

# lib OUT "SRC..." [NEEDED .so files...]: wasm library + native twin
lib() {
  solib "$@"
  native_lib "$@"
}

# prog [NEEDED .so files...]: main.c -> main.wasm + native twin + expected output
prog() {
  libc_main main.wasm main.c "$@"
  native_main "$@"
  expect
}

# errprog [LIBS...]: main.c -> main.wasm for an error case (no native run)
errprog() {
  libc_main main.wasm main.c "$@"
  echo 127 >expected.exit
}

# ------------------------------------------------- remove stale outputs ----

find reader seed link \( -name '*.wasm' -o -name '*.so' -o -name expected.stdout \
  -o -name expected.exit -o -name '*.objdump' \) -type f -delete 2>/dev/null || true

# ------------------------------------------------------------- reader/ ----

say reader
at reader
solib libbar.so libbar.c
solib libfoo.so libfoo.c libbar.so
XCFLAGS="-matomics -mbulk-memory" solib libtls.so libtls.c -Wl,--shared-memory \
  -Wl,--export=__wasm_init_tls -Wl,--export=__tls_base -Wl,--export=__tls_size -Wl,--export=__tls_align
pie_main pie.wasm pie_main.c libfoo.so
libc_main main.wasm libc_main.c libfoo.so
em_side em_side.wasm em_side.c
for f in libbar.so libfoo.so libtls.so pie.wasm main.wasm em_side.wasm; do
  wasm-objdump -x "$f" >"$f.objdump"
done

# --------------------------------------------------------------- seed/ ----

say seed
at seed
for v in "" _stackfirst _base4096; do
  case $v in
  _stackfirst) fl=(-Wl,--stack-first) ;;
  _base4096) fl=(-Wl,--global-base=4096) ;;
  *) fl=() ;;
  esac
  plain "hello_main$v.wasm" hello_main.c "${fl[@]}"
  plain "hello_extra$v.wasm" hello_extra.c "${fl[@]}"
done
plain stack.wasm stack.c
plain clobber_lib.wasm clobber_lib.c
plain clobber_main.wasm clobber_main.c
plain const_only.wasm const_only.c
em_plain em_hello_main.wasm hello_main.c
em_plain em_hello_extra.wasm hello_extra.c

at seed/pic
lib libextra.so extra.c
lib libclobber.so clobber.c
prog libextra.so libclobber.so

# --------------------------------------------------------------- link/ ----

say link
at link/calls
lib libthree.so three.c
lib libtwo.so two.c libthree.so
lib libone.so one.c libtwo.so
prog libone.so libtwo.so libthree.so

at link/libc
lib liballoc.so alloc.c
lib librelease.so release.c
prog liballoc.so librelease.so

at link/data
lib libdata.so data.c
prog libdata.so

at link/ptrs
lib libptrs.so ptrs.c
prog libptrs.so

say link/rpath
at link/rpath
dylinkedit() { (cd "$TD/.." && go run ./internal/cmd/dylinkedit "$@"); }
(cd deps/more && solib libr2.so r2.c)
(cd deps && solib libr1.so r1.c more/libr2.so)
dylinkedit -rpath '${ORIGIN}/more' -o "testdata/link/rpath/deps/libr1.so" "testdata/link/rpath/deps/libr1.so"
libc_main main.wasm main.c deps/libr1.so
dylinkedit -rpath '$ORIGIN/deps' -o testdata/link/rpath/main.wasm testdata/link/rpath/main.wasm
n=$(nat)
mkdir -p "$n/deps/more"
# shellcheck disable=SC2016
"$GCC" -O2 -fPIC -shared -Wl,-soname,libr2.so -o "$n/deps/more/libr2.so" deps/more/r2.c
# shellcheck disable=SC2016
"$GCC" -O2 -fPIC -shared -Wl,-soname,libr1.so -Wl,--no-as-needed -Wl,-rpath,'$ORIGIN/more' \
  -o "$n/deps/libr1.so" deps/r1.c "$n/deps/more/libr2.so"
# shellcheck disable=SC2016
"$GCC" -O2 -Wl,--no-as-needed -Wl,-rpath,'$ORIGIN/deps' -o "$n/main" main.c "$n/deps/libr1.so"
expect

at link/ownmem
lib libptrs.so ptrs.c
libc_main_own main.wasm main.c libptrs.so
native_main libptrs.so
expect

at link/fnptr
lib libfncore.so fncore.c
lib libfnleft.so fnleft.c libfncore.so
lib libfnright.so fnright.c libfncore.so
prog libfncore.so libfnleft.so libfnright.so

at link/tables
lib libtabfns.so tabfns.c
prog libtabfns.so

at link/ctors
lib libseq.so seq.c
lib libch1.so ch1.c libseq.so
lib libch2.so ch2.c libch1.so libseq.so
lib libch3.so ch3.c libch2.so libseq.so
lib libbase.so base.c libseq.so
lib libl.so l.c libbase.so libseq.so
lib libr.so r.c libbase.so libseq.so
prog libch3.so libl.so libr.so libseq.so

at link/weak
lib libweaklib.so weaklib.c
prog libweaklib.so

at link/diamond
lib libbase.so base.c
lib libl.so l.c libbase.so
lib libr.so r.c libbase.so
prog libl.so libr.so libbase.so

at link/stack
lib libbig.so big.c
prog libbig.so

say link/chain50
at link/chain50
rm -f chain[0-9][0-9].c
cat >chain00.c <<'EOF'
/* Generated by testdata/build.sh: the bottom of a 50-library chain. */
int chain_order[64];
int chain_count;
void chain_record(int i) { chain_order[chain_count++ & 63] = i; }
int chain_val_00 = 1;
int chain_fn_00(int x) { return x; }
__attribute__((constructor)) static void ctor(void) { chain_record(0); }
EOF
lib libchain00.so chain00.c
for ((i = 1; i < 50; i++)); do
  c=$(printf '%02d' "$i")
  p=$(printf '%02d' $((i - 1)))
  cat >"chain$c.c" <<EOF
/* Generated by testdata/build.sh: chain library $c, NEEDED libchain$p.so. */
void chain_record(int i);
extern int chain_val_$p;
int chain_fn_$p(int x);
int chain_val_$c = $((3 * i + 1));
int *chain_prev_ptr_$c = &chain_val_$p;
int chain_fn_$c(int x) { return chain_fn_$p(x + 1) + *chain_prev_ptr_$c; }
__attribute__((constructor)) static void ctor(void) { chain_record($i); }
EOF
  lib "libchain$c.so" "chain$c.c" "libchain$p.so"
done
prog libchain49.so libchain01.so libchain00.so

at link/searchpath
lib sub/libsp2.so sub/sp2.c
lib sub/libsp1.so sub/sp1.c sub/libsp2.so
prog sub/libsp1.so

at link/exitcode
lib libcode.so code.c
prog libcode.so

at link/exitlib
lib libquit.so quit.c
prog libquit.so

at link/args
lib libshow.so show.c
prog libshow.so

say link/tls
at link/tls
XCFLAGS="-matomics -mbulk-memory" solib libtlsuse.so tls.c -Wl,--shared-memory \
  -Wl,--export=__wasm_init_tls -Wl,--export=__tls_base -Wl,--export=__tls_size -Wl,--export=__tls_align
native_lib libtlsuse.so tls.c
prog libtlsuse.so

say link/pie
at link/pie
solib libpb.so pb.c
solib libpa.so pa.c libpb.so
pie_main main.wasm main.c libpa.so libpb.so
echo 42 >expected.exit # not run natively: see README.md

at link/emside
em_side libemside.so side.c
native_lib libemside.so side.c
prog libemside.so

# -------------------------------------------------------- link/errors/ ----

say link/errors
at link/errors/missing_lib
errprog libgone.so # linked against a stub only: libgone.so is never shipped

at link/errors/undefined
solib libundef.so undef.c
errprog libundef.so

at link/errors/sigmismatch
# (wasm-ld would reject the mismatch, but mains are linked against stubs)
solib libsig.so sig.c
errprog libsig.so

at link/errors/bigmem
XCFLAGS=-DBIG_BYTES=64 solib libbig.so big.c
add_memsize libbig.so $(((512 << 20) - 64))
errprog libbig.so

at link/errors/ctortrap
solib libtrap.so trap.c
errprog libtrap.so

at link/errors/weakcall
solib libweakcall.so weakcall.c
errprog libweakcall.so
echo 134 >expected.exit # a trap, like a native crash in abort()

say done
