// Package wasmfile reads WebAssembly binary modules as a dynamic linker
// needs them: every section's placement, types, imports and exports of all
// kinds, globals with their initialisers, element and data segments, the
// "name" section, and the dylink.0 section of the dynamic-linking ABI
// (https://github.com/WebAssembly/tool-conventions/blob/main/DynamicLinking.md).
//
// [Parse] decodes a module held in memory, [Open] and [ReadFS] read one
// first. The resulting [File] exposes the sections as slices and answers
// the questions the linker and the hazard checker share: [File.Kind]
// (shared library, PIE main, non-PIE main or plain module),
// [File.ClassifyImports] (the ABI role of each import, with the weak flags
// of IMPORT_INFO) and [File.Symbols] (exported functions and data).
// [Dylink.Encode] and [WithDylink] write a dylink.0 section back, for tools
// that rewrite NEEDED or RUNTIME_PATH lists.
//
// It reads what clang/wasm-ld 14 to 19 and Emscripten 3.1 produce: the
// core 2.0 binary format plus threads (shared memories), exception handling
// (tags), extended constant expressions, memory64 limits and the
// function-references table form. Function bodies are kept as bytes (and
// checked, see Security); see [File.Instructions] to decode them.
//
// # Errors
//
// Malformed input yields a *[FormatError] giving the absolute file offset
// of the bad record, the section and the item, for example
//
//	offset 0x1f3: import section: import[3] "env"."f": unexpected end of data
//
// It wraps a sentinel ([ErrUnexpectedEOF], [ErrBadLEB128], [ErrTooMany],
// ...) for errors.Is. A malformed "name" section does not make a module
// unreadable (the core spec says custom sections must not invalidate a
// module); it is reported in [File.NamesErr]. A malformed dylink.0 section
// does, because a loader cannot place a module it cannot describe.
//
// # Security
//
// The reader is meant for untrusted input, and for checking modules before
// a runtime sees them. No count read from the file is trusted: before
// anything is allocated for a vector, its count is checked against the
// bytes left in its section (each entry takes at least one byte), so a
// 15-byte module claiming 2^32-1 imports fails with [ErrTooMany] instead
// of exhausting memory. LEB128 numbers are limited to their type's width.
//
// A runtime is not as careful: wazero v1.12 sizes slices by the counts it
// reads (a 30-byte module declaring 2^32-1 locals makes it die with a
// fatal out-of-memory error, which no recover catches), spends kilobytes
// of compiler state per byte on some constructs, and reads the "name"
// section with the same trust. So Parse also decodes every function body
// and checks it, and the section counts, against [Bounds] ([DefaultBounds]
// unless [Options] say otherwise): locals, nesting, blocks and branch
// targets, values pushed by multi-value instructions, the flow of locals
// across blocks, and the name section's counts as wazero reads them. A
// module Parse accepts can be given to wazero's CompileModule: FuzzCompile
// checks that it neither runs out of memory, panics nor hangs. The package
// is fuzzed (FuzzParse, FuzzDylink, FuzzCompile).
//
// It is a decoder, not a validator: it checks what it needs to decode and
// to bound a runtime's costs (type indices of imports and functions, value
// and reference types, limits, section order, the structure of bodies)
// but not the typing of instructions or the full validation rules. Run a
// module through wazero's compiler before executing it.
package wasmfile
