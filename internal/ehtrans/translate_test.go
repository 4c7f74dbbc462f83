package ehtrans

import (
	"bytes"
	"context"
	"strings"
	"testing"

	"github.com/tetratelabs/wazero"
	"github.com/tetratelabs/wazero/api"
	"github.com/tetratelabs/wazero/experimental"
	"github.com/wasmdl/wasmdl/internal/wasmgen"
	"github.com/wasmdl/wasmdl/wasmfile"
)

// TestTranslateMatchesNode runs every fixture, translated, on wazero (both
// engines) and compares each exported function's outcome for each input
// with what Node, which runs the legacy form natively, gave
// (testdata/expected.json, written by testdata/build.sh).
func TestTranslateMatchesNode(t *testing.T) {
	t.Run("default", func(t *testing.T) { testMatchesNode(t, wazero.NewRuntimeConfig()) })
	t.Run("interpreter", func(t *testing.T) { testMatchesNode(t, wazero.NewRuntimeConfigInterpreter()) })
}

func testMatchesNode(t *testing.T, cfg wazero.RuntimeConfig) {
	ctx := context.Background()
	want := loadExpected(t)
	for _, name := range sortedKeys(want) {
		t.Run(name, func(t *testing.T) {
			in := readTestdata(t, name)
			out, err := Translate(in)
			if err != nil {
				t.Fatal(err)
			}
			for _, fn := range sortedKeys(want[name]) {
				t.Run(fn, func(t *testing.T) {
					// A fresh instance per function, as expect.mjs does.
					r := wazero.NewRuntimeWithConfig(ctx, cfg.WithCoreFeatures(features).WithCompilationCache(compileCache))
					defer r.Close(ctx)
					f := instantiate(t, ctx, r, name, out).ExportedFunction(fn)
					if f == nil {
						t.Fatalf("no export %q", fn)
					}
					for _, c := range want[name][fn] {
						x := int32(c[0].(float64))
						if got := outcome(ctx, f, x); got != c[1] {
							t.Errorf("%s(%d) = %v, want %v", fn, x, got, c[1])
						}
					}
				})
			}
		})
	}
}

// TestTranslateLegacyRefused checks the premise: wazero refuses the
// fixtures that use legacy exception handling, untranslated.
func TestTranslateLegacyRefused(t *testing.T) {
	ctx := context.Background()
	r := newRuntime(ctx)
	defer r.Close(ctx)
	for _, name := range []string{"eh/basic.wasm", "eh/delegate.wasm", "sjlj/libsjlj.so"} {
		_, err := r.CompileModule(ctx, readTestdata(t, name))
		if err == nil || !bytes.Contains([]byte(err.Error()), []byte("legacy exception handling")) {
			t.Errorf("%s: compiled untranslated (err %v)", name, err)
		}
	}
}

// TestTranslateUnchanged checks that a module without legacy exception
// handling comes back as the same slice, without allocations, and that a
// translated module (which has none left) does too.
func TestTranslateUnchanged(t *testing.T) {
	noeh := readTestdata(t, "eh/noeh.wasm")
	out, err := Translate(noeh)
	if err != nil {
		t.Fatal(err)
	}
	if &out[0] != &noeh[0] || len(out) != len(noeh) {
		t.Fatal("module without legacy EH was copied")
	}
	if n := testing.AllocsPerRun(100, func() { _, _ = Translate(noeh) }); n != 0 {
		t.Errorf("Translate of a module without legacy EH allocates %v times", n)
	}
	f, err := wasmfile.Parse(noeh)
	if err != nil {
		t.Fatal(err)
	}
	if out, err := TranslateFile(f); err != nil || &out[0] != &noeh[0] {
		t.Errorf("TranslateFile copied a module without legacy EH (err %v)", err)
	}

	for _, name := range []string{"eh/delegate.wasm", "sjlj/libsjlj.so"} {
		once, err := Translate(readTestdata(t, name))
		if err != nil {
			t.Fatal(err)
		}
		twice, err := Translate(once)
		if err != nil {
			t.Fatal(err)
		}
		if &twice[0] != &once[0] {
			t.Errorf("%s: translated module translated again", name)
		}
	}
}

// TestTranslateKeepsSections checks that the translation changes only the
// code section and the end of the type section, and keeps every other
// section byte for byte, in order.
func TestTranslateKeepsSections(t *testing.T) {
	for _, name := range []string{"eh/multivalue.wasm", "eh/delegate.wasm", "sjlj/libsjlj.so"} {
		in := readTestdata(t, name)
		out, err := Translate(in)
		if err != nil {
			t.Fatal(err)
		}
		fin, err := wasmfile.Parse(in)
		if err != nil {
			t.Fatal(err)
		}
		fout, err := wasmfile.Parse(out)
		if err != nil {
			t.Fatalf("%s: translated module does not parse: %v", name, err)
		}
		if len(fin.Sections) != len(fout.Sections) {
			t.Fatalf("%s: %d sections, was %d", name, len(fout.Sections), len(fin.Sections))
		}
		for i, s := range fin.Sections {
			o := fout.Sections[i]
			payIn := in[s.DataOffset : s.DataOffset+int64(s.Size)]
			payOut := out[o.DataOffset : o.DataOffset+int64(o.Size)]
			switch s.ID {
			case wasmfile.SectionCode:
			case wasmfile.SectionType:
				for j, ty := range fin.Types {
					if !ty.Equal(fout.Types[j]) {
						t.Errorf("%s: type %d changed: %v -> %v", name, j, ty, fout.Types[j])
					}
				}
			default:
				if o.ID != s.ID || !bytes.Equal(payIn, payOut) {
					t.Errorf("%s: section %d (%s) changed", name, i, wasmfile.SectionName(s.ID))
				}
			}
		}
		if len(fout.Code) != len(fin.Code) {
			t.Errorf("%s: %d bodies, was %d", name, len(fout.Code), len(fin.Code))
		}
	}
}

// TestTranslateMultiValueTypes checks the types the rewrite adds for the
// blocks of a try with parameters and several values per catch: only
// those the module lacks, appended in order of first use.
func TestTranslateMultiValueTypes(t *testing.T) {
	in := readTestdata(t, "eh/multivalue.wasm")
	out, err := Translate(in)
	if err != nil {
		t.Fatal(err)
	}
	fin, err := wasmfile.Parse(in)
	if err != nil {
		t.Fatal(err)
	}
	fout, err := wasmfile.Parse(out)
	if err != nil {
		t.Fatal(err)
	}
	var added []string
	for _, ty := range fout.Types[len(fin.Types):] {
		added = append(added, ty.String())
	}
	want := []string{
		"(i32) -> (i64, f64, i32)", // param_results: catch $wide, with the try's parameter
		"() -> (i32, exnref)",      // mv_delegate_rethrow: catch $e0 kept for rethrow
		"() -> (i32, i32, exnref)", // mv_delegate_rethrow: catch $e2
	}
	if strings.Join(added, "; ") != strings.Join(want, "; ") {
		t.Errorf("added types %q, want %q", added, want)
	}
}

// TestTranslateCallRef checks a call_ref inside a try body: its reference
// waits in a new (ref null $t) local so that the try_table around the
// call has the callee's type, and the module still parses.
func TestTranslateCallRef(t *testing.T) {
	i32 := wasmfile.I32
	ft := wasmfile.FuncType{Params: []wasmfile.ValType{i32}, Results: []wasmfile.ValType{i32}}
	m := &wasmgen.Module{}
	m.Type(ft)
	m.Tag(wasmfile.FuncType{Params: []wasmfile.ValType{i32}})
	// callee(x): throws 42 if x == 0, else returns x+1.
	callee := m.Func(ft, []byte{0x20, 0x00, 0x45, 0x04, 0x40, 0x41, 42, 0x08, 0x00, 0x0b, 0x20, 0x00, 0x41, 0x01, 0x6a})
	// run(x): try (result i32) (call_ref (x) (ref.func callee)) catch 0 (+100) end
	run := m.Func(ft, []byte{0x06, 0x7f, 0x20, 0x00, 0xd2, byte(callee), 0x14, 0x00, 0x07, 0x00, 0x41, 0xe4, 0x00, 0x6a, 0x0b})
	m.Export("callee", wasmfile.KindFunc, callee)
	m.Export("run", wasmfile.KindFunc, run)
	out, err := Translate(m.Bytes())
	if err != nil {
		t.Fatal(err)
	}
	if _, err := wasmfile.Parse(out); err != nil {
		t.Fatalf("output does not parse: %v", err)
	}
	ctx := context.Background()
	r := wazero.NewRuntimeWithConfig(ctx, wazero.NewRuntimeConfig().
		WithCoreFeatures(features|experimental.CoreFeaturesTypedFunctionReferences))
	defer r.Close(ctx)
	mod, err := r.Instantiate(ctx, out)
	if err != nil {
		t.Fatal(err)
	}
	for x, want := range map[int32]int32{0: 142, 5: 6, -1: 0} {
		res, err := mod.ExportedFunction("run").Call(ctx, api.EncodeI32(x))
		if err != nil || api.DecodeI32(res[0]) != want {
			t.Errorf("run(%d) = %v, %v; want %d", x, res, err, want)
		}
	}
}
