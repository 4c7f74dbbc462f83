package check

import (
	"fmt"
	"path"
	"strings"

	"github.com/wasmdl/wasmdl/wasmfile"
)

// makeFix says how to make the set safe: rebuild every module that is not
// position-independent, the one with an entry point as a PIE main and the
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
	for i, m := range s.mods {
		if i == main {
			mainName = m.Name
			if !m.info.PIC && m.File.Kind() != wasmfile.KindMain {
				fix.Rebuild = append(fix.Rebuild, Rebuild{Module: m.Name, As: "PIE main", Output: m.Name,
					Flags: flagsFor(m.File, true)})
			}
			continue
		}
		out := m.Name
		if !m.info.PIC {
			out = strings.TrimSuffix(m.Name, path.Ext(m.Name)) + ".so"
			fix.Rebuild = append(fix.Rebuild, Rebuild{Module: m.Name, As: "shared library", Output: out,
				Flags: flagsFor(m.File, false)})
		}
		args = append(args, "--preload", out)
	}
	fix.Command = strings.Join(append(args, mainName), " ")
	return fix
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

// flagsFor gives the build flags for a position-independent rebuild; an
// Emscripten module (it exports stackAlloc or emscripten_stack_*) gets
// emcc's.
func flagsFor(f *wasmfile.File, main bool) string {
	emscripten := false
	for _, e := range f.Exports {
		if e.Name == "stackAlloc" || strings.HasPrefix(e.Name, "emscripten_stack_") {
			emscripten = true
		}
	}
	switch {
	case emscripten && main:
		return "emcc -sMAIN_MODULE=2"
	case emscripten:
		return "emcc -sSIDE_MODULE=1"
	case main:
		return "clang -fPIC -c; link with -Wl,-pie -Wl,--experimental-pic -Wl,--import-memory -Wl,--unresolved-symbols=import-dynamic"
	}
	return "clang -fPIC -fvisibility=default -c; link with -shared -Wl,--experimental-pic -Wl,--unresolved-symbols=import-dynamic"
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
