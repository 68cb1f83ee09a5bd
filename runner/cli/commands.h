/*
 * commands.h - the mmscale subcommands.  Each is a struct cli_command (cli.h:
 * its options, help and exit codes in one table) defined in the file of its
 * stage; cli.c lists them.
 */
#ifndef MMSCALE_COMMANDS_H
#define MMSCALE_COMMANDS_H

#include "cli.h"

extern const struct cli_command cli_cmd_run;		/* run.c */
extern const struct cli_command cli_cmd_plan;		/* run.c: the resolved plan */
extern const struct cli_command cli_cmd_calibrate;	/* calibrate.c */
extern const struct cli_command cli_cmd_compare;	/* compare.c */
extern const struct cli_command cli_cmd_show;		/* show.c */
extern const struct cli_command cli_cmd_list;		/* show.c */
extern const struct cli_command cli_cmd_prefetch;	/* prefetch.c */
extern const struct cli_command cli_cmd_import;		/* history.c */
extern const struct cli_command cli_cmd_import_mmtests;	/* results/mmtests.c */
extern const struct cli_command cli_cmd_export;		/* results/mmtests.c */
extern const struct cli_command cli_cmd_history;	/* history.c */
extern const struct cli_command cli_cmd_nightly;	/* nightly.c */
extern const struct cli_command cli_cmd_fleet;		/* fleet.c */
extern const struct cli_command cli_cmd_plot;		/* plot.c */
extern const struct cli_command cli_cmd_help;		/* cli.c */

/* prefetch.c: restore a journal left by a killed run; called first thing
 * by every invocation.  Returns 0 or an EXIT_* code. */
int prefetch_recover_stale(void);

#endif
