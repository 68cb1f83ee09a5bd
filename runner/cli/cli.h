/*
 * cli.h - how an mmscale subcommand declares itself: one table per command
 * that drives getopt_long (through options.c's opt_parse, the checker the
 * workloads use too), `mmscale CMD --help`, `mmscale --help`, the README's
 * synopsis block, bash completion and the man page (`mmscale help --man`).
 *
 * A command, in the file of its stage:
 *
 *	struct compare_args { const char *format; double alpha; };
 *	#define A(f) OPT_OFF(struct compare_args, f)
 *	static const struct opt compare_opts[] = {
 *		{ "format", 'f', OPT_ENUM, A(format), "text", "text|markdown|csv|json",
 *		  .help = "output format" },
 *		{ "db", 0, OPT_STR, A(db), .arg = "PATH", .help = "history database" },
 *		{ 0 }
 *	};
 *	static int compare_main(void *opts, int argc, char **argv);
 *	const struct cli_command cli_compare = {
 *		.name = "compare", .operands = "DIR...", .min_operands = 1, .max_operands = -1,
 *		.summary = "...", .description = "...",
 *		.opts = compare_opts, .opts_size = sizeof(struct compare_args),
 *		.exits = compare_exits, .main = compare_main,
 *	};
 *
 * and one line in main.c's list.  The command's main gets its options
 * struct filled (defaults from the table, then the user's values, each
 * checked by type, range and choices) and only the operands.  --help is
 * added to every table; an unknown option, a missing value and a wrong
 * operand count get the same message in every command.  Exit codes are a
 * table too ({ code, meaning }, { -1 } last); CLI_EXITS_COMMON are the ones
 * every command can return.
 */
#ifndef MMSCALE_CLI_H
#define MMSCALE_CLI_H

#include <stdbool.h>
#include <stdio.h>
#include "harness.h"

struct cli_exit {
	int code;
	const char *meaning;
};

#define CLI_EXIT_OK_(what) { EXIT_OK, what }
#define CLI_EXITS_COMMON \
	{ EXIT_USAGE, "bad usage, option, config or input (the message names it)" }, \
	{ EXIT_NORES, "a resource is missing (memory, a file, packages)" }

struct cli_command {
	const char *name;
	const char *operands;		/* synopsis of the operands: "CONFIG", "DIR..." */
	int min_operands, max_operands;	/* max -1: any number */
	const char *summary;		/* one line for `mmscale --help` */
	const char *description;	/* paragraphs for --help and the man page */
	const struct opt *opts;		/* its options ({ 0 } last); --help is added */
	size_t opts_size;		/* the struct the table fills */
	void (*init)(void *opts);	/* optional: before the defaults, e.g. "not given" marks */
	const struct cli_exit *exits;	/* { -1 } last */
	bool passthrough;		/* "-- CMD [ARGS]" after everything else */
	/* operands only; with passthrough, argv[argc] is "--" when one was given
	 * and the command follows it (NULL-terminated) */
	int (*main)(void *opts, int argc, char **argv);
};

/* Every command, in the order `mmscale --help` lists them (main.c). */
extern const struct cli_command *const cli_commands[];

/* Parse argv (argv[0] the command name), run the command; returns its exit
 * code.  The one path every subcommand goes through. */
int cli_run(const struct cli_command *cmd, int argc, char **argv);
const struct cli_command *cli_find(const char *name);
/* "mmscale run CONFIG [--label NAME] ..." wrapped at width, lines indented */
void cli_synopsis(FILE *f, const struct cli_command *cmd, int width, const char *indent);
void cli_help(FILE *f, const struct cli_command *cmd);
void cli_top_help(FILE *f);
/* the whole table as JSON, a man page, a bash completion script */
void cli_json(FILE *f);
void cli_man(FILE *f);
void cli_completion(FILE *f);
/*
 * A results directory named by the user: ARG itself when it is a directory,
 * else results/ARG (a label), else "prog: ARG: No such file or directory (not
 * a results directory, nor a label under results/)" and EXIT_USAGE.
 */
int cli_results_dir(const char *arg, char *out, size_t n);
/* cli_results_dir, then summary_load: a run named by the user, loaded. */
struct summary;
int cli_load_run(const char *arg, struct summary *s);
/* "unknown command 'comapre'; did you mean 'compare'?" */
void cli_unknown_command(const char *name);

#endif
