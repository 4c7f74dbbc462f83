// Package wazerofix works around wazero v1.12.0 behaviour that wasmdl
// cannot avoid through wazero's public API. Each workaround reaches into
// wazero's internal state with reflection, checks every type it touches,
// and does nothing if the structure is not what it expects, so a wazero
// upgrade can make it a no-op but never a crash.
package wazerofix

import (
	"reflect"
	"sync"
	"sync/atomic"
	"unsafe"

	"github.com/tetratelabs/wazero/api"
)

// PruneTables drops closed module instances from the bookkeeping of the
// tables of m.
//
// wazero appends every module instance that imports a table to the table's
// involvingModuleInstances list and never removes it, not even when the
// module is closed. A process that loads and unloads libraries (each of
// which imports the shared table, as do the loader's fillers and tombstones) would keep every closed
// instance reachable for as long as the table lives: the host heap would
// grow with every dlopen/dlclose cycle. wazero reads nothing from that
// list, so removing closed instances changes no behaviour.
func PruneTables(m api.Module) (removed int) {
	defer func() {
		if recover() != nil {
			removed = 0
		}
	}()
	v := reflect.ValueOf(m)
	if v.Kind() != reflect.Pointer || v.Elem().Kind() != reflect.Struct {
		return 0
	}
	tables := v.Elem().FieldByName("Tables")
	if !tables.IsValid() || tables.Kind() != reflect.Slice {
		return 0
	}
	for i := 0; i < tables.Len(); i++ {
		t := tables.Index(i)
		if t.Kind() != reflect.Pointer || t.IsNil() || t.Elem().Kind() != reflect.Struct {
			continue
		}
		removed += pruneTable(t.Elem())
	}
	return removed
}

var (
	rwMutexType   = reflect.TypeOf(sync.RWMutex{})
	atomicU64Type = reflect.TypeOf(atomic.Uint64{})
)

func pruneTable(t reflect.Value) int {
	list := t.FieldByName("involvingModuleInstances")
	mu := t.FieldByName("involvingModuleInstancesMutex")
	if !list.IsValid() || list.Kind() != reflect.Slice || !mu.IsValid() || mu.Type() != rwMutexType || !list.CanAddr() {
		return 0
	}
	lock := (*sync.RWMutex)(unsafe.Pointer(mu.UnsafeAddr()))
	lock.Lock()
	defer lock.Unlock()
	settable := reflect.NewAt(list.Type(), unsafe.Pointer(list.UnsafeAddr())).Elem()
	n := settable.Len()
	kept := 0
	for i := 0; i < n; i++ {
		inst := settable.Index(i)
		if closed(inst) {
			continue
		}
		settable.Index(kept).Set(inst)
		kept++
	}
	for i := kept; i < n; i++ {
		settable.Index(i).Set(reflect.Zero(settable.Type().Elem())) // let the GC have them
	}
	settable.SetLen(kept)
	return n - kept
}

// closed reports whether a *wasm.ModuleInstance has been closed (its
// Closed field is non-zero).
func closed(inst reflect.Value) bool {
	if inst.Kind() != reflect.Pointer || inst.IsNil() || inst.Elem().Kind() != reflect.Struct {
		return false
	}
	f := inst.Elem().FieldByName("Closed")
	if !f.IsValid() || f.Type() != atomicU64Type || !f.CanAddr() {
		return false
	}
	return (*atomic.Uint64)(unsafe.Pointer(f.UnsafeAddr())).Load() != 0
}
