/* PIE main without libc, linked against libfoo.so. Entry: __main_void
 * (clang renames `int main(void)`); the host calls __wasm_call_ctors first. */
extern int foo_counter;
int foo_call(int x);
int *foo_data_addr(void);
extern int bar_values[8];

static int local_data[3] = {4, 5, 6};
int *pie_ptr = &local_data[1];

int main(void) {
  int r = foo_call(*pie_ptr) + foo_counter;
  if (foo_data_addr() != &bar_values[5]) r += 100;
  return r & 0x7f;
}
