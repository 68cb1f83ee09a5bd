/* run.c - placeholder until its issue lands */
#include "harness.h"
#include "commands.h"
int cmd_run(int argc, char **argv) { errmsg(0, "%s: not built yet", argv[0]); return EXIT_UNSUPP; }
int cmd_plan(int argc, char **argv) { errmsg(0, "%s: not built yet", argv[0]); return EXIT_UNSUPP; }
