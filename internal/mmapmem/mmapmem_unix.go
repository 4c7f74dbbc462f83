//go:build linux || darwin || freebsd

package mmapmem

import (
	"os"
	"syscall"
	"unsafe"
)

var hostPageSize = uint64(os.Getpagesize())

// reserve maps limit bytes of address space, inaccessible and uncommitted.
func reserve(limit uint64) (*Memory, error) {
	size := alignUp(max(limit, hostPageSize), hostPageSize)
	b, err := syscall.Mmap(-1, 0, int(size), syscall.PROT_NONE, syscall.MAP_PRIVATE|syscall.MAP_ANON|mapNoReserve)
	if err != nil {
		return nil, err
	}
	m := &Memory{region: b}
	regions.Store(uintptr(unsafe.Pointer(unsafe.SliceData(b))), m)
	return m, nil
}

// commit makes b readable and writable; its pages read as zero.
func commit(b []byte) error {
	if len(b) == 0 {
		return nil
	}
	return syscall.Mprotect(b, syscall.PROT_READ|syscall.PROT_WRITE)
}

func (m *Memory) release() {
	if m.region != nil {
		regions.Delete(uintptr(unsafe.Pointer(unsafe.SliceData(m.region))))
		syscall.Munmap(m.region)
		m.region, m.committed = nil, 0
	}
}
