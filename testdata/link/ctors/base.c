/* libbase.so: the bottom of the diamond (NEEDED libseq.so). Its constructor
 * only records itself: the relative order of libl and libr is not fixed by
 * the dependency graph (glibc runs libr first), so nothing here prints. */
void ctor_record(int id);
int base_ready;
__attribute__((constructor)) static void base_ctor(void) {
  ctor_record(10);
  base_ready = 1;
}
