package wasmdl

import (
	"errors"
	"fmt"
	"io/fs"
	"strings"

	"github.com/tetratelabs/wazero/sys"
	"github.com/wasmdl/wasmdl/internal/link"
	"github.com/wasmdl/wasmdl/internal/search"
)

// Errors are values of the types below, or wrap one of the sentinels, so
// that a host can tell them apart with errors.Is and errors.As:
//
//	errors.Is(err, fs.ErrNotExist)       a library or the main was not found
//	errors.Is(err, wasmdl.ErrClosed)     the process, library or Linker is closed
//	errors.Is(err, wasmdl.ErrDead)       the process trapped, exited or was stopped before
//	errors.As(err, &*LoadError)          every problem of a failed load
//	errors.As(err, &*MissingLibraryError), &*UndefinedSymbolError,
//	  &*SignatureError, &*ModuleError    one problem
//	errors.As(err, &*CallError)          guest code did not return normally
//	errors.As(err, &*ExitError)          the program exited with a status

// ErrClosed is wrapped by the errors of calls on a closed [Process],
// [Library] or [Linker], and of symbols of a closed library.
var ErrClosed = errors.New("closed")

// ErrDead is wrapped by the errors of calls on a process whose guest code
// trapped, exited or was stopped by its context: its state can no longer
// be trusted, so it runs nothing more. errors.As finds the cause (a
// [CallError] or an [ExitError]) in the same error.
var ErrDead = errors.New("the process is dead")

// ErrNoEntry is returned by [Process.Run] when the main module exports no
// entry point (_start, __main_void, __main_argc_argv or main).
var ErrNoEntry = link.ErrNoEntry

// ErrRunOnly is wrapped by the errors of [Process.Lookup] and
// [Process.Open] in a process of a Linker made with [Config.WithRunOnly].
var ErrRunOnly = link.ErrRunOnly

// ErrSymbolLookup is wrapped by the error of [Process.Run] (or of a call)
// when the program calls a function that a library opened with RTLD_LAZY
// imports and that is still undefined: ld.so's "symbol lookup error".
var ErrSymbolLookup = link.ErrSymbolLookup

// LoadError is every problem found while loading a program or opening a
// library: all missing libraries and undefined symbols are reported
// together, as ld.so does.
type LoadError struct {
	Errs []error // each a *MissingLibraryError, *UndefinedSymbolError, *SignatureError, *ModuleError or other error
}

// Error lists the problems, one per line.
func (e *LoadError) Error() string {
	s := make([]string, len(e.Errs))
	for i, err := range e.Errs {
		s[i] = err.Error()
	}
	return strings.Join(s, "\n")
}

// Unwrap returns the problems, for errors.Is and errors.As.
func (e *LoadError) Unwrap() []error { return e.Errs }

// MissingLibraryError reports a library that could not be found. It
// matches fs.ErrNotExist when no candidate existed.
type MissingLibraryError struct {
	Name     string   // as requested: a NEEDED entry, a preload or an Open argument
	NeededBy string   // the module that needs it; "" for a preload or Open
	Searched []string // the candidate paths tried, in order
	Err      error    // fs.ErrNotExist, or why the search stopped (a refused name...)
}

// Error words it as ld.so does.
func (e *MissingLibraryError) Error() string {
	s := "error while loading shared libraries: " + e.Name + ": cannot open shared object file: "
	if errors.Is(e.Err, fs.ErrNotExist) {
		s += "No such file or directory"
	} else {
		s += e.Err.Error()
	}
	if e.NeededBy != "" {
		s += " (needed by " + e.NeededBy + ")"
	}
	return s
}

// Unwrap returns Err.
func (e *MissingLibraryError) Unwrap() error { return e.Err }

// UndefinedSymbolError reports a symbol no module in scope defines.
type UndefinedSymbolError struct {
	Symbol   string
	NeededBy string // the module that imports it
}

// Error implements error.
func (e *UndefinedSymbolError) Error() string {
	return fmt.Sprintf("undefined symbol: %s (needed by %s)", e.Symbol, e.NeededBy)
}

// SignatureError reports a function imported with another type than its
// definition's.
type SignatureError struct {
	Symbol            string
	Importer, Definer string
	Want, Have        string // the importer's and the definer's types, as "(i32) -> i32"
}

// Error implements error.
func (e *SignatureError) Error() string {
	return fmt.Sprintf("signature mismatch: %s: %s imports it as %s but %s defines %s",
		e.Symbol, e.Importer, e.Want, e.Definer, e.Have)
}

// ModuleError reports a module that was found but cannot be used: it does
// not parse (Err is then a *wasmfile.FormatError with the offset), or the
// file cannot be read.
type ModuleError struct {
	Path string // where it was found
	Err  error
}

// Error implements error.
func (e *ModuleError) Error() string { return e.Path + ": " + e.Err.Error() }

// Unwrap returns Err.
func (e *ModuleError) Unwrap() error { return e.Err }

// CallError reports guest code that did not return normally: a trap, an
// exit, or a context cancelled while it ran (Err then wraps the context's
// error). Func is the function the host or loader called.
type CallError struct {
	Module, Func string
	Err          error
}

// Error implements error.
func (e *CallError) Error() string { return fmt.Sprintf("%s: %s: %v", e.Module, e.Func, e.Err) }

// Unwrap returns Err.
func (e *CallError) Unwrap() error { return e.Err }

// ExitError reports that the program ended with an exit status, which
// makes the process dead (see [ErrDead]).
type ExitError struct{ Code int }

// Error implements error.
func (e *ExitError) Error() string { return fmt.Sprintf("the program exited with status %d", e.Code) }

// deadError is a call on a dead process: ErrDead and the cause.
type deadError struct{ cause error }

func (e *deadError) Error() string   { return fmt.Sprintf("%v: %v", ErrDead, e.cause) }
func (e *deadError) Unwrap() []error { return []error{ErrDead, e.cause} }

// closedError is a call on something closed.
type closedError struct{ msg string }

func (e *closedError) Error() string { return e.msg }
func (e *closedError) Unwrap() error { return ErrClosed }

// errNoSuchFile is why a main module that does not exist cannot be loaded.
var errNoSuchFile = fmt.Errorf("cannot open: no such file or directory: %w", fs.ErrNotExist)

// publicError turns the loader's errors into this package's types, keeping
// their messages.
func publicError(err error) error {
	switch e := err.(type) {
	case nil:
		return nil
	case link.LinkErrors:
		out := &LoadError{}
		for _, x := range e {
			out.Errs = append(out.Errs, publicError(x))
		}
		return out
	case *link.MissingError:
		m := &MissingLibraryError{Name: e.Name, NeededBy: e.NeededBy, Err: e.Err}
		var nf *search.NotFoundError
		if errors.As(e.Err, &nf) {
			m.Searched, m.Err = nf.Tried, fs.ErrNotExist
		}
		return m
	case *link.UndefinedError:
		return &UndefinedSymbolError{Symbol: e.Symbol, NeededBy: e.NeededBy}
	case *link.SignatureError:
		return &SignatureError{Symbol: e.Symbol, Importer: e.Importer, Definer: e.Definer, Want: e.Want, Have: e.Have}
	case *link.FileError:
		var nf *search.NotFoundError
		if errors.As(e.Err, &nf) {
			return &ModuleError{Path: e.Path, Err: errNoSuchFile}
		}
		return &ModuleError{Path: e.Path, Err: e.Err}
	case *link.CallError:
		return &CallError{Module: e.Module, Func: e.Func, Err: publicError(e.Err)}
	case *link.ExitError:
		return &ExitError{Code: e.Code}
	case *link.DeadError:
		return &deadError{cause: publicError(e.Cause)}
	}
	var ee *sys.ExitError
	if errors.As(err, &ee) {
		switch ee.ExitCode() {
		case sys.ExitCodeContextCanceled, sys.ExitCodeDeadlineExceeded:
		default:
			return &ExitError{Code: int(ee.ExitCode())}
		}
	}
	if errors.Is(err, link.ErrClosed) {
		return &closedError{err.Error()}
	}
	return err
}
