/* libplugin.so: the plugin of the Go API example (no imports at all).
 * plugin_apply(x) = x * 10 * PLUGIN_VERSION + number of calls since load,
 * or -1 if the constructor did not run. */
#ifndef PLUGIN_VERSION
#define PLUGIN_VERSION 1
#endif
static int ready;
static int calls;
__attribute__((constructor)) static void init(void) { ready = 1; }
int plugin_version(void) { return PLUGIN_VERSION; }
int plugin_apply(int x) { return ready ? x * 10 * PLUGIN_VERSION + ++calls : -1; }
