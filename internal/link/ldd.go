package link

import (
	"errors"
	"path"
	"strings"

	"github.com/wasmdl/wasmdl/internal/search"
	"github.com/wasmdl/wasmdl/wasmfile"
)

// DepNode is one module of a dependency tree, as ldd shows it.
type DepNode struct {
	Name   string         // as requested (NEEDED entry, preload, or the main path)
	Path   string         // fs path where it was found; "" if not found
	Via    string         // which search rule found it
	File   *wasmfile.File // nil if not found or unreadable
	Err    error          // why it is missing or unreadable
	Needed []*DepEdge     // in NEEDED order
}

// DepEdge is one NEEDED entry. Repeat is true when the library was already
// shown earlier in the tree (de-duplicated, or a cycle back to an ancestor).
type DepEdge struct {
	Node   *DepNode
	Repeat bool
	Cycle  bool
}

// DepTree is the result of a dry-run load: what Load would read, without
// instantiating anything.
type DepTree struct {
	Root  *DepNode
	Order []*DepNode // load order: main, preloads, then breadth-first
}

// Missing lists the libraries that could not be found or read.
func (t *DepTree) Missing() []*DepNode {
	var out []*DepNode
	for _, n := range t.Order {
		if n.Err != nil {
			out = append(out, n)
		}
	}
	return out
}

// Deps resolves the dependency tree of a main module exactly as Load would
// (the same search rules, de-duplication and load order), without
// instantiating anything: it is the loader's dry run that ldd prints.
func (l *Linker) Deps(mainPath string) (*DepTree, error) {
	name := mainPath
	if !strings.Contains(name, "/") {
		name = "./" + name
	}
	s := l.searcher("")
	r := &depResolver{searcher: s, cache: &l.infos, byName: map[string]*object{}, byPath: map[string]*object{}}
	main, _, err := r.loadObject(search.Request{Name: name, Host: true}, nil)
	if err != nil {
		var me *MissingError
		if errors.As(err, &me) {
			return nil, me.Err
		}
		return nil, err
	}
	main.name = mainPath
	s.MainDir = path.Dir(main.path)
	t := &DepTree{}
	nodes := map[*object]*DepNode{}
	node := func(o *object) *DepNode {
		if n := nodes[o]; n != nil {
			return n
		}
		n := &DepNode{Name: o.name, Path: o.path, Via: o.via, File: o.info.file}
		nodes[o] = n
		t.Order = append(t.Order, n)
		return n
	}
	t.Root = node(main)
	roots := []*object{main}
	for _, pre := range l.cfg.Preload {
		o, isNew, err := r.loadObject(search.Request{Name: pre, Origin: main.dir(), Host: true}, nil)
		if err != nil {
			t.Order = append(t.Order, &DepNode{Name: pre, Err: err})
			continue
		}
		if isNew {
			roots = append(roots, o)
			node(o)
		}
	}
	// Walk breadth-first like loadDeps, recording every edge, including the
	// ones to libraries already seen, so the tree can show repeats and cycles.
	queue := append([]*object(nil), roots...)
	failed := map[string]*DepNode{}
	for len(queue) > 0 {
		o := queue[0]
		queue = queue[1:]
		n := node(o)
		d := o.info.file.Dylink
		if d == nil {
			continue
		}
		for _, need := range d.Needed {
			dep, isNew, err := r.loadObject(search.Request{Name: need, Origin: o.dir(), RuntimePath: d.RuntimePath, FromModule: true}, o)
			if err == errReported {
				// Unreadable, and shown where it was first needed.
				if prev := failed[need]; prev != nil {
					n.Needed = append(n.Needed, &DepEdge{Node: prev, Repeat: true})
				}
				continue
			}
			if err != nil {
				miss := &DepNode{Name: need, Err: err}
				failed[need] = miss
				t.Order = append(t.Order, miss)
				n.Needed = append(n.Needed, &DepEdge{Node: miss})
				continue
			}
			_, seen := nodes[dep]
			dn := node(dep)
			n.Needed = append(n.Needed, &DepEdge{Node: dn, Repeat: seen && !isNew, Cycle: isAncestor(dep, o)})
			if isNew {
				queue = append(queue, dep)
			}
		}
	}
	return t, nil
}

// isAncestor reports whether a is o or on o's needed-by chain.
func isAncestor(a, o *object) bool {
	for x := o; x != nil; x = x.neededBy {
		if x == a {
			return true
		}
	}
	return false
}
