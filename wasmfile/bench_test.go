package wasmfile

import (
	"os"
	"path/filepath"
	"testing"
	"time"
)

// BenchmarkParse measures Parse on the largest fixtures and on a module
// made of the fixtures' function bodies repeated to about 8 MiB of code,
// which is where the cost of checking every body shows. b.SetBytes makes
// the output MB/s.
func BenchmarkParse(b *testing.B) {
	inputs := []struct{ name, path string }{
		{"libbig", "../testdata/dl/plugin/libbig.so"},
		{"libfresh", "../testdata/dl/heap_dirty/libfresh.so"},
		{"errors_main", "../testdata/dl/errors/main.wasm"},
	}
	for _, in := range inputs {
		data, err := os.ReadFile(in.path)
		if err != nil {
			b.Fatal(err)
		}
		b.Run(in.name, func(b *testing.B) { benchParse(b, data) })
	}
	b.Run("code8M", func(b *testing.B) { benchParse(b, bigCodeModule(b, 8<<20)) })
}

// benchParse parses data as the loader does. Besides wall-clock MB/s it
// reports cpu-MB/s, from the process's CPU time, which other processes on
// a shared machine do not inflate.
func benchParse(b *testing.B, data []byte) {
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	var cpu time.Duration
	n := 0
	for b.Loop() {
		if n == 0 {
			cpu = processCPU()
		}
		if _, err := (Options{SkipNames: true}).Parse(data); err != nil {
			b.Fatal(err)
		}
		n++
	}
	if d := processCPU() - cpu; d > 0 {
		b.ReportMetric(float64(len(data))*float64(n)/d.Seconds()/1e6, "cpu-MB/s")
	}
}

// bigCodeModule returns a module of at least size bytes whose code section
// repeats the function bodies of every fixture, each with a type section
// copied from its fixture, so that the bodies are real compiler output.
// Function indices in calls may point at other functions than in the
// original; the reader does not check them.
func bigCodeModule(t testing.TB, size int) []byte {
	t.Helper()
	var types []byte
	var ntypes uint32
	var funcs, bodies []byte
	var nfuncs uint32
	paths := fixtures(t)
	for len(bodies) < size {
		for _, p := range paths {
			f, err := Open(p)
			if err != nil || len(f.Code) == 0 || filepath.Ext(p) == "" {
				continue
			}
			base := ntypes
			for _, ft := range f.Types {
				types = append(types, 0x60)
				types = AppendU32(types, uint32(len(ft.Params)))
				for _, v := range ft.Params {
					types = append(types, byte(v))
				}
				types = AppendU32(types, uint32(len(ft.Results)))
				for _, v := range ft.Results {
					types = append(types, byte(v))
				}
				ntypes++
			}
			for i := range f.Code {
				funcs = AppendU32(funcs, base+f.Funcs[i])
				body := f.Code[i].Bytes()
				bodies = AppendU32(bodies, uint32(len(body)))
				bodies = append(bodies, body...)
				nfuncs++
			}
		}
	}
	return module(
		section(SectionType, leb(ntypes), types),
		section(SectionFunction, leb(nfuncs), funcs),
		section(SectionCode, leb(nfuncs), bodies),
	)
}
