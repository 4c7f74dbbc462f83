package link

import "github.com/tetratelabs/wazero/api"

// guardedMemory is the process's memory as the host sees it: every access
// checks, under the process's memLife lock, that the memory still exists
// (Close unmaps it), and every one that may write is counted, so that Fork
// knows its image of the memory is out of date (fork.go). It embeds the
// memory for the parts of api.Memory no one outside wazero calls, and for
// ReadByte and WriteByte, whose names go vet reserves for io.ByteReader's
// signature: those two are not guarded.
type guardedMemory struct {
	api.Memory
	p *Process
}

// with runs fn on the memory unless the process is closed.
func (m *guardedMemory) with(fn func(api.Memory) bool) bool {
	m.p.memLife.RLock()
	defer m.p.memLife.RUnlock()
	if m.p.memGone {
		return false
	}
	return fn(m.Memory)
}

// write is with for an access that may write, counted once it is done.
func (m *guardedMemory) write(fn func(api.Memory) bool) bool {
	defer m.p.hostWrites.Add(1)
	return m.with(fn)
}

func (m *guardedMemory) Size() uint32 {
	var n uint32
	m.with(func(mem api.Memory) bool { n = mem.Size(); return true })
	return n
}

func (m *guardedMemory) Grow(delta uint32) (prev uint32, ok bool) {
	m.write(func(mem api.Memory) bool {
		if prev, ok = mem.Grow(delta); ok {
			m.p.hostGrew(mem, prev, delta)
		}
		return ok
	})
	return prev, ok
}

func (m *guardedMemory) ReadUint16Le(off uint32) (v uint16, ok bool) {
	m.with(func(mem api.Memory) bool { v, ok = mem.ReadUint16Le(off); return ok })
	return v, ok
}

func (m *guardedMemory) ReadUint32Le(off uint32) (v uint32, ok bool) {
	m.with(func(mem api.Memory) bool { v, ok = mem.ReadUint32Le(off); return ok })
	return v, ok
}

func (m *guardedMemory) ReadFloat32Le(off uint32) (v float32, ok bool) {
	m.with(func(mem api.Memory) bool { v, ok = mem.ReadFloat32Le(off); return ok })
	return v, ok
}

func (m *guardedMemory) ReadUint64Le(off uint32) (v uint64, ok bool) {
	m.with(func(mem api.Memory) bool { v, ok = mem.ReadUint64Le(off); return ok })
	return v, ok
}

func (m *guardedMemory) ReadFloat64Le(off uint32) (v float64, ok bool) {
	m.with(func(mem api.Memory) bool { v, ok = mem.ReadFloat64Le(off); return ok })
	return v, ok
}

// Read's slice is the memory itself, which the host may write through.
func (m *guardedMemory) Read(off, n uint32) (v []byte, ok bool) {
	m.write(func(mem api.Memory) bool { v, ok = mem.Read(off, n); return ok })
	return v, ok
}

func (m *guardedMemory) WriteUint16Le(off uint32, v uint16) bool {
	return m.write(func(mem api.Memory) bool { return mem.WriteUint16Le(off, v) })
}

func (m *guardedMemory) WriteUint32Le(off, v uint32) bool {
	return m.write(func(mem api.Memory) bool { return mem.WriteUint32Le(off, v) })
}

func (m *guardedMemory) WriteFloat32Le(off uint32, v float32) bool {
	return m.write(func(mem api.Memory) bool { return mem.WriteFloat32Le(off, v) })
}

func (m *guardedMemory) WriteUint64Le(off uint32, v uint64) bool {
	return m.write(func(mem api.Memory) bool { return mem.WriteUint64Le(off, v) })
}

func (m *guardedMemory) WriteFloat64Le(off uint32, v float64) bool {
	return m.write(func(mem api.Memory) bool { return mem.WriteFloat64Le(off, v) })
}

func (m *guardedMemory) Write(off uint32, v []byte) bool {
	return m.write(func(mem api.Memory) bool { return mem.Write(off, v) })
}

func (m *guardedMemory) WriteString(off uint32, v string) bool {
	return m.write(func(mem api.Memory) bool { return mem.WriteString(off, v) })
}
