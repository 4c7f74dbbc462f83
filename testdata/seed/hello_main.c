/* SEED exp1 (main): "hello" lives in the data section at the default
 * --global-base (1024); _start prints it through an imported env.print. */
extern void print(const void *ptr, int len)
    __attribute__((import_module("env"), import_name("print")));

static const char greeting[6] = "hello";

__attribute__((export_name("_start"))) void _start(void) { print(greeting, 5); }
