package ehtrans

import (
	"context"
	"testing"

	"github.com/tetratelabs/wazero/api"
	"github.com/wasmdl/wasmdl/wasmfile"
)

// codeSize is the size of a module's code section.
func codeSize(b testing.TB, module []byte) int {
	f, err := wasmfile.Parse(module)
	if err != nil {
		b.Fatal(err)
	}
	for _, s := range f.Sections {
		if s.ID == wasmfile.SectionCode {
			return int(s.Size)
		}
	}
	b.Fatal("no code section")
	return 0
}

// benchTranslate reports the translation time per MB of code section.
func benchTranslate(b *testing.B, module []byte) {
	size := codeSize(b, module)
	b.SetBytes(int64(size))
	b.ReportAllocs()
	cpu := processCPU()
	for b.Loop() {
		if _, err := Translate(module); err != nil {
			b.Fatal(err)
		}
	}
	mb := float64(size) / 1e6
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/1e6/float64(b.N)/mb, "ms/MB")
	if cpu > 0 {
		b.ReportMetric(float64((processCPU()-cpu).Nanoseconds())/1e6/float64(b.N)/mb, "cpu-ms/MB")
	}
}

// BenchmarkTranslate translates clang-19's setjmp/longjmp output: 77
// functions, 72 of them with tries (74 tries, 2 delegates), 33 KB of code.
func BenchmarkTranslate(b *testing.B) {
	benchTranslate(b, readTestdata(b, "sjlj/libsjlj.so"))
}

// BenchmarkTranslateNoLegacy is the check of a module that has no legacy
// exception handling (the translated library): the cost every module
// pays.
func BenchmarkTranslateNoLegacy(b *testing.B) {
	out, err := Translate(readTestdata(b, "sjlj/libsjlj.so"))
	if err != nil {
		b.Fatal(err)
	}
	benchTranslate(b, out)
}

// benchLoop calls export fn(n) of a translated fixture and reports the
// time per iteration of its loop.
func benchLoop(b *testing.B, name, fn string, n int32, want int32) {
	ctx := context.Background()
	out, err := Translate(readTestdata(b, name))
	if err != nil {
		b.Fatal(err)
	}
	r := newRuntime(ctx)
	defer r.Close(ctx)
	mod := instantiate(b, ctx, r, name, out)
	cpu := processCPU()
	for b.Loop() {
		// A fresh function each time: wazero v1.12 grows a call
		// engine's stack by 16 bytes at each exception it catches and
		// copies the whole stack at each try_table entry, so a reused
		// one gets slower the more exceptions it has caught.
		f := mod.ExportedFunction(fn)
		res, err := f.Call(ctx, api.EncodeI32(n))
		if err != nil || api.DecodeI32(res[0]) != want {
			b.Fatalf("%s(%d) = %v, %v; want %d", fn, n, res, err, want)
		}
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/float64(n), "ns/iter")
	if cpu > 0 {
		b.ReportMetric(float64((processCPU()-cpu).Nanoseconds())/float64(b.N)/float64(n), "cpu-ns/iter")
	}
}

// BenchmarkRun measures translated code on wazero: a throw caught by a
// try one call up; a try entered around a call that returns; the same
// call without a try; a C longjmp back to its setjmp.
func BenchmarkRun(b *testing.B) {
	const n = 1000
	b.Run("throw_catch", func(b *testing.B) { benchLoop(b, "eh/bench.wasm", "throw_catch", n, n*(n-1)/2) })
	b.Run("try_no_throw", func(b *testing.B) { benchLoop(b, "eh/bench.wasm", "try_no_throw", n, n) })
	b.Run("call_only", func(b *testing.B) { benchLoop(b, "eh/bench.wasm", "call_only", n, n) })
	b.Run("longjmp", func(b *testing.B) { benchLoop(b, "sjlj/libsjlj.so", "loop", n, n*1000+n) })
}
