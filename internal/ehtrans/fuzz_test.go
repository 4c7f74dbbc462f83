package ehtrans

import (
	"bytes"
	"context"
	"errors"
	"math/rand"
	"path/filepath"
	"sync"
	"testing"

	"github.com/tetratelabs/wazero"
	"github.com/wasmdl/wasmdl/wasmfile"
)

func sameSlice(a, b []byte) bool {
	return len(a) == len(b) && (len(a) == 0 || &a[0] == &b[0])
}

// FuzzTranslate feeds arbitrary bytes to Translate, seeded with the
// fixtures and generated programs. Properties: no panic (and, through the
// fuzzer's timeout, no hang); errors are *wasmfile.FormatError; a module
// the reader refuses is either refused or returned as it is; a translated
// module parses, has no legacy try left (translating it again returns it
// as it is), has the same sections in the same order with all but the
// type and code sections unchanged, and keeps every existing type.
//
// Whether the output is valid depends on whether the input was, which
// nothing here can decide for legacy code; FuzzGenerated, whose inputs
// are valid by construction, checks that outputs compile and behave.
func FuzzTranslate(f *testing.F) {
	for _, name := range []string{"eh/*.wasm", "sjlj/*.so", "sjlj/*.wasm"} {
		files, err := filepath.Glob(filepath.Join("testdata", name))
		if err != nil {
			f.Fatal(err)
		}
		for _, p := range files {
			f.Add(readTestdata(f, p[len("testdata/"):]))
		}
	}
	rng := rand.New(rand.NewSource(3))
	for i := 0; i < 20; i++ {
		b := make([]byte, 200)
		rng.Read(b)
		f.Add(generate(b).encode())
	}
	f.Fuzz(func(t *testing.T, in []byte) {
		out, err := Translate(in)
		fin, perr := wasmfile.Parse(in)
		if err != nil {
			var fe *wasmfile.FormatError
			if !errors.As(err, &fe) {
				t.Fatalf("error %v (%T) is not a *wasmfile.FormatError", err, err)
			}
			return
		}
		if perr != nil {
			if !sameSlice(out, in) {
				t.Fatalf("translated a module the reader refuses (%v)", perr)
			}
			return
		}
		if sameSlice(out, in) {
			return
		}
		fout, err := wasmfile.Parse(out)
		if err != nil {
			t.Fatalf("output does not parse: %v", err)
		}
		again, err := Translate(out)
		if err != nil || !sameSlice(again, out) {
			t.Fatalf("output still has legacy EH (err %v)", err)
		}
		checkSections(t, in, fin, out, fout)
	})
}

// checkSections checks that out has the sections of in, in order, with
// only the type and code sections changed and the old types kept.
func checkSections(t *testing.T, in []byte, fin *wasmfile.File, out []byte, fout *wasmfile.File) {
	t.Helper()
	if len(fin.Sections) != len(fout.Sections) && !(len(fout.Sections) == len(fin.Sections)+1 && len(fin.Types) == 0) {
		t.Fatalf("%d sections, was %d", len(fout.Sections), len(fin.Sections))
	}
	j := 0
	for _, s := range fin.Sections {
		o := fout.Sections[j]
		if o.ID == wasmfile.SectionType && s.ID != wasmfile.SectionType {
			j++ // a type section the input did not have
			o = fout.Sections[j]
		}
		j++
		if o.ID != s.ID {
			t.Fatalf("section %s where %s was", wasmfile.SectionName(o.ID), wasmfile.SectionName(s.ID))
		}
		if s.ID == wasmfile.SectionType || s.ID == wasmfile.SectionCode {
			continue
		}
		if !bytes.Equal(in[s.DataOffset:s.DataOffset+int64(s.Size)], out[o.DataOffset:o.DataOffset+int64(o.Size)]) {
			t.Fatalf("%s section changed", wasmfile.SectionName(s.ID))
		}
	}
	for i, ty := range fin.Types {
		if !ty.Equal(fout.Types[i]) {
			t.Fatalf("type %d changed from %v to %v", i, ty, fout.Types[i])
		}
	}
	if len(fout.Code) != len(fin.Code) {
		t.Fatalf("%d function bodies, was %d", len(fout.Code), len(fin.Code))
	}
}

var (
	fuzzRuntimeOnce sync.Once
	fuzzRuntime     wazero.Runtime
)

// FuzzGenerated builds a legacy program from the fuzz bytes (see
// gen_test.go), translates it, and checks that the result compiles on
// wazero and that, for each input, it returns what the reference
// interpreter computes, or lets the same exception escape.
func FuzzGenerated(f *testing.F) {
	rng := rand.New(rand.NewSource(4))
	for i := 0; i < 20; i++ {
		b := make([]byte, 64+rng.Intn(400))
		rng.Read(b)
		f.Add(b)
	}
	ctx := context.Background()
	fuzzRuntimeOnce.Do(func() {
		fuzzRuntime = wazero.NewRuntimeWithConfig(ctx, wazero.NewRuntimeConfig().WithCoreFeatures(features))
	})
	f.Fuzz(func(t *testing.T, b []byte) {
		checkGenerated(t, ctx, fuzzRuntime, b)
	})
}
