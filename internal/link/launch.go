// Launch records: the plan of a program's first batch kept on disk, as
// ld.so.cache and prelink keep theirs, so that a new process starting the
// same program skips reading, parsing and binding its libraries.

package link

import (
	"context"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"fmt"
	"hash/crc32"
	"io/fs"
	"maps"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"time"

	"github.com/tetratelabs/wazero/experimental"
	"github.com/wasmdl/wasmdl/internal/search"
	"github.com/wasmdl/wasmdl/wasmfile"
)

// A launch record lives in Config.CacheDir under the launch key: the main
// module's path and content, and everything of the configuration that
// decides which files the libraries are and how they are placed. It holds:
//
//   - every object of the first batch, in load order: its name, the path
//     it was found at, its NEEDED edges, the content key of its file and
//     the stamp of that file (search.Stamp: device, inode, size, times);
//   - for each library, the candidate paths the search looked at first
//     and found missing, which must still be missing;
//   - the finished plan (prelink), and the key of the merged program in
//     the merge cache.
//
// A warm start checks the stamps (one lstat per path) instead of reading
// and parsing the files; any difference, and the record is ignored and
// replaced. A file whose stamp is too recent to tell two versions apart
// (see recordSettle) is never recorded, and neither is a library reached
// through a symbolic link or found anywhere but the host file system.
// Restored objects are parsed only when something needs their symbols
// (dlopen, dlsym, dladdr): see materialize.

// launchVersion changes whenever the record's layout or the plan it
// holds would.
const launchVersion = "wasmdl-launch-1"

// recordSettle is how old a file's modification and change times must be
// for its stamp to be trusted: file systems keep times at the kernel's
// clock tick, so two writes within one tick can leave the same stamp.
const recordSettle = 2 * time.Second

// launchObject is one object of a record.
type launchObject struct {
	name, path, via string
	key             string // content key of the file (moduleInfo.key)
	size            int    // length of the file
	stamp           search.Stamp
	needed          []int
	neededBy        int // -1 for none
	before          []string
}

type launchRecord struct {
	objects  []launchObject
	roots    int            // the first objects are the batch's roots: main, preloads
	aliases  map[string]int // every name the resolver knows an object by
	plan     *prelink
	mergeKey string           // the merged program in the merge cache
	messages map[int32]string // trap messages the merged program names by number
}

// launchKey names the record of p's program, whose main module is main:
// the main's path and content, and everything of the configuration that
// decides the search (the guest's preopens among it) and the layout.
func (p *Process) launchKey(main *object) string {
	l := p.l
	h := sha256.New()
	fmt.Fprintf(h, "%s\x00%s\x00%s\x00%s\x00%s\x00", launchVersion, mergeCacheVersion, main.path, main.info.key, l.cfg.Root)
	fmt.Fprintf(h, "cwd=%s\x00stack=%d\x00pages=%d\x00maxfile=%d\x00runonly=%t\x00", l.cfg.Cwd, l.cfg.stackSize(), l.cfg.maxPages(), l.cfg.MaxFileSize, l.cfg.RunOnly)
	for _, list := range [][]string{l.cfg.SearchPaths, l.cfg.EnvPaths, l.cfg.Preload} {
		fmt.Fprintf(h, "%d\x00", len(list))
		for _, s := range list {
			fmt.Fprintf(h, "%s\x00", s)
		}
	}
	for _, hf := range l.cfg.HostFuncs {
		fmt.Fprintf(h, "host %s %v %v\x00", hf.Name, hf.Params, hf.Results)
	}
	for _, pre := range p.deps.searcher.Preopens {
		fmt.Fprintf(h, "preopen %s %s\x00", pre.Guest, pre.Dir)
	}
	return hex.EncodeToString(h.Sum(nil))
}

func (l *Linker) launchPath(key string) string {
	return filepath.Join(l.cfg.CacheDir, launchVersion, key[:40])
}

// usesLaunchRecords reports whether processes of l keep and use records.
func (p *Process) usesLaunchRecords() bool {
	return p.l.cfg.CacheDir != "" && !p.l.cfg.Separate && p.deps.searcher.Stamps() && !p.l.tracing("bindings")
}

// recordLaunch stores the record of b, the first batch just planned and
// merged, if every file in it can be trusted by its stamp.
func (p *Process) recordLaunch(b *batch, pl *prelink, started time.Time) {
	if b.merged == nil || b.mergeCacheKey == "" || !p.usesLaunchRecords() {
		return
	}
	s := p.deps.searcher
	settled := started.Add(-recordSettle)
	index := map[*object]int{}
	for i, o := range b.objects {
		index[o] = i
	}
	rec := &launchRecord{plan: pl, roots: len(b.roots), mergeKey: b.mergeCacheKey, aliases: map[string]int{}, messages: map[int32]string{}}
	for _, o := range b.objects {
		st, err := s.HostStamp(o.path)
		if err != nil || st.Missing || !st.Mode.IsRegular() || st.Size != int64(o.info.srcLen) || st.Newer(settled) {
			p.debugf("libs", "no launch record: %s cannot be checked by its stamp", o.name)
			return
		}
		lo := launchObject{name: o.name, path: o.path, via: o.via, key: o.info.key, size: o.info.srcLen, stamp: st, neededBy: -1}
		if o.neededBy != nil {
			lo.neededBy = index[o.neededBy]
		}
		for _, d := range o.needed {
			lo.needed = append(lo.needed, index[d])
		}
		for _, q := range o.before {
			qs, err := s.HostStamp(q)
			if err != nil || !qs.Missing {
				return
			}
			lo.before = append(lo.before, q)
		}
		rec.objects = append(rec.objects, lo)
	}
	for name, o := range p.deps.byName {
		i, ok := index[o]
		if !ok {
			return
		}
		rec.aliases[name] = i
	}
	for _, id := range b.trapIDs {
		rec.messages[id] = p.l.messages.text(id)
	}
	data := rec.encode()
	path := p.l.launchPath(p.launchKey(b.objects[0]))
	if err := writeAtomic(path, data); err != nil {
		p.debugf("libs", "no launch record: %v", err)
	}
}

// restoreLaunch starts p from the launch record of main, if there is one
// and every file it names is unchanged. It reports false, having changed
// nothing, when the record is missing or stale.
func (p *Process) restoreLaunch(ctx context.Context, main *object) (*batch, *prelink, bool) {
	if !p.usesLaunchRecords() {
		return nil, nil, false
	}
	path := p.l.launchPath(p.launchKey(main))
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, nil, false
	}
	rec, err := decodeLaunch(data)
	if err != nil {
		p.debugf("libs", "launch record ignored: %v", err)
		return nil, nil, false
	}
	if len(rec.objects) == 0 || rec.objects[0].path != main.path || rec.objects[0].key != main.info.key ||
		len(rec.objects) > p.l.cfg.maxObjects() || len(rec.plan.objs) != len(rec.objects) {
		return nil, nil, false
	}
	// While the stamps are checked, another core reads the merged
	// program and has wazero decode it and load its compiled code, which
	// instantiateMerged then finds compiled. (Should the record be stale,
	// that work is wasted, and cheap: a record is written only after its
	// program was merged and compiled, so both come from the cache.) It
	// is waited for on every return: the runtime may be closed after.
	var merged []byte
	prefetched := make(chan struct{})
	go func() {
		defer close(prefetched)
		if data, ok := p.l.cachedMerge(rec.mergeKey); ok {
			// An error here shows again when the batch is instantiated.
			p.l.compile(experimental.WithCompilationWorkers(ctx, runtime.GOMAXPROCS(0)), mergedModuleKey(rec.mergeKey, data), data)
			merged = data
		}
	}()
	defer func() { <-prefetched }()
	s := p.deps.searcher
	for i, lo := range rec.objects {
		if i > 0 {
			st, err := s.HostStamp(lo.path)
			if err != nil || st != lo.stamp {
				p.debugf("libs", "launch record stale: %s changed", lo.name)
				return nil, nil, false
			}
		}
		for _, q := range lo.before {
			if st, err := s.HostStamp(q); err != nil || !st.Missing {
				p.debugf("libs", "launch record stale: %s appeared", s.Display(q))
				return nil, nil, false
			}
		}
	}
	<-prefetched
	if merged == nil {
		return nil, nil, false
	}
	if !p.l.messages.place(rec.messages) {
		return nil, nil, false
	}
	objs := make([]*object, len(rec.objects))
	objs[0] = main
	for i := 1; i < len(objs); i++ {
		lo := rec.objects[i]
		objs[i] = &object{name: lo.name, path: lo.path, via: lo.via, lazy: &lazyInfo{key: lo.key, size: lo.size}}
	}
	for i, lo := range rec.objects {
		o := objs[i]
		if lo.neededBy >= 0 {
			o.neededBy = objs[lo.neededBy]
		}
		o.needed = make([]*object, len(lo.needed))
		for j, d := range lo.needed {
			o.needed[j] = objs[d]
		}
	}
	for name, i := range rec.aliases {
		p.deps.byName[name] = objs[i]
	}
	for _, o := range objs {
		p.deps.byPath[o.path] = o
	}
	b := &batch{objects: objs, roots: objs[:rec.roots]}
	p.debugf("libs", "%d modules from the launch record %s", len(objs), path)
	pl := rec.plan
	pl.merged = merged
	pl.mergedKey = mergedModuleKey(rec.mergeKey, merged)
	p.lazy = true
	return b, pl, true
}

// lazyInfo is what an object restored from a launch record knows of its
// file until it is parsed: the content it must have.
type lazyInfo struct {
	key  string
	size int
}

// materialize parses the files of objects restored from a launch record,
// before anything needs their symbols. A file that changed since the
// process started is an error: the running program was placed for the
// old one.
func (p *Process) materialize() error {
	if !p.lazy {
		return nil
	}
	for _, o := range p.objects {
		if o.info != nil || o.lazy == nil {
			continue
		}
		data, err := p.deps.searcher.Reread(o.path)
		if err != nil {
			return &FileError{Path: p.deps.searcher.Display(o.path), Err: err}
		}
		mi, err := p.l.infos.get(data)
		if err != nil {
			return &FileError{Path: p.deps.searcher.Display(o.path), Err: err}
		}
		if mi.key != o.lazy.key || mi.srcLen != o.lazy.size {
			return &FileError{Path: p.deps.searcher.Display(o.path), Err: errChangedSinceStart}
		}
		o.info = mi
	}
	p.lazy = false
	return nil
}

var errChangedSinceStart = errors.New("the file changed after the program started")

// place makes the message table hold each of msgs at its number, as the
// merged program that names them expects. It reports false if a number
// is taken by another message.
func (m *messages) place(msgs map[int32]string) bool {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.ids == nil {
		m.ids = map[string]int32{genericMessage: 0}
		m.list = []string{genericMessage}
	}
	ids := make([]int32, 0, len(msgs))
	for id := range msgs {
		if id < 0 || id >= maxMessages {
			return false
		}
		if int(id) < len(m.list) && m.list[id] != msgs[id] {
			return false
		}
		ids = append(ids, id)
	}
	slices.Sort(ids)
	for _, id := range ids {
		for int(id) > len(m.list) {
			m.list = append(m.list, genericMessage) // a number no module of ours names
		}
		if int(id) == len(m.list) {
			m.list = append(m.list, msgs[id])
			m.ids[msgs[id]] = id
		}
	}
	return true
}

// writeAtomic writes the chunks to path through a temporary file and a
// rename, so a reader sees the old file or the new one, whole.
func writeAtomic(path string, chunks ...[]byte) error {
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return err
	}
	tmp, err := os.CreateTemp(filepath.Dir(path), "tmp-*")
	if err != nil {
		return err
	}
	var err1 error
	for _, c := range chunks {
		if _, err1 = tmp.Write(c); err1 != nil {
			break
		}
	}
	err2 := tmp.Close()
	if err1 != nil || err2 != nil {
		os.Remove(tmp.Name())
		return errors.Join(err1, err2)
	}
	if err := os.Rename(tmp.Name(), path); err != nil {
		os.Remove(tmp.Name())
		return err
	}
	return nil
}

// The record's encoding: a magic, a CRC-32C of the rest, then varints and
// length-prefixed strings. Decoding checks every count against the bytes
// left before allocating for it.

var launchMagic = []byte("wasmdl launch 1\n")

var castagnoli = crc32.MakeTable(crc32.Castagnoli)

type recWriter struct{ b []byte }

func (w *recWriter) u(v uint64) { w.b = binary.AppendUvarint(w.b, v) }
func (w *recWriter) i(v int64)  { w.b = binary.AppendVarint(w.b, v) }
func (w *recWriter) flag(v bool) {
	if v {
		w.u(1)
	} else {
		w.u(0)
	}
}
func (w *recWriter) str(s string) { w.u(uint64(len(s))); w.b = append(w.b, s...) }
func (w *recWriter) bytes(s []byte) {
	w.u(uint64(len(s)))
	w.b = append(w.b, s...)
}
func (w *recWriter) ints(v []int) {
	w.u(uint64(len(v)))
	for _, x := range v {
		w.i(int64(x))
	}
}
func (w *recWriter) u32s(v []uint32) {
	w.u(uint64(len(v)))
	for _, x := range v {
		w.u(uint64(x))
	}
}
func (w *recWriter) funcType(t wasmfile.FuncType) {
	w.u(uint64(len(t.Params)))
	for _, v := range t.Params {
		w.u(uint64(v))
	}
	w.u(uint64(len(t.Results)))
	for _, v := range t.Results {
		w.u(uint64(v))
	}
}
func (w *recWriter) alloc(a allocator) {
	w.str(a.what)
	w.u(a.end)
	w.u(a.brk)
	w.u(a.limit)
	w.u(a.unit)
	w.u(uint64(len(a.free)))
	for _, s := range a.free {
		w.u(uint64(s.start))
		w.u(uint64(s.end))
	}
}

// sortedKeys gives a map's keys in order, so the same plan encodes to the
// same bytes.
func sortedKeys[V any](m map[string]V) []string { return slices.Sorted(maps.Keys(m)) }

func (w *recWriter) u32Map(m map[string]uint32) {
	w.u(uint64(len(m)))
	for _, k := range sortedKeys(m) {
		w.str(k)
		w.u(uint64(m[k]))
	}
}

func (rec *launchRecord) encode() []byte {
	w := &recWriter{}
	w.u(uint64(len(rec.objects)))
	for _, o := range rec.objects {
		w.str(o.name)
		w.str(o.path)
		w.str(o.via)
		w.str(o.key)
		w.u(uint64(o.size))
		w.flag(o.stamp.Missing)
		w.u(uint64(o.stamp.Mode))
		w.i(o.stamp.Size)
		w.i(o.stamp.ModTime)
		w.u(o.stamp.Sys.Dev)
		w.u(o.stamp.Sys.Ino)
		w.i(o.stamp.Sys.Ctime)
		w.flag(o.stamp.Sys.Valid)
		w.ints(o.needed)
		w.i(int64(o.neededBy))
		w.u(uint64(len(o.before)))
		for _, q := range o.before {
			w.str(q)
		}
	}
	w.u(uint64(len(rec.aliases)))
	for _, k := range sortedKeys(rec.aliases) {
		w.str(k)
		w.i(int64(rec.aliases[k]))
	}
	w.u(uint64(rec.roots))
	w.str(rec.mergeKey)
	ids := make([]int32, 0, len(rec.messages))
	for id := range rec.messages {
		ids = append(ids, id)
	}
	slices.Sort(ids)
	w.u(uint64(len(ids)))
	for _, id := range ids {
		w.u(uint64(id))
		w.str(rec.messages[id])
	}

	pl := rec.plan
	w.u(uint64(len(pl.objs)))
	for _, op := range pl.objs {
		for _, v := range []uint32{op.memoryBase, op.memorySize, op.tableBase, op.tableSize, op.tlsBase} {
			w.u(uint64(v))
		}
		w.u32s(op.extraSlots)
		w.ints(op.reldeps)
		w.ints(op.defs)
		w.flag(op.slotOnly)
	}
	w.alloc(pl.mem)
	w.alloc(pl.table)
	w.flag(pl.memShared)
	for _, v := range []uint32{pl.stackLow, pl.stackHigh, pl.heapBase, pl.breakCell, pl.loaderEnd, pl.programTop} {
		w.u(uint64(v))
	}
	w.u(pl.heapEnd)
	w.u(pl.memFloor)
	w.u(pl.tableFloor)
	w.u(pl.memoryMax)
	w.flag(pl.usesSjlj)
	w.u(uint64(len(pl.shared)))
	for _, k := range sortedKeys(pl.shared) {
		s := pl.shared[k]
		w.str(k)
		w.i(int64(s.provider))
		w.str(s.export)
		w.flag(s.private)
	}
	w.u(uint64(len(pl.tags)))
	for _, k := range sortedKeys(pl.tags) {
		w.str(k)
		w.funcType(pl.tags[k])
	}
	w.u(uint64(len(pl.slots)))
	for _, s := range pl.slots {
		w.i(int64(s.obj))
		w.u(uint64(s.fn))
		w.u(uint64(s.slot))
	}
	w.u32Map(pl.hostSlots)
	w.ints(pl.instOrder)
	w.u32Map(pl.gotMem)
	w.u32Map(pl.gotFunc)
	// No table fills or trampolines: a merged program has them inside.
	w.u(uint64(len(pl.steps)))
	for _, s := range pl.steps {
		w.i(int64(s.obj))
		w.str(s.fn)
		w.i(s.arg)
	}

	out := append([]byte{}, launchMagic...)
	out = binary.LittleEndian.AppendUint32(out, crc32.Checksum(w.b, castagnoli))
	return append(out, w.b...)
}

type recReader struct {
	b   []byte
	err error
}

func (r *recReader) fail(format string, args ...any) {
	if r.err == nil {
		r.err = fmt.Errorf(format, args...)
	}
}

func (r *recReader) u() uint64 {
	v, n := binary.Uvarint(r.b)
	if n <= 0 {
		r.fail("bad number")
		r.b = nil
		return 0
	}
	r.b = r.b[n:]
	return v
}

// i reads a signed varint: zig-zag encoded, as binary.AppendVarint
// writes it.
func (r *recReader) i() int64 {
	v := r.u()
	return int64(v>>1) ^ -int64(v&1)
}

func (r *recReader) u32() uint32 {
	v := r.u()
	if v > 0xffffffff {
		r.fail("number out of range")
		return 0
	}
	return uint32(v)
}

// count reads a count of items that take at least one byte each.
func (r *recReader) count() int {
	n := r.u()
	if n > uint64(len(r.b)) {
		r.fail("count %d past the end", n)
		r.b = nil
		return 0
	}
	return int(n)
}

// index reads an object index below n, or -1 where allowed.
func (r *recReader) index(n int, none bool) int {
	v := r.i()
	if v < 0 && none && v == -1 {
		return -1
	}
	if v < 0 || v >= int64(n) {
		r.fail("object %d out of range", v)
		return 0
	}
	return int(v)
}

func (r *recReader) flag() bool { return r.u() != 0 }

func (r *recReader) str() string {
	n := r.count()
	s := string(r.b[:n])
	r.b = r.b[n:]
	return s
}

func (r *recReader) indexes(n int) []int {
	c := r.count()
	out := make([]int, c)
	for i := range out {
		out[i] = r.index(n, false)
	}
	return out
}

func (r *recReader) u32s() []uint32 {
	c := r.count()
	out := make([]uint32, c)
	for i := range out {
		out[i] = r.u32()
	}
	return out
}

func (r *recReader) funcType() wasmfile.FuncType {
	var t wasmfile.FuncType
	for _, list := range []*[]wasmfile.ValType{&t.Params, &t.Results} {
		c := r.count()
		if c > 0 {
			*list = make([]wasmfile.ValType, c)
		}
		for i := range *list {
			v := r.u()
			if v > 0xff {
				r.fail("bad value type")
			}
			(*list)[i] = wasmfile.ValType(v)
		}
	}
	return t
}

func (r *recReader) alloc() allocator {
	a := allocator{what: r.str(), end: r.u(), brk: r.u(), limit: r.u(), unit: r.u()}
	c := r.count()
	if c > 0 {
		a.free = make([]span, c)
	}
	for i := range a.free {
		a.free[i] = span{r.u32(), r.u32()}
	}
	return a
}

func (r *recReader) u32Map() map[string]uint32 {
	c := r.count()
	m := make(map[string]uint32, c)
	for i := 0; i < c && r.err == nil; i++ {
		k := r.str()
		m[k] = r.u32()
	}
	return m
}

// decodeLaunch reads a record, checking its checksum and every index.
func decodeLaunch(data []byte) (*launchRecord, error) {
	if len(data) < len(launchMagic)+4 || string(data[:len(launchMagic)]) != string(launchMagic) {
		return nil, errors.New("not a launch record")
	}
	body := data[len(launchMagic)+4:]
	if crc32.Checksum(body, castagnoli) != binary.LittleEndian.Uint32(data[len(launchMagic):]) {
		return nil, errors.New("launch record damaged")
	}
	r := &recReader{b: body}
	rec := &launchRecord{aliases: map[string]int{}, messages: map[int32]string{}}
	n := r.count()
	rec.objects = make([]launchObject, n)
	for i := range rec.objects {
		o := &rec.objects[i]
		o.name, o.path, o.via, o.key = r.str(), r.str(), r.str(), r.str()
		o.size = int(r.u32())
		o.stamp.Missing = r.flag()
		o.stamp.Mode = fs.FileMode(r.u32())
		o.stamp.Size, o.stamp.ModTime = r.i(), r.i()
		o.stamp.Sys.Dev, o.stamp.Sys.Ino, o.stamp.Sys.Ctime, o.stamp.Sys.Valid = r.u(), r.u(), r.i(), r.flag()
		o.needed = r.indexes(n)
		o.neededBy = r.index(n, true)
		c := r.count()
		for j := 0; j < c && r.err == nil; j++ {
			o.before = append(o.before, r.str())
		}
	}
	c := r.count()
	for j := 0; j < c && r.err == nil; j++ {
		k := r.str()
		rec.aliases[k] = r.index(n, false)
	}
	rec.roots = int(r.u32())
	if rec.roots < 1 || rec.roots > n {
		r.fail("%d roots of %d objects", rec.roots, n)
	}
	rec.mergeKey = r.str()
	c = r.count()
	for j := 0; j < c && r.err == nil; j++ {
		id := r.u32()
		rec.messages[int32(id)] = r.str()
	}

	pl := &prelink{}
	c = r.count()
	if c != n {
		r.fail("plan of %d objects for %d", c, n)
	}
	pl.objs = make([]objectPlan, c)
	for i := range pl.objs {
		op := &pl.objs[i]
		op.memoryBase, op.memorySize, op.tableBase, op.tableSize, op.tlsBase = r.u32(), r.u32(), r.u32(), r.u32(), r.u32()
		op.extraSlots = r.u32s()
		op.reldeps = r.indexes(n)
		op.defs = r.indexes(n)
		op.slotOnly = r.flag()
	}
	pl.mem, pl.table = r.alloc(), r.alloc()
	pl.memShared = r.flag()
	pl.stackLow, pl.stackHigh, pl.heapBase, pl.breakCell, pl.loaderEnd, pl.programTop = r.u32(), r.u32(), r.u32(), r.u32(), r.u32(), r.u32()
	pl.heapEnd, pl.memFloor, pl.tableFloor, pl.memoryMax = r.u(), r.u(), r.u(), r.u()
	pl.usesSjlj = r.flag()
	c = r.count()
	pl.shared = make(map[string]sharedPlan, c)
	for j := 0; j < c && r.err == nil; j++ {
		k := r.str()
		pl.shared[k] = sharedPlan{provider: r.index(n, true), export: r.str(), private: r.flag()}
	}
	c = r.count()
	pl.tags = make(map[string]wasmfile.FuncType, c)
	for j := 0; j < c && r.err == nil; j++ {
		k := r.str()
		pl.tags[k] = r.funcType()
	}
	c = r.count()
	pl.slots = make([]slotPlan, c)
	for i := range pl.slots {
		pl.slots[i] = slotPlan{obj: r.index(n, false), fn: r.u32(), slot: r.u32()}
	}
	pl.hostSlots = r.u32Map()
	pl.instOrder = r.indexes(n)
	pl.gotMem, pl.gotFunc = r.u32Map(), r.u32Map()
	c = r.count()
	pl.steps = make([]stepPlan, c)
	for i := range pl.steps {
		pl.steps[i] = stepPlan{obj: r.index(n, false), fn: r.str(), arg: r.i()}
	}
	if r.err == nil && len(r.b) != 0 {
		r.fail("%d bytes left over", len(r.b))
	}
	if r.err != nil {
		return nil, fmt.Errorf("launch record: %w", r.err)
	}
	rec.plan = pl
	return rec, nil
}
