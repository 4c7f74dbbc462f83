// Command dylinkedit rewrites the dylink.0 section of a WebAssembly module.
// wasm-ld 19 cannot write a RUNTIME_PATH subsection (it has no -rpath), so
// the fixtures that test $ORIGIN, and the NEEDED cycles ldd must survive,
// are made by rewriting modules wasm-ld did build:
//
//	go run ./internal/cmd/dylinkedit -rpath '$ORIGIN/deps' -o OUT IN
//	go run ./internal/cmd/dylinkedit -needed libb.so -needed libc.so -o OUT IN
//
// -rpath and -needed replace the whole list and may be repeated; -add-needed
// appends to the module's NEEDED list. Everything else (memory and table
// sizes, EXPORT_INFO, IMPORT_INFO, every other section) is kept as it is. A
// module without dylink.0 gets one. The output depends only on the input
// and the flags.
package main

import (
	"flag"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/wasmdl/wasmdl/wasmfile"
)

// listFlag collects a repeatable flag and remembers whether it was given
// at all (an empty list is different from no flag).
type listFlag struct {
	vals []string
	set  bool
}

// String and Set make listFlag a repeatable flag.Value.
func (l *listFlag) String() string { return strings.Join(l.vals, ",") }

// Set implements flag.Value: each use adds one value.
func (l *listFlag) Set(v string) error {
	l.vals, l.set = append(l.vals, v), true
	return nil
}

func main() {
	os.Exit(run(os.Args[1:], os.Stderr))
}

func run(args []string, stderr io.Writer) int {
	fs := flag.NewFlagSet("dylinkedit", flag.ContinueOnError)
	fs.SetOutput(stderr)
	var rpath, needed, addNeeded listFlag
	fs.Var(&rpath, "rpath", "set RUNTIME_PATH to `DIR` (repeatable; replaces the list)")
	fs.Var(&needed, "needed", "set NEEDED to `LIB` (repeatable; replaces the list)")
	fs.Var(&addNeeded, "add-needed", "append `LIB` to NEEDED (repeatable)")
	out := fs.String("o", "", "write the result to `FILE`")
	fs.Usage = func() {
		fmt.Fprintln(stderr, "usage: dylinkedit [-rpath DIR]... [-needed LIB]... [-add-needed LIB]... -o OUT IN")
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		return 2
	}
	if fs.NArg() != 1 || *out == "" {
		fs.Usage()
		return 2
	}
	in := fs.Arg(0)
	b, err := os.ReadFile(in)
	if err != nil {
		fmt.Fprintf(stderr, "dylinkedit: %v\n", err)
		return 1
	}
	f, err := wasmfile.Parse(b)
	if err != nil {
		fmt.Fprintf(stderr, "dylinkedit: %s: %v\n", in, err)
		return 1
	}
	d := wasmfile.Dylink{SectionName: "dylink.0"}
	if f.Dylink != nil {
		d = *f.Dylink
	}
	if rpath.set {
		d.RuntimePath = rpath.vals
	}
	if needed.set {
		d.Needed = needed.vals
	}
	d.Needed = append(append([]string(nil), d.Needed...), addNeeded.vals...)
	res, err := wasmfile.WithDylink(b, &d)
	if err != nil {
		fmt.Fprintf(stderr, "dylinkedit: %s: %v\n", in, err)
		return 1
	}
	if err := os.WriteFile(*out, res, 0o644); err != nil {
		fmt.Fprintf(stderr, "dylinkedit: %v\n", err)
		return 1
	}
	return 0
}
