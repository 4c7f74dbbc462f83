/* dlfcn.h for WebAssembly guests run by wasmdl.
 *
 * Debian's wasi-libc has no dlfcn.h; these functions are provided by the
 * wasmdl loader itself (they are imported from "env" and bound to wasmdl's
 * host functions). The mode values are glibc's and musl's; wasi-libc's
 * RTLD_LOCAL (8) is accepted too.
 */
#ifndef WASMDL_DLFCN_H
#define WASMDL_DLFCN_H

#ifdef __cplusplus
extern "C" {
#endif

#define RTLD_LAZY     0x0001
#define RTLD_NOW      0x0002
#define RTLD_NOLOAD   0x0004
#define RTLD_LOCAL    0
#define RTLD_GLOBAL   0x0100
#define RTLD_NODELETE 0x1000

#define RTLD_DEFAULT ((void *)0)
#define RTLD_NEXT    ((void *)-1)

typedef struct {
  const char *dli_fname; /* path of the module containing the address */
  void *dli_fbase;       /* its __memory_base */
  const char *dli_sname; /* nearest symbol, or NULL */
  void *dli_saddr;       /* its address */
} Dl_info;

void *dlopen(const char *filename, int flags);
void *dlsym(void *__restrict handle, const char *__restrict symbol);
int dlclose(void *handle);
char *dlerror(void);
int dladdr(const void *addr, Dl_info *info);

#ifdef __cplusplus
}
#endif

#endif
