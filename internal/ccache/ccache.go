// Package ccache keeps wazero's compiled code in a folder across
// processes, as wazero.NewCompilationCacheWithDir does, but checks every
// entry before wazero reads it.
//
// wazero v1.12 trusts its cache files: it sizes a slice by the function
// count it reads from one (a flipped bit can ask for 32 GiB, a fatal
// out-of-memory error), jumps to function offsets it reads without bounds
// (a segmentation fault), and fails CompileModule on an entry it cannot
// decode, so one damaged file made every later run fail until the folder
// was deleted by hand. Here each entry carries the CRC-32C of its
// contents (damage, not forgery, is what it guards against, see Security;
// CRC-32C runs at memory speed, where SHA-256 cost a warm start a tenth of
// its time); an entry that does not check out (flipped bytes, truncated,
// not a regular file, too large) is deleted and reported to wazero as
// missing, so the module is compiled again and the entry rewritten. Cache
// failures of any kind cost a compilation, never the run.
//
// wazero has no public way to plug in a cache: its file cache is an
// internal interface held in an unexported field of the CompilationCache
// it returns. [New] sets that field, with reflection, checking every type
// it touches, and reports [ErrUnsupported] if the structure is not what it
// expects (a wazero upgrade), so that callers can fall back to compiling
// every time rather than to an unchecked cache.
//
// # Security
//
// The checksum detects damage, not forgery: whoever can write the folder
// can put native code in it that the host will run. Keep the folder
// private to the user running wasmdl, and never inside a folder a guest
// can write (a --dir preopen).
package ccache

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"fmt"
	"hash/crc32"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"reflect"
	"runtime"
	"runtime/debug"
	"strings"
	"syscall"
	"time"
	"unsafe"

	"github.com/tetratelabs/wazero"
)

// ErrUnsupported is returned by [New] when the wazero in use does not
// have the internal structure this package plugs into.
var ErrUnsupported = errors.New("ccache: this version of wazero cannot take a checked file cache")

// MaxEntrySize bounds the size of one cache entry read back (compiled code
// of a module of the reader's 256 MiB limit stays well below it). A larger
// file is treated as damaged.
const MaxEntrySize = 1 << 30

// magic starts every entry; the number is the format's version.
var magic = [8]byte{'w', 'a', 's', 'm', 'd', 'l', 'c', '3'}

// headerSize is magic, payload length (8 bytes, little endian) and the
// CRC-32C of the payload (4 bytes, little endian).
const headerSize = len(magic) + 8 + 4

// castagnoli is the CRC-32C table, computed in hardware where the CPU has
// it.
var castagnoli = crc32.MakeTable(crc32.Castagnoli)

// New returns a wazero.CompilationCache that keeps compiled code in dir
// (created if needed), under a subfolder named after this format, the
// wazero version and the platform, so that different versions never read
// each other's entries. Give it to wazero.RuntimeConfig.WithCompilationCache
// of a runtime that does not close guest code on context done (as wasmdl
// run's): wazero compiles different code for one that does (a check that
// leaves for Go at every loop and call) but does not key its entries by
// that, so the two must not share a cache. (Format 2 entries were compiled
// that other way; format 3 never reads them.)
func New(dir string) (wazero.CompilationCache, error) {
	d, err := entryDir(dir)
	if err != nil {
		return nil, err
	}
	c := wazero.NewCompilationCache()
	if err := plug(c, &store{dir: d}); err != nil {
		c.Close(context.Background())
		return nil, err
	}
	removeStaleTemps(d)
	return c, nil
}

// entryDir creates and returns the folder of this format, wazero version
// and platform inside dir. The format is in the name so that two wasmdl
// versions sharing a cache folder never take each other's entries for
// damaged ones.
func entryDir(dir string) (string, error) {
	abs, err := filepath.Abs(dir)
	if err != nil {
		return "", err
	}
	d := filepath.Join(abs, fmt.Sprintf("wasmdl-ccache-%c-%s-%s-%s", magic[7], wazeroVersion(), runtime.GOARCH, runtime.GOOS))
	if err := os.MkdirAll(d, 0o700); err != nil {
		return "", fmt.Errorf("ccache: %w", err)
	}
	return d, nil
}

// wazeroVersion is the version of the wazero module linked in, or
// "unknown".
func wazeroVersion() string {
	if bi, ok := debug.ReadBuildInfo(); ok {
		for _, m := range bi.Deps {
			if m.Path == "github.com/tetratelabs/wazero" {
				if m.Replace != nil {
					m = m.Replace
				}
				if m.Version != "" && !strings.ContainsAny(m.Version, `/\`) {
					return m.Version
				}
			}
		}
	}
	return "unknown"
}

// plug sets the file cache of the wazero CompilationCache c to s. c must
// not have been used by a runtime yet: wazero hands the file cache to its
// engine on first use.
func plug(c wazero.CompilationCache, s *store) (err error) {
	defer func() {
		if recover() != nil {
			err = ErrUnsupported
		}
	}()
	v := reflect.ValueOf(c)
	if v.Kind() != reflect.Pointer || v.IsNil() || v.Elem().Kind() != reflect.Struct {
		return ErrUnsupported
	}
	f := v.Elem().FieldByName("fileCache")
	if !f.IsValid() || f.Kind() != reflect.Interface || !f.IsNil() || !f.CanAddr() {
		return ErrUnsupported
	}
	sv := reflect.ValueOf(s)
	if !sv.Type().Implements(f.Type()) || f.Type().NumMethod() != 3 {
		return ErrUnsupported
	}
	reflect.NewAt(f.Type(), unsafe.Pointer(f.UnsafeAddr())).Elem().Set(sv)
	return nil
}

// removeStaleTemps deletes the temporary files of writers that died more
// than an hour ago.
func removeStaleTemps(dir string) {
	tmps, _ := filepath.Glob(filepath.Join(dir, "*.tmp"))
	for _, t := range tmps {
		if st, err := os.Lstat(t); err == nil && time.Since(st.ModTime()) > time.Hour {
			os.Remove(t)
		}
	}
}

// store implements wazero's internal file cache interface
// (internal/filecache.Cache: Get, Add, Delete by a 32-byte key) over
// checked files. Errors never reach wazero, which would fail the
// compilation: a problem reading is a miss, one writing is ignored.
type store struct {
	dir string
}

func (s *store) path(key [sha256.Size]byte) string {
	return filepath.Join(s.dir, hex.EncodeToString(key[:]))
}

// Get returns the checked contents of the entry for key. A damaged entry
// is deleted and reported missing.
func (s *store) Get(key [sha256.Size]byte) (io.ReadCloser, bool, error) {
	p := s.path(key)
	payload, release, err := readEntry(p)
	if err != nil {
		if !errors.Is(err, fs.ErrNotExist) {
			os.RemoveAll(p) // a damaged entry may even be a folder
		}
		return nil, false, nil
	}
	return &entryReader{Reader: bytes.NewReader(payload), release: release}, true, nil
}

// entryReader reads a checked payload; Close releases its mapping, if
// it has one (wazero closes what Get returns once it has read it).
type entryReader struct {
	*bytes.Reader
	release func()
}

// Close implements io.Closer.
func (r *entryReader) Close() error {
	if r.release != nil {
		r.release()
		r.release = nil
	}
	return nil
}

// Add stores content for key: written to a temporary file, then renamed,
// so that a reader sees a whole entry or none.
func (s *store) Add(key [sha256.Size]byte, content io.Reader) error {
	payload, err := io.ReadAll(io.LimitReader(content, MaxEntrySize-int64(headerSize)+1))
	if err != nil || len(payload) > MaxEntrySize-headerSize {
		return nil
	}
	tmp, err := os.CreateTemp(s.dir, hex.EncodeToString(key[:])+".*.tmp")
	if err != nil {
		return nil
	}
	_, err = tmp.Write(encode(payload))
	if err == nil {
		err = tmp.Sync()
	}
	if cerr := tmp.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(tmp.Name(), s.path(key))
	}
	if err != nil {
		os.Remove(tmp.Name())
	}
	return nil
}

// Delete removes the entry for key; wazero calls it for entries of
// another wazero version.
func (s *store) Delete(key [sha256.Size]byte) error {
	os.Remove(s.path(key))
	return nil
}

// encode frames a payload as an entry.
func encode(payload []byte) []byte {
	b := make([]byte, headerSize, headerSize+len(payload))
	copy(b, magic[:])
	binary.LittleEndian.PutUint64(b[len(magic):], uint64(len(payload)))
	binary.LittleEndian.PutUint32(b[len(magic)+8:], crc32.Checksum(payload, castagnoli))
	return append(b, payload...)
}

// errDamaged is wrapped by errors for entries that do not check out.
var errDamaged = errors.New("damaged cache entry")

// readEntry reads and checks the entry at p and returns its payload, and
// what releases it when it is mapped (see mapFile) rather than read. It
// opens without blocking and reads only a regular file of at most
// MaxEntrySize bytes, all of which it checks before returning any.
func readEntry(p string) ([]byte, func(), error) {
	f, err := os.OpenFile(p, os.O_RDONLY|syscall.O_NONBLOCK, 0)
	if err != nil {
		return nil, nil, err
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return nil, nil, err
	}
	if !st.Mode().IsRegular() || st.Size() < int64(headerSize) || st.Size() > MaxEntrySize {
		return nil, nil, fmt.Errorf("%s: %w: %v, %d bytes", p, errDamaged, st.Mode().Type(), st.Size())
	}
	if b, release, err := mapFile(f, int(st.Size())); err == nil {
		payload, err := decode(p, b)
		if err != nil {
			release()
			return nil, nil, err
		}
		return payload, release, nil
	}
	b := make([]byte, st.Size())
	if _, err := io.ReadFull(f, b); err != nil {
		return nil, nil, fmt.Errorf("%s: %w: %v", p, errDamaged, err)
	}
	if n, err := f.Read(make([]byte, 1)); n != 0 || err != io.EOF {
		return nil, nil, fmt.Errorf("%s: %w: grew while read", p, errDamaged)
	}
	payload, err := decode(p, b)
	return payload, nil, err
}

// decode checks an entry and returns its payload.
func decode(p string, b []byte) ([]byte, error) {
	if len(b) < headerSize || !bytes.Equal(b[:len(magic)], magic[:]) {
		return nil, fmt.Errorf("%s: %w: bad magic", p, errDamaged)
	}
	n := binary.LittleEndian.Uint64(b[len(magic):])
	payload := b[headerSize:]
	if n != uint64(len(payload)) {
		return nil, fmt.Errorf("%s: %w: length %d, %d bytes follow", p, errDamaged, n, len(payload))
	}
	if crc32.Checksum(payload, castagnoli) != binary.LittleEndian.Uint32(b[len(magic)+8:]) {
		return nil, fmt.Errorf("%s: %w: checksum mismatch", p, errDamaged)
	}
	return payload, nil
}
