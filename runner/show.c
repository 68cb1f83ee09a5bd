/* show.c - placeholder until its issue lands */
#include "harness.h"
#include "commands.h"
int cmd_show(int argc, char **argv) { errmsg(0, "%s: not built yet", argv[0]); return EXIT_UNSUPP; }
int cmd_list(int argc, char **argv) { errmsg(0, "%s: not built yet", argv[0]); return EXIT_UNSUPP; }
