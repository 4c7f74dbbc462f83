package mmapmem

import (
	"errors"
	"syscall"
	"unsafe"

	"golang.org/x/sys/unix"
)

var errTooSmall = errors.New("mmapmem: memory smaller than the image")

// fileImage is an image in a memfd.
type fileImage struct {
	fd   int
	size int
}

func newImage(b []byte) (image, error) {
	fd, err := unix.MemfdCreate("wasmdl-image", unix.MFD_CLOEXEC)
	if err != nil {
		return sliceImage(append([]byte(nil), b...)), nil
	}
	size := int(alignUp(uint64(len(b)), hostPageSize))
	if err := unix.Ftruncate(fd, int64(size)); err != nil {
		unix.Close(fd)
		return nil, err
	}
	for off := 0; off < len(b); {
		n, err := unix.Pwrite(fd, b[off:], int64(off))
		if err != nil {
			unix.Close(fd)
			return nil, err
		}
		off += n
	}
	return &fileImage{fd: fd, size: size}, nil
}

// load maps the image over dst, copy-on-write, when dst starts on a page
// and the whole mapping fits in a reservation of this package's (only
// those are known to be safe to replace); else it copies.
func (f *fileImage) load(dst []byte) error {
	start := uintptr(unsafe.Pointer(unsafe.SliceData(dst)))
	if m := owner(start); m != nil && uint64(f.size) <= uint64(len(m.region)) {
		_, err := unix.MmapPtr(f.fd, 0, unsafe.Pointer(unsafe.SliceData(m.region)), uintptr(f.size),
			syscall.PROT_READ|syscall.PROT_WRITE, syscall.MAP_PRIVATE|syscall.MAP_FIXED)
		if err == nil {
			// Past dst, up to the page end: the image's zero padding, as a
			// fresh page would be. Those pages are now accessible.
			m.committed = max(m.committed, uint64(f.size))
			return nil
		}
	}
	n, err := unix.Pread(f.fd, dst, 0)
	if err == nil && n < len(dst) {
		err = errors.New("mmapmem: short image read")
	}
	return err
}

func (f *fileImage) release() { unix.Close(f.fd) }
