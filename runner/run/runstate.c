/*
 * runstate.c - DIR/runstate.json: the live runner of a results directory
 * and its workload's process group (rules in runstate.h).
 *
 *   {"runner": {"pid", "start", "boot"}, "workload": {"pgid", "start"} | null}
 *
 * Written with tmp + rename (no fsync: it guards against a killed process,
 * not a crashed machine, whose processes are gone anyway).
 */
#include <errno.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <jansson.h>
#include "harness.h"
#include "machstate.h"
#include "runstate.h"

#define FILE_NAME "runstate.json"
#define REAP_WAIT_MS 5000

static void rs_path(char *buf, size_t n, const char *dir, const char *suffix)
{
	snprintf(buf, n, "%s/" FILE_NAME "%s", dir, suffix);
}

static int rs_write(const char *dir, pid_t pgid)
{
	char path[PATH_MAX], tmp[PATH_MAX + 32];
	json_t *o = json_pack("{s:{s:i, s:I, s:s}}", "runner", "pid", (int)getpid(),
			      "start", (json_int_t)machstate_proc_start(getpid()),
			      "boot", machstate_boot_id());
	int rc;

	json_object_set_new(o, "workload", pgid > 0 ?
		json_pack("{s:i, s:I}", "pgid", (int)pgid,
			  "start", (json_int_t)machstate_proc_start(pgid)) : json_null());
	rs_path(path, sizeof(path), dir, "");
	snprintf(tmp, sizeof(tmp), "%s.tmp.%d", path, (int)getpid());
	rc = json_dump_file(o, tmp, JSON_COMPACT);
	if (!rc && rename(tmp, path))
		rc = -1;
	if (rc)
		unlink(tmp);
	json_decref(o);
	return rc;
}

int runstate_begin(const char *dir)
{
	return rs_write(dir, 0);
}

int runstate_workload(const char *dir, pid_t pgid)
{
	return rs_write(dir, pgid);
}

void runstate_end(const char *dir)
{
	char path[PATH_MAX];

	rs_path(path, sizeof(path), dir, "");
	(void)unlink(path);
}

static json_t *rs_load(const char *dir)
{
	char path[PATH_MAX];

	rs_path(path, sizeof(path), dir, "");
	return json_load_file(path, 0, NULL);
}

/* Is the runner of record o alive?  A pid of another boot never is. */
static bool runner_alive(json_t *o, pid_t *pid)
{
	json_t *r = json_object_get(o, "runner");
	const char *boot = json_string_value(json_object_get(r, "boot"));
	pid_t p = (pid_t)json_integer_value(json_object_get(r, "pid"));

	if (pid)
		*pid = p;
	if (boot && *boot && *machstate_boot_id() && strcmp(boot, machstate_boot_id()))
		return false;
	return machstate_alive(p, (unsigned long long)json_integer_value(json_object_get(r, "start")));
}

enum runstate runstate_get(const char *dir, pid_t *pid)
{
	json_t *o = rs_load(dir);
	enum runstate st;

	if (pid)
		*pid = 0;
	if (!o)
		return RUNSTATE_NONE;
	st = runner_alive(o, pid) ? RUNSTATE_RUNNING : RUNSTATE_DEAD;
	json_decref(o);
	return st;
}

int runstate_reap(const char *dir)
{
	json_t *o = rs_load(dir), *w;
	unsigned long long start;
	pid_t pid, pg;
	int n, rc = 0;

	if (!o)
		return 0;
	if (runner_alive(o, &pid)) {
		errmsg(0, "%s: cannot resume: pid %d is running it now", dir, (int)pid);
		rc = EXIT_USAGE;
		goto out;
	}
	w = json_object_get(o, "workload");
	pg = (pid_t)json_integer_value(json_object_get(w, "pgid"));
	start = (unsigned long long)json_integer_value(json_object_get(w, "start"));
	if (pg <= 0 || !(n = machstate_group_alive(pg, start)))
		goto out;
	/* the dead runner's workload still runs: it would measure beside the
	 * resumed run and write into its point's files */
	kill(-pg, SIGKILL);
	for (int ms = 0; ms < REAP_WAIT_MS && machstate_group_alive(pg, start); ms += 20)
		nanosleep(&(struct timespec){ 0, 20 * 1000000 }, NULL);
	if (machstate_group_alive(pg, start)) {
		errmsg(0, "%s: cannot resume: the workload of dead runner pid %d (process group %d) survives SIGKILL",
		       dir, (int)pid, (int)pg);
		rc = EXIT_FAIL;
		goto out;
	}
	fprintf(stderr, "%s: %s: killed %d process(es) of the workload dead runner pid %d left running\n",
		progname, dir, n, (int)pid);
out:
	json_decref(o);
	return rc;
}

const char *runstate_status(const char *dir, json_t *meta, bool short_form, char *buf, size_t n)
{
	const char *st = json_string_value(json_object_get(meta, "status"));
	json_t *cfg = json_object_get(meta, "config"), *set, *v;
	char parent[PATH_MAX], *slash;
	pid_t pid;
	size_t i, l;

	if (!st || strcmp(st, "running") || runstate_get(dir, &pid) == RUNSTATE_RUNNING) {
		snprintf(buf, n, "%s", st ? st : "-");	/* as meta_text prints a missing field */
		return buf;
	}
	if (short_form) {
		snprintf(buf, n, "dead");
		return buf;
	}
	snprintf(parent, sizeof(parent), "%s", dir);
	slash = strrchr(parent, '/');
	if (slash)
		*slash = 0;
	else
		snprintf(parent, sizeof(parent), ".");
	if (pid)
		snprintf(buf, n, "dead (the runner, pid %d, was killed; resume with `mmscale run %s --label %s --results %s",
			 (int)pid, json_string_value(json_object_get(cfg, "path")) ?: "CONFIG",
			 json_string_value(json_object_get(meta, "label")) ?: "LABEL", parent);
	else
		snprintf(buf, n, "dead (no runner has it; resume with `mmscale run %s --label %s --results %s",
			 json_string_value(json_object_get(cfg, "path")) ?: "CONFIG",
			 json_string_value(json_object_get(meta, "label")) ?: "LABEL", parent);
	set = json_object_get(cfg, "set");
	json_array_foreach(set, i, v)
		if ((l = strlen(buf)) < n)
			snprintf(buf + l, n - l, " --set '%s'", json_string_value(v) ?: "");
	if ((l = strlen(buf)) < n)
		snprintf(buf + l, n - l, " --resume`)");
	return buf;
}
