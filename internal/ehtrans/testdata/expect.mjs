// Runs the legacy modules on Node (which implements legacy exception
// handling natively) and prints the results every exported function gives
// for each input, as JSON, for expected.json. Usage: node expect.mjs FILE...
// A file named lib*.so is instantiated against sjlj/env.wasm.
import fs from 'fs';
import path from 'path';

const inputs = [-1, 0, 1, 2, 3, 4, 5, 6, 7];
const here = path.dirname(new URL(import.meta.url).pathname);

function instantiate(file) {
  const mod = new WebAssembly.Module(fs.readFileSync(file));
  if (!file.endsWith('.so')) return new WebAssembly.Instance(mod, {});
  const envMod = new WebAssembly.Module(fs.readFileSync(path.join(here, 'sjlj/env.wasm')));
  const env = new WebAssembly.Instance(envMod, {});
  const inst = new WebAssembly.Instance(mod, {env: env.exports});
  for (const f of ['__wasm_apply_data_relocs', '__wasm_call_ctors']) {
    if (inst.exports[f]) inst.exports[f]();
  }
  return inst;
}

function outcome(f, x) {
  try {
    return f(x);
  } catch (e) {
    if (e instanceof WebAssembly.Exception) return 'exception';
    if (e instanceof WebAssembly.RuntimeError) return 'trap';
    throw e;
  }
}

const lines = [];
for (const file of process.argv.slice(2)) {
  const funcs = [];
  for (const [name, f] of Object.entries(instantiate(file).exports)) {
    if (typeof f !== 'function' || name.startsWith('__') || name.startsWith('bulk')) continue;
    // A fresh instance per function, so that one function's state (the
    // library's static jmp_bufs) cannot leak into another's results.
    const g = instantiate(file).exports[name];
    const results = inputs.map((x) => [x, outcome(g, x)]);
    funcs.push(`    ${JSON.stringify(name)}: ${JSON.stringify(results)}`);
  }
  lines.push(`  ${JSON.stringify(path.relative(here, file))}: {\n${funcs.join(',\n')}\n  }`);
}
console.log(`{\n${lines.join(',\n')}\n}`);
