// Package realworld runs real software under wasmdl: zlib, Lua 5.4 and
// SQLite (C) and tinyxml2 (C++) from Debian's source packages, split into
// wasm shared libraries the usual way, and compares every run with the same
// sources built natively by gcc and g++ as ELF shared libraries: standard
// output, exit status and every file the program writes must be identical.
//
// The package has only tests and benchmarks. The programs are built outside
// the repository by build.sh (make realworld), into
// $WASMDL_REALWORLD_CACHE (default ~/.cache/wasmdl-realworld); without that
// build the tests skip. See README.md.
//
//	make realworld         # fetch, build, then go test ./realworld -count=1
//	make realworld-bench   # static versus dynamically linked CPU time
package realworld
