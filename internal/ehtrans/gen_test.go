package ehtrans

import (
	"github.com/wasmdl/wasmdl/internal/wasmgen"
	"github.com/wasmdl/wasmdl/wasmfile"
)

// This file builds random legacy programs from fuzz bytes, and runs them
// with an interpreter of the legacy semantics written from the proposal
// (not from the translation), so that a translated program can be
// compared with what it should do.
//
// A program is a few functions (param i32) (result i32); function i
// calls only functions after it, so calls terminate. Each keeps i32
// locals: 0 the parameter, 1 acc (a hash of the path taken, returned at
// the end), 2 fuel (bounds loop iterations), 3-5 scratch. Statements
// leave the operand stack as they found it. Tags: $e0 (i32), $e1 (),
// $e2 (i32 i32).

const (
	lX, lAcc, lFuel, lT0 = 0, 1, 2, 3
	numScratch           = 3
	numLocals            = lT0 + numScratch // parameter included
	initialFuel          = 6
)

type nodeKind uint8

const (
	nMix      nodeKind = iota // acc = acc*31 + k
	nSet                      // local a = local b + k
	nBlock                    // block body end
	nLoop                     // loop body end
	nIf                       // if (local a & k) then else end
	nBr                       // br depth (push arity values), or br_if when cond
	nContinue                 // if fuel: fuel--, br depth (a loop)
	nBrTable                  // br_table over local a
	nThrow                    // if cond: throw tag with locals a, b
	nCall                     // local b = call fn(local a); cond: call_indirect
	nTry                      // try with catches, without, or delegating
	nRethrow                  // if cond: rethrow depth
	nReturn                   // if cond: return acc
)

// node is one statement.
type node struct {
	kind    nodeKind
	k       int32
	a, b    int  // locals
	cond    bool // conditional on local a & k
	depth   int
	arity   int // nBr: values carried
	targets []int
	tag     int
	fn      int
	body    []node
	els     []node
	try     *tryNode
}

// tryNode is a try: result form 0 (none), 1 (i32) or 2 (param i32,
// result i32 i32).
type tryNode struct {
	form     int
	param    int // form 2: the local passed in
	result   [2]int
	catches  []catchNode
	delegate int // -1: none
	mix      bool
}

type catchNode struct {
	tag    int // -1: catch_all
	body   []node
	result [2]int
}

type genFunc struct {
	body []node
}

type program struct {
	funcs []genFunc
}

// source hands out choices from the fuzz bytes, then zeros.
type source struct {
	b []byte
	i int
}

func (s *source) intn(n int) int {
	if n <= 1 {
		return 0
	}
	if s.i >= len(s.b) {
		return 0
	}
	v := int(s.b[s.i])
	s.i++
	return v % n
}

// label is a label in scope during generation.
type label struct {
	kind    nodeKind // nBlock, nLoop, nIf, nTry (body), nCall (the function)
	arity   int
	handler bool // a try's handler: rethrow may name it
}

type generator struct {
	src    *source
	nfuncs int
	fn     int
	labels []label
	budget int
}

const (
	maxDepth = 6
)

func generate(b []byte) *program {
	s := &source{b: b}
	g := &generator{src: s, nfuncs: 1 + s.intn(3)}
	p := &program{}
	for g.fn = 0; g.fn < g.nfuncs; g.fn++ {
		g.labels = []label{{kind: nCall, arity: 1}}
		g.budget = 40
		p.funcs = append(p.funcs, genFunc{body: g.stmts()})
	}
	return p
}

func (g *generator) local() int { return g.src.intn(numLocals) }

func (g *generator) scratch() int { return lT0 + g.src.intn(numScratch) }

func (g *generator) stmts() []node {
	n := g.src.intn(5)
	var out []node
	for i := 0; i < n && g.budget > 0; i++ {
		g.budget--
		out = append(out, g.stmt())
	}
	return out
}

func (g *generator) sub(l label) []node {
	g.labels = append(g.labels, l)
	body := g.stmts()
	g.labels = g.labels[:len(g.labels)-1]
	return body
}

func (g *generator) stmt() node {
	deep := len(g.labels) > maxDepth
	switch c := g.src.intn(16); {
	case c == 1:
		return node{kind: nSet, a: g.scratch(), b: g.local(), k: int32(g.src.intn(9) - 4)}
	case c == 2 && !deep:
		return node{kind: nBlock, body: g.sub(label{kind: nBlock})}
	case c == 3 && !deep:
		return node{kind: nLoop, body: g.sub(label{kind: nLoop})}
	case c == 4 && !deep:
		n := node{kind: nIf, a: g.local(), k: int32(1 + g.src.intn(7))}
		n.body = g.sub(label{kind: nIf})
		n.els = g.sub(label{kind: nIf})
		return n
	case c == 5:
		d := g.src.intn(len(g.labels))
		l := g.labels[len(g.labels)-1-d]
		if l.kind == nLoop {
			return node{kind: nContinue, depth: d}
		}
		return node{kind: nBr, depth: d, arity: l.arity, a: g.local(), b: g.local(),
			cond: g.src.intn(4) != 0, k: int32(1 + g.src.intn(7))}
	case c == 6:
		var targets []int
		for d := range g.labels {
			if l := g.labels[len(g.labels)-1-d]; l.arity == 0 && l.kind != nLoop {
				targets = append(targets, d)
			}
		}
		if len(targets) == 0 {
			break
		}
		n := node{kind: nBrTable, a: g.local()}
		for j := g.src.intn(4); j >= 0; j-- {
			n.targets = append(n.targets, targets[g.src.intn(len(targets))])
		}
		return n
	case c == 7 || c == 8:
		return g.throw()
	case c == 9 && g.fn+1 < g.nfuncs:
		return node{kind: nCall, fn: g.fn + 1 + g.src.intn(g.nfuncs-g.fn-1), a: g.local(), b: g.scratch(),
			cond: g.src.intn(2) == 0} // cond: through the table
	case (c == 10 || c == 11 || c == 12) && !deep:
		return g.try(c == 12)
	case c == 13:
		if n := g.rethrow(); n.kind == nRethrow {
			return n
		}
	case c == 14 && g.src.intn(3) == 0:
		return node{kind: nReturn, a: g.local(), cond: true, k: int32(1 + g.src.intn(7))}
	}
	return node{kind: nMix, k: int32(g.src.intn(100))}
}

// throw is a throw, mostly conditional.
func (g *generator) throw() node {
	return node{kind: nThrow, tag: g.src.intn(3), a: g.local(), b: g.local(),
		cond: g.src.intn(3) != 0, k: int32(1 + g.src.intn(7))}
}

// nestedRethrow is a try, inside a handler, that catches what it throws
// and then rethrows either exception: two caught exceptions live at once.
func (g *generator) nestedRethrow() node {
	t := &tryNode{delegate: -1}
	l := label{kind: nTry}
	g.labels = append(g.labels, l)
	body := []node{g.throw()}
	body[0].cond = false
	g.labels[len(g.labels)-1].handler = true
	c := catchNode{tag: -1, body: g.stmts()}
	// Maybe this handler's exception, else an outer one's: both
	// handlers keep an exnref.
	first := node{kind: nRethrow, a: g.local(), cond: true, k: int32(1 + g.src.intn(7))}
	second := g.rethrow()
	for j := 0; j < 3 && second.depth == 0; j++ {
		second = g.rethrow()
	}
	c.body = append(c.body, first, second)
	g.labels = g.labels[:len(g.labels)-1]
	t.catches = []catchNode{c}
	return node{kind: nTry, body: body, try: t}
}

// rethrow names one of the handlers in scope, if any (else it is a mix).
func (g *generator) rethrow() node {
	var depths []int
	for d := range g.labels {
		if g.labels[len(g.labels)-1-d].handler {
			depths = append(depths, d)
		}
	}
	if len(depths) == 0 {
		return node{kind: nMix, k: 1}
	}
	return node{kind: nRethrow, depth: depths[g.src.intn(len(depths))], a: g.local(),
		cond: g.src.intn(3) != 0, k: int32(1 + g.src.intn(7))}
}

func (g *generator) try(delegate bool) node {
	t := &tryNode{form: g.src.intn(3), delegate: -1, mix: true}
	t.param = g.local()
	t.result = [2]int{g.local(), g.local()}
	l := label{kind: nTry, arity: [3]int{0, 1, 2}[t.form]}
	body := g.sub(l)
	if g.src.intn(3) != 0 {
		// Mostly something to catch.
		th := g.throw()
		th.cond = th.cond && g.src.intn(2) == 0
		body = append(body, th)
	}
	if delegate {
		t.delegate = g.src.intn(len(g.labels))
		return node{kind: nTry, body: body, try: t}
	}
	l.handler = true
	for n := g.src.intn(4); n > 0; n-- {
		c := catchNode{tag: g.src.intn(4) - 1, result: [2]int{g.local(), g.local()}}
		g.labels = append(g.labels, l)
		c.body = g.stmts()
		switch g.src.intn(3) {
		case 0:
			c.body = append(c.body, g.rethrow())
		case 1:
			if len(g.labels) <= maxDepth {
				c.body = append(c.body, g.nestedRethrow())
			}
		}
		g.labels = g.labels[:len(g.labels)-1]
		t.catches = append(t.catches, c)
		if c.tag < 0 {
			break // catch_all is last
		}
	}
	return node{kind: nTry, body: body, try: t}
}

// Encoding.

type encoder struct {
	b          []byte
	tagParams  [3][]wasmfile.ValType
	typeIIToII uint32 // (i32) -> (i32, i32)
}

func (p *program) encode() []byte {
	m := &wasmgen.Module{}
	i32 := wasmfile.I32
	ft := wasmfile.FuncType{Params: []wasmfile.ValType{i32}, Results: []wasmfile.ValType{i32}}
	e := &encoder{tagParams: [3][]wasmfile.ValType{{i32}, nil, {i32, i32}}}
	m.Type(ft)
	e.typeIIToII = m.Type(wasmfile.FuncType{Params: []wasmfile.ValType{i32}, Results: []wasmfile.ValType{i32, i32}})
	for _, ps := range e.tagParams {
		m.Tag(wasmfile.FuncType{Params: ps})
	}
	// Every function sits in table 0 at its own index.
	m.Table(wasmfile.Limits{Min: uint64(len(p.funcs))})
	var elems []uint32
	for i := range p.funcs {
		elems = append(elems, uint32(i))
	}
	m.ActiveElem(0, elems)
	for _, f := range p.funcs {
		e.b = []byte{1, numLocals - 1, byte(i32)}
		e.b = append(e.b, 0x41, initialFuel, 0x21, lFuel) // fuel = initialFuel
		e.b = append(e.b, 0x20, lX, 0x21, lAcc)           // acc = x
		for j := 0; j < numScratch; j++ {                 // t_j = x + j + 1
			e.get(lX)
			e.i32(int32(j + 1))
			e.op(0x6a)
			e.set(lT0 + j)
		}
		e.stmts(f.body)
		e.b = append(e.b, 0x20, lAcc, 0x0b)
		m.RawFunc(ft, e.b)
	}
	m.Export("run", wasmfile.KindFunc, 0)
	// wrapped(x): run(x), or what escapes it, caught and encoded.
	e.b = []byte{0, 0x06, 0x7f, 0x20, 0x00, 0x10, 0x00}
	e.op(0x07, 0x00) // catch $e0: payload + wrapE0
	e.i32(wrapE0)
	e.op(0x6a)
	e.op(0x07, 0x01) // catch $e1: wrapE1
	e.i32(wrapE1)
	e.op(0x07, 0x02) // catch $e2: a*wrapE2 + b
	e.set(lX)
	e.i32(wrapE2)
	e.op(0x6c)
	e.get(lX)
	e.op(0x6a, 0x0b, 0x0b)
	m.Export("wrapped", wasmfile.KindFunc, m.RawFunc(ft, e.b))
	return m.Bytes()
}

// What the "wrapped" export returns for each tag that escapes run.
const (
	wrapE0 = 1 << 20
	wrapE1 = -7
	wrapE2 = 1<<21 + 1
)

// wrapped is what the "wrapped" export returns for run's outcome.
func wrapped(v int32, exn *exception) int32 {
	switch {
	case exn == nil:
		return v
	case exn.tag == 0:
		return exn.vals[0] + wrapE0
	case exn.tag == 1:
		return wrapE1
	}
	return exn.vals[0]*wrapE2 + exn.vals[1]
}

func (e *encoder) op(b ...byte) { e.b = append(e.b, b...) }

func (e *encoder) u(v int) { e.b = wasmfile.AppendU32(e.b, uint32(v)) }

func (e *encoder) get(l int) { e.op(0x20); e.u(l) }

func (e *encoder) set(l int) { e.op(0x21); e.u(l) }

func (e *encoder) i32(v int32) { e.op(0x41); e.b = wasmfile.AppendS64(e.b, int64(v)) }

// cond pushes local a & k.
func (e *encoder) cond(a int, k int32) { e.get(a); e.i32(k); e.op(0x71) }

// mix folds the value on the stack into acc: acc = acc*31 + v.
func (e *encoder) mix() {
	e.get(lAcc)
	e.i32(31)
	e.op(0x6c, 0x6a) // i32.mul, i32.add
	e.set(lAcc)
}

func (e *encoder) stmts(ns []node) {
	for i := range ns {
		e.stmt(&ns[i])
	}
}

func (e *encoder) stmt(n *node) {
	switch n.kind {
	case nMix:
		e.i32(n.k)
		e.mix()
	case nSet:
		e.get(n.b)
		e.i32(n.k)
		e.op(0x6a)
		e.set(n.a)
	case nBlock:
		e.op(0x02, 0x40)
		e.stmts(n.body)
		e.op(0x0b)
	case nLoop:
		e.op(0x03, 0x40)
		e.stmts(n.body)
		e.op(0x0b)
	case nIf:
		e.cond(n.a, n.k)
		e.op(0x04, 0x40)
		e.stmts(n.body)
		e.op(0x05)
		e.stmts(n.els)
		e.op(0x0b)
	case nBr:
		vals := [2]int{n.a, n.b}
		for j := 0; j < n.arity; j++ {
			e.get(vals[j])
		}
		if !n.cond {
			e.op(0x0c)
			e.u(n.depth)
			return
		}
		e.cond(n.a, n.k)
		e.op(0x0d)
		e.u(n.depth)
		for j := 0; j < n.arity; j++ {
			e.op(0x1a) // drop what br_if left
		}
	case nContinue:
		e.get(lFuel)
		e.op(0x04, 0x40)
		e.get(lFuel)
		e.i32(1)
		e.op(0x6b)
		e.set(lFuel)
		e.op(0x0c)
		e.u(n.depth + 1)
		e.op(0x0b)
	case nBrTable:
		e.get(n.a)
		e.op(0x0e)
		e.u(len(n.targets) - 1)
		for _, d := range n.targets {
			e.u(d)
		}
	case nThrow:
		if n.cond {
			e.cond(n.a, n.k)
			e.op(0x04, 0x40)
		}
		switch n.tag {
		case 0:
			e.get(n.a)
		case 2:
			e.get(n.a)
			e.get(n.b)
		}
		e.op(0x08)
		e.u(n.tag)
		if n.cond {
			e.op(0x0b)
		}
	case nCall:
		e.get(n.a)
		if n.cond {
			e.i32(int32(n.fn))
			e.op(0x11, 0x00, 0x00) // call_indirect (type 0) table 0
		} else {
			e.op(0x10)
			e.u(n.fn)
		}
		e.set(n.b)
		e.get(n.b)
		e.mix()
	case nRethrow:
		if n.cond {
			e.cond(n.a, n.k)
			e.op(0x04, 0x40)
			e.op(0x09)
			e.u(n.depth + 1)
			e.op(0x0b)
			return
		}
		e.op(0x09)
		e.u(n.depth)
	case nReturn:
		e.cond(n.a, n.k)
		e.op(0x04, 0x40)
		e.get(lAcc)
		e.op(0x0f, 0x0b)
	case nTry:
		e.try(n)
	}
}

func (e *encoder) results(form int, r [2]int) {
	for j := 0; j < form; j++ {
		e.get(r[j])
	}
}

func (e *encoder) try(n *node) {
	t := n.try
	switch t.form {
	case 0:
		e.op(0x06, 0x40)
	case 1:
		e.op(0x06, 0x7f)
	case 2:
		e.get(t.param)
		e.op(0x06)
		e.u(int(e.typeIIToII))
		e.set(lT0) // the parameter
	}
	e.stmts(n.body)
	e.results(t.form, t.result)
	if t.delegate >= 0 {
		e.op(0x18)
		e.u(t.delegate)
	} else {
		for _, c := range t.catches {
			if c.tag < 0 {
				e.op(0x19)
			} else {
				e.op(0x07)
				e.u(c.tag)
				for range e.tagParams[c.tag] {
					e.mix() // the payload, last value first
				}
			}
			e.stmts(c.body)
			e.results(t.form, c.result)
		}
		e.op(0x0b)
	}
	for j := 0; j < t.form; j++ {
		e.mix()
	}
}

// Interpretation.

type sigKind uint8

const (
	sigNormal    sigKind = iota
	sigBranch            // depth
	sigThrow             // exn, from the current point
	sigDelegated         // exn, to be thrown just inside label depth
	sigReturn
)

type exception struct {
	tag  int
	vals [2]int32
}

type signal struct {
	kind  sigKind
	depth int
	vals  [2]int32
	exn   *exception
}

type machine struct {
	p      *program
	steps  int
	caught []*exception // per open label, the exception its handler holds
}

// errSteps stops an interpretation that takes too long (it should not
// happen: loops are bounded by fuel and calls go one way).
const maxSteps = 1 << 18

// run interprets run(x): the value returned, or the exception that
// escaped. ok is false when the step limit was hit.
func (p *program) run(x int32) (v int32, exn *exception, ok bool) {
	m := &machine{p: p}
	v, exn = m.call(0, x)
	return v, exn, m.steps <= maxSteps
}

func (m *machine) call(fn int, x int32) (int32, *exception) {
	l := make([]int32, numLocals)
	l[lX], l[lFuel], l[lAcc] = x, initialFuel, x
	for j := 0; j < numScratch; j++ {
		l[lT0+j] = x + int32(j+1)
	}
	saved := m.caught
	m.caught = []*exception{nil} // the function's label
	defer func() { m.caught = saved }()
	s := m.seq(m.p.funcs[fn].body, l)
	switch s.kind {
	case sigThrow:
		return 0, s.exn
	case sigDelegated: // depth 0: just inside the function's label
		return 0, s.exn
	case sigBranch, sigReturn:
		return s.vals[0], nil
	}
	return l[lAcc], nil
}

func (m *machine) seq(ns []node, l []int32) signal {
	for i := range ns {
		if m.steps++; m.steps > maxSteps {
			return signal{kind: sigReturn}
		}
		if s := m.stmt(&ns[i], l); s.kind != sigNormal {
			return s
		}
	}
	return signal{}
}

func mix(l []int32, v int32) { l[lAcc] = l[lAcc]*31 + v }

// label runs body as the contents of a label: a branch to it ends it
// (loop: restarts it); a delegated exception aimed at it is thrown here.
func (m *machine) label(body []node, l []int32, loop bool, exn *exception) signal {
	m.caught = append(m.caught, exn)
	defer func() { m.caught = m.caught[:len(m.caught)-1] }()
	for {
		s := m.seq(body, l)
		if s.kind == sigBranch || s.kind == sigDelegated {
			if s.depth > 0 {
				s.depth--
				return s
			}
			if s.kind == sigDelegated {
				return signal{kind: sigThrow, exn: s.exn}
			}
			if loop {
				continue
			}
			s.kind = sigNormal
		}
		return s
	}
}

func (m *machine) stmt(n *node, l []int32) signal {
	switch n.kind {
	case nMix:
		mix(l, n.k)
	case nSet:
		l[n.a] = l[n.b] + n.k
	case nBlock:
		return m.label(n.body, l, false, nil)
	case nLoop:
		return m.label(n.body, l, true, nil)
	case nIf:
		if l[n.a]&n.k != 0 {
			return m.label(n.body, l, false, nil)
		}
		return m.label(n.els, l, false, nil)
	case nBr:
		if n.cond && l[n.a]&n.k == 0 {
			return signal{}
		}
		return signal{kind: sigBranch, depth: n.depth, vals: [2]int32{l[n.a], l[n.b]}}
	case nContinue:
		if l[lFuel] != 0 {
			l[lFuel]--
			return signal{kind: sigBranch, depth: n.depth}
		}
	case nBrTable:
		i := uint32(l[n.a])
		if i >= uint32(len(n.targets)-1) {
			i = uint32(len(n.targets) - 1)
		}
		return signal{kind: sigBranch, depth: n.targets[i]}
	case nThrow:
		if n.cond && l[n.a]&n.k == 0 {
			return signal{}
		}
		x := &exception{tag: n.tag}
		switch n.tag {
		case 0:
			x.vals[0] = l[n.a]
		case 2:
			x.vals = [2]int32{l[n.a], l[n.b]}
		}
		return signal{kind: sigThrow, exn: x}
	case nCall:
		v, exn := m.call(n.fn, l[n.a])
		if exn != nil {
			return signal{kind: sigThrow, exn: exn}
		}
		l[n.b] = v
		mix(l, v)
	case nRethrow:
		if n.cond && l[n.a]&n.k == 0 {
			return signal{}
		}
		return signal{kind: sigThrow, exn: m.caught[len(m.caught)-1-n.depth]}
	case nReturn:
		if l[n.a]&n.k != 0 {
			return signal{kind: sigReturn, vals: [2]int32{l[lAcc]}}
		}
	case nTry:
		return m.try(n, l)
	}
	return signal{}
}

func (m *machine) try(n *node, l []int32) signal {
	t := n.try
	if t.form == 2 {
		l[lT0] = l[t.param]
	}
	// The body; its end pushes the result locals.
	body := func() signal {
		s := m.seq(n.body, l)
		if s.kind == sigNormal {
			s.kind, s.depth = sigBranch, 0
			s.vals = [2]int32{l[t.result[0]], l[t.result[1]]}
		}
		return s
	}
	s := m.labelFunc(body, nil)
	if s.kind == sigThrow && t.delegate >= 0 {
		s = signal{kind: sigDelegated, depth: t.delegate, exn: s.exn}
	}
	if s.kind == sigThrow && len(t.catches) > 0 {
		for _, c := range t.catches {
			if c.tag >= 0 && c.tag != s.exn.tag {
				continue
			}
			// The payload, mixed into acc last value first.
			switch c.tag {
			case 0:
				mix(l, s.exn.vals[0])
			case 2:
				mix(l, s.exn.vals[1])
				mix(l, s.exn.vals[0])
			}
			handler := func() signal {
				h := m.seq(c.body, l)
				if h.kind == sigNormal {
					h.kind, h.depth = sigBranch, 0
					h.vals = [2]int32{l[c.result[0]], l[c.result[1]]}
				}
				return h
			}
			s = m.labelFunc(handler, s.exn)
			break
		}
	}
	if s.kind != sigNormal {
		return s
	}
	vals := s.vals
	if t.form == 2 {
		// Stack [v0 v1]: mix pops v1 first (acc = acc*31 + v1),
		// then v0.
		mix(l, vals[1])
		mix(l, vals[0])
	} else if t.form == 1 {
		mix(l, vals[0])
	}
	return signal{}
}

// labelFunc is label for a body given as a function that ends with a
// branch to the label itself carrying the results; it returns
// sigNormal with the values when the label is left normally.
func (m *machine) labelFunc(f func() signal, exn *exception) signal {
	m.caught = append(m.caught, exn)
	defer func() { m.caught = m.caught[:len(m.caught)-1] }()
	s := f()
	if s.kind == sigBranch || s.kind == sigDelegated {
		if s.depth > 0 {
			s.depth--
			return s
		}
		if s.kind == sigDelegated {
			return signal{kind: sigThrow, exn: s.exn}
		}
		s.kind = sigNormal
	}
	return s
}
