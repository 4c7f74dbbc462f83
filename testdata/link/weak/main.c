/* weak: strong definitions in main interpose a library's weak ones (the
 * library's own calls reach main's); weak undefined symbols are NULL. */
#include <stdio.h>

void lib_report(void);
void *lib_hook_addr(void);
int *lib_value_addr(void);
const char *other_hook(void);

const char *hook_name(void) { return "main's strong hook"; }
int hook_value = 42;
int main_optional_var = 9;
int main_optional_fn(void) { return 8; }

int main(void) {
  lib_report();
  printf("main calls other_hook(): %s\n", other_hook());
  printf("lib's &hook_name == main's: %s\n", lib_hook_addr() == (void *)&hook_name ? "yes" : "no");
  printf("lib's &hook_value == main's: %s\n", lib_value_addr() == &hook_value ? "yes" : "no");
  return 0;
}
