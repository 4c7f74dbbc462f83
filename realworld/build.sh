#!/usr/bin/env bash
# Builds the real-world suite (make realworld): zlib, Lua 5.4, SQLite and the
# C++ library tinyxml2 from Debian's source packages, each three ways from
# the same sources and flags:
#
#   wasm/    wasm shared libraries (-fPIC -shared) and non-PIE wasi-libc mains
#            that serve libc to them (TOOLCHAIN.md recipes ii and iv), run by
#            wasmdl;
#   native/  gcc ELF shared libraries and executables, whose output is the
#            expected output;
#   static/  one plain wasm module per program (no dynamic linking), the
#            baseline of make realworld-bench.
#
# Sources and outputs live outside the repository, in
# ${WASMDL_REALWORLD_CACHE:-$HOME/.cache/wasmdl-realworld} (src/, obj/, out/).
# A component is rebuilt only when this script, its own files under
# realworld/ or the compilers change (out/COMPONENT/stamp). Fetching adds a
# deb-src entry to /etc/apt/sources.list.d/debian.sources when it has none
# (CI runs as root) and installs missing tools with apt-get.
#
# Usage: realworld/build.sh [COMPONENT...]   (default: zlib lua sqlite tinyxml2)
set -euo pipefail
export LC_ALL=C TZ=UTC SOURCE_DATE_EPOCH=0

RW=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ROOT=$(cd "$RW/.." && pwd)
CACHE=${WASMDL_REALWORLD_CACHE:-$HOME/.cache/wasmdl-realworld}
SRC=$CACHE/src
OBJ=$CACHE/obj
OUT=$CACHE/out
CLANG=${CLANG:-clang-19}
CLANGXX=${CLANGXX:-clang++-19}
GCC=${GCC:-gcc}
GXX=${GXX:-g++}
NM=${NM:-llvm-nm-19}
JOBS=${JOBS:-$(nproc)}
WASI_LIB=/usr/lib/wasm32-wasi
GUEST_INCLUDE=$ROOT/guest/include

say() { printf '== %s\n' "$*"; }
die() {
  printf 'realworld/build.sh: %s\n' "$*" >&2
  exit 1
}

# ------------------------------------------------------------ build flags ----
# Every flag that changes what a component's C means is here, once, and is
# used for all three builds (wasm, native, static). Flags that only say how
# to build (-fPIC, the target, link recipes) are in the helpers below.

# zlib: Z_HAVE_UNISTD_H decides the width of z_off_t, so the library and
# every program using it must agree (TOOLCHAIN.md).
ZLIB_DEFS=(-DHAVE_UNISTD_H -DHAVE_STDARG_H -DHAVE_HIDDEN)

# Lua: LUA_USE_DLOPEN makes require load C modules with dlopen. How a Lua
# error is raised depends on LUA_VARIANT:
#   setjmp Lua's own setjmp/longjmp, lowered by clang (-mllvm
#          -wasm-enable-sjlj, with wasmdl's setjmp.h): errors, pcall across
#          the C module and coroutines work; wasmdl translates the exception
#          instructions and provides the runtime. The default.
#   abort  raising an error ends the process (lua/abort_throw.h). Scripts
#          that raise errors or yield from coroutines (Lua yields with
#          longjmp) are left out.
# The test suite reads out/lua/variant to decide which scripts it can run.
LUA_VARIANT=${LUA_VARIANT:-setjmp}
LUA_WASM_ONLY=()
case $LUA_VARIANT in
setjmp)
  LUA_DEFS=(-DLUA_USE_DLOPEN)
  LUA_WASM_ONLY=(-I"$GUEST_INCLUDE" -mexception-handling -mllvm -wasm-enable-sjlj)
  ;;
abort) LUA_DEFS=(-DLUA_USE_DLOPEN -include "$RW/lua/abort_throw.h" -I"$RW/lua/nosetjmp") ;;
*) die "unknown LUA_VARIANT $LUA_VARIANT (known: setjmp, abort)" ;;
esac
# wasi-libc emulates signal() (lua.c catches SIGINT) and clock() (os.clock)
# only when asked; the main links the emulations and serves them to liblua.
LUA_DEFS+=(-D_WASI_EMULATED_SIGNAL -D_WASI_EMULATED_PROCESS_CLOCKS)
LUA_WASI_LIBS=(-lwasi-emulated-signal -lwasi-emulated-process-clocks)
# wasi-libc declares tmpnam but lacks L_tmpnam, which sizes os.tmpname's
# buffer (wasm builds only; glibc's value).
LUA_WASM_ONLY+=(-DL_tmpnam=20)

# SQLite 3.40.1 predates SQLite's own WASI support: sqlite/wasi_port.h fills
# in what wasi-libc lacks (wasm builds only). No SQLITE_OMIT_LOAD_EXTENSION:
# the program loads an extension.
SQLITE_DEFS=(-DSQLITE_OMIT_WAL -DSQLITE_THREADSAFE=0 -DSQLITE_DEFAULT_MEMSTATUS=0
  -D_WASI_EMULATED_MMAN -D_WASI_EMULATED_GETPID -D_WASI_EMULATED_PROCESS_CLOCKS)
SQLITE_WASM_ONLY=(-include "$RW/sqlite/wasi_port.h")
SQLITE_WASI_LIBS=(-lwasi-emulated-mman -lwasi-emulated-getpid -lwasi-emulated-process-clocks)

# tinyxml2 (C++): Debian's wasm32 libc++abi has no exception support, and
# tinyxml2 neither throws nor catches, so everything is compiled with
# -fno-exceptions, natively too. Debian's build (CMake) compiles the library
# with hidden visibility and TINYXML2_EXPORT: only the TINYXML2_LIB classes
# are exported, and Debian's patch hides their private members.
# xmltest.cpp times parses with clock(), an emulation in wasi-libc.
TINYXML2_DEFS=(-std=c++17 -fno-exceptions)
TINYXML2_LIB_DEFS=(-DTINYXML2_EXPORT -fvisibility=hidden -fvisibility-inlines-hidden)
TINYXML2_WASM_ONLY=(-D_WASI_EMULATED_PROCESS_CLOCKS)
TINYXML2_WASI_LIBS=(-lwasi-emulated-process-clocks)

# ------------------------------------------------------------------ tools ----

SUDO=
[[ $(id -u) == 0 ]] || SUDO=sudo

ensure_tools() {
  local need=() c
  for c in clang-19 clang++-19 wasm-ld-19 llvm-nm-19 gcc g++ make tclsh python3 dpkg-source; do
    command -v "$c" >/dev/null 2>&1 || need+=("$c")
  done
  [[ -e $WASI_LIB/libc.a ]] || need+=(wasi-libc)
  [[ -e $WASI_LIB/libc++.a && -e $WASI_LIB/libc++abi.a ]] || need+=(libc++)
  [[ -e $($CLANG --target=wasm32-wasi -print-libgcc-file-name 2>/dev/null) ]] || need+=(compiler-rt)
  ((${#need[@]} == 0)) && return
  say "installing tools (missing: ${need[*]})"
  export DEBIAN_FRONTEND=noninteractive
  $SUDO apt-get update -qq
  $SUDO apt-get install -y -qq clang-19 lld-19 llvm-19 libclang-rt-19-dev-wasm32 wasi-libc \
    libc++-19-dev-wasm32 libc++abi-19-dev-wasm32 gcc g++ make tcl python3 dpkg-dev >/dev/null
}

# ---------------------------------------------------------------- sources ----

# ensure_deb_src: Debian's deb822 entry must list deb-src for apt-get source.
ensure_deb_src() {
  local f=/etc/apt/sources.list.d/debian.sources
  if [[ -f $f ]] && grep -q '^Types: deb$' "$f"; then
    say "adding deb-src to $f"
    $SUDO sed -i 's/^Types: deb$/Types: deb deb-src/' "$f"
    $SUDO apt-get update -qq
  fi
}

# fetch PKG DIR: Debian source package PKG unpacked (with Debian's patches)
# into $SRC/DIR. The version is the release's own (CODENAME), not a later
# security update, so every machine builds the same source.
fetch() {
  local pkg=$1 dir=$2 codename dsc
  [[ -f $SRC/$dir/.fetched ]] && return
  ensure_deb_src
  codename=$(. /etc/os-release && echo "$VERSION_CODENAME")
  say "fetching $pkg ($codename) into $SRC/$dir"
  rm -rf "${SRC:?}/$dir" "$SRC/dl-$pkg"
  mkdir -p "$SRC/dl-$pkg"
  if ! (cd "$SRC/dl-$pkg" && apt-get source --download-only "$pkg/$codename" >"$SRC/dl-$pkg/apt.log" 2>&1); then
    # an update may be all that is missing (a machine with stale lists)
    $SUDO apt-get update -qq
    (cd "$SRC/dl-$pkg" && apt-get source --download-only "$pkg/$codename" >"$SRC/dl-$pkg/apt.log" 2>&1) ||
      { cat "$SRC/dl-$pkg/apt.log" >&2; die "apt-get source $pkg/$codename failed"; }
  fi
  dsc=$(ls "$SRC/dl-$pkg"/*.dsc)
  dpkg-source -x "$dsc" "$SRC/$dir" >"$SRC/dl-$pkg/dpkg-source.log" 2>&1 ||
    { cat "$SRC/dl-$pkg/dpkg-source.log" >&2; die "dpkg-source -x $dsc failed"; }
  basename "$dsc" .dsc >"$SRC/$dir/.fetched"
}

# --------------------------------------------------------------- stamping ----

# stamp_of COMP FILES...: what a component's outputs depend on: its Debian
# source package, this script, its own files, the compilers and wasi-libc.
stamp_of() {
  local comp=$1
  shift
  {
    echo "$comp"
    cat "$SRC/$comp/.fetched"
    # Names relative to the repository: a clone elsewhere has the same stamp.
    sha256sum "$RW/build.sh" "$@" | sed "s|$ROOT/||"
    echo "$TOOLS"
    printf '%s\n' "$LUA_VARIANT"
  } | sha256sum | cut -d' ' -f1
}

up_to_date() { [[ -f $OUT/$1/stamp && $(cat "$OUT/$1/stamp") == "$2" ]]; }

# ------------------------------------------------------------ job control ----

# bg CMD...: run CMD in the background, at most $JOBS at a time; wait_all
# waits for every one and fails if any did.
bg() {
  while (($(jobs -rp | wc -l) >= JOBS)); do wait -n || die "a build job failed"; done
  "$@" &
}
wait_all() {
  local pid
  for pid in $(jobs -rp); do wait "$pid" || die "a build job failed"; done
  wait || die "a build job failed"
}

# ----------------------------------------------------------------- recipes ----

PIC=(--target=wasm32-wasi -fPIC -fvisibility=default)
STATIC=(--target=wasm32-wasi)
RTLIB=$($CLANG --target=wasm32-wasi -print-libgcc-file-name 2>/dev/null || true)

# warnings_for SRC: third-party sources compile silently (their warnings
# are not ours to fix), the suite's own with warnings on.
warnings_for() {
  if [[ $1 == "$SRC"/* ]]; then echo -w; else echo -Wall -Wextra; fi
}

# compile CC OBJ SRC FLAGS...: compile one file unless OBJ was already
# compiled from the same source, flags, headers of ours (those of component
# $COMP), Debian source package (of $COMP) and compilers (OBJ.key), so that
# changing one program does not recompile SQLite.
compile() {
  local cc=$1 o=$2 s=$3 key
  shift 3
  local headers=()
  mapfile -t headers < <(find "$RW/$COMP" -name '*.h' | sort)
  key=$({
    printf '%s\n' "$cc" "$@"
    sha256sum "$s" "${headers[@]}" | sed "s|$RW/||"
    cat "$SRC/$COMP/.fetched"
    echo "$TOOLS"
  } | sha256sum | cut -d' ' -f1)
  [[ -f $o && -f $o.key && $(cat "$o.key") == "$key" ]] && return
  mkdir -p "$(dirname "$o")"
  rm -f "$o.key"
  # shellcheck disable=SC2046
  "$cc" "$@" $(warnings_for "$s") -O2 -c "$s" -o "$o"
  echo "$key" >"$o.key"
}

# cc_wasm OBJ SRC FLAGS...: compile one file for wasm (always -O2 -c and no
# -O at link time: see TOOLCHAIN.md), as C++ if SRC is a .cpp file.
cc_wasm() {
  local o=$1 s=$2 cc=$CLANG
  shift 2
  [[ $s == *.cpp ]] && cc=$CLANGXX
  compile "$cc" "$o" "$s" "$@" -I"$GUEST_INCLUDE"
}

# cc_native OBJ SRC FLAGS...
cc_native() {
  local o=$1 s=$2 cc=$GCC
  shift 2
  [[ $s == *.cpp ]] && cc=$GXX
  compile "$cc" "$o" "$s" "$@"
}

# wasm_solib OUT OBJS...: a wasm shared library (recipe ii), with
# compiler-rt for the helpers -nostdlib leaves out (long double arithmetic).
wasm_solib() {
  local out=$1
  shift
  "$CLANG" --target=wasm32-wasi -nostdlib -shared -Wl,--experimental-pic -Wl,--no-entry \
    -Wl,--export=__wasm_call_ctors -Wl,--unresolved-symbols=import-dynamic \
    -o "$out" "$@" "$RTLIB"
}

# stub_so NAME: an empty shared library called NAME. Mains are linked
# against stubs, not the real libraries: wasm-ld 19 resolves a non-PIE
# main's references to a real library's data to address 0 (see
# testdata/recipes.sh, libc_main), while with a stub every library symbol is
# undefined and becomes an env/GOT import, and NEEDED still names NAME.
stub_so() {
  local s=$OBJ/stubs/$1
  if [[ ! -f $s ]]; then
    mkdir -p "$OBJ/stubs"
    "$CLANG" "${PIC[@]}" -c -x c /dev/null -o "$OBJ/stubs/empty.o"
    "$CLANG" --target=wasm32-wasi -nostdlib -shared -Wl,--experimental-pic -Wl,--no-entry \
      -o "$s" "$OBJ/stubs/empty.o"
  fi
  echo "$s"
}

# libc_symbols: every symbol wasi-libc and its emulation libraries define
# (one per line, sorted), computed once; with MAIN_CXX set, libc++'s and
# libc++abi's too.
libc_symbols() {
  local f=$OBJ/libc.symbols archives=("$WASI_LIB/libc.a" "$WASI_LIB"/libwasi-emulated-*.a)
  if [[ -n ${MAIN_CXX:-} ]]; then
    f=$OBJ/libcxx.symbols
    archives+=("$WASI_LIB/libc++.a" "$WASI_LIB/libc++abi.a")
  fi
  if [[ ! -s $f ]]; then
    mkdir -p "$OBJ"
    "$NM" --defined-only --extern-only --format=just-symbols "${archives[@]}" 2>/dev/null |
      grep -v -e '^$' -e ':$' | sort -u >"$f.tmp"
    mv "$f.tmp" "$f"
  fi
  echo "$f"
}

# main_exports MAINOBJS -- LIBS...: the --export= flags a main needs so that
# it serves LIBS (every library it loads at start or by dlopen): each env
# function, GOT.mem or GOT.func import of the libraries that no library
# defines and wasmdl does not provide itself (libdl), and that libc (or,
# with MAIN_CXX, libc++) defines.
# An import nobody defines fails the build here, not at run time; one the
# main's own objects define is exported by --export-dynamic already.
main_exports() {
  local objs=() libs=()
  while [[ $1 != -- ]]; do objs+=("$1"); shift; done
  shift
  libs=("$@")
  local json=$OBJ/inspect.$$.json own=$OBJ/own.$$.symbols
  "$WASMDL" inspect --json "${libs[@]}" >"$json"
  "$NM" --defined-only --extern-only --format=just-symbols "${objs[@]}" 2>/dev/null |
    grep -v -e '^$' -e ':$' | sort -u >"$own"
  local rc=0
  python3 - "$json" "$(libc_symbols)" "$own" <<'PY' || rc=$?
import json, sys
doc = json.load(open(sys.argv[1]))
libc = set(open(sys.argv[2]).read().split())
own = set(open(sys.argv[3]).read().split())
host = {"dlopen", "dlsym", "dlclose", "dlerror", "dladdr", "__wasm_setjmp", "__wasm_setjmp_test", "__wasm_longjmp"}
defined, wanted, weak = set(), {}, set()
for f in doc["files"]:
    if "error" in f:
        sys.exit("realworld: cannot read %s: %s" % (f["file"], f["error"]))
    defined.update(s["name"] for s in f["symbols"])
    for imp in f["imports"]:
        if imp["role"] in ("function", "got_mem", "got_func"):
            wanted.setdefault(imp["name"], f["file"])
            if imp["weak"]:
                weak.add(imp["name"])
missing = []
for name in sorted(wanted):
    if name in defined or name in host or name in own:
        continue
    if name in libc:
        print("-Wl,--export=" + name)
    elif name not in weak:
        missing.append("%s (imported by %s)" % (name, wanted[name]))
if missing:
    sys.exit("realworld: nothing defines " + ", ".join(missing))
PY
  rm -f "$json" "$own"
  return "$rc"
}

# wasm_main OUT OBJS... -- LIBS... [-- EXTRA_LINK_FLAGS...]: a non-PIE
# wasi-libc main in the reactor model (recipe iv, as testdata/recipes.sh
# libc_main), NEEDing LIBS, exporting what LIBS and PLUGINS import from
# libc. PLUGINS (dlopen'ed later) are given with +: +rwlib.so. With
# MAIN_CXX set, a C++ main: linked with libc++ and libc++abi (static
# archives, so they live in the main), which it serves to LIBS and PLUGINS
# like libc.
wasm_main() {
  local out=$1
  shift
  local objs=() libs=() plugins=() extra=() a
  while [[ $# -gt 0 && $1 != -- ]]; do objs+=("$1"); shift; done
  shift
  while [[ $# -gt 0 && $1 != -- ]]; do
    if [[ $1 == +* ]]; then plugins+=("${1#+}"); else libs+=("$1"); fi
    shift
  done
  [[ $# -gt 0 ]] && shift
  extra=("$@")
  local stubs=() exports
  for a in "${libs[@]}"; do stubs+=("$(stub_so "$(basename "$a")")"); done
  exports=$(main_exports "${objs[@]}" -- "${libs[@]}" "${plugins[@]}")
  local cc=$CLANG
  [[ -n ${MAIN_CXX:-} ]] && cc=$CLANGXX
  # shellcheck disable=SC2086
  "$cc" --target=wasm32-wasi -mexec-model=reactor -o "$out" "${objs[@]}" "${stubs[@]}" \
    -Wl,--export-dynamic -Wl,--import-memory -Wl,--import-table -Wl,--growable-table \
    -Wl,--experimental-pic -Wl,--unresolved-symbols=import-dynamic \
    -Wl,--export=__stack_pointer -Wl,--export=__main_void \
    -Wl,--export=exit -Wl,--export=fflush -Wl,--export=__cxa_atexit \
    $exports "${extra[@]}" -Wl,--strip-debug
}

# static_main OUT OBJS... [LINK_FLAGS...]: the same program as one plain
# WASI command module (with libc++ when MAIN_CXX is set).
static_main() {
  local out=$1 cc=$CLANG
  shift
  [[ -n ${MAIN_CXX:-} ]] && cc=$CLANGXX
  "$cc" --target=wasm32-wasi -o "$out" "$@" -Wl,--strip-debug
}

# obj_of DIR SRC: the object build_objs makes in DIR for SRC, named after it.
obj_of() {
  local b
  b=$(basename "$2")
  echo "$1/${b%.*}.o"
}

# build_objs DIR CC FLAGS -- SRCS...: compile SRCS into DIR in parallel.
# CC is cc_wasm or cc_native; FLAGS is the name of an array variable.
build_objs() {
  local dir=$1 cc=$2 flagsvar=$3 s
  shift 4
  local -n flags=$flagsvar
  mkdir -p "$dir"
  for s in "$@"; do
    bg "$cc" "$(obj_of "$dir" "$s")" "$s" "${flags[@]}"
  done
}

# objs_of DIR SRCS...: the object paths build_objs made for SRCS.
objs_of() {
  local dir=$1 s
  shift
  for s in "$@"; do obj_of "$dir" "$s"; done
}

# ------------------------------------------------------------------- zlib ----

build_zlib() {
  local z=$SRC/zlib st
  fetch zlib zlib
  st=$(stamp_of zlib "$RW"/zlib/*.c)
  if up_to_date zlib "$st"; then say "zlib: up to date"; return; fi
  say "zlib: building from $(cat "$z/.fetched")"
  local o=$OBJ/zlib d=$OUT/zlib
  rm -rf "$d"
  mkdir -p "$d/wasm" "$d/native" "$d/static"
  local lib=(adler32 crc32 deflate infback inffast inflate inftrees trees zutil compress uncompr
    gzclose gzlib gzread gzwrite)
  local libsrc=() s
  for s in "${lib[@]}"; do libsrc+=("$z/$s.c"); done
  local progs=("$z/test/example.c" "$z/test/minigzip.c" "$RW/zlib/zbig.c")
  local f_pic=("${PIC[@]}" "${ZLIB_DEFS[@]}" -I"$z")
  local f_static=("${STATIC[@]}" "${ZLIB_DEFS[@]}" -I"$z")
  local f_native=(-fPIC "${ZLIB_DEFS[@]}" -I"$z")
  build_objs "$o/pic" cc_wasm f_pic -- "${libsrc[@]}" "${progs[@]}"
  build_objs "$o/static" cc_wasm f_static -- "${libsrc[@]}" "${progs[@]}"
  build_objs "$o/native" cc_native f_native -- "${libsrc[@]}" "${progs[@]}"
  # zbig once more without HAVE_UNISTD_H: a z_off_t of 32 bits against a
  # libz.so built with 64, which wasmdl must refuse naming both types.
  local f_offt32=()
  for s in "${f_pic[@]}"; do [[ $s == -DHAVE_UNISTD_H ]] || f_offt32+=("$s"); done
  build_objs "$o/offt32" cc_wasm f_offt32 -- "$RW/zlib/zbig.c"
  wait_all

  say "zlib: linking"
  mapfile -t lo < <(objs_of "$o/pic" "${libsrc[@]}")
  wasm_solib "$d/wasm/libz.so" "${lo[@]}"
  mapfile -t so < <(objs_of "$o/static" "${libsrc[@]}")
  mapfile -t no < <(objs_of "$o/native" "${libsrc[@]}")
  "$GCC" -shared -Wl,-soname,libz.so -o "$d/native/libz.so" "${no[@]}"
  local p n
  for p in "${progs[@]}"; do
    n=$(basename "${p%.c}")
    wasm_main "$d/wasm/$n.wasm" "$o/pic/$n.o" -- "$d/wasm/libz.so"
    static_main "$d/static/$n.wasm" "$o/static/$n.o" "${so[@]}"
    # shellcheck disable=SC2016
    "$GCC" -o "$d/native/$n" "$o/native/$n.o" "$d/native/libz.so" -Wl,-rpath,'$ORIGIN'
  done
  wasm_main "$d/wasm/zbig-offt32.wasm" "$o/offt32/zbig.o" -- "$d/wasm/libz.so"
  echo "$st" >"$d/stamp"
}

# -------------------------------------------------------------------- lua ----

# multiarch_header DIR TUPLE: DIR/lua5.4-deb-multiarch.h, as Debian's build
# makes it.
multiarch_header() {
  mkdir -p "$1"
  printf '#define DEB_HOST_MULTIARCH "%s"\n' "$2" >"$1/lua5.4-deb-multiarch.h"
}

build_lua() {
  local l=$SRC/lua/src st
  fetch lua5.4 lua
  st=$(stamp_of lua "$RW"/lua/*.c "$RW"/lua/*.h "$RW"/lua/nosetjmp/* "$RW"/lua/scripts/* "$RW/static/staticdl.c" "$RW/static/sjlj_rt.c" "$GUEST_INCLUDE/setjmp.h")
  if up_to_date lua "$st"; then say "lua: up to date"; return; fi
  say "lua: building $(cat "$SRC/lua/.fetched") (variant $LUA_VARIANT)"
  local o=$OBJ/lua d=$OUT/lua
  rm -rf "$d"
  mkdir -p "$d/wasm" "$d/native" "$d/static"
  local core=(lapi lcode lctype ldebug ldo ldump lfunc lgc llex lmem lobject lopcodes lparser
    lstate lstring ltable ltm lundump lvm lzio lauxlib lbaselib lcorolib ldblib liolib lmathlib
    loadlib loslib lstrlib ltablib lutf8lib linit)
  local libsrc=() s
  for s in "${core[@]}"; do libsrc+=("$l/$s.c"); done
  # Debian's luaconf.h includes a header its build generates, naming the
  # multiarch tuple that goes into the default C module path.
  multiarch_header "$o/wasm-include" wasm32-wasi
  multiarch_header "$o/native-include" "$($GCC -dumpmachine)"
  local f_pic=("${PIC[@]}" "${LUA_DEFS[@]}" "${LUA_WASM_ONLY[@]}" -I"$l" -I"$o/wasm-include")
  local f_static=("${STATIC[@]}" "${LUA_DEFS[@]}" "${LUA_WASM_ONLY[@]}" -I"$l" -I"$o/wasm-include")
  local f_native=(-fPIC "${LUA_DEFS[@]}" -I"$l" -I"$o/native-include")
  local extra=("$l/lua.c" "$RW/lua/rwlib.c")
  build_objs "$o/pic" cc_wasm f_pic -- "${libsrc[@]}" "${extra[@]}" "$RW/lua/wasi_stubs.c"
  build_objs "$o/static" cc_wasm f_static -- "${libsrc[@]}" "${extra[@]}" "$RW/lua/wasi_stubs.c"
  local f_staticdl=("${STATIC[@]}" -DSTATICDL_LUA)
  build_objs "$o/static" cc_wasm f_staticdl -- "$RW/static/staticdl.c"
  local static_rt=()
  if [[ $LUA_VARIANT == setjmp ]]; then
    # One module and no loader: it brings its own setjmp/longjmp runtime
    # (clang needs -fPIC to compile __builtin_wasm_throw).
    local f_rt=("${STATIC[@]}" -fPIC -mexception-handling)
    build_objs "$o/static" cc_wasm f_rt -- "$RW/static/sjlj_rt.c"
    static_rt=("$o/static/sjlj_rt.o")
  fi
  build_objs "$o/native" cc_native f_native -- "${libsrc[@]}" "${extra[@]}"
  wait_all

  say "lua: linking"
  mapfile -t lo < <(objs_of "$o/pic" "${libsrc[@]}")
  wasm_solib "$d/wasm/liblua.so" "${lo[@]}"
  # The C module is linked without liblua.so, as Debian's Lua modules are:
  # lua_* come from the interpreter's global scope.
  wasm_solib "$d/wasm/rwlib.so" "$o/pic/rwlib.o"
  wasm_main "$d/wasm/lua.wasm" "$o/pic/lua.o" "$o/pic/wasi_stubs.o" -- "$d/wasm/liblua.so" +"$d/wasm/rwlib.so" \
    -- "${LUA_WASI_LIBS[@]}"
  mapfile -t so < <(objs_of "$o/static" "${libsrc[@]}")
  static_main "$d/static/lua.wasm" "$o/static/lua.o" "$o/static/wasi_stubs.o" "$o/static/rwlib.o" \
    "$o/static/staticdl.o" "${static_rt[@]}" "${so[@]}" "${LUA_WASI_LIBS[@]}"
  mapfile -t no < <(objs_of "$o/native" "${libsrc[@]}")
  "$GCC" -shared -Wl,-soname,liblua.so -o "$d/native/liblua.so" "${no[@]}" -lm -ldl
  # shellcheck disable=SC2016
  "$GCC" -o "$d/native/lua" "$o/native/lua.o" "$d/native/liblua.so" -Wl,-rpath,'$ORIGIN' -lm
  "$GCC" -shared -o "$d/native/rwlib.so" "$o/native/rwlib.o"
  echo "$LUA_VARIANT" >"$d/variant"
  echo "$st" >"$d/stamp"
}

# ----------------------------------------------------------------- sqlite ----

# sqlite_amalgamation: sqlite3.c from Debian's source tree (configure, then
# make sqlite3.c, which needs tclsh), made once.
sqlite_amalgamation() {
  local b=$SRC/sqlite-build
  [[ -f $b/sqlite3.c && -f $b/.done ]] && return
  say "sqlite: making the amalgamation (configure; make sqlite3.c)"
  rm -rf "$b"
  mkdir -p "$b"
  (cd "$b" && "$SRC/sqlite/configure" --disable-tcl >configure.log 2>&1 && make sqlite3.c >make.log 2>&1) ||
    { tail -20 "$b"/*.log >&2; die "making sqlite3.c failed"; }
  touch "$b/.done"
}

build_sqlite() {
  local st
  fetch sqlite3 sqlite
  sqlite_amalgamation
  local a=$SRC/sqlite-build
  st=$(stamp_of sqlite "$RW"/sqlite/*.c "$RW"/sqlite/*.h "$RW/static/staticdl.c")
  if up_to_date sqlite "$st"; then say "sqlite: up to date"; return; fi
  say "sqlite: building $(cat "$SRC/sqlite/.fetched")"
  local o=$OBJ/sqlite d=$OUT/sqlite
  rm -rf "$d"
  mkdir -p "$d/wasm" "$d/native" "$d/static"
  local f_pic=("${PIC[@]}" "${SQLITE_DEFS[@]}" "${SQLITE_WASM_ONLY[@]}" -I"$a")
  local f_static=("${STATIC[@]}" "${SQLITE_DEFS[@]}" "${SQLITE_WASM_ONLY[@]}" -I"$a")
  local f_native=(-fPIC "${SQLITE_DEFS[@]}" -I"$a")
  local progs=("$RW/sqlite/sqlwork.c" "$RW/sqlite/rwext.c")
  build_objs "$o/pic" cc_wasm f_pic -- "$a/sqlite3.c" "${progs[@]}"
  build_objs "$o/static" cc_wasm f_static -- "$a/sqlite3.c" "${progs[@]}"
  local f_staticdl=("${STATIC[@]}" -DSTATICDL_SQLITE)
  build_objs "$o/static" cc_wasm f_staticdl -- "$RW/static/staticdl.c"
  build_objs "$o/native" cc_native f_native -- "$a/sqlite3.c" "${progs[@]}"
  wait_all

  say "sqlite: linking"
  wasm_solib "$d/wasm/libsqlite3.so" "$o/pic/sqlite3.o"
  wasm_solib "$d/wasm/rwext.so" "$o/pic/rwext.o"
  wasm_main "$d/wasm/sqlwork.wasm" "$o/pic/sqlwork.o" -- "$d/wasm/libsqlite3.so" +"$d/wasm/rwext.so" \
    -- "${SQLITE_WASI_LIBS[@]}"
  static_main "$d/static/sqlwork.wasm" "$o/static/sqlwork.o" "$o/static/sqlite3.o" "$o/static/rwext.o" \
    "$o/static/staticdl.o" "${SQLITE_WASI_LIBS[@]}"
  "$GCC" -shared -Wl,-soname,libsqlite3.so -o "$d/native/libsqlite3.so" "$o/native/sqlite3.o" -lm -ldl
  # shellcheck disable=SC2016
  "$GCC" -o "$d/native/sqlwork" "$o/native/sqlwork.o" "$d/native/libsqlite3.so" -Wl,-rpath,'$ORIGIN'
  "$GCC" -shared -o "$d/native/rwext.so" "$o/native/rwext.o"
  echo "$st" >"$d/stamp"
}

# --------------------------------------------------------------- tinyxml2 ----

build_tinyxml2() {
  local t=$SRC/tinyxml2 st
  fetch tinyxml2 tinyxml2
  st=$(stamp_of tinyxml2 "$RW"/tinyxml2/* "$RW/static/staticdl.c")
  if up_to_date tinyxml2 "$st"; then say "tinyxml2: up to date"; return; fi
  say "tinyxml2: building $(cat "$t/.fetched")"
  local o=$OBJ/tinyxml2 d=$OUT/tinyxml2
  rm -rf "$d"
  mkdir -p "$d/wasm" "$d/native" "$d/static"
  local lib=("$t/tinyxml2.cpp")
  local progs=("$t/xmltest.cpp" "$RW/tinyxml2/xmlwork.cpp" "$RW/tinyxml2/xmlplug.cpp")
  local f_pic=("${PIC[@]}" "${TINYXML2_DEFS[@]}" "${TINYXML2_WASM_ONLY[@]}" -I"$t")
  local f_static=("${STATIC[@]}" "${TINYXML2_DEFS[@]}" "${TINYXML2_WASM_ONLY[@]}" -I"$t")
  local f_native=(-fPIC "${TINYXML2_DEFS[@]}" -I"$t")
  # shellcheck disable=SC2034 # used through build_objs
  local l_pic=("${f_pic[@]}" "${TINYXML2_LIB_DEFS[@]}") l_static=("${f_static[@]}" "${TINYXML2_LIB_DEFS[@]}") \
    l_native=("${f_native[@]}" "${TINYXML2_LIB_DEFS[@]}")
  build_objs "$o/pic" cc_wasm l_pic -- "${lib[@]}"
  build_objs "$o/pic" cc_wasm f_pic -- "${progs[@]}"
  build_objs "$o/static" cc_wasm l_static -- "${lib[@]}"
  build_objs "$o/static" cc_wasm f_static -- "${progs[@]}"
  local f_staticdl=("${STATIC[@]}" -DSTATICDL_TINYXML2)
  build_objs "$o/static" cc_wasm f_staticdl -- "$RW/static/staticdl.c"
  build_objs "$o/native" cc_native l_native -- "${lib[@]}"
  build_objs "$o/native" cc_native f_native -- "${progs[@]}"
  wait_all

  say "tinyxml2: linking"
  # xmltest reads resources/ and writes into resources/out/.
  cp -r "$t/resources" "$d/resources"
  wasm_solib "$d/wasm/libtinyxml2.so" "$o/pic/tinyxml2.o"
  # The plugin NEEDs the library, as it would natively (linked from the
  # folder, so that NEEDED is the bare name).
  (cd "$d/wasm" && wasm_solib xmlplug.so "$o/pic/xmlplug.o" libtinyxml2.so)
  export MAIN_CXX=1
  wasm_main "$d/wasm/xmltest.wasm" "$o/pic/xmltest.o" -- "$d/wasm/libtinyxml2.so" -- "${TINYXML2_WASI_LIBS[@]}"
  wasm_main "$d/wasm/xmlwork.wasm" "$o/pic/xmlwork.o" -- "$d/wasm/libtinyxml2.so" +"$d/wasm/xmlplug.so"
  static_main "$d/static/xmltest.wasm" "$o/static/xmltest.o" "$o/static/tinyxml2.o" "${TINYXML2_WASI_LIBS[@]}"
  static_main "$d/static/xmlwork.wasm" "$o/static/xmlwork.o" "$o/static/xmlplug.o" "$o/static/staticdl.o" \
    "$o/static/tinyxml2.o"
  unset MAIN_CXX
  "$GXX" -shared -Wl,-soname,libtinyxml2.so -o "$d/native/libtinyxml2.so" "$o/native/tinyxml2.o"
  (cd "$d/native" && "$GXX" -shared -o xmlplug.so "$o/native/xmlplug.o" libtinyxml2.so)
  # shellcheck disable=SC2016
  "$GXX" -o "$d/native/xmltest" "$o/native/xmltest.o" "$d/native/libtinyxml2.so" -Wl,-rpath,'$ORIGIN'
  # -rdynamic as the wasm main's --export-dynamic: the plugin uses the
  # program's type information (Noter).
  # shellcheck disable=SC2016
  "$GXX" -rdynamic -o "$d/native/xmlwork" "$o/native/xmlwork.o" "$d/native/libtinyxml2.so" -Wl,-rpath,'$ORIGIN' -ldl
  echo "$st" >"$d/stamp"
}

# ------------------------------------------------------------------- main ----

ensure_tools
TOOLS=$(
  $CLANG --version | head -1
  $GCC --version | head -1
  $GXX --version | head -1
  dpkg-query -W wasi-libc libc++-19-dev-wasm32 libc++abi-19-dev-wasm32 2>/dev/null || true
)
mkdir -p "$SRC" "$OBJ" "$OUT" "$CACHE/bin"
say "go build ./cmd/wasmdl"
WASMDL=$CACHE/bin/wasmdl
(cd "$ROOT" && go build -o "$WASMDL" ./cmd/wasmdl)

comps=("$@")
((${#comps[@]})) || comps=(zlib lua sqlite tinyxml2)
for c in "${comps[@]}"; do
  case $c in
  zlib | lua | sqlite | tinyxml2) COMP=$c "build_$c" ;;
  *) die "unknown component $c (known: zlib lua sqlite tinyxml2)" ;;
  esac
done
say "built into $OUT"
