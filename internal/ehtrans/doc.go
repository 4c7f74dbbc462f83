// Package ehtrans translates the legacy exception-handling instructions of
// a WebAssembly module to the form wazero runs.
//
// clang 16 to 19 and Emscripten emit the legacy instructions (try 0x06,
// catch 0x07, throw 0x08, rethrow 0x09, delegate 0x18, catch_all 0x19)
// for C++ exceptions and for setjmp/longjmp (-mllvm -wasm-enable-sjlj).
// wazero v1.12 only runs the exnref form (try_table 0x1f, throw_ref 0x0a,
// exnref 0x69) and refuses the legacy one. [Translate] rewrites every
// function body that uses it; a module that does not is returned as it is.
//
// # What changes
//
// Only the code section and the end of the type section: function types
// that block types of the rewrite need and the module lacks are appended
// after the existing ones, so no index moves. Tags, imports, exports and
// every other section are copied byte for byte. A rewritten body keeps
// its locals and gets new ones after them: one (ref null $t) for each
// type $t it call_refs (the reference waits there while the call is
// wrapped), then as many exnref locals as handlers that a rethrow names
// are nested. DWARF and other custom sections that point into the
// code are not adjusted (wazero only uses DWARF for stack traces).
//
// # The rewrite
//
// Each try becomes a block (its label), and a try with catches gets one
// more block per catch or catch_all around its body, so that a handler
// runs just after its block's end, with the caught values (and, if a
// rethrow names the handler, the exnref) that the block receives. Every
// instruction that can throw inside a try body (call, call_indirect,
// call_ref, throw, throw_ref, rethrow) is wrapped in its own try_table
// whose clauses are the catches the legacy rules would try, in their
// order, up to the first catch_all, each branching to its handler's block.
// Branch depths are renumbered for the added blocks. A rethrow becomes
// throw_ref of the exnref its handler stored; throw is kept.
//
// One try_table per try would be shorter, but wazero v1.12's compiler
// gives a handler the values the locals had when the try_table was
// entered, not when the exception was thrown (wazero issue 2503, fixed
// after v1.12), and keeps an enclosing try_table's handler active after a
// catch clause branched past it; with one try_table around each throwing
// instruction neither can happen.
//
// # delegate
//
// try ... delegate N hands the exceptions of its body to the point just
// inside label N, following the formal rule of the proposal's legacy
// semantics (proposals/exception-handling/legacy/Exceptions.md and the
// reduction of delegate{l} in the legacy formal overview): if label N is a
// try whose body holds the delegate, its catches see the exception; a
// block, loop or if, a try without catches, and a try whose handler holds
// the delegate are transparent, and the exception goes on to whatever
// encloses that label; the function body's label sends it to the caller.
// The catches of tries between the delegate and label N never see it.
// Instructions in a delegating try's body therefore get the handler chain
// of the point just inside label N.
//
// # Errors
//
// Malformed code (catch outside a try, a label out of range, rethrow
// naming something other than a catch) gives a *wasmfile.FormatError
// naming the function index and the byte offset. Limits keep hostile input
// linear: at most 256 different tags and 4096 catch clauses around one
// instruction, and a code section at most 16 times the original plus
// 1 MiB. A delegate past a try_table already in the input (a module
// mixing both forms in one function) is refused.
//
// See SJLJ.md for the runtime contract of clang's setjmp/longjmp lowering,
// which a loader must provide for the modules this package translates.
package ehtrans
