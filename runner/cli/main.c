/*
 * mmscale - the command users live in: run configs, compare runs, track
 * history.  Each subcommand lives in its own file (see commands.h); this file
 * only dispatches.
 */
#include <stdio.h>
#include <string.h>
#include "harness.h"
#include "machstate.h"
#include "commands.h"

static const struct command {
	const char *name;
	int (*fn)(int argc, char **argv);
	const char *help;
} commands[] = {
	{ "run", cmd_run, "run CONFIG [--label L] [--iterations N] [--results DIR] [--resume]" },
	{ "plan", cmd_plan, "plan CONFIG: print the resolved plan without running" },
	{ "compare", cmd_compare, "compare DIR_A DIR_B [...] [--format text|markdown|csv|json] [--test mmtests|welch]" },
	{ "show", cmd_show, "show DIR: summary and metadata of one run" },
	{ "list", cmd_list, "list [RESULTS]: the runs in a results directory" },
	{ "prefetch", cmd_prefetch, "prefetch status|on|off|restore [--which adjacent|l2|dcu|dcu-ip|all]" },
	{ "import", cmd_import, "import DIR [--db PATH]: store a finished run in the history" },
	{ "import-mmtests", cmd_import_mmtests, "import-mmtests SRC... [--results DIR] [--db PATH]: mmtests pft trees or --json-export files" },
	{ "export", cmd_export, "export --mmtests DIR RUN...: a run as an mmtests pft results tree" },
	{ "history", cmd_history, "history [--machine M] [--config C] [--metric M] [--last K]" },
	{ "nightly", cmd_nightly, "nightly CONFIG [--baseline LABEL|last-good|window:K] [--report DIR]" },
	{ "plot", cmd_plot, "plot DIR... [--out DIR] [--format png|svg|both] [--report DIR]" },
};

static void usage(FILE *f)
{
	fprintf(f, "usage: mmscale COMMAND [options]\n\ncommands:\n");
	for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
		fprintf(f, "  %-9s %s\n", commands[i].name, commands[i].help);
	fprintf(f, "\n'mmscale COMMAND --help' describes each command's options.\n");
}

int main(int argc, char **argv)
{
	progname = "mmscale";
	if (argc < 2) {
		usage(stderr);
		return EXIT_USAGE;
	}
	if (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h") || !strcmp(argv[1], "help")) {
		usage(stdout);
		return EXIT_OK;
	}
	if (!strcmp(argv[1], "--version")) {
		printf("mmscale %s (%s)\n", MMSCALE_VERSION, MMSCALE_GIT);
		return EXIT_OK;
	}
	for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++) {
		if (strcmp(argv[1], commands[i].name))
			continue;
		/* A run killed while it had machine settings changed left them
		 * in the journal: put the machine back before anything else. */
		(void)machstate_recover();
		int rc = prefetch_recover_stale();
		if (rc)
			return rc;
		return commands[i].fn(argc - 1, argv + 1);
	}
	errmsg(0, "unknown command '%s' (see mmscale --help)", argv[1]);
	return EXIT_USAGE;
}
