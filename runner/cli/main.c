/*
 * mmscale - the command users live in: run configs, compare runs, track
 * history.  Each subcommand declares its options, help and exit codes in
 * one table in the file of its stage (cli.h); this file only dispatches.
 */
#include <stdio.h>
#include <string.h>
#include "harness.h"
#include "cli.h"
#include "machstate.h"
#include "commands.h"

int main(int argc, char **argv)
{
	const struct cli_command *cmd;

	progname = "mmscale";
	if (argc < 2) {
		cli_top_help(stderr);
		return EXIT_USAGE;
	}
	if (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h")) {
		cli_top_help(stdout);
		return EXIT_OK;
	}
	if (!strcmp(argv[1], "--version")) {
		printf("mmscale %s (%s)\n", MMSCALE_VERSION, MMSCALE_GIT);
		return EXIT_OK;
	}
	cmd = cli_find(argv[1]);
	if (!cmd) {
		if (argv[1][0] == '-')
			errmsg(0, "unknown option '%s' (see mmscale --help)", argv[1]);
		else
			cli_unknown_command(argv[1]);
		return EXIT_USAGE;
	}
	/* A run killed while it had machine settings or the prefetcher changed
	 * left them in a journal: put the machine back before anything else. */
	if (cmd != &cli_cmd_help) {
		(void)machstate_recover();
		int rc = prefetch_recover_stale();

		if (rc)
			return rc;
	}
	return cli_run(cmd, argc - 1, argv + 1);
}
