/* libweaklib.so: weak definitions (main interposes some of them) and weak
 * undefined references that nobody defines (must resolve to NULL). */
#include <stdio.h>

__attribute__((weak)) const char *hook_name(void) { return "libweaklib default hook"; }
__attribute__((weak)) const char *other_hook(void) { return "libweaklib default other_hook"; }
__attribute__((weak)) int hook_value = 1;
__attribute__((weak)) int other_value = 2;

extern void never_defined_fn(void) __attribute__((weak));
extern int never_defined_var __attribute__((weak));
extern int main_optional_var __attribute__((weak)); /* defined by main */
extern int main_optional_fn(void) __attribute__((weak)); /* defined by main */

void lib_report(void) {
  printf("lib calls hook_name(): %s\n", hook_name());
  printf("lib calls other_hook(): %s\n", other_hook());
  printf("lib reads hook_value=%d other_value=%d\n", hook_value, other_value);
  printf("never_defined_fn is %s\n", never_defined_fn ? "set" : "NULL");
  printf("&never_defined_var is %s\n", &never_defined_var ? "set" : "NULL");
  if (never_defined_fn) never_defined_fn();
  if (&main_optional_var) printf("main_optional_var = %d\n", main_optional_var);
  else printf("main_optional_var is NULL\n");
  if (main_optional_fn) printf("main_optional_fn() = %d\n", main_optional_fn());
  else printf("main_optional_fn is NULL\n");
}

void *lib_hook_addr(void) { return (void *)&hook_name; }
int *lib_value_addr(void) { return &hook_value; }
