/* libpa.so (no libc): NEEDED libpb.so */
int pb_mul(int a, int b);
extern int pb_base;
int pa_value = 5;
int *pa_base_ptr = &pb_base;
int pa_calc(int x) { return pb_mul(x, *pa_base_ptr) + pa_value; }
