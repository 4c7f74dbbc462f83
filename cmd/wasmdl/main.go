// Command wasmdl is a dynamic linker for WebAssembly: it runs a main module
// with its shared libraries in one memory (run), reads dylink.0 metadata
// (inspect), prints dependency trees (ldd) and explains why a set of modules
// is unsafe to share one memory (check).
//
// Exit status: 0 success, 1 a finding (missing library, hazards), 2 usage or
// unreadable input, 127 a load or link failure in run. A program run by
// "wasmdl run" exits with its own status.
package main

import (
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"sort"
)

// command is one subcommand. It returns the process exit status.
type command struct {
	summary string
	run     func(args []string, stdout, stderr io.Writer) int
}

var commands = map[string]command{}

// register adds a subcommand; each command's file calls it from init.
func register(name, summary string, run func(args []string, stdout, stderr io.Writer) int) {
	commands[name] = command{summary, run}
}

func main() {
	os.Exit(mainArgs(os.Args[1:], os.Stdout, os.Stderr))
}

func mainArgs(args []string, stdout, stderr io.Writer) int {
	if len(args) == 0 || args[0] == "-h" || args[0] == "--help" || args[0] == "help" {
		usage(stderr)
		if len(args) == 0 {
			return 2
		}
		return 0
	}
	c, ok := commands[args[0]]
	if !ok {
		fmt.Fprintf(stderr, "wasmdl: unknown command %q\n", args[0])
		usage(stderr)
		return 2
	}
	return c.run(args[1:], stdout, stderr)
}

func usage(w io.Writer) {
	fmt.Fprintln(w, "usage: wasmdl COMMAND [ARGS...]")
	fmt.Fprintln(w, "\ncommands:")
	names := make([]string, 0, len(commands))
	for n := range commands {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		fmt.Fprintf(w, "  %-8s %s\n", n, commands[n].summary)
	}
}

// newFlags makes a subcommand's flag set; -h prints usage, then the flags.
func newFlags(name, usage string, stderr io.Writer) *flag.FlagSet {
	fset := flag.NewFlagSet(name, flag.ContinueOnError)
	fset.SetOutput(stderr)
	fset.Usage = func() {
		fmt.Fprint(stderr, usage)
		fmt.Fprintln(stderr, "\nflags:")
		fset.PrintDefaults()
	}
	return fset
}

// parseFlags parses args and checks that at least minArgs operands follow.
// It returns -1 to go on, or the exit status to end with: 0 after -h, 2
// for a usage error.
func parseFlags(fset *flag.FlagSet, args []string, minArgs int) int {
	if err := fset.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return 0
		}
		return 2
	}
	if fset.NArg() < minArgs {
		fset.Usage()
		return 2
	}
	return -1
}

// writeJSON prints v as indented JSON; it returns -1, or 2 if v cannot be
// encoded.
func writeJSON(stdout, stderr io.Writer, v any) int {
	b, err := json.MarshalIndent(v, "", "  ")
	if err != nil {
		fmt.Fprintf(stderr, "wasmdl: %v\n", err)
		return 2
	}
	stdout.Write(append(b, '\n'))
	return -1
}
