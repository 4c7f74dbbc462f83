/* ownmem: the ptrs program with a main that defines and exports its own
 * memory and table (linked without --import-memory and --import-table, with
 * --export-table): wasmdl adopts them and places the libraries above. */
#include "../ptrs/main.c"
