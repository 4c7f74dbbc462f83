# Recipes shared by testdata/build.sh and testdata/dl/build.sh: one helper per
# way of building a module (recipes i-iv below, Emscripten) and the
# native twins whose output is the expected output. The sourcing script sets
# TD (the fixture root), TMP (a temporary folder), CLANG, GCC and EMCC, and
# may set EXTRA_CFLAGS (added to every wasm compile) and NATIVE_LDLIBS.
# shellcheck shell=bash

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

# cc SRC CFLAGS...: compile one C file (always -O2 -c; link without -O, or clang
# runs wasm-opt on the output).
cc() {
  local src=$1 o
  shift
  o=$(o_of "$src")
  mkdir -p "$(dirname "$o")"
  # shellcheck disable=SC2086
  "$CLANG" "$@" ${EXTRA_CFLAGS-} -O2 -c "$src" -o "$o"
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
libc_main_own() { MAIN_OWNS_MEMORY=1 libc_main "$@"; }

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
# (see the STUBS note below); entry __main_void after _initialize.
# NO --allow-undefined: wasm-ld 19 then
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
  local sharing=(-Wl,--import-memory -Wl,--import-table -Wl,--growable-table)
  [[ -n ${MAIN_OWNS_MEMORY-} ]] && sharing=(-Wl,--export-table -Wl,--growable-table)
  cc "$src" "${PIC_CFLAGS[@]}"
  "$CLANG" --target=wasm32-wasi -mexec-model=reactor -o "$out" "$(o_of "$src")" "${libs[@]}" \
    -Wl,--export-dynamic "${sharing[@]}" \
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
  "$GCC" -O2 -fPIC -shared -I. -Wl,-soname,"$(basename "$out")" -Wl,--no-as-needed \
    -Wl,-rpath,'$ORIGIN' -o "$n/$out" $srcs "${deps[@]}"
}

# native_main [NEEDED .so files...]: main.c -> native main (-Wl,... arguments
# are for the wasm link only and are dropped; NATIVE_LDLIBS is appended)
native_main() {
  local n d
  n=$(nat)
  mkdir -p "$n"
  local deps=()
  for d in "$@"; do [[ $d == -Wl,* ]] || deps+=("$n/$d"); done
  # shellcheck disable=SC2016,SC2086
  "$GCC" -O2 -rdynamic -Wl,--no-as-needed -Wl,-rpath,'$ORIGIN:$ORIGIN/sub' -o "$n/main" main.c "${deps[@]}" ${NATIVE_LDLIBS-}
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

