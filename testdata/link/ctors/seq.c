/* libseq.so: a constructor log every other library writes to. It has no
 * constructor itself; its zero-initialised data is valid before any ctor. */
int ctor_log[32];
int ctor_count;
void ctor_record(int id) {
  if (ctor_count < 32) ctor_log[ctor_count] = id;
  ctor_count++;
}
int ctor_position(int id) {
  for (int i = 0; i < ctor_count && i < 32; i++)
    if (ctor_log[i] == id) return i;
  return -1;
}
int ctor_times(int id) {
  int n = 0;
  for (int i = 0; i < ctor_count && i < 32; i++) n += ctor_log[i] == id;
  return n;
}
