/* liblocal.so: opened RTLD_LOCAL; needs libldep.so. */
int ldep_value(void);
int local_data = 5;
int local_only(void) { return 100 + ldep_value(); }
