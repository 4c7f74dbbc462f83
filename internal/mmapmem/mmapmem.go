// Package mmapmem backs wasm linear memories with reserved virtual memory
// that grows in place.
//
// wazero's default memory grows by appending to a Go slice: every
// memory.grow may copy the whole memory, and the old copies stay in the Go
// heap until the collector runs, so a guest that mallocs 256 MiB in 1 MiB
// steps made the host reach 1.1 GB of RSS (4.9 GB for 1 GiB, and a minute
// of copying). A Memory here reserves its maximum size once, without
// committing it, and makes pages accessible as the memory grows: nothing
// is ever copied, the address never changes (so shared memories work), and
// the host's RSS follows the pages the guest touched.
package mmapmem

import (
	"sync"

	"github.com/tetratelabs/wazero/experimental"
)

// Allocator hands out Memories and releases them all at once. wazero
// calls a memory's Free whenever any module that imports it is closed,
// not only its owner (so dlclose would free the process's memory), so
// Free does nothing here and the owner of the Allocator calls Release
// when every module using its memories is closed.
type Allocator struct {
	mu   sync.Mutex
	mems []*Memory
}

// Allocate implements experimental.MemoryAllocator. It falls back to
// wazero's own memory (nil) where reserving is not supported.
func (a *Allocator) Allocate(capacity, max uint64) experimental.LinearMemory {
	m, err := reserve(max)
	if err != nil {
		return &sliceMemory{buf: make([]byte, 0, capacity)}
	}
	a.mu.Lock()
	a.mems = append(a.mems, m)
	a.mu.Unlock()
	return m
}

// Release unmaps every memory the Allocator made. Nothing may use them
// afterwards.
func (a *Allocator) Release() {
	a.mu.Lock()
	defer a.mu.Unlock()
	for _, m := range a.mems {
		m.release()
	}
	a.mems = nil
}

// regions finds the Memory whose reservation starts at an address, so that
// an Image is mapped only over memory this package reserved.
var regions sync.Map // uintptr -> *Memory

// owner returns the Memory whose reservation starts at addr, or nil.
func owner(addr uintptr) *Memory {
	if m, ok := regions.Load(addr); ok {
		return m.(*Memory)
	}
	return nil
}

// Memory is one reserved linear memory.
type Memory struct {
	region    []byte // the whole reservation
	committed uint64 // bytes made accessible, a multiple of the host page
}

// Reallocate implements experimental.LinearMemory: the same bytes, longer.
func (m *Memory) Reallocate(size uint64) []byte {
	if size > uint64(len(m.region)) {
		return nil
	}
	if size > m.committed {
		end := min(alignUp(size, hostPageSize), uint64(len(m.region)))
		if err := commit(m.region[m.committed:end]); err != nil {
			return nil
		}
		m.committed = end
	}
	return m.region[:size:size]
}

// Free implements experimental.LinearMemory; see Allocator.
func (m *Memory) Free() {}

// sliceMemory is what Allocate gives when it cannot reserve: a Go slice,
// as wazero would use.
type sliceMemory struct{ buf []byte }

func (s *sliceMemory) Reallocate(size uint64) []byte {
	if size > uint64(cap(s.buf)) {
		s.buf = append(s.buf[:cap(s.buf)], make([]byte, size-uint64(cap(s.buf)))...)
	}
	s.buf = s.buf[:size]
	return s.buf
}

func (s *sliceMemory) Free() {}

func alignUp(v, a uint64) uint64 { return (v + a - 1) / a * a }
