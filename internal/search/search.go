// Package search implements wasmdl's library search rules once, over an
// fs.FS or the host's file system, for the loader, dlopen and ldd alike.
//
// # Security
//
// Library names come from untrusted places (dylink.0 NEEDED entries and
// RUNTIME_PATH lists, a guest's dlopen argument), and so do the files they
// name. The model:
//
//   - A name is resolved only inside library roots: the -L folders, the
//     WASMDL_LIBRARY_PATH folders and the main module's folder on the host
//     file system, or the whole file system the host gave ([Searcher.FS]
//     without [Searcher.Root]). A guest's dlopen may also reach what it can
//     already read through its WASI preopens ([Searcher.Preopens]): an
//     absolute name is first a guest path.
//   - Each candidate is confined to the root it lies in: every path
//     component is resolved, and a symbolic link whose target leaves that
//     root is refused. On the host, the file is then opened through an
//     [os.Root], which refuses to leave the folder even if the tree
//     changes between the check and the open.
//   - A RUNTIME_PATH entry counts only inside a root: $ORIGIN-relative
//     entries wherever they lead inside one, absolute ones if they lie in
//     one; relative entries without $ORIGIN (relative to whatever folder
//     the loader runs in, which glibc ignores in secure mode) are ignored.
//   - A name outside every root, or a symbolic link out of one, fails
//     exactly as a missing file does ([NotFoundError]), so that dlopen
//     tells a guest nothing about files it cannot reach.
//   - Only regular files are read, no larger than [Searcher.MaxFileSize],
//     opened without blocking (a FIFO cannot hang the loader, /dev/zero
//     cannot fill its memory).
//   - Names given by the host itself ([Request.Host]: the main module,
//     --preload, Process.Open from Go) may be any path of the file system;
//     the file-type and size checks still apply.
//
// Only "does not exist" (a missing file or folder, a refused link) moves
// the search on; any other error (permission, not a regular file, too
// large) ends it, as in musl.
package search

import (
	"errors"
	"fmt"
	"io/fs"
	"path"
	"strings"
)

// DefaultMaxFileSize is the largest library file read when
// [Searcher.MaxFileSize] is 0: 256 MiB. The largest modules built in
// practice (whole applications compiled with Emscripten, LLVM as a wasm
// library) are around 100 MB; a file above the limit is almost certainly
// not a library, and a runtime needs several times a module's size to
// compile it.
const DefaultMaxFileSize = 256 << 20

// Searcher finds library files by name. Paths are fs paths (slash
// separated, relative to the root of the file system searched).
type Searcher struct {
	// FS is the file system searched when Root is empty: the host gave it
	// (an embedded FS, os.DirFS), so all of it is a library root. Symbolic
	// links are followed inside it if it implements fs.ReadLinkFS, and
	// refused if they would leave it.
	FS fs.FS
	// Root, when set, means the host file system: fs paths are relative to
	// the absolute host folder Root ("/" for the whole file system), files
	// are opened from the host through os.Root, and FS is not used.
	// Absolute names are accepted only under Root.
	Root string
	// Cwd is the fs path that relative names containing "/" start from.
	Cwd string
	// Paths are the -L folders (fs paths), searched first, in order.
	Paths []string
	// EnvPaths are the WASMDL_LIBRARY_PATH folders, searched next. Empty
	// entries are ignored; see SplitPathList.
	EnvPaths []string
	// MainDir is the folder of the main module, searched last; "" until
	// the main module is found.
	MainDir string
	// Preopens are the guest's WASI preopens. Their folders are library
	// roots for names that do not come from the host, and an absolute
	// name is looked up as a guest path through them first.
	Preopens []Preopen
	// MaxFileSize is the largest file read, in bytes; 0 means
	// DefaultMaxFileSize.
	MaxFileSize int64
	// Cache, if set, keeps file contents between searches, revalidated by
	// size and modification time, so reopening a library reads nothing.
	Cache *FileCache
}

// Preopen maps a guest path to a host folder, as wazero's
// FSConfig.WithDirMount(host, guest) does.
type Preopen struct {
	Guest string // the guest path, e.g. "/lib-dynload"; relative ones start at "/"
	Dir   string // the fs path of the host folder
}

// Request describes who asks for a library.
type Request struct {
	Name        string   // as written in NEEDED or passed to dlopen
	Origin      string   // fs folder of the requesting module, for $ORIGIN
	RuntimePath []string // the requesting module's RUNTIME_PATH entries
	// FromModule marks a name read from a module (a NEEDED entry). Such a
	// name is refused with ErrUnsafeName if it is absolute or has a ".."
	// element: a library may name files in the search folders, not
	// anywhere the loader can read.
	FromModule bool
	// Host marks a name the host chose: the main module, a --preload,
	// Process.Open called from Go. A name containing "/" is then a path
	// anywhere in the file system (relative to Cwd, or absolute under
	// Root). Without Host a name is untrusted and resolved only inside the
	// library roots; see the package's Security section.
	Host bool
}

// Result is a found library.
type Result struct {
	Path string // fs path, as found (before symbolic links)
	Data []byte
	// Via says which rule found it: "path", "-L", "WASMDL_LIBRARY_PATH",
	// "RUNTIME_PATH", "main folder", "preopen".
	Via string
	// Before lists the fs paths of the candidates looked at before this
	// one and found missing: a file appearing at one of them would win
	// the next search.
	Before []string
}

// NotFoundError reports that no candidate existed; Tried lists them in
// order. Names outside every library root have no candidates.
type NotFoundError struct {
	Name  string
	Tried []string
}

// Error lists every candidate tried.
func (e *NotFoundError) Error() string {
	if len(e.Tried) == 0 {
		return e.Name + ": not found"
	}
	return fmt.Sprintf("%s: not found (searched %s)", e.Name, strings.Join(e.Tried, ", "))
}

// Display turns an fs path back into what a user knows: the host path when
// the searcher reads the host, else the fs path itself.
func (s *Searcher) Display(p string) string {
	if s.Root == "" {
		return p
	}
	return path.Join(s.Root, p)
}

// ErrEscapes is wrapped by errors for paths the host gave that would
// leave the file system searched.
var ErrEscapes = errors.New("path escapes the library root")

// ErrUnsafeName is wrapped by errors for names read from a module that are
// absolute or contain a ".." element; see [Request.FromModule].
var ErrUnsafeName = errors.New("unsafe library name")

// ErrNotRegular is wrapped by errors for a candidate that exists but is
// not a regular file (a folder, a device, a FIFO, a socket).
var ErrNotRegular = errors.New("not a regular file")

// ErrTooLarge is wrapped by errors for a candidate larger than
// [Searcher.MaxFileSize]: "larger than the limit of N bytes".
var ErrTooLarge = errors.New("larger than the limit")

// candidate is one place a library may be: rel inside the library root
// root (fs paths).
type candidate struct {
	root, rel string
	via       string
}

func (c candidate) path() string { return path.Join(c.root, c.rel) }

// Find looks a library up following wasmdl's rules: a name containing "/"
// is a path (relative to Cwd, or absolute: then a guest path through the
// preopens, or a host path under a root); otherwise the -L folders, then
// WASMDL_LIBRARY_PATH, then the requester's RUNTIME_PATH (with $ORIGIN and
// ${ORIGIN} expanded to its folder), then the main module's folder.
func (s *Searcher) Find(req Request) (*Result, error) {
	name := req.Name
	if err := checkName(req); err != nil {
		return nil, err
	}
	if strings.Contains(name, "/") {
		if req.Host {
			p, err := s.resolve(s.Cwd, name)
			if err != nil {
				return nil, err
			}
			return s.try(name, []candidate{{root: ".", rel: p, via: "path"}})
		}
		return s.try(name, s.pathCandidates(name))
	}
	if name == "." || name == ".." {
		return nil, fmt.Errorf("%q: %w", name, ErrEscapes)
	}
	var cands []candidate
	for _, d := range s.Paths {
		cands = addDir(cands, d, name, "-L")
	}
	for _, d := range s.EnvPaths {
		cands = addDir(cands, d, name, "WASMDL_LIBRARY_PATH")
	}
	for _, e := range req.RuntimePath {
		if p, ok := s.runtimePath(e, req.Origin); ok {
			if c, ok := s.inRoot(path.Join(p, name), "RUNTIME_PATH"); ok {
				cands = append(cands, c)
			}
		}
	}
	cands = addDir(cands, s.MainDir, name, "main folder")
	return s.try(name, cands)
}

// checkName refuses names no rule may look up.
func checkName(req Request) error {
	name := req.Name
	if name == "" {
		return errors.New("empty library name")
	}
	if strings.IndexByte(name, 0) >= 0 {
		return fmt.Errorf("%q: library name contains a NUL byte", name)
	}
	if req.FromModule {
		if strings.HasPrefix(name, "/") {
			return fmt.Errorf("%s: %w: absolute path", name, ErrUnsafeName)
		}
		for _, elem := range strings.Split(name, "/") {
			if elem == ".." {
				return fmt.Errorf("%s: %w: \"..\" element", name, ErrUnsafeName)
			}
		}
	}
	return nil
}

// addDir adds name in the search folder dir, itself a root. An empty dir
// is no folder (in glibc it would be the working folder).
func addDir(cands []candidate, dir, name, via string) []candidate {
	if dir == "" {
		return cands
	}
	return append(cands, candidate{root: path.Clean(dir), rel: name, via: via})
}

// pathCandidates are the places an untrusted name containing "/" may be:
// as a guest path through the preopens (absolute names first), and as a
// host path inside a root (relative names first).
func (s *Searcher) pathCandidates(name string) []candidate {
	var cands []candidate
	guest := func() {
		if c, ok := s.throughPreopens(path.Join("/", name)); ok {
			cands = append(cands, c)
		}
	}
	host := func() {
		if p, err := s.resolve(s.Cwd, name); err == nil {
			if c, ok := s.inRoot(p, "path"); ok {
				cands = append(cands, c)
			}
		}
	}
	if strings.HasPrefix(name, "/") {
		guest()
		host()
	} else {
		host()
		guest()
	}
	return cands
}

// throughPreopens maps a clean absolute guest path to the preopen with
// the longest guest prefix.
func (s *Searcher) throughPreopens(g string) (candidate, bool) {
	best, bestLen := candidate{}, -1
	for _, p := range s.Preopens {
		prefix := path.Clean("/" + p.Guest)
		rel, ok := FSPath(prefix, g)
		if !ok || rel == "." || len(prefix) <= bestLen || p.Dir == "" {
			continue
		}
		best, bestLen = candidate{root: path.Clean(p.Dir), rel: rel, via: "preopen"}, len(prefix)
	}
	return best, bestLen >= 0
}

// roots are the library roots, outermost first among nested ones. With a
// file system the host gave, the whole of it is one.
func (s *Searcher) roots() []string {
	if s.Root == "" {
		return []string{"."}
	}
	var rs []string
	add := func(d string) {
		if d != "" {
			rs = append(rs, path.Clean(d))
		}
	}
	for _, d := range s.Paths {
		add(d)
	}
	for _, d := range s.EnvPaths {
		add(d)
	}
	add(s.MainDir)
	for _, p := range s.Preopens {
		add(p.Dir)
	}
	return rs
}

// inRoot makes a candidate of the fs path p if it lies inside a library
// root, confined to the outermost such root.
func (s *Searcher) inRoot(p, via string) (candidate, bool) {
	p = path.Clean(p)
	best := ""
	for _, r := range s.roots() {
		rel, ok := within(r, p)
		if !ok || rel == "." {
			continue
		}
		if best == "" || len(r) < len(best) {
			best = r
		}
	}
	if best == "" {
		return candidate{}, false
	}
	rel, _ := within(best, p)
	return candidate{root: best, rel: rel, via: via}, true
}

// within reports whether the clean fs path p is root or below it, and
// returns p relative to root.
func within(root, p string) (string, bool) {
	switch {
	case root == ".":
		return p, p != ".." && !strings.HasPrefix(p, "../")
	case p == root:
		return ".", true
	case strings.HasPrefix(p, root+"/"):
		return p[len(root)+1:], true
	}
	return "", false
}

// runtimePath turns a RUNTIME_PATH entry into an fs folder: $ORIGIN and
// ${ORIGIN} are the requester's folder, an absolute entry a host path
// under Root. A relative entry without $ORIGIN is ignored (ok is false),
// as is one that climbs out of the file system.
func (s *Searcher) runtimePath(e, origin string) (string, bool) {
	for _, tok := range []string{"${ORIGIN}", "$ORIGIN"} {
		if e == tok || strings.HasPrefix(e, tok+"/") {
			p := path.Join(cleanRel(origin), strings.TrimPrefix(e, tok))
			return p, p != ".." && !strings.HasPrefix(p, "../")
		}
	}
	if strings.HasPrefix(e, "/") && s.Root != "" {
		return FSPath(s.Root, e)
	}
	return "", false
}

func cleanRel(p string) string {
	if p == "" {
		return "."
	}
	return p
}

func (s *Searcher) try(name string, cands []candidate) (*Result, error) {
	var tried, before []string
	seen := map[string]bool{}
	for _, c := range cands {
		p := c.path()
		if seen[p] {
			continue
		}
		seen[p] = true
		tried = append(tried, s.Display(p))
		b, err := s.read(c)
		if err == nil {
			return &Result{Path: p, Data: b, Via: c.via, Before: before}, nil
		}
		if errors.Is(err, errSkip) {
			before = append(before, p)
			continue
		}
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	return nil, &NotFoundError{Name: name, Tried: tried}
}

// resolve turns p (relative to base, or absolute) into a clean fs path,
// refusing anything outside the file system searched.
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

// SplitPathList splits a colon-separated folder list such as
// WASMDL_LIBRARY_PATH. Empty elements are dropped: glibc reads one in
// LD_LIBRARY_PATH as the working folder, so "$UNSET:/lib" would search
// wherever the loader happens to run; wasmdl searches no folder nobody
// named. Write "." for the working folder.
func SplitPathList(s string) []string {
	var out []string
	for _, e := range strings.Split(s, ":") {
		if e != "" {
			out = append(out, e)
		}
	}
	return out
}
