package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"strings"

	"github.com/tetratelabs/wazero"
	"github.com/wasmdl/wasmdl"
	"github.com/wasmdl/wasmdl/internal/search"
	"github.com/wasmdl/wasmdl/wasmfile"
)

func init() {
	register("ldd", "print the libraries a main module needs and where they are found", lddMain)
}

const lddUsage = `usage: wasmdl ldd [-L DIR]... [--json] FILE

Resolves the libraries FILE needs exactly as "wasmdl run" would (the same
search rules, -L, WASMDL_LIBRARY_PATH, RUNTIME_PATH, the main's folder) without
running anything, and prints them as a tree in load order:

	libfoo.so => lib/libfoo.so
	    libbar.so => lib/libbar.so
	libgone.so => not found (searched: lib/libgone.so, libgone.so)

Each library is shown once, under the module that first needs it; a NEEDED
entry that leads back to a module being loaded is shown once with (cycle).
Names read from a module that are absolute or contain ".." are refused.
A library not found lists the paths searched. From level 33 on, the
indentation stops growing and each line starts with its level: [33] libx.so

Exit status: 0 all found, 1 something is missing, refused or unreadable,
2 usage or an unreadable FILE.
`

// lddSchema is the version of the --json output of ldd.
const lddSchema = 1

// LddReport is the --json output of "wasmdl ldd", schema version 1:
//
//	{
//	  "schema": 1,
//	  "file": "main.wasm",                 // as given
//	  "path": "main.wasm",                 // where it was read (relative to the current directory when possible)
//	  "kind": "main",                      // as in wasmdl inspect --json
//	  "needed": [{                         // the tree, in NEEDED order
//	    "name": "libfoo.so",               // as written in NEEDED
//	    "status": "found",                 // found | repeat | cycle | not_found | refused | unreadable
//	    "path": "lib/libfoo.so",           // found, repeat, cycle and unreadable
//	    "via": "-L",                       // the search rule: path | -L | WASMDL_LIBRARY_PATH | RUNTIME_PATH | main folder
//	    "error": "...",                    // not_found, refused, unreadable
//	    "searched": ["lib/libgone.so"],    // not_found: the candidates tried, in order
//	    "needed": [...]                    // found only: its own NEEDED entries
//	  }],
//	  "load_order": [{"name": "libfoo.so", "path": "lib/libfoo.so"}],  // every module read, main first
//	  "missing": ["libgone.so"]            // names not found, refused or unreadable, once each
//	}
type LddReport struct {
	Schema    int        `json:"schema"`
	File      string     `json:"file"`
	Path      string     `json:"path"`
	Kind      string     `json:"kind"`
	Needed    []*LddNode `json:"needed"`
	LoadOrder []LddEntry `json:"load_order"`
	Missing   []string   `json:"missing"`
}

// LddNode is one NEEDED entry of an [LddReport].
type LddNode struct {
	Name   string `json:"name"`
	Status string `json:"status"`
	Path   string `json:"path,omitempty"`
	Via    string `json:"via,omitempty"`
	Error  string `json:"error,omitempty"`
	// Searched lists the candidates tried, in order, for not_found.
	Searched []string   `json:"searched,omitempty"`
	Needed   []*LddNode `json:"needed,omitempty"`
}

// LddEntry is one module of the load order.
type LddEntry struct {
	Name string `json:"name"`
	Path string `json:"path"`
}

// lddMain runs "wasmdl ldd".
func lddMain(args []string, stdout, stderr io.Writer) int {
	fset := newFlags("ldd", lddUsage, stdout, stderr)
	var libDirs multiFlag
	fset.Var(&libDirs, "L", "add `DIR` to the library search path (repeatable)")
	asJSON := fset.Bool("json", false, fmt.Sprintf("print JSON (schema %d) instead of the tree", lddSchema))
	if status := fset.parse(args, 1); status >= 0 {
		return status
	}
	if fset.NArg() != 1 {
		return fset.usageError("one FILE expected")
	}
	mainPath := fset.Arg(0)
	if err := checkInput(mainPath); err != nil {
		fmt.Fprintf(stderr, "wasmdl: %s: %s\n", safe(mainPath), openError(err))
		return 2
	}

	cfg := wasmdl.NewConfig().WithSearchPath(libDirs...)
	if lp := os.Getenv("WASMDL_LIBRARY_PATH"); lp != "" {
		cfg = cfg.WithLibraryPath(search.SplitPathList(lp)...)
	}
	ctx := context.Background()
	rt := wazero.NewRuntimeWithConfig(ctx, wasmdl.RuntimeConfig())
	defer rt.Close(ctx)
	linker := wasmdl.NewLinker(rt, cfg)
	defer linker.Close(ctx)
	tree, err := linker.Deps(mainPath)
	if err != nil {
		fmt.Fprintf(stderr, "wasmdl: %s: %s\n", safe(mainPath), safe(mainError(err).Error()))
		return 2
	}
	report := buildLddReport(mainPath, tree)
	if *asJSON {
		if status := writeJSON(stdout, stderr, report); status >= 0 {
			return status
		}
	} else {
		writeLddText(stdout, tree.Root, report)
	}
	if len(report.Missing) > 0 {
		return 1
	}
	return 0
}

// mainError says why the main module itself could not be read, without
// repeating its name.
func mainError(err error) error {
	var nf *search.NotFoundError
	if errors.As(err, &nf) || errors.Is(err, fs.ErrNotExist) {
		return errors.New("cannot open: no such file or directory")
	}
	var me *wasmdl.ModuleError
	if errors.As(err, &me) {
		return me.Err
	}
	return err
}

// buildLddReport walks the dependency tree the loader resolved. Every
// library is expanded once, under the module that loaded it first (its
// first non-repeat edge); other edges to it are repeats or cycles.
func buildLddReport(mainPath string, t *wasmdl.DepTree) *LddReport {
	r := &LddReport{Schema: lddSchema, File: mainPath, Path: hostPath(t.Root.Path),
		LoadOrder: []LddEntry{}, Missing: []string{}}
	if t.Root.File != nil {
		r.Kind = kindIDs[t.Root.File.Kind()]
	}
	missing := map[string]bool{}
	for _, n := range t.Order {
		if n.Err != nil {
			if !missing[n.Name] {
				missing[n.Name] = true
				r.Missing = append(r.Missing, n.Name)
			}
			continue
		}
		r.LoadOrder = append(r.LoadOrder, LddEntry{Name: n.Name, Path: hostPath(n.Path)})
	}
	expanded := map[*wasmdl.DepNode]bool{t.Root: true}
	var walk func(n *wasmdl.DepNode) []*LddNode
	walk = func(n *wasmdl.DepNode) []*LddNode {
		out := []*LddNode{}
		for _, e := range n.Needed {
			d := e.Node
			ln := &LddNode{Name: d.Name}
			switch {
			case d.Err != nil:
				ln.Status, ln.Error = depErrorStatus(d.Err)
				ln.Error = strings.TrimPrefix(ln.Error, d.Name+": ")
				var me *wasmdl.ModuleError
				if errors.As(d.Err, &me) {
					ln.Path = hostPath(me.Path)
				}
				var ml *wasmdl.MissingLibraryError
				if errors.As(d.Err, &ml) {
					for _, p := range ml.Searched {
						ln.Searched = append(ln.Searched, hostPath(p))
					}
				}
			case e.Cycle:
				ln.Status, ln.Path, ln.Via = "cycle", hostPath(d.Path), d.Via
			case e.Repeat || expanded[d]:
				ln.Status, ln.Path, ln.Via = "repeat", hostPath(d.Path), d.Via
			default:
				expanded[d] = true
				ln.Status, ln.Path, ln.Via = "found", hostPath(d.Path), d.Via
				ln.Needed = walk(d)
			}
			out = append(out, ln)
		}
		return out
	}
	r.Needed = walk(t.Root)
	return r
}

// depErrorStatus classifies why a NEEDED library is missing.
func depErrorStatus(err error) (status, msg string) {
	var ml *wasmdl.MissingLibraryError
	var me *wasmdl.ModuleError
	var we *wasmfile.FormatError
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return "not_found", "not found"
	case errors.As(err, &ml):
		return "refused", ml.Err.Error()
	case errors.As(err, &me):
		return "unreadable", me.Err.Error()
	case errors.As(err, &we):
		return "unreadable", we.Error()
	}
	return "refused", err.Error()
}

// lddMaxIndent is the depth past which the text tree is no longer
// indented further: a chain of thousands of libraries would otherwise print
// a number of spaces that grows with the square of its length.
const lddMaxIndent = 32

// writeLddText prints the tree like ldd: one tab, four more spaces per
// level. Repeats are left out (each library appears once); a missing
// library is shown where it is first needed. From level lddMaxIndent+1 on,
// lines keep the indentation of the level above and start with their level
// in brackets (level 1 is what FILE needs).
func writeLddText(w io.Writer, root *wasmdl.DepNode, r *LddReport) {
	if len(r.Needed) == 0 {
		if root.File != nil && root.File.Dylink == nil {
			fmt.Fprintln(w, "\tnot a dynamically linked module (no dylink.0 section)")
		} else {
			fmt.Fprintln(w, "\tno needed libraries")
		}
		return
	}
	// A missing library is shown once, where the loader first needed it:
	// the first occurrence in breadth-first (load) order.
	shownMissing := map[string]*LddNode{}
	for queue := r.Needed; len(queue) > 0; {
		var next []*LddNode
		for _, n := range queue {
			if n.Status != "found" && n.Status != "repeat" && n.Status != "cycle" && shownMissing[n.Name] == nil {
				shownMissing[n.Name] = n
			}
			next = append(next, n.Needed...)
		}
		queue = next
	}
	var walk func(nodes []*LddNode, depth int)
	walk = func(nodes []*LddNode, depth int) {
		indent := "\t" + strings.Repeat("    ", min(depth, lddMaxIndent))
		if depth >= lddMaxIndent {
			indent += fmt.Sprintf("[%d] ", depth+1)
		}
		for _, n := range nodes {
			name := safe(n.Name)
			switch n.Status {
			case "repeat":
				continue
			case "found":
				fmt.Fprintf(w, "%s%s => %s\n", indent, name, safe(n.Path))
				walk(n.Needed, depth+1)
			case "cycle":
				fmt.Fprintf(w, "%s%s => %s (cycle)\n", indent, name, safe(n.Path))
			default:
				if shownMissing[n.Name] != n {
					continue
				}
				switch n.Status {
				case "not_found":
					where := ""
					if len(n.Searched) > 0 {
						where = " (searched: " + safe(strings.Join(n.Searched, ", ")) + ")"
					}
					fmt.Fprintf(w, "%s%s => not found%s\n", indent, name, where)
				case "unreadable":
					fmt.Fprintf(w, "%s%s => %s (unreadable: %s)\n", indent, name, safe(n.Path), safe(n.Error))
				default:
					fmt.Fprintf(w, "%s%s => refused (%s)\n", indent, name, safe(n.Error))
				}
			}
		}
	}
	walk(r.Needed, 0)
}
