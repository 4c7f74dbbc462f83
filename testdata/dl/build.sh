#!/usr/bin/env bash
# Rebuilds the libdl fixtures under testdata/dl/ (issue 4; see README.md here).
# Needs clang-19, wasm-ld-19 (lld-19), Debian's wasi-libc and gcc. Recipes are
# those of /work/shared/TOOLCHAIN.md and testdata/build.sh (helpers copied
# from there): compile -O2 -c, link WITHOUT -O. Deterministic: fixed output
# names, relative paths, objects in a temporary folder.
#
# Every case is built twice: to wasm (main.wasm + lib*.so, run by
# `wasmdl run -L . main.wasm` from inside the case folder) and natively with
# gcc (ELF shared libraries, run from a temporary copy of the folder, glibc's
# ld.so as the reference), whose stdout becomes expected.stdout.
set -euo pipefail
export LC_ALL=C TZ=UTC SOURCE_DATE_EPOCH=0

cd "$(dirname "${BASH_SOURCE[0]}")"
TD=$PWD
CLANG=${CLANG:-clang-19}
GCC=${GCC:-gcc}
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT
INC=../../../guest/include # wasmdl's dlfcn.h, relative to a case folder

# Same list as testdata/build.sh: libc symbols the main exports to libraries.
MAIN_LIBC_EXPORTS=(
  printf iprintf puts putchar fputs fputc fwrite fprintf fflush snprintf sprintf
  malloc calloc realloc free qsort getenv
  strlen strcmp strncmp strcpy memcpy memset memmove
  abort exit atexit __cxa_atexit stdout stderr
)

# ---------------------------------------------------------------- helpers ----

say() { printf '== %s\n' "$*"; }

at() {
  mkdir -p "$TD/$1"
  cd "$TD/$1"
}

o_of() { echo "$TMP/obj/${PWD#"$TD"/}/${1%.c}.o"; }

cc() {
  local src=$1 o
  shift
  o=$(o_of "$src")
  mkdir -p "$(dirname "$o")"
  "$CLANG" "$@" -I"$INC" -O2 -c "$src" -o "$o"
}

PIC_CFLAGS=(--target=wasm32-wasi -fPIC -fvisibility=default)

# Recipe (i) without --import-memory: a plain module, not a shared library.
#   plain OUT SRC
plain() {
  cc "$2" --target=wasm32
  "$CLANG" --target=wasm32 -nostdlib -Wl,--no-entry -Wl,--export-all -o "$1" "$(o_of "$2")"
}

# Recipe (ii): solib OUT "SRC..." [NEEDED .so files...]
solib() {
  local out=$1 srcs=$2 s
  shift 2
  local objs=()
  for s in $srcs; do
    cc "$s" "${PIC_CFLAGS[@]}"
    objs+=("$(o_of "$s")")
  done
  "$CLANG" --target=wasm32-wasi -nostdlib -shared -Wl,--experimental-pic -Wl,--no-entry \
    -Wl,--export=__wasm_call_ctors -Wl,--unresolved-symbols=import-dynamic \
    -o "$out" "${objs[@]}" "$@"
}

# Recipe (iv) as in testdata/build.sh (compiled -fPIC, linked against empty
# stubs of the NEEDED libraries, no --allow-undefined). dlopen & co stay
# undefined and become env imports. -Wl,--export=SYM arguments pass through.
#   libc_main OUT SRC [LIBS... | -Wl,...]
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

# ---- native twins ----------------------------------------------------------

nat() { echo "$TMP/native/${PWD#"$TD"/}"; }

# native_lib OUT "SRC..." [NEEDED .so files...]
native_lib() {
  local out=$1 srcs=$2 d n
  shift 2
  n=$(nat)
  mkdir -p "$n"
  local deps=()
  for d in "$@"; do deps+=("$n/$d"); done
  # shellcheck disable=SC2086,SC2016
  "$GCC" -O2 -fPIC -shared -I. -Wl,-soname,"$out" -Wl,--no-as-needed \
    -Wl,-rpath,'$ORIGIN' -o "$n/$out" $srcs "${deps[@]}"
}

# native_main [NEEDED .so files...] (-Wl,... arguments are wasm-only: dropped)
native_main() {
  local n d
  n=$(nat)
  mkdir -p "$n"
  local deps=()
  for d in "$@"; do [[ $d == -Wl,* ]] || deps+=("$n/$d"); done
  # shellcheck disable=SC2016
  "$GCC" -O2 -rdynamic -Wl,--no-as-needed -o "$n/main" main.c "${deps[@]}" -ldl -Wl,-rpath,'$ORIGIN'
}

# expect: run the native main with the temporary folder as the current
# directory; write expected.stdout (+ expected.exit when not 0).
expect() {
  local n rc=0
  n=$(nat)
  (cd "$n" && env -i PATH=/usr/bin:/bin ./main) >expected.stdout || rc=$?
  rm -f expected.exit
  if ((rc != 0)); then echo "$rc" >expected.exit; fi
  [[ -s expected.stdout ]] || { echo "empty expected.stdout in $PWD" >&2; exit 1; }
}

lib() {
  solib "$@"
  native_lib "$@"
}

# prog [NEEDED .so files and wasm -Wl,--export=... flags]
prog() {
  libc_main main.wasm main.c "$@"
  native_main "$@"
  expect
}

# ------------------------------------------------- remove stale outputs ----

find . \( -name '*.wasm' -o -name '*.so' -o -name expected.stdout -o -name expected.exit \) \
  -type f -delete

# ---------------------------------------------------------------- cases ----

say null_handle
at null_handle
lib libbase.so base.c
prog libbase.so -Wl,--export=main_func -Wl,--export=main_data

say refcount
at refcount
lib libcounter.so counter.c
prog

say local
at local
lib libldep.so ldep.c
lib liblocal.so local.c libldep.so
lib libneedlocal.so needlocal.c
prog

say two_locals
at two_locals
lib libone.so one.c
lib libtwo.so two.c
prog

say global
at global
lib libprov.so prov.c
lib libuser.so user.c
prog

say promote
at promote
lib libprov.so prov.c
lib libuser.so user.c
prog

say deps_order
at deps_order
lib libdeep.so deep.c
lib libleft.so left.c libdeep.so
lib libright.so right.c
lib libtop.so top.c libleft.so libright.so
prog

say next
at next
lib libhook1.so hook1.c
lib libhook2.so hook2.c
prog libhook1.so libhook2.so -Wl,--export=hook

say fnptr
at fnptr
lib libfp.so fp.c
prog

say dlerror
at dlerror
lib libx.so x.c
prog

say unload
at unload
lib libudep.so udep.c
lib libu.so u.c libudep.so
lib libstay.so stay.c
prog

say heap_dirty
at heap_dirty
lib libfresh.so fresh.c
prog

say errors
at errors
lib libgood.so good.c
lib libundef.so undef.c
plain libplain.so plain.c
printf 'not a shared library\n' >"$(nat)/libplain.so" # native twin: a text file
prog

say badptr # wasm only: glibc would crash; expected output written by hand
at badptr
solib libok.so ok.c
libc_main main.wasm main.c
cat >expected.stdout <<'EOF'
dlopen(bad pointer): NULL 1
dlerror non-NULL: 1
libok.so opened: 1
dlsym(h, bad pointer): NULL 1
dlerror non-NULL: 1
dlsym(RTLD_DEFAULT, bad pointer): NULL 1
dlerror non-NULL: 1
dlsym(bogus handle): NULL 1
dlerror non-NULL: 1
dlclose(bogus handle) != 0: 1
dlerror non-NULL: 1
ok() = 7
dlclose = 0
EOF

say plugin # for the Go API example: no main
at plugin
solib libplugin.so plugin.c
solib libplugin2.so plugin2.c
solib libbig.so big.c

say done
