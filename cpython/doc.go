// Package cpython runs CPython 3.11 under wasmdl the way Pyodide runs it in a
// browser: the interpreter is one wasm module, and every stdlib extension
// module is a wasm shared library that CPython loads on import through its
// own Python/dynload_shlib.c (dlopen). zlib and _sqlite3 bring shared
// libraries of their own (libz.so, libsqlite3.so), and wasmdemo is a
// third-party extension built against the installed headers, as a wheel is.
//
// The tests compare, for every dynamically loaded module, CPython's own
// regression tests (python -m test) under wasmdl, merged and --separate,
// with the same tests on a native build of the same source: the same tests
// must pass, and every test that wasm skips but native runs must be skipped
// for a reason listed in cases_test.go.
//
// The package has only tests. The interpreters are built outside the
// repository by build.sh (make cpython), into $WASMDL_CPYTHON_CACHE (default
// ~/.cache/wasmdl-cpython); without that build, or without
// WASMDL_CPYTHON=1 (which make cpython sets; WASMDL_CPYTHON=full adds the
// slow regression tests), the tests skip. See README.md.
//
//	make cpython         # fetch, build, then go test ./cpython -count=1
//	make cpython-full    # the same with the slow regression tests too
//	make cpython-bench   # start-up and import times, static versus dynamic
package cpython
