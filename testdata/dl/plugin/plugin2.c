/* libplugin2.so: libplugin.so's code, version 2 (hot-reload example). */
#define PLUGIN_VERSION 2
#include "plugin.c"
