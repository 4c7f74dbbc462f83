#!/usr/bin/env bash
# Rebuilds the libdl fixtures under testdata/dl/ (see README.md here).
# Needs clang-19, wasm-ld-19 (lld-19), Debian's wasi-libc and gcc. Recipes are
# those of testdata/build.sh (helpers in ../recipes.sh; README.md, "Building
# modules for wasmdl"): compile -O2 -c, link WITHOUT -O. Deterministic: fixed output
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

EXTRA_CFLAGS="-I$INC"
NATIVE_LDLIBS=-ldl
# shellcheck source=../recipes.sh
source "$TD/../recipes.sh"

# A plain module exporting everything, not a shared library (for dlopen
# of a non-PIC module).
#   plain_all OUT SRC
plain_all() {
  cc "$2" --target=wasm32
  "$CLANG" --target=wasm32 -nostdlib -Wl,--no-entry -Wl,--export-all -o "$1" "$(o_of "$2")"
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
plain_all libplain.so plain.c
printf 'not a shared library\n' >"$(nat)/libplain.so" # native twin: a text file
prog

say startup
at startup
lib libcore.so core.c
lib libplug.so plug.c libcore.so
prog libcore.so

say lifecycle
at lifecycle
lib libinner.so inner.c
lib libopener.so opener.c
lib libnd.so nd.c
lib libdep.so dep.c
lib libuser.so user.c libdep.so
lib sub/libtwin.so sub/twin.c
prog

say lazy
at lazy
lib libneedy.so needy.c
lib libprov.so prov.c
prog

say recursive
at recursive
lib libra.so ra.c
lib librb.so rb.c
prog

say dladdr
at dladdr
lib libwhere.so where.c
prog libwhere.so -Wl,--export=main_func -Wl,--export=main_data

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

say interpose
at interpose
lib libfirst.so "first.c first_defs.c"
lib libsecond.so "second.c second_defs.c"
lib libplug.so "plug.c plug_defs.c"
lib libhooka.so hooka.c
lib libhookb.so "hookb.c hookb_defs.c"
prog libfirst.so libsecond.so

say plugin # for the Go API tests and examples: plugins, and a libc main that serves them
at plugin
solib libplugin.so plugin.c
solib libplugin2.so plugin2.c
solib libbig.so big.c
solib libtools.so tools.c
solib libgreet.so greet.c
libc_main host.wasm main.c

say done
