// Who owns each byte of the process's memory, and how the loader keeps it
// that way while the program runs.

package link

import (
	"context"
	"fmt"

	"github.com/wasmdl/wasmdl/internal/wasmedit"
	"github.com/wasmdl/wasmdl/internal/wasmgen"
	"github.com/wasmdl/wasmdl/wasmfile"
)

// Every byte of linear memory belongs to exactly one owner:
//
//   - the main module: a non-PIE main's static data, stack and the start of
//     its heap, everything below its initial memory size; for a PIE main,
//     the heap [__heap_base, __heap_end) the loader set aside for it;
//   - the program's allocator: every page the program grew itself with
//     memory.grow (sbrk), whoever in the program executed it;
//   - the loader: library data, TLS blocks, the PIE main's stack, argv,
//     the dlerror and dladdr buffers, the break cell below. Only pages the
//     loader grew itself, and ranges dlclose gave back to it.
//
// Two rules keep it so.
//
// The loader only ever places things in memory it grew itself (or got
// back from dlclose). Before each placement it reads the real memory size:
// what the program grew since is the program's, and the loader's next
// pages start above it (refreshMemory). It grows the memory for what it
// placed before any guest code can run again (growMemory), so a
// memory.grow by the program can never return a page the loader has
// already promised to a library.
//
// A program's allocator never sees the loader's pages as free memory.
// Allocators that grow with sbrk treat whatever memory.grow returns as
// theirs and accept gaps (dlmalloc calls them foreign sbrk segments), so
// growth is safe. The danger is an allocator that takes "all memory up to
// memory.size" as its initial heap: Debian's 2022 wasi-libc does exactly
// that on its first malloc ([__heap_base, sbrk(0))), and by then the
// loader has placed the startup libraries above the main's initial memory.
// So memory.size is virtual: every memory.size instruction of every module
// the loader places becomes a call to a generated function that answers
// with the program's break instead of the real size whenever the loader
// owns the top of memory. The break is what the program owned before the
// loader's latest growth; once the program grows memory again, it owns the
// top and memory.size is the real size. Real sizes, from memory.grow,
// are never hidden.
//
// The loader keeps the two numbers the virtual memory.size needs in an
// 8-byte cell of its own memory (breakCell), placed with the first batch
// at a constant address, so the function is the same code in every
// module, merged or not, and its address can be folded into merged code.
// Cell layout: loaderEnd (pages, the memory size after the loader last
// grew it) at +0, programTop (pages, the program's break) at +4.

// breakCellSize is the size of the cell that the virtual memory.size reads.
const breakCellSize = 8

// memorySizeBody is the body of the function that replaces memory.size: the
// real size if the program grew the memory since the loader last did,
// else the program's break.
func memorySizeBody(cell uint32) []byte {
	b := []byte{0x3f, 0x00}                 // memory.size 0
	b = wasmgen.I32Const(b, int32(cell))    // i32.const cell
	b = append(b, 0x28, 0x02, 0x00)         // i32.load align=4 offset=0 (loaderEnd)
	b = append(b, 0x4b)                     // i32.gt_u
	b = append(b, 0x04, byte(wasmfile.I32)) // if (result i32)
	b = append(b, 0x3f, 0x00)               //   memory.size 0
	b = append(b, 0x05)                     // else
	b = wasmgen.I32Const(b, int32(cell))    //   i32.const cell
	b = append(b, 0x28, 0x02, 0x04)         //   i32.load align=4 offset=4 (programTop)
	return append(b, 0x0b)                  // end
}

// memorySizeType is the type of the function that replaces memory.size.
var memorySizeType = wasmfile.FuncType{Results: []wasmfile.ValType{wasmfile.I32}}

// refreshMemory adopts growth the program did since the loader last looked:
// every page up to the real size is then the program's, and what the
// loader had left free in its own last pages goes on its free list.
// Called before every placement once the memory exists.
func (p *Process) refreshMemory() {
	if p.memory == nil {
		return
	}
	p.adoptGrowth(uint64(p.memory.Size()))
}

// adoptGrowth records that the memory is have bytes: whatever lies above
// what the loader handed out is not its own.
func (p *Process) adoptGrowth(have uint64) {
	if have <= p.mem.end {
		return
	}
	p.mem.release(span{uint32(p.mem.brk), uint32(p.mem.end)}, false)
	p.mem.end, p.mem.brk = have, have
}

// allocGuest takes n bytes of loader memory for something the loader
// writes at run time (argv, dlerror and dladdr buffers) and makes sure
// they exist.
func (p *Process) allocGuest(ctx context.Context, what string, n, align uint32) (uint32, error) {
	p.refreshMemory()
	a, err := p.mem.alloc(n, align)
	if err != nil {
		return 0, err
	}
	if err := p.syncSpaces(ctx); err != nil {
		return 0, err
	}
	p.guestBufs = append(p.guestBufs, Region{"(wasmdl)", what, uint64(a), uint64(a) + uint64(n)})
	return a, nil
}

// releaseGuest gives back, zeroed, what allocGuest took.
func (p *Process) releaseGuest(a, n uint32) {
	p.memory.Write(a, make([]byte, n))
	p.mem.release(span{a, a + n}, false)
	for i, g := range p.guestBufs {
		if g.Start == uint64(a) {
			p.guestBufs = append(p.guestBufs[:i], p.guestBufs[i+1:]...)
			break
		}
	}
}

// hostGrew records pages the host grew through Process.Memory, from prev
// pages on. They are the host's, as the loader's own pages are, and never
// the program's: were they counted as the program's growth, the virtual
// memory.size would answer with the real size, and an allocator whose
// first malloc takes [__heap_base, memory.size) as its heap would take
// the startup libraries too. So when the loader owned the top of memory,
// the cell's loaderEnd moves up with the host's growth (the program's
// break stays), and growMemory adopts it. When the program owned the top,
// it keeps it: its allocator is running and memory.grow answers it.
// It runs under memLife, not the process's lock: a host function may
// call it while guest code runs.
func (p *Process) hostGrew(mem interface {
	ReadUint32Le(uint32) (uint32, bool)
	WriteUint32Le(uint32, uint32) bool
}, prev, delta uint32) {
	if p.breakCell == 0 {
		return
	}
	if end, ok := mem.ReadUint32Le(p.breakCell); !ok || end != prev {
		return
	}
	mem.WriteUint32Le(p.breakCell, prev+delta)
	p.hostEnd.Store(prev + delta)
}

// growMemory grows the memory to everything the loader has handed out,
// recording first who owned the top: if the program grew the memory since
// the loader last did, its break moves to the current size.
func (p *Process) growMemory() error {
	if end := p.hostEnd.Load(); end > p.loaderEnd {
		p.loaderEnd = end // pages the host grew (hostGrew)
	}
	have := uint64(p.memory.Size())
	if have > uint64(p.loaderEnd)*pageSize {
		p.programTop = uint32(have / pageSize)
	}
	if p.mem.end > have {
		// Under memLife, as the host's accesses through Process.Memory
		// are: a host may read the memory while the loader grows it.
		p.memLife.Lock()
		_, ok := p.memory.Grow(uint32((p.mem.end - have + pageSize - 1) / pageSize))
		p.memLife.Unlock()
		if !ok {
			return fmt.Errorf("memory: cannot grow to %d bytes", p.mem.end)
		}
		p.loaderEnd = uint32(alignUp64(p.mem.end, pageSize) / pageSize)
	}
	p.writeBreak()
	return nil
}

// writeBreak stores the numbers the virtual memory.size reads.
func (p *Process) writeBreak() {
	if p.breakCell == 0 || p.memory == nil {
		return
	}
	// Numbers the cell holds already are not written again: a fork's
	// memory is its parent's image, mapped copy-on-write, where touching
	// a page, even to read it, costs a page fault (and a write a copy).
	if p.breakWritten == [2]uint32{p.loaderEnd, p.programTop} {
		return
	}
	p.memory.WriteUint32Le(p.breakCell, p.loaderEnd)
	p.memory.WriteUint32Le(p.breakCell+4, p.programTop)
	p.breakWritten = [2]uint32{p.loaderEnd, p.programTop}
}

// checkMainMemory refuses a non-PIE main whose own data or heap base lie
// past its initial memory: the loader places libraries right above that
// size, so such data would overwrite them (or they it).
func checkMainMemory(o *object) error {
	f := o.info.file
	if o.info.pic {
		return nil
	}
	initial := o.info.initialMemory()
	if len(f.Memories) == 0 && f.NumImportedMemories() == 0 {
		return nil
	}
	for i := range f.Data {
		seg := &f.Data[i]
		if seg.Mode != wasmfile.ModeActive || seg.Memory != 0 {
			continue
		}
		off, err := seg.Offset.Eval(func(g uint32) (uint64, bool) {
			v, ok := f.GlobalValue(g)
			return uint64(uint32(v)), ok
		})
		if err != nil {
			continue // an imported base: not a non-PIE layout
		}
		end := off + uint64(len(seg.Bytes()))
		if end > initial {
			return fmt.Errorf("%s: data segment %d at [0x%x, 0x%x) lies past its initial memory of %d bytes, where the loader places libraries: link it with a larger --initial-memory",
				o.name, i, off, end, initial)
		}
	}
	if hb, ok := f.ExportedGlobalValue("__heap_base"); ok && uint64(uint32(hb)) > initial {
		return fmt.Errorf("%s: __heap_base 0x%x lies past its initial memory of %d bytes, where the loader places libraries: link it with a larger --initial-memory",
			o.name, uint32(hb), initial)
	}
	return nil
}

// limitOwnMemory applies the process's memory limit to a main that defines
// its own memory, which the loader does not create: its declared maximum
// is lowered to the limit (on top of its renamed code).
func (p *Process) limitOwnMemory(o *object) ([]byte, string, error) {
	if !o.isMain || len(o.info.file.Memories) == 0 {
		return o.code, o.codeKey, nil
	}
	limit := p.l.cfg.maxPages()
	if l := o.info.file.Memories[0].Limits; l.HasMax && l.Max <= uint64(limit) {
		return o.code, o.codeKey, nil
	}
	key := fmt.Sprintf("%s/max@%d", o.codeKey, limit)
	data, err := p.l.rewritten(key, func() ([]byte, error) { return wasmedit.LimitMemory(o.code, limit) })
	return data, key, err
}

// redirectMemorySize makes o's memory.size instructions read the program's
// break (as the merge does for merged code), on top of its renamed code.
// The result depends only on the module and the cell's address.
func (p *Process) redirectMemorySize(o *object) ([]byte, string, error) {
	if p.breakCell == 0 {
		return o.code, o.codeKey, nil
	}
	uses, err := o.info.usesMemorySize()
	if err != nil || !uses {
		return o.code, o.codeKey, err
	}
	key := fmt.Sprintf("%s/size@%d", o.codeKey, p.breakCell)
	data, err := p.l.rewritten(key, func() ([]byte, error) {
		return wasmedit.RedirectMemorySize(o.code, memorySizeBody(p.breakCell))
	})
	return data, key, err
}
