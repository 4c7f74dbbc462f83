package main

import (
	"fmt"
	"io"
	"os"
	"path/filepath"

	"github.com/wasmdl/wasmdl/internal/check"
	"github.com/wasmdl/wasmdl/wasmfile"
)

func init() {
	register("check", "explain why modules are unsafe to share one memory", checkMain)
}

const checkUsage = `usage: wasmdl check [--json] [--svg FILE] MODULE...

Reports every hazard of instantiating the modules, in this order, against one
memory and one table: overlapping data segments, private stack pointers and
stacks that overlap, stacks that overflow, several allocators, element
segments that overwrite table slots, unsatisfiable limits, modules with their
own memory. Position-independent modules cannot collide.

Exit status: 0 no hazard, 1 hazards, 2 usage or unreadable input.
`

// checkMain runs "wasmdl check". Every unreadable module is reported before
// it gives up, as the other commands do.
func checkMain(args []string, stdout, stderr io.Writer) int {
	fset := newFlags("check", checkUsage, stdout, stderr)
	asJSON := fset.Bool("json", false, "print the report as JSON (schema "+check.SchemaVersion+")")
	svg := fset.String("svg", "", "draw the memory and table layout to `FILE` as SVG")
	if status := fset.parse(args, 1); status >= 0 {
		return status
	}
	mods, ok := readModules(fset.Args(), stderr)
	if !ok {
		return 2
	}
	report := check.Check(mods)
	if *svg != "" {
		if err := writeSVG(*svg, report); err != nil {
			fmt.Fprintf(stderr, "wasmdl: %s: %s\n", safe(*svg), safe(createError(err)))
			return 2
		}
	}
	if *asJSON {
		if status := writeJSON(stdout, stderr, report); status >= 0 {
			return status
		}
	} else if err := report.WriteText(safeLines{stdout}); err != nil {
		fmt.Fprintf(stderr, "wasmdl: %s\n", safe(err.Error()))
		return 2
	}
	if report.HasHazards() {
		return 1
	}
	return 0
}

// readModules parses every file, naming each module by its base name (or
// by the path as given when two base names are equal).
func readModules(paths []string, stderr io.Writer) ([]check.Module, bool) {
	bases := map[string]int{}
	for _, p := range paths {
		bases[filepath.Base(p)]++
	}
	var mods []check.Module
	ok := true
	for _, p := range paths {
		f, err := wasmfile.Open(p)
		if err != nil {
			fmt.Fprintf(stderr, "wasmdl: %s: %s\n", safe(p), safe(openError(err)))
			ok = false
			continue
		}
		name := filepath.Base(p)
		if bases[name] > 1 {
			name = p
		}
		mods = append(mods, check.Module{Name: name, File: f})
	}
	return mods, ok
}

func writeSVG(name string, r *check.Report) error {
	f, err := os.Create(name)
	if err != nil {
		return err
	}
	if err := r.WriteSVG(f); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}
