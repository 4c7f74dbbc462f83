/* libneedlocal.so: needs local_only, which only the RTLD_LOCAL liblocal.so defines. */
int local_only(void);
int need_local(void) { return local_only() + 1; }
