// Package search implements wasmdl's library search rules once, over an
// fs.FS, for the loader, dlopen and ldd alike.
//
// # Security
//
// Library names come from untrusted places (dylink.0 NEEDED entries, a
// guest's dlopen argument). Every candidate path is cleaned and must stay
// inside the file system given to the Searcher: ".." cannot climb out of it
// and an absolute name is accepted only when it lies under Root. Names with
// NUL bytes are refused. Only "does not exist" moves the search on; any other
// error (permission, a directory, a read failure) ends it, as in musl.
package search

import (
	"errors"
	"fmt"
	"io/fs"
	"path"
	"strings"
	"sync"
	"time"
)

// Searcher finds library files by name. Paths are fs.FS paths (slash
// separated, relative to the root of FS).
type Searcher struct {
	FS fs.FS
	// Root is the absolute host path that FS represents ("/" for the whole
	// file system, "" when FS is not a host folder, e.g. embedded). Absolute
	// names are accepted only under Root.
	Root string
	// Cwd is the fs path that relative names containing "/" start from.
	Cwd string
	// Paths are the -L folders (fs paths from the root), searched first, in order.
	Paths []string
	// EnvPaths are the WASMDL_LIBRARY_PATH folders, searched next.
	EnvPaths []string
	// MainDir is the folder of the main module, searched last.
	MainDir string
	// Cache, if set, keeps file contents between searches, revalidated by
	// size and modification time, so reopening a library reads nothing.
	Cache *FileCache
}

// FileCache keeps the contents of files found, keyed by path and checked
// against their size and modification time before reuse. It is safe for
// concurrent use.
type FileCache struct {
	mu sync.Mutex
	m  map[string]cachedFile
}

type cachedFile struct {
	size    int64
	modTime time.Time
	data    []byte
}

// read returns the contents of name in fsys, from the cache when the file
// has not changed.
func (c *FileCache) read(fsys fs.FS, name string) ([]byte, error) {
	if c == nil {
		return fs.ReadFile(fsys, name)
	}
	st, err := fs.Stat(fsys, name)
	if err != nil {
		return nil, err
	}
	c.mu.Lock()
	cf, ok := c.m[name]
	c.mu.Unlock()
	if ok && cf.size == st.Size() && cf.modTime.Equal(st.ModTime()) && !st.ModTime().IsZero() {
		return cf.data, nil
	}
	b, err := fs.ReadFile(fsys, name)
	if err != nil {
		return nil, err
	}
	c.mu.Lock()
	if c.m == nil {
		c.m = map[string]cachedFile{}
	}
	c.m[name] = cachedFile{size: int64(len(b)), modTime: st.ModTime(), data: b}
	c.mu.Unlock()
	return b, nil
}

// Request describes who asks for a library.
type Request struct {
	Name        string   // as written in NEEDED or passed to dlopen
	Origin      string   // fs folder of the requesting module, for $ORIGIN
	RuntimePath []string // the requesting module's RUNTIME_PATH entries
	// FromModule marks a name read from a module (a NEEDED entry) rather
	// than given by the user (the main path, -L, a preload). Such a name is
	// refused with ErrUnsafeName if it is absolute or has a ".." element,
	// whatever the root: a library may name files in the search folders,
	// not anywhere the loader can read.
	FromModule bool
}

// Result is a found library.
type Result struct {
	Path string // fs path
	Data []byte
	// Via says which rule found it: "path", "-L", "WASMDL_LIBRARY_PATH",
	// "RUNTIME_PATH", "main folder".
	Via string
}

// NotFoundError reports that no candidate existed; Tried lists them in order.
type NotFoundError struct {
	Name  string
	Tried []string
}

// Error lists every candidate tried.
func (e *NotFoundError) Error() string {
	return fmt.Sprintf("%s: not found (searched %s)", e.Name, strings.Join(e.Tried, ", "))
}

// Display turns an fs path back into what a user knows: the host path when
// FS is a host folder, else the fs path itself.
func (s *Searcher) Display(p string) string {
	if s.Root == "" {
		return p
	}
	return path.Join(s.Root, p)
}

// ErrEscapes is wrapped by errors for paths that would leave the root.
var ErrEscapes = errors.New("path escapes the library root")

// ErrUnsafeName is wrapped by errors for names read from a module that are
// absolute or contain a ".." element; see [Request.FromModule].
var ErrUnsafeName = errors.New("unsafe library name")

// Find looks a library up following wasmdl's rules: a name containing "/"
// is a path (relative to Cwd, or absolute under Root); otherwise the -L
// folders, then WASMDL_LIBRARY_PATH, then the requester's RUNTIME_PATH (with
// $ORIGIN and ${ORIGIN} expanded to its folder), then the main module's folder.
func (s *Searcher) Find(req Request) (*Result, error) {
	name := req.Name
	if name == "" {
		return nil, errors.New("empty library name")
	}
	if strings.IndexByte(name, 0) >= 0 {
		return nil, fmt.Errorf("%q: library name contains a NUL byte", name)
	}
	if req.FromModule {
		if strings.HasPrefix(name, "/") {
			return nil, fmt.Errorf("%s: %w: absolute path", name, ErrUnsafeName)
		}
		for _, elem := range strings.Split(name, "/") {
			if elem == ".." {
				return nil, fmt.Errorf("%s: %w: \"..\" element", name, ErrUnsafeName)
			}
		}
	}
	if strings.Contains(name, "/") {
		p, err := s.resolve(s.Cwd, name)
		if err != nil {
			return nil, err
		}
		return s.try(name, []candidate{{p, "path"}})
	}
	if name == "." || name == ".." {
		return nil, fmt.Errorf("%q: %w", name, ErrEscapes)
	}
	var cands []candidate
	add := func(dirs []string, via string, expandOrigin bool) error {
		for _, d := range dirs {
			// -L and WASMDL_LIBRARY_PATH folders are fs paths already;
			// a relative RUNTIME_PATH entry is relative to the working folder.
			base := "."
			if expandOrigin {
				base = s.Cwd
				// $ORIGIN is the folder of the module whose RUNTIME_PATH names it.
				for _, tok := range []string{"${ORIGIN}", "$ORIGIN"} {
					if d == tok || strings.HasPrefix(d, tok+"/") {
						base, d = req.Origin, strings.TrimPrefix(strings.TrimPrefix(d, tok), "/")
						break
					}
				}
			}
			p, err := s.resolve(base, joinRel(d, name))
			if err != nil {
				if errors.Is(err, ErrEscapes) {
					// A search folder outside the root is skipped, not fatal:
					// the library may still be found elsewhere.
					continue
				}
				return err
			}
			cands = append(cands, candidate{p, via})
		}
		return nil
	}
	if err := add(s.Paths, "-L", false); err != nil {
		return nil, err
	}
	if err := add(s.EnvPaths, "WASMDL_LIBRARY_PATH", false); err != nil {
		return nil, err
	}
	if err := add(req.RuntimePath, "RUNTIME_PATH", true); err != nil {
		return nil, err
	}
	cands = append(cands, candidate{path.Join(cleanRel(s.MainDir), name), "main folder"})
	return s.try(name, cands)
}

func joinRel(dir, name string) string {
	if dir == "" {
		return name
	}
	return strings.TrimSuffix(dir, "/") + "/" + name
}

func cleanRel(p string) string {
	if p == "" {
		return "."
	}
	return p
}

type candidate struct {
	path string
	via  string
}

func (s *Searcher) try(name string, cands []candidate) (*Result, error) {
	var tried []string
	seen := map[string]bool{}
	for _, c := range cands {
		if seen[c.path] {
			continue
		}
		seen[c.path] = true
		tried = append(tried, s.Display(c.path))
		b, err := s.Cache.read(s.FS, c.path)
		if err == nil {
			return &Result{Path: c.path, Data: b, Via: c.via}, nil
		}
		if errors.Is(err, fs.ErrNotExist) {
			continue
		}
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	return nil, &NotFoundError{Name: name, Tried: tried}
}

// resolve turns p (relative to base, or absolute) into a clean fs path,
// refusing anything outside the root.
func (s *Searcher) resolve(base, p string) (string, error) {
	if strings.HasPrefix(p, "/") {
		if s.Root == "" {
			return "", fmt.Errorf("%s: absolute path: %w", p, ErrEscapes)
		}
		rel, ok := FSPath(s.Root, p)
		if !ok {
			return "", fmt.Errorf("%s: %w", p, ErrEscapes)
		}
		return rel, nil
	}
	joined := path.Join(cleanRel(base), p)
	if joined == ".." || strings.HasPrefix(joined, "../") {
		return "", fmt.Errorf("%s: %w", p, ErrEscapes)
	}
	return joined, nil
}

// FSPath maps an absolute host path to a path of an fs.FS rooted at the
// absolute folder root. It reports false when p is outside root.
func FSPath(root, p string) (string, bool) {
	root = path.Clean(root)
	p = path.Clean(p)
	if root == "/" {
		if p == "/" {
			return ".", true
		}
		return strings.TrimPrefix(p, "/"), true
	}
	if p == root {
		return ".", true
	}
	if strings.HasPrefix(p, root+"/") {
		return strings.TrimPrefix(p, root+"/"), true
	}
	return "", false
}
