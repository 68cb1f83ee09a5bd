/* prefetch.c - placeholder until its issue lands */
#include "harness.h"
#include "commands.h"
int cmd_prefetch(int argc, char **argv) { errmsg(0, "%s: not built yet", argv[0]); return EXIT_UNSUPP; }
int prefetch_recover_stale(void) { return 0; }
