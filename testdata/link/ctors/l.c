/* libl.so: one side of the diamond (NEEDED libbase.so). Records whether
 * libbase's constructor had already run when its own ran. */
void ctor_record(int id);
extern int base_ready;
int l_saw_base;
__attribute__((constructor)) static void l_ctor(void) {
  ctor_record(11);
  l_saw_base = base_ready;
}
