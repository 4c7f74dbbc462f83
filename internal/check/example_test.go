package check_test

import (
	"fmt"
	"log"
	"path/filepath"

	"github.com/wasmdl/wasmdl/internal/check"
	"github.com/wasmdl/wasmdl/wasmfile"
)

// The seed's first experiment: two modules built the ordinary way put their
// constants at the same address, and each keeps its own stack.
func Example() {
	var mods []check.Module
	for _, name := range []string{"hello_main.wasm", "hello_extra.wasm"} {
		f, err := wasmfile.Open(filepath.Join("../../testdata/seed", name))
		if err != nil {
			log.Fatal(err)
		}
		mods = append(mods, check.Module{Name: name, File: f})
	}
	report := check.Check(mods)
	for _, h := range report.Hazards {
		fmt.Println(h.Kind, h.Ranges[len(h.Ranges)-1])
	}
	fmt.Println(report.Fix.Command)
	// Output:
	// data-overlap [1024,1030)
	// separate-stacks [1040,66576)
	// stack-overlap [1040,66576)
	// wasmdl run -L . --preload hello_extra.so hello_main.wasm
}

// DrawLayout draws any set of address ranges; "wasmdl run --map --svg" uses
// it for the layout the linker chose.
func ExampleDrawLayout() {
	err := check.DrawLayout(discard{}, "layout", check.Panel{
		Title: "memory (bytes)",
		Lanes: []check.Lane{
			{Name: "main.wasm", Spans: []check.Span{{Start: 1024, End: 1030, Label: "data", Kind: "data"}}},
			{Name: "libextra.so", Spans: []check.Span{{Start: 5648, End: 5680, Label: "data", Kind: "data"}}},
		},
	})
	fmt.Println(err)
	// Output: <nil>
}

type discard struct{}

func (discard) Write(p []byte) (int, error) { return len(p), nil }
