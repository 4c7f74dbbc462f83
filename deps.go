package wasmdl

import (
	"github.com/wasmdl/wasmdl/internal/link"
	"github.com/wasmdl/wasmdl/wasmfile"
)

// DepTree is a program's dependency tree as [Linker.Deps] resolves it:
// what [Linker.Load] would read, without instantiating anything.
type DepTree struct {
	Root  *DepNode   // the main module
	Order []*DepNode // load order: main, preloads, then breadth-first; missing libraries where first needed
}

// DepNode is one module of a [DepTree].
type DepNode struct {
	Name   string         // as requested: NEEDED entry, preload, or the main path
	Path   string         // fs path where it was found; "" if not found
	Via    string         // which search rule found it: "path", "-L", "WASMDL_LIBRARY_PATH", "RUNTIME_PATH", "main folder"
	File   *wasmfile.File // nil if not found or unreadable
	Err    error          // why it is missing or unreadable (a *MissingLibraryError or *ModuleError)
	Needed []*DepEdge     // its NEEDED entries, in order
}

// DepEdge is one NEEDED entry of a [DepNode].
type DepEdge struct {
	Node *DepNode
	// Repeat is set when the library was already shown earlier in the tree
	// (libraries load once); Cycle when it leads back to a module on the
	// way from the root.
	Repeat, Cycle bool
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

// publicTree copies the loader's tree into this package's types.
func publicTree(t *link.DepTree) *DepTree {
	nodes := map[*link.DepNode]*DepNode{}
	node := func(n *link.DepNode) *DepNode {
		if m := nodes[n]; m != nil {
			return m
		}
		m := &DepNode{Name: n.Name, Path: n.Path, Via: n.Via, File: n.File, Err: publicError(n.Err)}
		nodes[n] = m
		return m
	}
	out := &DepTree{Root: node(t.Root)}
	for _, n := range t.Order {
		out.Order = append(out.Order, node(n))
	}
	// Edges are filled iteratively: a 10,000-deep chain must not recurse.
	for _, n := range t.Order {
		m := node(n)
		for _, e := range n.Needed {
			m.Needed = append(m.Needed, &DepEdge{Node: node(e.Node), Repeat: e.Repeat, Cycle: e.Cycle})
		}
	}
	return out
}
