package main

import (
	"fmt"
	"io"
	"sort"
	"strings"

	"github.com/wasmdl/wasmdl/wasmfile"
)

func init() {
	register("exports", "print what a libc main must export for the given libraries", exportsMain)
}

const exportsUsage = `usage: wasmdl exports [--flags] [--main MAIN.wasm] LIB...

Prints, one per line, every function and data symbol the libraries import
that none of them defines and wasmdl does not provide itself (libdl, the
setjmp/longjmp runtime): what a main serving them (a libc main, say) must
export. Give every library the program loads or opens with dlopen.

  --flags       print them as linker flags, -Wl,--export=NAME
  --main MAIN   instead, check MAIN: list what it does not export, with the
                libraries that need it, and exit 1 if anything is missing

wasi-libc's own symbols are hidden, so --export-dynamic does not export
them: link the main with these --export= flags. A name the libc does not
have makes wasm-ld fail (or, with --main, shows up as missing).

Exit status: 0, 1 with --main when something is missing, 2 usage or
unreadable input.
`

// wasmdlProvides are the env functions wasmdl binds itself when no module
// defines them.
var wasmdlProvides = map[string]bool{
	"dlopen": true, "dlsym": true, "dlclose": true, "dlerror": true, "dladdr": true,
	"__wasm_setjmp": true, "__wasm_setjmp_test": true, "__wasm_longjmp": true,
}

func exportsMain(args []string, stdout, stderr io.Writer) int {
	fset := newFlags("exports", exportsUsage, stdout, stderr)
	flags := fset.Bool("flags", false, "print -Wl,--export=NAME lines")
	mainPath := fset.String("main", "", "check that `MAIN` exports them")
	if status := fset.parse(args, 1); status >= 0 {
		return status
	}
	mods, ok := readModules(fset.Args(), stderr)
	if !ok {
		return 2
	}
	defined := map[string]bool{}
	for _, m := range mods {
		for _, s := range m.File.Symbols() {
			defined[s.Name] = true
		}
	}
	needs := map[string][]string{} // name -> the libraries that import it
	for _, m := range mods {
		for _, ci := range m.File.ClassifyImports() {
			switch ci.Role {
			case wasmfile.RoleFunc, wasmfile.RoleGOTMem, wasmfile.RoleGOTFunc:
			default:
				continue
			}
			if defined[ci.Name] || wasmdlProvides[ci.Name] {
				continue
			}
			if l := needs[ci.Name]; len(l) == 0 || l[len(l)-1] != m.Name {
				needs[ci.Name] = append(l, m.Name)
			}
		}
	}
	names := make([]string, 0, len(needs))
	for n := range needs {
		names = append(names, n)
	}
	sort.Strings(names)
	if *mainPath != "" {
		main, ok := readModules([]string{*mainPath}, stderr)
		if !ok {
			return 2
		}
		exported := map[string]bool{}
		for _, e := range main[0].File.Exports {
			exported[e.Name] = true
		}
		missing := 0
		for _, n := range names {
			if !exported[n] {
				fmt.Fprintf(stdout, "%s does not export %s (needed by %s)\n", safe(main[0].Name), safe(n), safe(strings.Join(needs[n], ", ")))
				missing++
			}
		}
		if missing > 0 {
			return 1
		}
		return 0
	}
	for _, n := range names {
		if *flags {
			fmt.Fprintf(stdout, "-Wl,--export=%s\n", safe(n))
		} else {
			fmt.Fprintln(stdout, safe(n))
		}
	}
	return 0
}
