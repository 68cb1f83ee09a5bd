/* nightly.c - placeholder until its issue lands */
#include "harness.h"
#include "commands.h"
int cmd_nightly(int argc, char **argv) { errmsg(0, "%s: not built yet", argv[0]); return EXIT_UNSUPP; }
