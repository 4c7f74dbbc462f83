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

# shellcheck source=recipes.sh
source "$TD/recipes.sh"

# ------------------------------------------------- remove stale outputs ----

find reader seed link eh cxx \( -name '*.wasm' -o -name '*.so' -o -name expected.stdout \
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

at link/closedworld
lib libcwa.so cwa.c
lib libcwb.so cwb.c libcwa.so
prog libcwa.so libcwb.so

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

at link/interpose
lib libfirst.so first.c
lib libsecond.so second.c
prog libfirst.so libsecond.so

at link/finiorder
lib libfbase.so base.c
lib libfl.so l.c libfbase.so
lib libfr.so r.c libfbase.so
lib libfprio.so prio.c libfl.so libfr.so
prog libfprio.so

at link/abi
lib libfmt.so fmt.c
lib libva.so va.c libfmt.so
prog libva.so libfmt.so -Wl,--export=vsnprintf

at link/libcstate
lib libstate.so state.c
prog libstate.so -Wl,--export=errno -Wl,--export=strtol -Wl,--export=strtok -Wl,--export=setenv \
  -Wl,--export=rand -Wl,--export=srand

at link/bigbss
lib libbigbss.so big.c
prog libbigbss.so -Wl,--export=calloc

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

at link/quickexit
lib libquick.so quick.c
prog libquick.so -Wl,--export=_Exit

at link/args
lib libshow.so show.c
prog libshow.so

say link/plain
at link/plain
cc main.c --target=wasm32-wasi
"$CLANG" --target=wasm32-wasi -o main.wasm "$(o_of main.c)" -Wl,--strip-debug
native_main
expect

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

at link/errors/lazycall
solib liblazy.so lazy.c
EXTRA_CFLAGS=-I../../../../guest/include errprog # dlopens liblazy.so with RTLD_LAZY


# ---------------------------------------------------------------- eh/ ----

say eh/sjlj
at eh/sjlj
SJLJ=(-I../../../guest/include -mexception-handling -mllvm -wasm-enable-sjlj)
XCFLAGS="${SJLJ[*]}" solib libjump.so jump.c
XCFLAGS="${SJLJ[*]}" solib libplug.so plug.c
native_lib libjump.so jump.c
native_lib libplug.so plug.c
EXTRA_CFLAGS="${SJLJ[*]}" libc_main main.wasm main.c libjump.so
NATIVE_LDLIBS=-ldl native_main libjump.so
expect


# wat fixtures in the legacy exception-handling form clang emits, made
# position-independent modules by adding a dylink.0 section.
#   watmod OUT SRC.wat [dylinkedit flags...]
watmod() {
  local out=$1 src=$2 rel=${PWD#"$TD"/}
  shift 2
  wat2wasm --enable-exceptions -o "$TMP/wat.wasm" "$src"
  (cd "$TD/.." && go run ./internal/cmd/dylinkedit "$@" -o "testdata/$rel/$out" "$TMP/wat.wasm")
}

say eh/tags
at eh/tags
watmod libthrow.so throw.wat
watmod libdyn.so dyn.wat
watmod main.wasm main.wat -needed libthrow.so
echo 55 >expected.exit # 50 + the five checks of main.wat

at eh/errors/uncaught
watmod main.wasm main.wat -needed libdyn.so
echo 134 >expected.exit


# ---------------------------------------------------------------- cxx/ ----
# C++ with Debian's libc++ (static, so it lives in the main, which exports
# what the libraries import: wasmdl exports computes the list).

CXX=${CXX:-clang++-19}
CXXFLAGS_WASM=(--target=wasm32-wasi -fPIC -fvisibility=default -fno-exceptions -I"$TD/../guest/include")

# cxxlib OUT SRC [NEEDED .so files...]: a C++ shared library and its native twin.
cxxlib() {
  local out=$1 src=$2 o
  shift 2
  o=$(o_of "$src")
  o=${o%.cpp}.o
  mkdir -p "$(dirname "$o")"
  "$CXX" "${CXXFLAGS_WASM[@]}" -O2 -c "$src" -o "$o"
  "$CXX" --target=wasm32-wasi -nostdlib -shared -Wl,--experimental-pic -Wl,--no-entry \
    -Wl,--export=__wasm_call_ctors -Wl,--unresolved-symbols=import-dynamic -o "$out" "$o" "$@"
  local n deps=() d
  n=$(nat)
  mkdir -p "$n"
  for d in "$@"; do deps+=("$n/$d"); done
  # shellcheck disable=SC2016
  g++ -O2 -fPIC -shared -Wl,-soname,"$out" -Wl,--no-as-needed -Wl,-rpath,'$ORIGIN' -o "$n/$out" "$src" "${deps[@]}"
}

# cxxmain SRC LIBS... -- PLUGINS...: main.cpp with libc++, exporting what
# the libraries and plugins import; native twin and expected output.
cxxmain() {
  local src=$1 libs=() plugins=() a o n
  shift
  while (($#)) && [[ $1 != -- ]]; do libs+=("$1"); shift; done
  (($#)) && shift
  plugins=("$@")
  o=$(o_of "$src")
  o=${o%.cpp}.o
  "$CXX" "${CXXFLAGS_WASM[@]}" -O2 -c "$src" -o "$o"
  local rel=${PWD#"$TD"/} exports=()
  mapfile -t exports < <(cd "$TD/.." && go run ./cmd/wasmdl exports --flags "${libs[@]/#/testdata/$rel/}" "${plugins[@]/#/testdata/$rel/}")
  local stubs=()
  for a in "${libs[@]}"; do stubs+=("$(stub_of "$a")"); done
  "$CXX" --target=wasm32-wasi -mexec-model=reactor -o main.wasm "$o" "${stubs[@]}" \
    -Wl,--export-dynamic -Wl,--import-memory -Wl,--import-table -Wl,--growable-table \
    -Wl,--experimental-pic -Wl,--unresolved-symbols=import-dynamic \
    -Wl,--export=__stack_pointer -Wl,--export=__main_void -Wl,--export=exit -Wl,--export=fflush \
    -Wl,--export=__cxa_atexit "${exports[@]}" -Wl,--strip-debug
  n=$(nat)
  local deps=()
  for a in "${libs[@]}"; do deps+=("$n/$a"); done
  # shellcheck disable=SC2016
  g++ -O2 -rdynamic -Wl,--no-as-needed -Wl,-rpath,'$ORIGIN' -o "$n/main" "$src" "${deps[@]}" -ldl
  expect
}

say cxx/classes
at cxx/classes
cxxlib libshape.so shape.cpp
cxxlib libpoly.so poly.cpp libshape.so
cxxlib libplugin.so plugin.cpp libpoly.so libshape.so
cxxmain main.cpp libshape.so libpoly.so -- libplugin.so

say cxx/statics
at cxx/statics
cxxlib libcounter.so counter.cpp
cxxlib libsplugin.so plugin.cpp libcounter.so
cxxmain main.cpp libcounter.so -- libsplugin.so

say done
