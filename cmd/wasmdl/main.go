// Command wasmdl is a dynamic linker for WebAssembly: it runs a main module
// with its shared libraries in one memory (run), reads dylink.0 metadata
// (inspect), prints dependency trees (ldd) and explains why a set of modules
// is unsafe to share one memory (check).
//
// Exit status: 0 success, 1 a finding (missing library, hazards), 2 usage or
// unreadable input, 127 a load or link failure in run, 134 a trap in run. A
// program run by "wasmdl run" exits with its own status.
//
// Help goes to stdout ("wasmdl help", "wasmdl help VERB", "wasmdl VERB
// --help"); errors go to stderr, one line each, starting with "wasmdl: ".
package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"sort"
	"strings"
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

func init() {
	register("help", "print the help of wasmdl or of one command", helpMain)
}

func main() {
	os.Exit(mainArgs(os.Args[1:], os.Stdout, os.Stderr))
}

func mainArgs(args []string, stdout, stderr io.Writer) int {
	if len(args) == 0 {
		usage(stderr)
		return 2
	}
	switch args[0] {
	case "-h", "-help", "--help":
		usage(stdout)
		return 0
	case "-version", "--version":
		args = append([]string{"version"}, args[1:]...)
	}
	c, ok := commands[args[0]]
	if !ok {
		fmt.Fprintf(stderr, "wasmdl: unknown command \"%s\"\n", safe(args[0]))
		usage(stderr)
		return 2
	}
	return c.run(args[1:], stdout, stderr)
}

const helpUsage = `usage: wasmdl help [COMMAND]

Prints what wasmdl does and lists its commands, or, with a COMMAND, that
command's usage, flags and exit statuses (as "wasmdl COMMAND --help" does).
`

// helpMain runs "wasmdl help [COMMAND]": the help goes to stdout.
func helpMain(args []string, stdout, stderr io.Writer) int {
	fset := newFlags("help", helpUsage, stdout, stderr)
	if status := fset.parse(args, 0); status >= 0 {
		return status
	}
	switch fset.NArg() {
	case 0:
		usage(stdout)
		return 0
	case 1:
		c, ok := commands[fset.Arg(0)]
		if !ok {
			fmt.Fprintf(stderr, "wasmdl: help: unknown command \"%s\"\n", safe(fset.Arg(0)))
			usage(stderr)
			return 2
		}
		return c.run([]string{"--help"}, stdout, stderr)
	}
	return fset.usageError("too many arguments")
}

func usage(w io.Writer) {
	fmt.Fprintln(w, "usage: wasmdl COMMAND [ARGS...]")
	fmt.Fprintln(w, "\nA dynamic linker for WebAssembly: ld.so and libdl for wasm modules.")
	fmt.Fprintln(w, "\nCommands:")
	names := make([]string, 0, len(commands))
	for n := range commands {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		fmt.Fprintf(w, "  %-8s %s\n", n, commands[n].summary)
	}
	fmt.Fprintln(w, "\nRun 'wasmdl help COMMAND' for a command's flags and exit statuses;")
	fmt.Fprintln(w, "'wasmdl --version' prints the version.")
}

// flagSet is one command's flags and help text. Help asked for with -h or
// --help goes to stdout with status 0; usage errors go to stderr with
// status 2.
type flagSet struct {
	*flag.FlagSet
	help           string // "usage: wasmdl NAME ...\n\n" then the description
	stdout, stderr io.Writer
}

// newFlags makes a command's flag set. help starts with the usage line(s),
// then a blank line and the description.
func newFlags(name, help string, stdout, stderr io.Writer) *flagSet {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(stderr) // the flag package's own error messages
	fs.Usage = func() {} // parse prints the help or the usage error
	return &flagSet{FlagSet: fs, help: help, stdout: stdout, stderr: stderr}
}

// parse parses args and checks that at least minArgs operands follow.
// It returns -1 to go on, or the exit status to end with: 0 after -h (the
// help is printed on stdout), 2 for a usage error (reported on stderr).
func (f *flagSet) parse(args []string, minArgs int) int {
	if err := f.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			f.printHelp(f.stdout)
			return 0
		}
		return f.usageError("") // the flag package printed the error
	}
	if f.NArg() < minArgs {
		return f.usageError("")
	}
	return -1
}

// usageError prints the message (if any), the command's usage lines and
// where its help is, on stderr, and returns exit status 2.
func (f *flagSet) usageError(format string, args ...any) int {
	if format != "" {
		fmt.Fprintf(f.stderr, "wasmdl: %s: %s\n", f.Name(), safe(fmt.Sprintf(format, args...)))
	}
	synopsis, _, _ := strings.Cut(f.help, "\n\n")
	fmt.Fprintln(f.stderr, synopsis)
	fmt.Fprintf(f.stderr, "Run 'wasmdl help %s' for details.\n", f.Name())
	return 2
}

// printHelp prints the help text, then the flags with the double dash the
// README uses (the single dash works too).
func (f *flagSet) printHelp(w io.Writer) {
	fmt.Fprint(w, f.help)
	n := 0
	f.VisitAll(func(*flag.Flag) { n++ })
	if n == 0 {
		return
	}
	fmt.Fprintln(w, "\nFlags:")
	f.VisitAll(func(fl *flag.Flag) {
		dash := "--"
		if len(fl.Name) == 1 {
			dash = "-"
		}
		arg, text := flag.UnquoteUsage(fl)
		line := "  " + dash + fl.Name
		if arg != "" {
			line += " " + arg
		}
		fmt.Fprintf(w, "%s\n        %s\n", line, text)
	})
}

// writeJSON prints v as indented JSON; it returns -1, or 2 if v cannot be
// encoded.
func writeJSON(stdout, stderr io.Writer, v any) int {
	b, err := marshalIndent(v)
	if err != nil {
		fmt.Fprintf(stderr, "wasmdl: %s\n", safe(err.Error()))
		return 2
	}
	stdout.Write(b)
	return -1
}
