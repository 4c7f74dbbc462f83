package main

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"syscall"

	"github.com/wasmdl/wasmdl"
)

// Every error line starts with "wasmdl: " and is printed through safe.
// A file named on the command line that cannot be used reads, for every
// command, "wasmdl: FILE: cannot open: no such file or directory" (or the
// system's other reason: permission denied, is a directory).

// openError words why a file named on the command line cannot be used.
func openError(err error) string {
	var pe *fs.PathError
	if errors.As(err, &pe) {
		return "cannot open: " + pe.Err.Error()
	}
	return err.Error()
}

// createError words why an output file cannot be written.
func createError(err error) string {
	var pe *fs.PathError
	if errors.As(err, &pe) {
		return "cannot create: " + pe.Err.Error()
	}
	return err.Error()
}

// checkInput makes sure name is a file that can be opened for reading, so
// that commands that hand it to the loader report a missing file as the
// others do.
func checkInput(name string) error {
	f, err := os.Open(name)
	if err != nil {
		return err
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return err
	}
	if st.IsDir() {
		return &fs.PathError{Op: "open", Path: name, Err: syscall.EISDIR}
	}
	return nil
}

// hostPath turns an fs path of the host file system (the absolute path
// without its leading "/") into what the user knows: a path relative to
// the current directory when both lie in the same top-level folder
// (../../testdata/lib/libx.so), else the absolute path (/tmp/libx.so).
func hostPath(p string) string {
	abs := filepath.FromSlash("/" + strings.TrimPrefix(p, "/"))
	if p == "." {
		abs = string(filepath.Separator)
	}
	wd, err := os.Getwd()
	if err != nil || topFolder(wd) != topFolder(abs) {
		return abs
	}
	if rel, err := filepath.Rel(wd, abs); err == nil {
		return rel
	}
	return abs
}

// topFolder is the first element of an absolute path: "work" for
// /home/me/wasmdl, "" for /.
func topFolder(abs string) string {
	top, _, _ := strings.Cut(strings.TrimPrefix(abs, string(filepath.Separator)), string(filepath.Separator))
	return top
}

// searched lists the candidates the loader tried for a library it did not
// find, or "" when err is not a failed search.
func searched(err error) string {
	var ml *wasmdl.MissingLibraryError
	if !errors.As(err, &ml) || len(ml.Searched) == 0 {
		return ""
	}
	paths := make([]string, len(ml.Searched))
	for i, p := range ml.Searched {
		paths[i] = hostPath(p)
	}
	return strings.Join(paths, ", ")
}

// printLoadErrors prints every load or link problem, one per line, in
// ld.so's words; a library that was not found also lists the paths
// searched (WASMDL_DEBUG=libs traces each failed search too).
func printLoadErrors(stderr io.Writer, err error) {
	errs := []error{err}
	var multi interface{ Unwrap() []error }
	if errors.As(err, &multi) {
		errs = multi.Unwrap()
	}
	for _, e := range errs {
		msg := e.Error()
		if where := searched(e); where != "" {
			msg += " (searched: " + where + ")"
		}
		printError(stderr, msg)
	}
}

// printError prints one error: its message on a "wasmdl: " line, and for a
// trap the wasm backtrace, one indented frame a line. Traps come from
// wazero, whose wording ("wasm error:", "(recovered by wazero)", "wasm
// stack trace:") is rewritten as wasmdl's. Module-supplied names in the
// message and the frames are escaped.
func printError(w io.Writer, msg string) {
	msg, goStack, _ := strings.Cut(msg, "\n\nGo runtime stack trace:\n")
	msg, trace, hasTrace := strings.Cut(msg, "\nwasm stack trace:\n\t")
	msg = strings.ReplaceAll(msg, " (recovered by wazero)", "")
	msg = strings.ReplaceAll(msg, "wasm error: ", "trap: ")
	fmt.Fprintf(w, "wasmdl: %s\n", safe(msg))
	if hasTrace {
		fmt.Fprintln(w, "wasmdl: backtrace, innermost call first:")
		// Frames are "module.function(params) results", one a line; source
		// positions, when the module has them, follow their frame on lines
		// of their own. A name that contains a newline cannot start a line
		// here: a frame line always starts with a tab.
		for _, frame := range strings.Split(trace, "\n\t") {
			indent := "\t"
			if src, ok := strings.CutPrefix(frame, "\t"); ok {
				indent, frame = "\t\t", src
			}
			// A module instantiated without a name (the merged program,
			// wasmdl's generated modules) leaves a bare "." before the function.
			fmt.Fprintf(w, "%s%s\n", indent, safe(strings.TrimPrefix(frame, ".")))
		}
	}
	if goStack != "" {
		fmt.Fprintln(w, "wasmdl: the Go stack of the failed host call (a bug in wasmdl; please report it):")
		for _, l := range strings.Split(strings.TrimRight(goStack, "\n"), "\n") {
			fmt.Fprintf(w, "\t%s\n", safe(l))
		}
	}
}
