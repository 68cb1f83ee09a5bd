/* commands.h - the mmscale subcommands; each lives in its own file. */
#ifndef MMSCALE_COMMANDS_H
#define MMSCALE_COMMANDS_H

int cmd_run(int argc, char **argv);	/* run.c */
int cmd_compare(int argc, char **argv);	/* compare.c */
int cmd_show(int argc, char **argv);	/* show.c */
int cmd_list(int argc, char **argv);	/* show.c */
int cmd_prefetch(int argc, char **argv);	/* prefetch.c */
int cmd_import(int argc, char **argv);	/* history.c */
int cmd_history(int argc, char **argv);	/* history.c */
int cmd_nightly(int argc, char **argv);	/* nightly.c */
int cmd_plot(int argc, char **argv);	/* plot.c */
int cmd_plan(int argc, char **argv);	/* run.c: print the resolved plan */
int cmd_import_mmtests(int argc, char **argv);	/* results/mmtests.c */
int cmd_export(int argc, char **argv);	/* results/mmtests.c */

/* prefetch.c: restore a journal left by a killed run; called first thing
 * by every invocation.  Returns 0 or an EXIT_* code. */
int prefetch_recover_stale(void);

#endif
