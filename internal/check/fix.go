package check

import (
	"fmt"
	"path"
	"slices"
	"strings"

	"github.com/wasmdl/wasmdl/wasmfile"
)

// makeFix says how to make the set safe: rebuild every module that is not
// position-independent, the one with an entry point as a main and the
// others as shared libraries, and let "wasmdl run" place them.
func makeFix(s *set, hs []Hazard) *Fix {
	main := -1
	for i, m := range s.mods {
		if m.File.Kind() == wasmfile.KindPIEMain || m.File.Kind() == wasmfile.KindMain {
			main = i
			break
		}
	}
	if main < 0 {
		for i, m := range s.mods {
			if m.File.HasEntry() {
				main = i
				break
			}
		}
	}
	fix := &Fix{Rebuild: []Rebuild{}, Advice: advice(s, hs)}
	if !rebuildCures(hs) {
		return fix
	}
	args := []string{"wasmdl", "run", "-L", "."}
	mainName := "MAIN.wasm"
	libcMain := false
	for i, m := range s.mods {
		if i == main {
			mainName = m.Name
			if !m.info.PIC && m.File.Kind() != wasmfile.KindMain {
				as, flags := mainRecipe(m.File)
				libcMain = as == asLibcMain
				fix.Rebuild = append(fix.Rebuild, Rebuild{Module: m.Name, As: as, Output: m.Name, Flags: flags})
			}
			continue
		}
		out := m.Name
		if !m.info.PIC {
			out = strings.TrimSuffix(m.Name, path.Ext(m.Name)) + ".so"
			fix.Rebuild = append(fix.Rebuild, Rebuild{Module: m.Name, As: "shared library", Output: out,
				Flags: libraryRecipe(m.File)})
		}
		args = append(args, "--preload", out)
	}
	fix.Command = strings.Join(append(args, mainName), " ")
	if a := unprovidedImports(s, libcMain); a != "" {
		fix.Advice = append(fix.Advice, a)
	}
	return fix
}

// The rebuild recipes are those of README.md, "Building modules for
// wasmdl", which testdata/recipes.sh uses for every fixture; a test in
// cmd/wasmdl builds modules with them and runs the suggested command.
const (
	pieMainCompile = "clang --target=wasm32 -fPIC -fvisibility=default -O2 -c"
	pieMainLink    = "clang --target=wasm32 -nostdlib -Wl,-pie -Wl,--experimental-pic -Wl,--no-entry " +
		"-Wl,--import-memory -Wl,--export=__wasm_call_ctors -Wl,--unresolved-symbols=import-dynamic"
	libcMainCompile = "clang --target=wasm32-wasi -fPIC -fvisibility=default -O2 -c"
	libcMainLink    = "clang --target=wasm32-wasi -mexec-model=reactor -Wl,--import-memory -Wl,--import-table " +
		"-Wl,--growable-table -Wl,--export-dynamic -Wl,--experimental-pic -Wl,--unresolved-symbols=import-dynamic " +
		"-Wl,--export=__stack_pointer -Wl,--export=exit -Wl,--export=__main_void"
	libraryCompile = "clang --target=wasm32-wasi -fPIC -fvisibility=default -O2 -c"
	libraryLink    = "clang --target=wasm32-wasi -nostdlib -shared -Wl,--experimental-pic -Wl,--no-entry " +
		"-Wl,--export=__wasm_call_ctors -Wl,--unresolved-symbols=import-dynamic"

	asLibcMain = "main with libc"
)

// emscripten reports whether emcc built f: it exports stackAlloc or
// emscripten_stack_*.
func emscripten(f *wasmfile.File) bool {
	for _, e := range f.Exports {
		if e.Name == "stackAlloc" || strings.HasPrefix(e.Name, "emscripten_stack_") {
			return true
		}
	}
	return false
}

// mainRecipe says how to rebuild the main module. A main that uses WASI
// has wasi-libc linked in, which is not position-independent: it is
// rebuilt as a non-PIE main whose libc serves the libraries (it exports
// exit, which wasmdl run calls with main's result so that stdio is
// flushed and atexit handlers run). Otherwise it becomes a PIE main
// without libc, keeping its entry point.
func mainRecipe(f *wasmfile.File) (as, flags string) {
	if emscripten(f) {
		return "PIE main", "emcc -O2 -sMAIN_MODULE=2 -sWASM_BIGINT, with the libraries' .so files on the link line"
	}
	for _, im := range f.Imports {
		if im.Module == "wasi_snapshot_preview1" || im.Module == "wasi_unstable" {
			return asLibcMain, "compile with " + libcMainCompile + "; link with " + libcMainLink +
				" (__main_argc_argv if main takes arguments), and -Wl,--export=NAME for every libc function " +
				"or variable the libraries use (wasi-libc's own symbols are hidden); leave the libraries " +
				"off the link line (wasm-ld 19 would resolve the main's pointers to their data to 0)"
		}
	}
	entry := "__main_void"
	for _, e := range wasmfile.EntryPoints {
		if x, ok := f.Export(e); ok && x.Kind == wasmfile.KindFunc && e != "_initialize" {
			entry = e
			break
		}
	}
	return "PIE main", "compile with " + pieMainCompile + "; link with " + pieMainLink + " -Wl,--export=" + entry
}

// libraryRecipe says how to rebuild a module as a shared library.
func libraryRecipe(f *wasmfile.File) string {
	if emscripten(f) {
		return "emcc -O2 -sSIDE_MODULE=1 -sWASM_BIGINT"
	}
	return "compile with " + libraryCompile + "; link with " + libraryLink +
		", with the .so files it needs on the link line"
}

// libdlFuncs are the env functions "wasmdl run" itself provides; with
// WASI, they are all it provides (see [Report.WriteText]).
var libdlFuncs = []string{"dlopen", "dlsym", "dlclose", "dlerror", "dladdr"}

// unprovidedImports names the env functions the modules import that
// nothing would provide under "wasmdl run": no module of the set exports
// them, and they are not libdl's (a host that ran the modules until now
// provided them). It returns "" when there are none.
func unprovidedImports(s *set, libcMain bool) string {
	var names []string
	importers := map[string][]string{}
	for _, m := range s.mods {
		for _, ci := range m.File.ClassifyImports() {
			if ci.Role != wasmfile.RoleFunc || ci.Weak || slices.Contains(libdlFuncs, ci.Name) || exported(s, ci.Name) {
				continue
			}
			key := ci.Module + "." + ci.Name
			if importers[key] == nil {
				names = append(names, key)
			}
			if !slices.Contains(importers[key], m.Name) {
				importers[key] = append(importers[key], m.Name)
			}
		}
	}
	if len(names) == 0 {
		return ""
	}
	for i, n := range names {
		names[i] = n + " (imported by " + strings.Join(importers[n], ", ") + ")"
	}
	list, it := names[0], "it"
	if n := len(names); n > 1 {
		list, it = strings.Join(names[:n-1], ", ")+" or "+names[n-1], "them"
	}
	msg := "none of the modules defines " + list + ", and wasmdl run provides only WASI and libdl: " +
		"add a library that defines " + it + " with --preload"
	if libcMain {
		msg += ", or export " + it + " from the main's libc with -Wl,--export=NAME"
	}
	return msg
}

// exported reports whether a module of the set exports a function name.
func exported(s *set, name string) bool {
	for _, m := range s.mods {
		if e, ok := m.File.Export(name); ok && e.Kind == wasmfile.KindFunc {
			return true
		}
	}
	return false
}

// rebuildCures reports whether any hazard comes from modules sharing one
// memory or table at fixed places, which a position-independent rebuild
// cures; data past a module's own memory is cured by relinking it alone.
func rebuildCures(hs []Hazard) bool {
	for _, h := range hs {
		if h.Kind != DataPastMemory {
			return true
		}
	}
	return false
}

// advice covers the hazards a position-independent rebuild does not cure.
func advice(s *set, hs []Hazard) []string {
	out := []string{}
	for _, h := range hs {
		switch h.Kind {
		case StackOverflow:
			m := s.byName(h.Modules[0])
			if m == nil || m.info.Stack == nil {
				continue
			}
			st := m.info.Stack
			need := max(st.Depth, st.Reentry, st.Recursion)
			out = append(out, fmt.Sprintf("%s needs a larger stack than %d bytes: link it with -Wl,-z,stack-size=N "+
				"for N well above %d (a multiple of 16), or run it as a PIE main with wasmdl run --stack-size N; "+
				"unbounded recursion or re-entry needs a bound in the program itself", m.Name, st.Range.Len(), need))
		case DataPastMemory:
			out = append(out, fmt.Sprintf("link %s with a larger --initial-memory, so that its data lies inside its initial memory",
				h.Modules[0]))
		case Limits:
			out = append(out, fmt.Sprintf("make %s agree on the memory or table limits (wasm-ld --initial-memory, "+
				"--max-memory, --shared-memory, --growable-table)", strings.Join(h.Modules, " and ")))
		}
	}
	return out
}

// byName returns the module called name, or nil.
func (s *set) byName(name string) *mod {
	for _, m := range s.mods {
		if m.Name == name {
			return m
		}
	}
	return nil
}
