#!/usr/bin/env bash
# Builds the CPython suite (make cpython): Debian's python3.11 source package
# four ways, each installed under its own prefix in $OUT:
#
#   native/  gcc, the twin every wasm result is compared with: the same
#            source, configure options and stdlib extension modules (built
#            as shared libraries with the same Setup.local), zlib and
#            SQLite from the real-world suite's native builds;
#   wasm/    python3.11.wasm, a non-PIE wasi-libc main in the reactor model
#            (TOOLCHAIN.md recipe iv), with every stdlib extension module
#            that configure enables for WASI built by CPython's own Makefile
#            as a wasm shared library in lib-dynload/, loaded on import
#            through Python/dynload_shlib.c (dlopen) by wasmdl; libz.so and
#            libsqlite3.so (the real-world suite's) in lib/;
#   static/  the same interpreter with those modules built in (CPython's
#            default for WASI), one plain module: the baseline of
#            cpython/bench.sh;
#   demo     wasmdemo, our own extension built outside CPython's tree
#            against the installed headers and sysconfig, as a wheel is, for
#            wasm and natively, installed into dist-packages.
#
# Sources, build trees and outputs live outside the repository, in
# ${WASMDL_CPYTHON_CACHE:-$HOME/.cache/wasmdl-cpython} (src/, build/, out/).
# A build tree is reconfigured only when its configure options, this
# script's inputs or the compilers change; make does the rest incrementally,
# and out/stamp skips everything when nothing changed. zlib and SQLite come
# from realworld/build.sh (its cache, ${WASMDL_REALWORLD_CACHE:-...}).
#
# Usage: cpython/build.sh
set -euo pipefail
export LC_ALL=C TZ=UTC SOURCE_DATE_EPOCH=0

CP=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ROOT=$(cd "$CP/.." && pwd)
CACHE=${WASMDL_CPYTHON_CACHE:-$HOME/.cache/wasmdl-cpython}
RWCACHE=${WASMDL_REALWORLD_CACHE:-$HOME/.cache/wasmdl-realworld}
SRC=$CACHE/src/python3.11
BUILD=$CACHE/build
OUT=$CACHE/out
CLANG=${CLANG:-clang-19}
JOBS=${JOBS:-$(nproc)}
PREFIX=/usr/local # the prefix every build is configured with (a guest path for wasm)
PYVER=3.11

say() { printf '== %s\n' "$*"; }
die() {
  printf 'cpython/build.sh: %s\n' "$*" >&2
  exit 1
}

# ------------------------------------------------------------ build flags ----
# What every build shares: CPython's default OPT without -g (debug sections
# would make the wasm modules several times larger), no pip, and SQLite's
# extension loading (Debian enables it; libsqlite3.so has it).
OPT_FLAGS="-DNDEBUG -fwrapv -O3 -Wall"
CONFIGURE_COMMON=(--prefix="$PREFIX" --without-ensurepip --enable-loadable-sqlite-extensions)

# zlib: HAVE_UNISTD_H decides the width of z_off_t and must be what libz.so
# was built with (realworld/build.sh ZLIB_DEFS).
ZLIB_DEFS="-DHAVE_UNISTD_H -DHAVE_STDARG_H"

# Per-module compile flags added to Setup.local. Debian's backport of the
# fix for CVE-2026-4224 makes pyexpat.c include pycore_ceval.h, an internal
# header, without defining Py_BUILD_CORE_MODULE as upstream's 3.11 branch
# does: as a shared module (Debian builds it in) it does not compile at all,
# natively or for wasm.
declare -A MODULE_EXTRA=([pyexpat]=-DPy_BUILD_CORE_MODULE)

RTLIB=$($CLANG --target=wasm32-wasi -print-libgcc-file-name 2>/dev/null || true)
WASM_CC="$CLANG --target=wasm32-wasi"
# Extension modules: TOOLCHAIN.md recipe (ii), with compiler-rt for the
# helpers -nostdlib leaves out. configure keeps LDSHARED and CCSHARED as
# given, and they end up in sysconfig, so extensions built later (demo/, a
# wheel) use them too.
WASM_LDSHARED="$WASM_CC -nostdlib -shared -Wl,--experimental-pic -Wl,--no-entry -Wl,--export=__wasm_call_ctors -Wl,--unresolved-symbols=import-dynamic $RTLIB"
WASM_CCSHARED=-fPIC
# The main: what configure puts in LDFLAGS_NODIST for WASI (stack, initial
# memory), given here instead because CPython also passes LDFLAGS_NODIST to
# the extension links, and then TOOLCHAIN.md recipe (iv): reactor model,
# imported memory and table, the stack pointer and the entry exported, the
# Python API exported (-fvisibility=hidden leaves only PyAPI_FUNC/DATA
# visible, as natively), dlopen and friends left to wasmdl.
WASM_MAIN_NODIST="-z stack-size=524288 -Wl,--stack-first -Wl,--initial-memory=10485760"
WASM_MAIN_FLAGS="-mexec-model=reactor -Wl,--export-dynamic -Wl,--import-memory -Wl,--import-table
  -Wl,--growable-table -Wl,--export=__stack_pointer -Wl,--export=__main_void -Wl,--export=exit
  -Wl,--export=fflush -Wl,--export=__cxa_atexit -lwasi-emulated-mman"
WASM_MAIN_FLAGS=${WASM_MAIN_FLAGS//$'\n'/ } # one line: it ends up in a make variable

# ------------------------------------------------------------------ tools ----

SUDO=
[[ $(id -u) == 0 ]] || SUDO=sudo

ensure_tools() {
  local need=() c
  for c in "$CLANG" wasm-ld-19 llvm-ar-19 gcc make dpkg-source; do
    command -v "$c" >/dev/null 2>&1 || need+=("$c")
  done
  [[ -e /usr/lib/wasm32-wasi/libc.a ]] || need+=(wasi-libc)
  [[ -e $RTLIB ]] || need+=(compiler-rt)
  ((${#need[@]} == 0)) && return
  say "installing tools (missing: ${need[*]})"
  export DEBIAN_FRONTEND=noninteractive
  $SUDO apt-get update -qq
  $SUDO apt-get install -y -qq clang-19 lld-19 llvm-19 libclang-rt-19-dev-wasm32 wasi-libc \
    gcc make dpkg-dev >/dev/null
  RTLIB=$($CLANG --target=wasm32-wasi -print-libgcc-file-name)
}

# ---------------------------------------------------------------- sources ----

# fetch_python: Debian's python3.11 source package of this release (the
# version of the codename, not a later security upload, as realworld/build.sh
# does), unpacked with its patches into $SRC.
fetch_python() {
  local codename dsc dl=$CACHE/src/dl
  [[ -f $SRC/.fetched ]] && return
  local f=/etc/apt/sources.list.d/debian.sources
  if [[ -f $f ]] && grep -q '^Types: deb$' "$f"; then
    say "adding deb-src to $f"
    $SUDO sed -i 's/^Types: deb$/Types: deb deb-src/' "$f"
    $SUDO apt-get update -qq
  fi
  codename=$(. /etc/os-release && echo "$VERSION_CODENAME")
  say "fetching python$PYVER ($codename) into $SRC"
  rm -rf "$SRC" "$dl"
  mkdir -p "$dl"
  if ! (cd "$dl" && apt-get source --download-only "python$PYVER/$codename" >apt.log 2>&1); then
    $SUDO apt-get update -qq
    (cd "$dl" && apt-get source --download-only "python$PYVER/$codename" >apt.log 2>&1) ||
      { cat "$dl/apt.log" >&2; die "apt-get source python$PYVER/$codename failed"; }
  fi
  dsc=$(ls "$dl"/*.dsc)
  dpkg-source -x "$dsc" "$SRC" >"$dl/dpkg-source.log" 2>&1 ||
    { cat "$dl/dpkg-source.log" >&2; die "dpkg-source -x $dsc failed"; }
  basename "$dsc" .dsc >"$SRC/.fetched"
}

# ---------------------------------------------------------- zlib, SQLite ----

RWOUT=$RWCACHE/out
RWOBJ=$RWCACHE/obj
RWSRC=$RWCACHE/src
# The real-world suite's library objects of zlib (realworld/build.sh
# build_zlib), archived for the static build.
ZLIB_OBJS=(adler32 crc32 deflate infback inffast inflate inftrees trees zutil compress uncompr
  gzclose gzlib gzread gzwrite)

# libraries: copies of libz.so and libsqlite3.so, wasm and native, in
# $BUILD/libs (the native ones are linked from there, with that rpath), and
# static archives of the same C for the static build.
libraries() {
  local l=$BUILD/libs
  rm -rf "$l"
  mkdir -p "$l/wasm" "$l/native" "$l/static"
  cp "$RWOUT/zlib/wasm/libz.so" "$RWOUT/sqlite/wasm/libsqlite3.so" "$l/wasm/"
  cp "$RWOUT/zlib/native/libz.so" "$RWOUT/sqlite/native/libsqlite3.so" "$l/native/"
  local o objs=()
  for o in "${ZLIB_OBJS[@]}"; do objs+=("$RWOBJ/zlib/static/$o.o"); done
  llvm-ar-19 rcs "$l/static/libz.a" "${objs[@]}"
  llvm-ar-19 rcs "$l/static/libsqlite3.a" "$RWOBJ/sqlite/static/sqlite3.o"
}

# --------------------------------------------------------------- helpers ----

# configure_tree DIR ARGS...: run CPython's configure in DIR (a fresh
# out-of-tree build) unless DIR was configured with the same ARGS, source
# and tools. Environment assignments go in ARGS (VAR=value), as configure
# takes them; the contents of a CONFIG_SITE=FILE among them count too.
configure_tree() {
  local dir=$1 key a
  shift
  key=$({
    printf '%s\n' "$@"
    cat "$SRC/.fetched"
    for a in "$@"; do [[ $a == CONFIG_SITE=* ]] && cat "${a#CONFIG_SITE=}"; done
    echo "$TOOLS"
  } | sha256sum | cut -d' ' -f1)
  if [[ -f $dir/.configured && $(cat "$dir/.configured") == "$key" ]]; then
    return
  fi
  say "configure $(basename "$dir")"
  rm -rf "$dir"
  mkdir -p "$dir"
  (cd "$dir" && nice "$SRC/configure" "$@" >configure.log 2>&1) ||
    { tail -30 "$dir/configure.log" >&2; die "configure failed in $dir (see $dir/configure.log, config.log)"; }
  echo "$key" >"$dir/.configured"
}

# pymake DIR ARGS...: make in DIR, its output in DIR/make.log.
pymake() {
  local dir=$1
  shift
  (cd "$dir" && nice make -j"$JOBS" "$@" >>make.log 2>&1) ||
    { grep -E -B2 -A8 'error|Error' "$dir/make.log" | tail -60 >&2; die "make $* failed in $dir (see $dir/make.log)"; }
}

# module_state DIR NAME: what configure decided for a stdlib module in DIR
# (yes, missing, disabled, n/a), or "" if configure has no such variable.
module_state() {
  sed -n "s/^MODULE_$(echo "$2" | tr '[:lower:]' '[:upper:]')_STATE=//p" "$1/Makefile"
}

# setup_local WASMDIR: Modules/Setup.local for both the native and the wasm
# build: "*shared*", then every module configure enabled for WASI (the
# uncommented lines of the *static* part of the wasm tree's
# Modules/Setup.stdlib, where CPython puts every module for wasm32), each
# with its configure flags and MODULE_EXTRA. makesetup takes the first rule
# for a module, and Setup.local comes first.
setup_local() {
  local name srcs up
  echo "# cpython/build.sh: every stdlib module configure enables for wasm32-wasi, shared"
  echo '*shared*'
  awk '/^\*shared\*/ { exit } /^[A-Za-z_]/' "$1/Modules/Setup.stdlib" |
    while read -r name srcs; do
      up=$(echo "$name" | tr '[:lower:]' '[:upper:]')
      echo "$name $srcs ${MODULE_EXTRA[$name]:-} \$(MODULE_${up}_CFLAGS) \$(MODULE_${up}_LDFLAGS)"
    done
}

# missing_for_wasm WASMDIR: modules the wasm build lacks for want of a
# library (configure state "missing"), plus the two that only setup.py
# knows (_ctypes: libffi, readline). The native twin disables them, so that
# the tests see the same stdlib (hashlib without OpenSSL, no ctypes). Modules
# that WASI cannot have (n/a: fcntl, _posixsubprocess, ...) stay: the native
# interpreter and its test runner need them.
missing_for_wasm() {
  sed -n 's/^MODULE_\([A-Z0-9_]*\)_STATE=missing$/\1/p' "$1/Makefile" | tr '[:upper:]' '[:lower:]'
  echo _ctypes
  echo readline
}

# sysconfig_var PREFIXDIR NAME: a build-time variable of the installed
# interpreter under PREFIXDIR, read from its _sysconfigdata file with the
# native interpreter, as a cross build of a wheel reads it.
sysconfig_var() {
  local data
  data=$(ls "$1/lib/python$PYVER"/_sysconfigdata__*.py | head -1)
  "$BUILD_PY" -c 'import importlib.util as u, sys
s = u.spec_from_file_location("sysconfigdata", sys.argv[1])
m = u.module_from_spec(s)
s.loader.exec_module(m)
print(m.build_time_vars[sys.argv[2]])' "$data" "$2"
}

# ----------------------------------------------------------------- builds ----

NATIVE=$BUILD/native
WASM=$BUILD/wasm
STATIC=$BUILD/static
BUILD_PY=$NATIVE/python

# configure_native: the native twin, configured and its interpreter built
# first: the wasm build needs it (--with-build-python must be this version).
configure_native() {
  local l=$BUILD/libs/native
  configure_tree "$NATIVE" "${CONFIGURE_COMMON[@]}" OPT="$OPT_FLAGS" \
    ZLIB_CFLAGS="-I$RWSRC/zlib $ZLIB_DEFS" ZLIB_LIBS="-L$l -lz -Wl,-rpath,$l" \
    LIBSQLITE3_CFLAGS="-I$RWSRC/sqlite-build" LIBSQLITE3_LIBS="-L$l -lsqlite3 -Wl,-rpath,$l"
  say "native: the build interpreter"
  pymake "$NATIVE" python
}

# configure_cross DIR KIND [VAR=value...]: configure for wasm32-wasi in DIR,
# with config.site's answers, the extra assignments given, and zlib and
# SQLite from $BUILD/libs/KIND (KIND wasm: the shared libraries; static:
# archives).
configure_cross() {
  local dir=$1 l=$BUILD/libs/$2 ext=so build
  shift 2
  [[ $l == */static ]] && ext=a
  build=$("$SRC/config.guess")
  configure_tree "$dir" "${CONFIGURE_COMMON[@]}" --host=wasm32-unknown-wasi --build="$build" \
    CONFIG_SITE="$CP/config.site-wasm32-wasi" PY_SRC="$SRC" \
    --with-build-python="$BUILD_PY" CC="$WASM_CC" AR=llvm-ar-19 OPT="$OPT_FLAGS" \
    CPPFLAGS="-I$ROOT/guest/include" CFLAGS=-Wno-error=int-conversion "$@" PKG_CONFIG=false \
    ZLIB_CFLAGS="-I$RWSRC/zlib $ZLIB_DEFS" ZLIB_LIBS="$l/libz.$ext" \
    LIBSQLITE3_CFLAGS="-I$RWSRC/sqlite-build" LIBSQLITE3_LIBS="$l/libsqlite3.$ext"
}

# configure_wasm: LDSHARED and CCSHARED are taken as given (configure
# leaves them empty for WASI).
configure_wasm() {
  configure_cross "$WASM" wasm LDSHARED="$WASM_LDSHARED" CCSHARED="$WASM_CCSHARED"
}

# install_tests DEST: the test packages Debian's 3.11.2 Makefile leaves out
# of TESTSUBDIRS (upstream added them in a later 3.11 release), copied from
# the source into the installed interpreter under DEST.
install_tests() {
  local d
  for d in test_capi test_sqlite3; do
    if [[ ! -d $1$PREFIX/lib/python$PYVER/test/$d ]]; then
      cp -r "$SRC/Lib/test/$d" "$1$PREFIX/lib/python$PYVER/test/$d"
    fi
  done
}

build_native() {
  local dest=$OUT/native m
  {
    setup_local "$WASM"
    echo '*disabled*'
    missing_for_wasm "$WASM"
  } >"$NATIVE/Modules/Setup.local.new"
  cmp -s "$NATIVE/Modules/Setup.local.new" "$NATIVE/Modules/Setup.local" ||
    mv "$NATIVE/Modules/Setup.local.new" "$NATIVE/Modules/Setup.local"
  rm -f "$NATIVE/Modules/Setup.local.new"
  say "native: make"
  pymake "$NATIVE" all
  say "native: install into $dest"
  rm -rf "$dest"
  pymake "$NATIVE" install DESTDIR="$dest" COMPILEALL_OPTS=-j0
  install_tests "$dest"
  for m in $(missing_for_wasm "$WASM"); do
    if ls "$dest$PREFIX/lib/python$PYVER/lib-dynload/$m".* >/dev/null 2>&1; then
      die "native: $m was built although Setup.local disables it"
    fi
  done
}

# build_wasm: the extension modules first (they do not need the
# interpreter), then the interpreter, exporting everything they import
# (wasmdl exports); then install.
build_wasm() {
  local dest=$OUT/wasm exports mods
  setup_local "$WASM" >"$WASM/Modules/Setup.local.new"
  cmp -s "$WASM/Modules/Setup.local.new" "$WASM/Modules/Setup.local" ||
    mv "$WASM/Modules/Setup.local.new" "$WASM/Modules/Setup.local"
  rm -f "$WASM/Modules/Setup.local.new"
  local vars=(CONFIGURE_LDFLAGS_NODIST=)
  say "wasm: extension modules"
  pymake "$WASM" "${vars[@]}" oldsharedmods
  mapfile -t mods < <(ls "$WASM"/Modules/*.so)
  ((${#mods[@]} > 0)) || die "wasm: no extension module was built"
  # What the main must export for them: every function and data symbol
  # they, libz.so and libsqlite3.so import that none of them defines and
  # wasmdl does not provide (libdl). A name libc and CPython both lack
  # fails the link below, naming it.
  # The demo "wheel" is part of that set: compiled here against the
  # build tree's headers, as build_demo compiles it later against the
  # installed ones.
  local pre=$BUILD/demo/pre
  mkdir -p "$pre"
  # shellcheck disable=SC2086
  $WASM_CC $OPT_FLAGS $WASM_CCSHARED -I"$SRC/Include" -I"$WASM" -c "$CP/demo/wasmdemo.c" -o "$pre/wasmdemo.o"
  # shellcheck disable=SC2086
  $WASM_LDSHARED "$pre/wasmdemo.o" -o "$pre/wasmdemo.so"
  exports=$("$WASMDL" exports --flags "${mods[@]}" "$pre/wasmdemo.so" \
    "$BUILD/libs/wasm/libz.so" "$BUILD/libs/wasm/libsqlite3.so")
  printf '%s\n' "$exports" >"$WASM/exports.flags"
  echo "dlopen dlsym dlclose dlerror dladdr" | tr ' ' '\n' >"$WASM/libdl.syms"
  vars+=(LINKFORSHARED="$WASM_MAIN_NODIST $WASM_MAIN_FLAGS -Wl,--allow-undefined-file=$WASM/libdl.syms $(tr '\n' ' ' <"$WASM/exports.flags")")
  say "wasm: python$PYVER.wasm ($(wc -l <"$WASM/exports.flags") exports for the modules)"
  # make does not see a changed LINKFORSHARED: link again every time.
  rm -f "$WASM/python.wasm"
  pymake "$WASM" "${vars[@]}" all
  # Debian's install rule wants _sysconfigdata__MULTIARCH.py (its own
  # naming), while a cross build writes the upstream name,
  # _sysconfigdata__wasi_wasm32-wasi.py: give it both.
  local b
  b=$WASM/$(cat "$WASM/pybuilddir.txt")
  cp "$b/_sysconfigdata__wasi_wasm32-wasi.py" "$b/_sysconfigdata__wasm32-wasi.py"
  say "wasm: install into $dest"
  rm -rf "$dest"
  pymake "$WASM" "${vars[@]}" install DESTDIR="$dest" COMPILEALL_OPTS=-j0
  cp "$BUILD/libs/wasm/libz.so" "$BUILD/libs/wasm/libsqlite3.so" "$dest$PREFIX/lib/"
  # Only the interpreter and the libraries are wasm modules wasmdl runs;
  # libpython3.11.a is not needed by anyone.
  rm -f "$dest$PREFIX/lib/libpython$PYVER.a"
  install_tests "$dest"
}

# configure_static: the same configure as the wasm build, without LDSHARED
# and CCSHARED, so CPython's default for wasm32 holds (every module built
# in); zlib and SQLite from archives of the real-world suite's static
# objects.
configure_static() {
  configure_cross "$STATIC" static
}

# build_static: python3.11.wasm with every module built in, one plain WASI
# command module.
build_static() {
  # The test modules CPython always builds shared are left out (no LDSHARED
  # here); pyexpat built in defines Py_BUILD_CORE_BUILTIN and compiles.
  printf '*disabled*\n_testimportmultiple\n_testmultiphase\nxxlimited\nxxlimited_35\n' \
    >"$STATIC/Modules/Setup.local.new"
  cmp -s "$STATIC/Modules/Setup.local.new" "$STATIC/Modules/Setup.local" ||
    mv "$STATIC/Modules/Setup.local.new" "$STATIC/Modules/Setup.local"
  rm -f "$STATIC/Modules/Setup.local.new"
  echo "dlopen dlsym dlclose dlerror dladdr" | tr ' ' '\n' >"$STATIC/libdl.syms"
  say "static: python$PYVER.wasm with every module built in"
  pymake "$STATIC" LINKFORSHARED="-lwasi-emulated-mman -Wl,--allow-undefined-file=$STATIC/libdl.syms" \
    "python.wasm"
  rm -rf "$OUT/static"
  mkdir -p "$OUT/static"
  cp "$STATIC/python.wasm" "$OUT/static/python$PYVER.wasm"
}

# build_demo: demo/wasmdemo.c built as a wheel is: outside CPython's tree,
# with the compiler, flags, LDSHARED and extension suffix of the installed
# interpreter's sysconfig and its installed headers, into its
# dist-packages. Then wasmdl exports --main checks that python3.11.wasm
# exports everything the stdlib modules, the libraries and this "wheel"
# need, as an audit of a wheel would.
build_demo() {
  local kind prefix cc cflags ccshared ldshared suffix inc site o
  for kind in wasm native; do
    prefix=$OUT/$kind$PREFIX
    cc=$(sysconfig_var "$prefix" CC)
    cflags=$(sysconfig_var "$prefix" CFLAGS)
    ccshared=$(sysconfig_var "$prefix" CCSHARED)
    ldshared=$(sysconfig_var "$prefix" LDSHARED)
    suffix=$(sysconfig_var "$prefix" EXT_SUFFIX)
    inc=$prefix/include/python$PYVER
    # Debian's site.py puts dist-packages, not site-packages, on sys.path
    site=$prefix/lib/python$PYVER/dist-packages
    o=$BUILD/demo/$kind
    mkdir -p "$o" "$site"
    say "demo: wasmdemo$suffix"
    # shellcheck disable=SC2086
    $cc $cflags $ccshared -Wextra -Werror -I"$inc" -c "$CP/demo/wasmdemo.c" -o "$o/wasmdemo.o"
    # shellcheck disable=SC2086
    $ldshared "$o/wasmdemo.o" -o "$site/wasmdemo$suffix"
  done
  local p=$OUT/wasm$PREFIX
  "$WASMDL" exports --main "$p/bin/python$PYVER.wasm" "$p/lib/python$PYVER/lib-dynload/"*.so \
    "$p/lib/"*.so "$p/lib/python$PYVER/dist-packages/"*.so ||
    die "python$PYVER.wasm does not export everything its modules need (above)"
}

# check_modules: the native twin has every extension module the wasm build
# has (modules.txt lists them, one per line, for the tests).
check_modules() {
  local w n
  w=$(cd "$OUT/wasm$PREFIX/lib/python$PYVER/lib-dynload" && ls | sed 's/\..*//' | sort)
  n=$(cd "$OUT/native$PREFIX/lib/python$PYVER/lib-dynload" && ls | sed 's/\..*//' | sort)
  local lack
  lack=$(comm -23 <(echo "$w") <(echo "$n"))
  [[ -z $lack ]] || die "the native build lacks these modules of the wasm build: $lack"
  echo "$w" >"$OUT/modules.txt"
}

# ------------------------------------------------------------------- main ----

ensure_tools
say "zlib and SQLite (realworld/build.sh)"
WASMDL_REALWORLD_CACHE=$RWCACHE bash "$ROOT/realworld/build.sh" zlib sqlite
fetch_python
TOOLS=$($CLANG --version | head -1; gcc --version | head -1; dpkg-query -W wasi-libc 2>/dev/null || true)
mkdir -p "$BUILD" "$OUT" "$CACHE/bin"
say "go build ./cmd/wasmdl"
WASMDL=$CACHE/bin/wasmdl
(cd "$ROOT" && go build -o "$WASMDL" ./cmd/wasmdl)

stamp=$({
  cat "$SRC/.fetched"
  sha256sum "$CP/build.sh" "$CP/config.site-wasm32-wasi" "$CP"/demo/*.c "$ROOT/guest/include/dlfcn.h" |
    sed "s|$ROOT/||"
  sha256sum "$RWOUT"/zlib/{wasm,native}/libz.so "$RWOUT"/sqlite/{wasm,native}/libsqlite3.so |
    sed "s|$RWOUT/||"
  echo "$TOOLS"
} | sha256sum | cut -d' ' -f1)
if [[ -f $OUT/stamp && $(cat "$OUT/stamp") == "$stamp" ]]; then
  say "cpython: up to date ($OUT)"
  exit 0
fi
rm -f "$OUT/stamp"
libraries
configure_native
# The two cross configures are long and mostly serial: run them together.
configure_wasm &
wasm_pid=$!
configure_static &
static_pid=$!
wait "$wasm_pid" || die "configuring the wasm build failed"
wait "$static_pid" || die "configuring the static build failed"
build_native
build_wasm
build_static
build_demo
check_modules
echo "$(cat "$SRC/.fetched")" >"$OUT/version"
echo "$stamp" >"$OUT/stamp"
say "built into $OUT: $(wc -l <"$OUT/modules.txt") extension modules"
