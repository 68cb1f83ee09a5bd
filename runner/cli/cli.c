/*
 * cli.c - the subcommand tables (cli.h) put to work: parsing, help, the
 * synopsis, JSON, the man page and bash completion all come from the one
 * table each command declares, so they cannot disagree.
 */
#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include "harness.h"
#include "options.h"
#include "cli.h"
#include "commands.h"
#include "config.h"
#include "exec.h"
#include "summary.h"

const struct cli_command *const cli_commands[] = {
	&cli_cmd_run, &cli_cmd_plan, &cli_cmd_calibrate, &cli_cmd_compare, &cli_cmd_show,
	&cli_cmd_list, &cli_cmd_prefetch, &cli_cmd_import, &cli_cmd_import_mmtests, &cli_cmd_export,
	&cli_cmd_history, &cli_cmd_nightly, &cli_cmd_fleet,
	&cli_cmd_plot, &cli_cmd_help, NULL,
};

struct help_flag {
	bool help;
};

static const struct opt help_opts[] = {
	{ "help", 'h', OPT_BOOL, OPT_OFF(struct help_flag, help), .help = "this help" },
	{ 0 }
};

const struct cli_command *cli_find(const char *name)
{
	for (int i = 0; cli_commands[i]; i++)
		if (!strcmp(cli_commands[i]->name, name))
			return cli_commands[i];
	return NULL;
}

void cli_unknown_command(const char *name)
{
	struct suggest sg;
	char hint[96];

	suggest_reset(&sg, name);
	for (int i = 0; cli_commands[i]; i++)
		suggest_offer(&sg, cli_commands[i]->name);
	errmsg(0, "unknown command '%s'%s (see mmscale --help)", name,
	       suggest_text(&sg, "", hint, sizeof(hint)));
}

int cli_results_dir(const char *arg, char *out, size_t n)
{
	struct stat st;

	errno = 0;
	if (!stat(arg, &st) && S_ISDIR(st.st_mode))
		return snprintf(out, n, "%s", arg) < (int)n ? 0 : EXIT_USAGE;
	if (!strchr(arg, '/') && snprintf(out, n, "results/%s", arg) < (int)n &&
	    !stat(out, &st) && S_ISDIR(st.st_mode))
		return 0;
	errmsg(0, "%s: %s (not a results directory, nor a label under results/)", arg,
	       strerror(errno ? errno : ENOENT));
	return EXIT_USAGE;
}

int cli_load_run(const char *arg, struct summary *s)
{
	char dir[PATH_MAX];
	int rc = cli_results_dir(arg, dir, sizeof(dir));

	return rc ? rc : summary_load(dir, s);
}

/* ---- the synopsis ------------------------------------------------------- */

struct wrap {
	FILE *f;
	int col, width;
	const char *indent;
};

static void put_word(struct wrap *w, const char *word)
{
	int len = (int)strlen(word);

	if (w->col + 1 + len > w->width && w->col > (int)strlen(w->indent)) {
		fprintf(w->f, "\n%s", w->indent);
		w->col = (int)strlen(w->indent);
	} else if (w->col) {
		fputc(' ', w->f);
		w->col++;
	}
	fputs(word, w->f);
	w->col += len;
}

static void opt_word(const struct opt *o, char *buf, size_t n)
{
	const char *arg = opt_argname(o);

	if (o->choices && o->type == OPT_ENUM)
		snprintf(buf, n, "[--%s %s]", o->name, o->choices);
	else
		snprintf(buf, n, "[--%s%s%s]%s", o->name, arg ? " " : "", arg ? arg : "",
			 o->type == OPT_STRV ? "..." : "");
}

void cli_synopsis(FILE *f, const struct cli_command *cmd, int width, const char *indent)
{
	struct wrap w = { .f = f, .width = width, .indent = indent };
	char buf[256];

	snprintf(buf, sizeof(buf), "mmscale %s", cmd->name);
	put_word(&w, buf);
	if (cmd->operands && *cmd->operands)
		put_word(&w, cmd->operands);
	for (const struct opt *o = cmd->opts; o && o->name; o++) {
		opt_word(o, buf, sizeof(buf));
		put_word(&w, buf);
	}
	if (cmd->passthrough)
		put_word(&w, "[-- CMD [ARGS...]]");
	fputc('\n', f);
}

/* ---- --help ------------------------------------------------------------- */

static void exits_help(FILE *f, const struct cli_exit *e)
{
	fprintf(f, "\nexit codes:\n");
	for (; e && e->code >= 0; e++)
		fprintf(f, "  %-4d %s\n", e->code, e->meaning);
}

void cli_help(FILE *f, const struct cli_command *cmd)
{
	fputs("usage: ", f);
	cli_synopsis(f, cmd, 79, "         ");
	fprintf(f, "%s\n", cmd->summary);
	if (cmd->description)
		fprintf(f, "\n%s", cmd->description);
	fprintf(f, "\noptions:\n");
	opt_help(f, cmd->opts);
	opt_help(f, help_opts);
	exits_help(f, cmd->exits);
}

void cli_top_help(FILE *f)
{
	fprintf(f, "usage: mmscale COMMAND [options] [operands]\n"
		"       mmscale --version | --help\n\ncommands:\n");
	for (int i = 0; cli_commands[i]; i++)
		fprintf(f, "  %-9s %s\n", cli_commands[i]->name, cli_commands[i]->summary);
	fprintf(f, "\nevery command and option:\n");
	for (int i = 0; cli_commands[i]; i++) {
		fputs("  ", f);
		cli_synopsis(f, cli_commands[i], 79, "      ");
	}
	fprintf(f, "\n'mmscale COMMAND --help' describes a command, its options and its "
		"exit codes.\n");
}

/* ---- parsing ------------------------------------------------------------ */

static int operand_error(const struct cli_command *cmd, int n)
{
	char have[32];

	snprintf(have, sizeof(have), "%d", n);
	errmsg(0, "%s: %s %s, got %s (see mmscale %s --help)", cmd->name,
	       n < cmd->min_operands ? "needs" : "takes",
	       cmd->max_operands == 0 ? "no operands" : cmd->operands,
	       n ? have : "none", cmd->name);
	return EXIT_USAGE;
}

int cli_run(const struct cli_command *cmd, int argc, char **argv)
{
	const struct opt *const tabs[2] = { cmd->opts, help_opts };
	struct help_flag hf = { 0 };
	void *opts = xcalloc(1, cmd->opts_size ? cmd->opts_size : 1);
	void *const bases[2] = { opts, &hf };
	char see[64], **ops;
	int nargs = argc, rc, nops;

	snprintf(see, sizeof(see), "mmscale %s --help", cmd->name);
	progname = "mmscale";
	if (cmd->passthrough) {
		/* options and operands end at "--": the rest is a command line */
		for (nargs = 1; nargs < argc && strcmp(argv[nargs], "--"); nargs++)
			;
	}
	if (cmd->init)
		cmd->init(opts);
	if (opt_defaults(cmd->opts, opts))
		die(EXIT_FAIL, 0, "%s: bad default in the option table", cmd->name);
	{
		/* getopt must not see what follows "--", nor permute it */
		char *saved = nargs < argc ? argv[nargs] : NULL;

		argv[nargs] = NULL;
		rc = opt_parse(tabs, bases, 2, nargs, argv, see);
		if (saved)
			argv[nargs] = saved;
	}
	if (rc)
		goto out;
	if (hf.help) {
		cli_help(stdout, cmd);
		rc = fflush(stdout) ? EXIT_FAIL : EXIT_OK;
		goto out;
	}
	nops = nargs - optind;
	if (nops < cmd->min_operands || (cmd->max_operands >= 0 && nops > cmd->max_operands)) {
		rc = operand_error(cmd, nops);
		goto out;
	}
	ops = argv + optind;
	rc = cmd->main(opts, nops, ops);
out:
	opt_free(cmd->opts, opts);
	free(opts);
	return rc;
}

/* ---- JSON, man page, completion ----------------------------------------- */

void cli_json(FILE *f)
{
	json_t *cmds = json_array();

	for (int i = 0; cli_commands[i]; i++) {
		const struct cli_command *c = cli_commands[i];
		json_t *ex = json_array(), *opts = opt_table_json(c->opts);

		json_t *h = opt_table_json(help_opts);

		json_array_extend(opts, h);
		json_decref(h);
		for (const struct cli_exit *e = c->exits; e && e->code >= 0; e++)
			json_array_append_new(ex, json_pack("{s:i, s:s}", "code", e->code,
							    "meaning", e->meaning));
		json_array_append_new(cmds, json_pack("{s:s, s:s, s:i, s:i, s:s, s:o, s:o, s:b}",
			"name", c->name, "operands", c->operands ? c->operands : "",
			"min_operands", c->min_operands, "max_operands", c->max_operands,
			"summary", c->summary, "options", opts, "exits", ex,
			"passthrough", c->passthrough));
	}
	json_dumpf(cmds, f, JSON_INDENT(1));
	fputc('\n', f);
	json_decref(cmds);
}

void cli_man(FILE *f)
{
	fprintf(f, ".TH MMSCALE 1 \"\" \"mmscale %s\" \"User Commands\"\n"
		".SH NAME\nmmscale \\- memory-management scalability benchmarks: run, "
		"compare, track\n.SH SYNOPSIS\n", MMSCALE_VERSION);
	for (int i = 0; cli_commands[i]; i++) {
		fputs(".B mmscale\n", f);
		man_text(f, cli_commands[i]->name);
		fputc(' ', f);
		man_text(f, cli_commands[i]->operands ? cli_commands[i]->operands : "");
		fputs(" [\\fIoptions\\fR]\n.br\n", f);
	}
	fputs(".SH DESCRIPTION\nmmscale runs page-fault, VMA and fork storms across pinned "
	      "CPUs (the workload programs, see their own manual pages), compares runs the "
	      "way mmtests does, and keeps a nightly history with verdicts.\n"
	      ".SH COMMANDS\n", f);
	for (int i = 0; cli_commands[i]; i++) {
		const struct cli_command *c = cli_commands[i];

		fputs(".SS \"", f);
		man_text(f, c->name);
		fputs("\"\n", f);
		man_text(f, c->summary);
		fputs("\n.PP\n", f);
		if (c->description) {
			/* paragraphs: blank lines become .PP */
			const char *p = c->description;

			while (*p) {
				size_t n = strcspn(p, "\n");
				char *line = xstrndup(p, n);

				if (!n)
					fputs(".PP\n", f);
				else {
					man_text(f, line);
					fputc('\n', f);
				}
				free(line);
				p += n;
				if (*p)
					p++;
			}
			fputs(".PP\n", f);
		}
		opt_man(f, c->opts);
		fputs(".PP\nExit codes:\n", f);
		for (const struct cli_exit *e = c->exits; e && e->code >= 0; e++) {
			fprintf(f, ".TP\n.B %d\n", e->code);
			man_text(f, e->meaning);
			fputc('\n', f);
		}
	}
	fputs(".SH ENVIRONMENT\n.TP\n.B MMSCALE_BIN\nwhere the workload programs are "
	      "(default: beside mmscale, or PREFIX/libexec/mmscale).\n.TP\n"
	      ".B MMSCALE_TOPOLOGY\nan hwloc synthetic topology to plan on.\n"
	      ".SH FILES\n.TP\n.I results/LABEL/\na run: meta.json, summary.json, "
	      "config.conf and one directory per point.\n.TP\n.I results/history.sqlite\n"
	      "the history database unless \\-\\-db or [run] db.\n"
	      ".SH SEE ALSO\n.BR mmscale-pft (1),\n.BR mmscale-vmalock (1),\n"
	      ".BR mmscale-mmap-churn (1),\n.BR mmscale-fork-exit (1),\n.BR mmscale-null (1)\n", f);
}

/* Words an option's value completes to: its choices, or files. */
static void complete_case(FILE *f, const struct cli_command *c)
{
	fprintf(f, "\t%s)\n\t\tcase $prev in\n", c->name);
	for (const struct opt *o = c->opts; o && o->name; o++) {
		if (o->type == OPT_BOOL)
			continue;
		fprintf(f, "\t\t--%s%s%c)", o->name, o->shortopt ? "|-" : "",
			o->shortopt ? o->shortopt : ' ');
		if (o->choices) {
			char *w = xstrdup(o->choices);

			for (char *p = w; *p; p++)
				if (*p == '|')
					*p = ' ';
			fprintf(f, " COMPREPLY=($(compgen -W '%s' -- \"$cur\")); return;;\n", w);
			free(w);
		} else {
			fprintf(f, " COMPREPLY=($(compgen -f -- \"$cur\")); return;;\n");
		}
	}
	fprintf(f, "\t\tesac\n\t\topts='");
	for (const struct opt *o = c->opts; o && o->name; o++)
		fprintf(f, "--%s ", o->name);
	fprintf(f, "--help'%s;;\n", !strcmp(c->name, "prefetch") ?
		"; words='status on off restore'" : "");
}

void cli_completion(FILE *f)
{
	fputs("# bash completion for mmscale (generated by `mmscale help --completion`)\n"
	      "_mmscale()\n{\n\tlocal cur=${COMP_WORDS[COMP_CWORD]} prev=${COMP_WORDS[COMP_CWORD-1]}\n"
	      "\tlocal opts= words=\n\tif [ \"$COMP_CWORD\" = 1 ]; then\n"
	      "\t\tCOMPREPLY=($(compgen -W '", f);
	for (int i = 0; cli_commands[i]; i++)
		fprintf(f, "%s ", cli_commands[i]->name);
	fputs("--help --version' -- \"$cur\"))\n\t\treturn\n\tfi\n"
	      "\tcase ${COMP_WORDS[1]} in\n", f);
	for (int i = 0; cli_commands[i]; i++)
		complete_case(f, cli_commands[i]);
	fputs("\tesac\n\tif [[ $cur == -* ]]; then\n"
	      "\t\tCOMPREPLY=($(compgen -W \"$opts\" -- \"$cur\"))\n"
	      "\telif [ -n \"$words\" ]; then\n"
	      "\t\tCOMPREPLY=($(compgen -W \"$words\" -- \"$cur\"))\n"
	      "\telse\n\t\tCOMPREPLY=($(compgen -f -- \"$cur\"))\n\tfi\n}\n"
	      "complete -F _mmscale mmscale\n", f);
}

/* A workload's manual page, mmscale-PROG(1), from its --list-options. */
static int man_workload(FILE *f, const char *prog)
{
	char path[PATH_MAX], *out = NULL, *upper;
	char *argv[] = { path, "--list-options", NULL };
	const char *tabs[2] = { "harness", "options" };
	json_t *spec, *o;
	size_t i;
	int rc;

	if (strchr(prog, '/') || snprintf(path, sizeof(path), "%s/%s", cfg_default_bindir(),
					  prog) >= (int)sizeof(path)) {
		errmsg(0, "help: --workload %s: not a workload name", prog);
		return EXIT_USAGE;
	}
	rc = exec_capture(argv, &out);
	spec = rc ? NULL : json_loads(out, 0, NULL);
	free(out);
	if (!json_is_string(json_object_get(spec, "workload"))) {
		errmsg(0, "help: --workload %s: %s is not a workload program", prog, path);
		json_decref(spec);
		return EXIT_USAGE;
	}
	upper = xstrdup(prog);
	for (char *p = upper; *p; p++)
		*p = (char)toupper((unsigned char)*p);
	fprintf(f, ".TH MMSCALE-%s 1 \"\" \"mmscale %s\" \"User Commands\"\n.SH NAME\nmmscale-",
		upper, MMSCALE_VERSION);
	man_text(f, prog);
	fputs(" \\- ", f);
	man_text(f, json_string_value(json_object_get(spec, "summary")) ?: "an mmscale workload");
	fputs("\n.SH SYNOPSIS\n.B ", f);
	man_text(f, prog);
	fputs("\n[\\fB\\-t\\fR \\fIN\\fR | \\fB\\-n\\fR \\fIN\\fR] [\\fIoptions\\fR]\n"
	      ".SH DESCRIPTION\nA workload of mmscale(1), in /usr/libexec/mmscale: a config runs it "
	      "from a [workload ", f);
	man_text(f, prog);
	fputs("] section whose keys are its long options.  It prints one JSON object per "
	      "iteration (warm-ups marked); clients run as threads (\\-t) or processes "
	      "(\\-n), pinned as \\-\\-placement says, and start together at a barrier.\n", f);
	for (int t = 0; t < 2; t++) {
		fprintf(f, ".SH %s\n", t ? "OPTIONS" : "HARNESS OPTIONS");
		json_array_foreach(json_object_get(spec, tabs[t]), i, o) {
			struct opt op[2] = { opt_from_json(o), { 0 } };

			opt_man(f, op);
		}
	}
	fputs(".SH EXIT STATUS\n.TP\n.B 0\nok\n.TP\n.B 1\nthe run failed\n.TP\n.B 2\n"
	      "bad usage or option\n.TP\n.B 3\na resource is missing\n.TP\n.B 4\n"
	      "unsupported on this machine\n.TP\n.B 130\ninterrupted\n"
	      ".SH SEE ALSO\n.BR mmscale (1)\n", f);
	free(upper);
	json_decref(spec);
	return 0;
}

/* ---- mmscale help ------------------------------------------------------- */

struct help_args {
	bool man, completion, json, synopsis;
	const char *workload;
};

#define H(f) OPT_OFF(struct help_args, f)
static const struct opt help_cmd_opts[] = {
	{ "man", 0, OPT_BOOL, H(man), .help = "print the mmscale(1) manual page (roff)" },
	{ "completion", 0, OPT_BOOL, H(completion), .help = "print the bash completion script" },
	{ "json", 0, OPT_BOOL, H(json), .help = "print every command, option and exit code as JSON" },
	{ "synopsis", 0, OPT_BOOL, H(synopsis),
	  .help = "print every command's synopsis (the README's block)" },
	{ "workload", 0, OPT_STR, H(workload), .arg = "PROG",
	  .help = "with --man: the manual page of workload PROG, from its option table" },
	{ 0 }
};
#undef H

static const struct cli_exit help_exits[] = {
	{ EXIT_OK, "printed" },
	{ EXIT_USAGE, "unknown command or option" },
	{ -1 }
};

static int help_main(void *opts, int argc, char **argv)
{
	const struct help_args *a = opts;
	const struct cli_command *c;

	if (a->man + a->completion + a->json + a->synopsis > 1) {
		errmsg(0, "help: choose one of --man, --completion, --json, --synopsis");
		return EXIT_USAGE;
	}
	if (a->workload) {
		if (!a->man || argc) {
			errmsg(0, "help: --workload PROG goes with --man alone");
			return EXIT_USAGE;
		}
		int rc = man_workload(stdout, a->workload);

		return rc ? rc : fflush(stdout) ? EXIT_FAIL : EXIT_OK;
	}
	if (argc) {
		c = cli_find(argv[0]);
		if (!c) {
			cli_unknown_command(argv[0]);
			return EXIT_USAGE;
		}
		cli_help(stdout, c);
	} else if (a->man) {
		cli_man(stdout);
	} else if (a->completion) {
		cli_completion(stdout);
	} else if (a->json) {
		cli_json(stdout);
	} else if (a->synopsis) {
		for (int i = 0; cli_commands[i]; i++)
			cli_synopsis(stdout, cli_commands[i], 79, "    ");
	} else {
		cli_top_help(stdout);
	}
	return fflush(stdout) ? EXIT_FAIL : EXIT_OK;
}

const struct cli_command cli_cmd_help = {
	.name = "help", .operands = "[COMMAND]", .min_operands = 0, .max_operands = 1,
	.summary = "help on a command, or the manual page, completion or JSON of them all",
	.opts = help_cmd_opts, .opts_size = sizeof(struct help_args),
	.exits = help_exits, .main = help_main,
};
