/* pie: a PIE main without libc; it cannot print, so the result is the exit
 * status: main returns pa_calc(4) + pb_base*pb_ctor_ran + checks = 17+3+22 = 42
 * when everything is right. */
int pa_calc(int x);
extern int pa_value;
extern int pb_base;
extern int pb_ctor_ran;
extern int *pa_base_ptr;

static int local = 11;
int *main_ptr = &local;
int (*main_fn_ptr)(int) = pa_calc;

int main(void) {
  int r = pa_calc(4);                      /* 4*3 + 5 = 17 */
  r += pb_base * pb_ctor_ran;              /* + 3 = 20 */
  if (pa_base_ptr == &pb_base) r += 11;    /* + 11 = 31 */
  r += *main_ptr;                          /* + 11 = 42 */
  if (main_fn_ptr != pa_calc) r += 100;
  return r;
}
