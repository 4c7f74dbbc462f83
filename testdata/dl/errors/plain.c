/* libplain.so (wasm build): a plain non-PIC module, not a shared library. */
int plain_fn(int x) { return x + 1; }
