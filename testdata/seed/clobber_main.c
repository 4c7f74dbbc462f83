/* SEED exp3 (main): keeps "hello" in a 16-byte stack buffer, calls the
 * lib's func (imported from env), then prints its buffer. Both modules
 * start their stacks at the same address, so both buffers sit at the same
 * place and func overwrites main's "hello" with "abcde". */
extern void print(const void *ptr, int len)
    __attribute__((import_module("env"), import_name("print")));
extern void func(void) __attribute__((import_module("env"), import_name("func")));

__attribute__((export_name("_start"))) void _start(void) {
  char buf[16];
  buf[0] = 'h', buf[1] = 'e', buf[2] = 'l', buf[3] = 'l', buf[4] = 'o', buf[5] = 0;
  __asm__ volatile("" : : "r"(buf) : "memory");
  func();
  print(buf, 5);
}
