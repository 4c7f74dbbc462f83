//go:build linux || darwin || freebsd

package ccache

import (
	"os"
	"syscall"
)

// mapFile maps the first size bytes of f read-only, so that wazero copies
// compiled code straight from the page cache into its executable memory
// instead of through a buffer as large as the entry. The mapping stays
// valid however the entry is replaced or deleted (writers rename a new
// file over it and never truncate one in place); release unmaps it.
func mapFile(f *os.File, size int) (data []byte, release func(), err error) {
	data, err = syscall.Mmap(int(f.Fd()), 0, size, syscall.PROT_READ, syscall.MAP_PRIVATE)
	if err != nil {
		return nil, nil, err
	}
	return data, func() { syscall.Munmap(data) }, nil
}
