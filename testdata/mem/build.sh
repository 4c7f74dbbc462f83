#!/usr/bin/env bash
# Rebuilds the memory-ownership fixtures under testdata/mem/ (see README.md
# here). Needs clang-19, wasm-ld-19 (lld-19), Debian's wasi-libc and gcc.
# Recipes are those of testdata/recipes.sh: compile -O2 -c, link WITHOUT -O.
# Deterministic: fixed output names, relative paths, objects in a temporary
# folder.
#
# One program (src/stress.c) built four ways, each with the same two startup
# libraries and the same seven dlopen'able ones (in libs/):
#   lazy/     Debian's wasi-libc: malloc takes [__heap_base, memory.size)
#             as its heap on first use
#   heapend/  src/sbrkalloc.c instead: [__heap_base, __heap_end), then sbrk
#   pie/      a freestanding PIE main (src/minirt.c + src/sbrkalloc.c): the
#             loader chooses __heap_base and __heap_end
#   noalloc/  a freestanding PIE main with no allocator at all
# The native twin (gcc, glibc, ELF shared libraries) gives expected.stdout.
set -euo pipefail
export LC_ALL=C TZ=UTC SOURCE_DATE_EPOCH=0

cd "$(dirname "${BASH_SOURCE[0]}")"
TD=$PWD
CLANG=${CLANG:-clang-19}
GCC=${GCC:-gcc}
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT
INC=../../../guest/include # wasmdl's dlfcn.h, relative to a case folder

EXTRA_CFLAGS="-I$INC -I../src"
# shellcheck source=../recipes.sh
source "$TD/../recipes.sh"

find . \( -name '*.wasm' -o -name '*.so' -o -name expected.stdout -o -name expected.exit \) \
  -type f -delete

# ------------------------------------------------------------- libs/ ----

# patlib OUT ID SIZE ALIGN [PREFIX]: src/pat.c as a wasm library and its
# native twin.
patlib() {
  local out=$1 defs=(-DID="$2" -DSIZE="$3" -DALIGN="$4" -DPREFIX="${5-}")
  local o="$TMP/obj/libs/${out%.so}.o"
  mkdir -p "$TMP/obj/libs" "$TMP/native/libs"
  "$CLANG" "${PIC_CFLAGS[@]}" "${defs[@]}" -I../src -O2 -c ../src/pat.c -o "$o"
  "$CLANG" --target=wasm32-wasi -nostdlib -shared -Wl,--experimental-pic -Wl,--no-entry \
    -Wl,--export=__wasm_call_ctors -Wl,--unresolved-symbols=import-dynamic -o "$out" "$o"
  "$GCC" -O2 -fPIC -shared "${defs[@]}" -I../src -Wl,-soname,"$out" -o "$TMP/native/libs/$out" ../src/pat.c
}

say libs
at libs
# From 100 bytes to 1 MiB, aligned from 4 to 4096 bytes.
patlib libpat1.so 1 100 4
patlib libpat2.so 2 1000 16
patlib libpat3.so 3 4096 64
patlib libpat4.so 4 40000 256
patlib libpat5.so 5 200000 1024
patlib libpat6.so 6 1048576 4096
patlib libpat7.so 7 65539 8
patlib libstart1.so 11 3000 32 s1_
patlib libstart2.so 12 70000 128 s2_

# ------------------------------------------------------------- mains ----

STARTUP=(libstart1.so libstart2.so)

# native CASE [CFLAGS...]: src/stress.c against glibc, run with the case's
# args; its output is expected.stdout. CASE bigheap.c builds src/bigheap.c.
native() {
  local n="$TMP/native/$1"
  shift
  mkdir -p "$n"
  if [[ $n == *.c ]]; then
    "$GCC" -O2 -o "$n/main" "../src/${n##*/}"
  else
    # shellcheck disable=SC2016
    "$GCC" -O2 "$@" -I../src -I. -Wl,--no-as-needed -Wl,-rpath,'$ORIGIN/../libs' -o "$n/main" ../src/stress.c \
      "$TMP/native/libs/libstart1.so" "$TMP/native/libs/libstart2.so" -ldl
  fi
  mapfile -t args <args
  (cd "$n" && env -i PATH=/usr/bin:/bin ./main "${args[@]}") >expected.stdout
}

# pie_stress OUT [CFLAGS...]: src/stress.c as a freestanding PIE main.
pie_stress() {
  local out=$1 s objs=()
  shift
  local srcs=(stress.c minirt.c)
  [[ " $* " == *" -DNO_HEAP "* ]] || srcs+=(sbrkalloc.c)
  mkdir -p "$TMP/obj/${PWD#"$TD"/}"
  for s in "${srcs[@]}"; do
    local o="$TMP/obj/${PWD#"$TD"/}/${s%.c}.o" nb=()
    [[ $s == minirt.c ]] && nb=(-fno-builtin)
    "$CLANG" --target=wasm32 -fPIC -fvisibility=default -ffreestanding -DMINIRT "$@" "${nb[@]}" \
      -I"$INC" -I../src -O2 -c "../src/$s" -o "$o"
    objs+=("$o")
  done
  "$CLANG" --target=wasm32 -nostdlib -Wl,-pie -Wl,--experimental-pic -Wl,--no-entry -Wl,--import-memory \
    -Wl,--export=main -Wl,--export=__wasm_call_ctors -Wl,--unresolved-symbols=import-dynamic \
    -o "$out" "${objs[@]}" "$(stub_of libstart1.so)" "$(stub_of libstart2.so)"
}

say lazy
at lazy
libc_main main.wasm ../src/stress.c "${STARTUP[@]}"
native lazy

say heapend
at heapend
cc ../src/sbrkalloc.c "${PIC_CFLAGS[@]}"
libc_main main.wasm ../src/stress.c "${STARTUP[@]}" "$(o_of ../src/sbrkalloc.c)"
native heapend

say pie
at pie
pie_stress main.wasm
native pie

say noalloc
at noalloc
pie_stress main.wasm -DNO_HEAP
native noalloc -DNO_HEAP

say bigheap
at bigheap
libc_main main.wasm ../src/bigheap.c
native bigheap.c
