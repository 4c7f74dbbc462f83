/* libuser.so: undefined references to libprov.so's symbols (no NEEDED). */
int prov_fn(int x);
extern int prov_data;
int use(int x) { return prov_fn(x) + prov_data; }
