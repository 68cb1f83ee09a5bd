/* history.c - placeholder until its issue lands */
#include "harness.h"
#include "commands.h"
int cmd_import(int argc, char **argv) { errmsg(0, "%s: not built yet", argv[0]); return EXIT_UNSUPP; }
int cmd_history(int argc, char **argv) { errmsg(0, "%s: not built yet", argv[0]); return EXIT_UNSUPP; }
