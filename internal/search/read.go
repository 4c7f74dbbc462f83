package search

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path"
	"strings"
	"sync"
	"syscall"
	"time"
)

// errSkip is wrapped by read errors that move the search on as a missing
// file does: the file or a folder on its way does not exist or is not a
// folder, or a symbolic link leaves the root. Callers see them only as
// part of a NotFoundError.
var errSkip = errors.New("no such file")

// maxLinks bounds the symbolic links followed for one path, as Linux's
// MAXSYMLINKS does.
const maxLinks = 40

// links reads a tree without following symbolic links: an os.Root, or an
// fs.FS below a folder.
type links interface {
	Lstat(name string) (fs.FileInfo, error)
	ReadLink(name string) (string, error)
}

// confine resolves every symbolic link on the way to rel (a clean path
// inside the tree l shows) and returns the path of the file it leads to,
// still inside the tree, with no link left on the way. A link whose
// target leaves the tree, an absolute target that abs cannot map into it,
// a loop, a missing file or a non-folder on the way are errSkip.
func confine(l links, rel string, abs func(string) (string, bool)) (string, error) {
	todo := strings.Split(rel, "/")
	var done []string // resolved components: real folders
	n := 0
	for len(todo) > 0 {
		elem := todo[0]
		todo = todo[1:]
		switch elem {
		case "", ".":
			continue
		case "..":
			if len(done) == 0 {
				return "", errSkip // climbs out of the root
			}
			done = done[:len(done)-1]
			continue
		}
		cur := path.Join(append(done, elem)...)
		fi, err := l.Lstat(cur)
		if err != nil {
			return "", lookupErr(err)
		}
		if fi.Mode()&fs.ModeSymlink == 0 {
			if len(todo) > 0 && !fi.IsDir() {
				return "", errSkip
			}
			done = append(done, elem)
			continue
		}
		if n++; n > maxLinks {
			return "", errSkip
		}
		target, err := l.ReadLink(cur)
		if err != nil {
			return "", lookupErr(err)
		}
		if strings.HasPrefix(target, "/") {
			t, ok := abs(target)
			if !ok {
				return "", errSkip
			}
			done, target = nil, t
		}
		todo = append(strings.Split(target, "/"), todo...)
	}
	if len(done) == 0 {
		return "", errSkip // the root itself
	}
	return path.Join(done...), nil
}

// lookupErr classifies an error met on the way to a file: those that mean
// "not there" move the search on, the others (permission) end it.
func lookupErr(err error) error {
	if errors.Is(err, fs.ErrNotExist) || errors.Is(err, syscall.ENOTDIR) ||
		errors.Is(err, syscall.ELOOP) || errors.Is(err, syscall.ENAMETOOLONG) {
		return errSkip
	}
	return err
}

// rootLinks is an os.Root seen through links.
type rootLinks struct{ r *os.Root }

func (l rootLinks) Lstat(name string) (fs.FileInfo, error) { return l.r.Lstat(name) }
func (l rootLinks) ReadLink(name string) (string, error)   { return l.r.Readlink(name) }

// fsLinks is the folder dir of an fs.FS seen through links. Without
// fs.ReadLinkFS, Lstat is Stat and no link is ever seen: such a file
// system is trusted to confine itself.
type fsLinks struct {
	fsys fs.FS
	dir  string
}

func (l fsLinks) Lstat(name string) (fs.FileInfo, error) {
	return fs.Lstat(l.fsys, path.Join(l.dir, name))
}

func (l fsLinks) ReadLink(name string) (string, error) {
	return fs.ReadLink(l.fsys, path.Join(l.dir, name))
}

// read returns the contents of candidate c, confined to its root.
func (s *Searcher) read(c candidate) ([]byte, error) {
	if s.Root != "" {
		return s.readHost(c)
	}
	real, err := confine(fsLinks{s.FS, c.root}, c.rel, func(string) (string, bool) { return "", false })
	if err != nil {
		return nil, err
	}
	p := path.Join(c.root, real)
	// Stat before opening: opening a FIFO would block. (An FS that changes
	// between the two could still swap one in; the host file system is
	// read through os.Root with O_NONBLOCK instead.)
	st, err := fs.Stat(s.FS, p)
	if err != nil {
		return nil, lookupErr(err)
	}
	if err := s.checkFile(p, st); err != nil {
		return nil, err
	}
	return s.Cache.get(p, st, func() ([]byte, error) {
		f, err := s.FS.Open(p)
		if err != nil {
			return nil, err
		}
		defer f.Close()
		return s.readOpen(p, f)
	})
}

// readHost reads candidate c from the host through an os.Root of its
// root folder.
func (s *Searcher) readHost(c candidate) ([]byte, error) {
	dir := path.Join(s.Root, c.root)
	if b, done, err := s.readHostCached(dir, c); done {
		return b, err
	}
	r, err := os.OpenRoot(dir)
	if err != nil {
		return nil, lookupErr(err) // a search folder that does not exist is skipped
	}
	defer r.Close()
	abs := func(t string) (string, bool) { return FSPath(dir, t) }
	real, err := confine(rootLinks{r}, c.rel, abs)
	if err != nil {
		return nil, err
	}
	p := path.Join(c.root, real)
	// O_NONBLOCK: a FIFO swapped in after confine must not block the open.
	f, err := r.OpenFile(real, os.O_RDONLY|syscall.O_NONBLOCK, 0)
	if err != nil {
		return nil, lookupErr(err)
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return nil, err
	}
	if err := s.checkFile(p, st); err != nil {
		return nil, err
	}
	return s.Cache.get(p, st, func() ([]byte, error) { return s.readOpen(p, f) })
}

// readHostCached answers from one Lstat when it can: a candidate that
// does not exist, or one whose path was link-free when it was read and
// still names the same unchanged file (same device, inode, size,
// modification and change time). Anything else (a symbolic link, a
// changed file, a name with ".." elements) is left to the confined read,
// done is then false. A file not yet cached that lies directly in the
// root folder is read here too.
//
// Plain Lstat follows links in the folders on the way, which the confined
// read refuses when they leave the root; that costs nothing here: a
// missing name is missing either way (confinement only removes files),
// and a hit returns bytes already read through confinement from the very
// same unchanged file.
func (s *Searcher) readHostCached(dir string, c candidate) (b []byte, done bool, err error) {
	if c.rel == "" || path.Clean(c.rel) != c.rel || c.rel == ".." ||
		strings.HasPrefix(c.rel, "../") || strings.Contains(c.rel, "/../") || strings.HasSuffix(c.rel, "/..") {
		return nil, false, nil
	}
	st, err := os.Lstat(path.Join(dir, c.rel))
	if err != nil {
		if lookupErr(err) == errSkip {
			return nil, true, errSkip
		}
		return nil, false, nil
	}
	if !st.Mode().IsRegular() {
		return nil, false, nil
	}
	p := path.Join(c.root, c.rel)
	if data, ok := s.Cache.lookup(p, st); ok {
		return data, true, nil
	}
	if strings.Contains(c.rel, "/") {
		return nil, false, nil
	}
	// A file directly in the root folder has no folder on its way that a
	// link could lead out of, and O_NOFOLLOW refuses the file itself if it
	// became a link since the Lstat: the confined read would open the
	// same file, with a few more system calls per library.
	f, err := os.OpenFile(path.Join(dir, c.rel), os.O_RDONLY|syscall.O_NONBLOCK|syscall.O_NOFOLLOW, 0)
	if err != nil {
		return nil, false, nil
	}
	defer f.Close()
	if st, err = f.Stat(); err != nil {
		return nil, false, nil
	}
	if err := s.checkFile(p, st); err != nil {
		return nil, true, err
	}
	b, err = s.Cache.get(p, st, func() ([]byte, error) { return s.readOpen(p, f) })
	return b, true, err
}

// checkFile refuses what is not a regular file of at most MaxFileSize.
func (s *Searcher) checkFile(p string, st fs.FileInfo) error {
	if !st.Mode().IsRegular() {
		return &fs.PathError{Op: "open", Path: p, Err: ErrNotRegular}
	}
	if max := s.maxSize(); st.Size() > max {
		return &fs.PathError{Op: "open", Path: p, Err: fmt.Errorf("%w of %d bytes", ErrTooLarge, max)}
	}
	return nil
}

func (s *Searcher) maxSize() int64 {
	if s.MaxFileSize > 0 {
		return s.MaxFileSize
	}
	return DefaultMaxFileSize
}

// readOpen reads an open file of at most MaxFileSize bytes; one that grew
// past the limit since it was checked is refused. The buffer is sized by
// the file's size and never grows past the limit.
func (s *Searcher) readOpen(p string, f fs.File) ([]byte, error) {
	max := s.maxSize()
	size := int64(512)
	if st, err := f.Stat(); err == nil && st.Size() >= 0 && st.Size() < max {
		size = st.Size() + 1 // +1 to see EOF without growing
	}
	b := make([]byte, 0, size)
	for {
		if int64(len(b)) > max {
			return nil, &fs.PathError{Op: "read", Path: p, Err: fmt.Errorf("%w of %d bytes", ErrTooLarge, max)}
		}
		if len(b) == cap(b) {
			grow := min(int64(len(b)), max+1-int64(len(b)))
			b = append(b, make([]byte, grow)...)[:len(b)]
		}
		n, err := f.Read(b[len(b):cap(b)])
		b = b[:len(b)+n]
		if err == io.EOF {
			return b, nil
		}
		if err != nil {
			return nil, err
		}
	}
}

// FileCache keeps the contents of files found, keyed by path and checked
// against the file's identity before reuse: size and modification time,
// and where the system reports them the device, inode and change time,
// so that a file rewritten in place with its old size and modification
// time restored, or replaced by another of the same size and time, is
// read again. It is safe for concurrent use.
type FileCache struct {
	mu sync.Mutex
	m  map[string]cachedFile
}

type cachedFile struct {
	id   fileID
	data []byte
}

// fileID is what says a file is still the one read.
type fileID struct {
	size    int64
	modTime time.Time
	sys     sysID // device, inode, change time; zero where unknown
}

func idOf(st fs.FileInfo) fileID {
	return fileID{size: st.Size(), modTime: st.ModTime(), sys: sysIDOf(st)}
}

// same reports whether a file now described by now is the one cached.
// A zero modification time (some fs.FS implementations) proves nothing.
func (id fileID) same(now fileID) bool {
	return !id.modTime.IsZero() && id.size == now.size && id.modTime.Equal(now.modTime) && id.sys == now.sys
}

// lookup returns the cached contents of p if st still describes them.
func (c *FileCache) lookup(p string, st fs.FileInfo) ([]byte, bool) {
	if c == nil {
		return nil, false
	}
	c.mu.Lock()
	cf, ok := c.m[p]
	c.mu.Unlock()
	if ok && cf.id.same(idOf(st)) {
		return cf.data, true
	}
	return nil, false
}

// get returns the contents of p, whose current state is st, from the
// cache, or reads them with read and remembers them. A nil cache always
// reads.
func (c *FileCache) get(p string, st fs.FileInfo, read func() ([]byte, error)) ([]byte, error) {
	if c == nil {
		return read()
	}
	if b, ok := c.lookup(p, st); ok {
		return b, nil
	}
	b, err := read()
	if err != nil {
		return nil, err
	}
	id := idOf(st)
	if int64(len(b)) != id.size {
		return b, nil // changed while read: do not remember
	}
	c.mu.Lock()
	if c.m == nil {
		c.m = map[string]cachedFile{}
	}
	c.m[p] = cachedFile{id: id, data: b}
	c.mu.Unlock()
	return b, nil
}
