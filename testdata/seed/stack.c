/* SEED exp2: an 8 KiB stack buffer handed to an imported callback;
 * each call moves the module's private __stack_pointer down by 8192. */
extern void callback(void *ptr) __attribute__((import_module("env"), import_name("callback")));

__attribute__((export_name("func"))) void func(void) {
  char buf[8192];
  callback(buf);
}
