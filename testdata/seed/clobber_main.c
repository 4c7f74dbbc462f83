/* SEED exp3 (main): keeps "hello" in a 16-byte stack buffer, calls the
 * lib's func (imported from env), then prints its buffer. Both modules
 * start their stacks at the same address, so both buffers sit at the same
 * place and func overwrites main's "hello" with "abcde". */
extern void print(const void *ptr, int len)
    __attribute__((import_module("env"), import_name("print")));
extern void func(void) __attribute__((import_module("env"), import_name("func")));

__attribute__((export_name("_start"))) void _start(void) {
  volatile char buf[16];
  const char *h = "hello";
  for (int i = 0; i < 6; i++) buf[i] = h[i];
  func();
  print((const void *)buf, 5);
}
