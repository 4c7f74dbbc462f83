/* libprov.so: provides prov_fn and prov_data to later libraries. */
int prov_data = 77;
int prov_fn(int x) { return x + 1000; }
