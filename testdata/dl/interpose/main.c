/* Interposition: the first definition in the global scope wins, for the
   libraries' own calls too. The main defines who() and scale(), which
   libfirst.so also defines and calls; libfirst.so defines tag(), which
   libsecond.so (later in the scope) also defines and calls; the plugin,
   opened RTLD_LOCAL, defines who() and tag() and calls both. Through a
   handle, dlsym still finds the library's own definition. Last, an
   RTLD_GLOBAL library's hook() replaces a later library's, and stays
   loaded while that library calls it. */
#include <dlfcn.h>
#include <stdio.h>

const char *who(void) { return "main"; }
int scale(int x) { return x * 100; }

void first_report(void);
int first_scaled(int x);
void second_report(void);

int main(void) {
  first_report();
  printf("first_scaled(5) = %d\n", first_scaled(5));
  second_report();

  void *h = dlopen("libplug.so", RTLD_NOW | RTLD_LOCAL);
  if (!h) {
    printf("dlopen: %s\n", dlerror());
    return 1;
  }
  void (*report)(void) = (void (*)(void))dlsym(h, "plug_report");
  report();
  const char *(*own_who)(void) = (const char *(*)(void))dlsym(h, "who");
  printf("dlsym(plug, who)() = %s\n", own_who());
  const char *(*def_who)(void) = (const char *(*)(void))dlsym(RTLD_DEFAULT, "who");
  printf("dlsym(RTLD_DEFAULT, who)() = %s\n", def_who());
  int (*plug_rec)(int) = (int (*)(int))dlsym(h, "plug_sum");
  printf("plug_sum(10) = %d\n", plug_rec(10));
  dlclose(h);
  printf("who() = %s\n", who());

  /* An RTLD_GLOBAL library interposes on one opened later; closing it
     first leaves it loaded while the later one still calls it. */
  void *a = dlopen("libhooka.so", RTLD_NOW | RTLD_GLOBAL);
  void *b = dlopen("libhookb.so", RTLD_NOW | RTLD_LOCAL);
  if (!a || !b) {
    printf("dlopen: %s\n", dlerror());
    return 1;
  }
  const char *(*b_call)(void) = (const char *(*)(void))dlsym(b, "b_call");
  printf("b_call() = %s\n", b_call());
  dlclose(a);
  printf("after closing libhooka.so: b_call() = %s\n", b_call());
  dlclose(b);
  printf("done\n");
  return 0;
}
