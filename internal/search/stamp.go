package search

import (
	"errors"
	"io/fs"
	"os"
	"path"
	"time"
)

// A Stamp is what says a file or folder on the host is still the one seen
// earlier, without reading it: its kind, size, modification time and,
// from the system, device, inode and change time. The change time is set
// by the kernel on every write, rename or attribute change and cannot be
// set back by a program, so a file edited in place with its old size and
// modification time restored, or replaced by another of the same size and
// time, has a new stamp. A missing path has the zero Stamp with Missing
// set.
type Stamp struct {
	Missing bool
	Mode    fs.FileMode
	Size    int64
	ModTime int64 // nanoseconds since the epoch
	Sys     SysStamp
}

// Newer reports whether the file was modified or changed at or after t:
// such a stamp may not tell two versions apart yet, since file systems
// keep times at the kernel's clock tick, which is coarser than a write.
func (s Stamp) Newer(t time.Time) bool {
	return s.ModTime >= t.UnixNano() || s.Sys.ChangeTime() >= t.UnixNano()
}

// Stamps reports whether stamps can be taken at all: only on the host
// file system and where the system reports change times.
func (s *Searcher) Stamps() bool { return s.Root != "" && sysStamps }

// HostStamp returns the stamp of fs path p on the host, without following
// a symbolic link p itself names. It fails for a searcher that does not
// read the host (see Stamps).
func (s *Searcher) HostStamp(p string) (Stamp, error) {
	if !s.Stamps() {
		return Stamp{}, errors.New("no file stamps on this file system")
	}
	st, err := os.Lstat(path.Join(s.Root, p))
	if err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			return Stamp{Missing: true}, nil
		}
		return Stamp{}, err
	}
	return Stamp{Mode: st.Mode(), Size: st.Size(), ModTime: st.ModTime().UnixNano(), Sys: sysStampOf(st)}, nil
}

// Reread reads the file at fs path p again, as found before by Find,
// confined to the file system searched.
func (s *Searcher) Reread(p string) ([]byte, error) {
	return s.read(candidate{root: ".", rel: p, via: "path"})
}
