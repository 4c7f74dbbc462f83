package link

import (
	"crypto/sha256"
	"errors"
	"fmt"
	"path"
	"strings"
	"sync"

	"github.com/wasmdl/wasmdl/internal/ehtrans"
	"github.com/wasmdl/wasmdl/internal/search"
	"github.com/wasmdl/wasmdl/wasmfile"
)

// infoCache keeps one moduleInfo per distinct module content, so that a
// second process (or a second dlopen) of the same bytes parses and compiles
// nothing.
type infoCache struct {
	mu    sync.Mutex
	m     map[[32]byte]*moduleInfo
	bySrc map[*byte]*moduleInfo // by the file cache's buffer: no rehashing
	order [][32]byte            // keys, oldest first: at most maxCached are kept (see bounded)
}

func (c *infoCache) get(data []byte) (*moduleInfo, error) {
	if len(data) == 0 {
		return nil, &wasmfile.FormatError{Msg: "empty file", Err: wasmfile.ErrUnexpectedEOF}
	}
	c.mu.Lock()
	mi := c.bySrc[&data[0]]
	c.mu.Unlock()
	if mi != nil && mi.srcLen == len(data) {
		return mi, nil
	}
	key := sha256.Sum256(data)
	c.mu.Lock()
	mi = c.m[key]
	if mi != nil {
		if c.bySrc == nil {
			c.bySrc = map[*byte]*moduleInfo{}
		}
		c.bySrc[&data[0]] = mi
	}
	c.mu.Unlock()
	if mi != nil {
		return mi, nil
	}
	src := &data[0]
	f, err := wasmfile.Options{SkipNames: true}.Parse(data)
	if err != nil {
		return nil, err
	}
	srcLen := len(data)
	if f.UsesLegacyExceptions() {
		// From here on the module is its try_table form: what wazero
		// runs, and what the merge reads (see exceptions.go).
		if data, err = ehtrans.TranslateFile(f); err != nil {
			return nil, err
		}
		if f, err = (wasmfile.Options{SkipNames: true}).Parse(data); err != nil {
			return nil, fmt.Errorf("internal error: translated exception handling does not read back: %w", err)
		}
	}
	mi = newModuleInfo(f, data, hashKey(key))
	mi.srcLen = srcLen
	c.mu.Lock()
	defer c.mu.Unlock()
	if old := c.m[key]; old != nil {
		return old, nil
	}
	if c.m == nil {
		c.m = map[[32]byte]*moduleInfo{}
		c.bySrc = map[*byte]*moduleInfo{}
	}
	c.m[key] = mi
	c.bySrc[src] = mi
	c.order = append(c.order, key)
	for len(c.m) > maxCached {
		old := c.m[c.order[0]]
		delete(c.m, c.order[0])
		c.order = c.order[1:]
		for src, v := range c.bySrc {
			if v == old {
				delete(c.bySrc, src)
			}
		}
	}
	return mi, nil
}

// MissingError reports a library that could not be found.
type MissingError struct {
	Name     string
	NeededBy string // "" for a preload or dlopen
	Err      error
}

// Error implements error.
func (e *MissingError) Error() string {
	s := "error while loading shared libraries: " + e.Name + ": cannot open shared object file"
	var nf *search.NotFoundError
	if errors.As(e.Err, &nf) {
		s += ": No such file or directory"
	} else {
		s += ": " + e.Err.Error()
	}
	if e.NeededBy != "" {
		s += " (needed by " + e.NeededBy + ")"
	}
	return s
}

// Unwrap returns the underlying error, for errors.Is and errors.As.
func (e *MissingError) Unwrap() error { return e.Err }

// FileError reports a module that was found but could not be read.
type FileError struct {
	Path string
	Err  error
}

// Error implements error.
func (e *FileError) Error() string { return e.Path + ": " + e.Err.Error() }

// Unwrap returns the underlying error, for errors.Is and errors.As.
func (e *FileError) Unwrap() error { return e.Err }

// depResolver loads objects and the closure of their NEEDED libraries.
type depResolver struct {
	searcher *search.Searcher
	cache    *infoCache
	byName   map[string]*object // requested names and path basenames of loaded objects
	byPath   map[string]*object
	failed   map[string]bool // paths already reported unreadable
	// trace, if set, traces each failed search (WASMDL_DEBUG=libs).
	trace func(format string, args ...any)
}

// errReported stands for an error already reported for the same file.
var errReported = errors.New("already reported")

func (r *depResolver) remember(o *object) {
	r.byName[o.name] = o
	r.byName[path.Base(o.path)] = o
	r.byPath[o.path] = o
}

// find returns an already-loaded object for name, if any.
func (r *depResolver) find(name string) *object {
	if o := r.byName[name]; o != nil {
		return o
	}
	return nil
}

// loadObject reads one module found by the search rules for req.
func (r *depResolver) loadObject(req search.Request, neededBy *object) (*object, bool, error) {
	if o := r.find(req.Name); o != nil && !containsSlash(req.Name) {
		return o, false, nil
	}
	res, err := r.searcher.Find(req)
	if err != nil {
		if r.trace != nil {
			why := "not found"
			var nf *search.NotFoundError
			if errors.As(err, &nf) && len(nf.Tried) > 0 {
				why += "; searched " + strings.Join(nf.Tried, ", ")
			}
			r.trace("%s => %s (needed by %s)", req.Name, why, nameOrDash(nameOf(neededBy)))
		}
		return nil, false, &MissingError{Name: req.Name, NeededBy: nameOf(neededBy), Err: err}
	}
	if o := r.byPath[res.Path]; o != nil {
		r.byName[req.Name] = o
		return o, false, nil
	}
	if r.failed[res.Path] {
		return nil, false, errReported
	}
	mi, err := r.cache.get(res.Data)
	if err != nil {
		// Report an unreadable file once, however many modules need it.
		if r.failed == nil {
			r.failed = map[string]bool{}
		}
		r.failed[res.Path] = true
		return nil, false, &FileError{Path: r.searcher.Display(res.Path), Err: err}
	}
	o := &object{name: req.Name, path: res.Path, via: res.Via, info: mi, neededBy: neededBy, before: res.Before}
	r.remember(o)
	return o, true, nil
}

func nameOf(o *object) string {
	if o == nil {
		return ""
	}
	return o.name
}

func containsSlash(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] == '/' {
			return true
		}
	}
	return false
}

// loadDeps loads the NEEDED closure of roots breadth-first, as ld.so does,
// so that the global scope lists libraries in the order Linux would. It
// returns the newly loaded objects in load order and every error found
// (all missing libraries are reported, not just the first).
func (r *depResolver) loadDeps(roots []*object) ([]*object, []error) {
	var added []*object
	var errs []error
	queue := append([]*object(nil), roots...)
	for len(queue) > 0 {
		o := queue[0]
		queue = queue[1:]
		d := o.info.file.Dylink
		if d == nil {
			continue
		}
		for _, name := range d.Needed {
			dep, isNew, err := r.loadObject(search.Request{Name: name, Origin: o.dir(), RuntimePath: d.RuntimePath, FromModule: true}, o)
			if err == errReported {
				continue
			}
			if err != nil {
				errs = append(errs, err)
				continue
			}
			o.needed = append(o.needed, dep)
			if isNew {
				added = append(added, dep)
				queue = append(queue, dep)
			}
		}
	}
	return added, errs
}

// initOrder returns the objects of scope (a load-order list) in the order
// their constructors run, as glibc computes it (elf/dl-sort-maps.c, the
// default DFS algorithm): a depth-first walk over NEEDED entries started
// from each object in reverse load order, each object placed after its
// dependencies. For a diamond (main needs L and R, both need B) that gives
// B, R, L, main, not B, L, R, main. Only objects for which include is true
// are returned; cycles are broken at the first revisit.
func initOrder(scope []*object, include func(*object) bool) []*object {
	var out []*object
	visited := map[*object]bool{}
	var visit func(o *object)
	visit = func(o *object) {
		if visited[o] {
			return
		}
		visited[o] = true
		for _, d := range o.needed {
			if !d.isMain {
				visit(d)
			}
		}
		if include(o) {
			out = append(out, o)
		}
	}
	for i := len(scope) - 1; i >= 0; i-- {
		visit(scope[i])
	}
	return out
}

// forget removes o from the name and path maps, so the same name loads afresh.
func (r *depResolver) forget(o *object) {
	for k, v := range r.byName {
		if v == o {
			delete(r.byName, k)
		}
	}
	for k, v := range r.byPath {
		if v == o {
			delete(r.byPath, k)
		}
	}
}
