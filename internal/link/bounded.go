package link

// bounded is a map that forgets its oldest entries past max. The Linker's
// caches key compiled and rewritten modules by content, and a guest that
// can write files can make new contents at will (thousands of distinct
// libraries to dlopen): what a guest alone can drive must stay bounded.
// Forgetting costs only a recompilation.
type bounded[V any] struct {
	m     map[string]V
	order []string // keys, oldest first
	max   int
	evict func(V) // called for each value forgotten, if set
}

func newBounded[V any](max int, evict func(V)) *bounded[V] {
	return &bounded[V]{m: map[string]V{}, max: max, evict: evict}
}

func (b *bounded[V]) get(key string) (V, bool) {
	v, ok := b.m[key]
	return v, ok
}

func (b *bounded[V]) put(key string, v V) {
	if _, ok := b.m[key]; !ok {
		b.order = append(b.order, key)
	}
	b.m[key] = v
	for len(b.m) > b.max && len(b.order) > 0 {
		old := b.order[0]
		b.order = b.order[1:]
		if ov, ok := b.m[old]; ok {
			delete(b.m, old)
			if b.evict != nil {
				b.evict(ov)
			}
		}
	}
}

func (b *bounded[V]) len() int { return len(b.m) }

// each calls fn for every entry, then forgets them all.
func (b *bounded[V]) drain(fn func(V)) {
	for k, v := range b.m {
		fn(v)
		delete(b.m, k)
	}
	b.order = nil
}
