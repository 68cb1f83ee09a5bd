/*
 * sysstate.c - set THP and ASLR for a run and always put them back.
 *
 * A benchmark that leaves THP at "never" silently changes every later
 * measurement on the machine, so the original values are kept here and
 * restored from every exit path: the runner's normal end, atexit() for
 * error exits, and the runner's SIGINT/SIGTERM path.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "harness.h"
#include "sysstate.h"

static char thp_saved[32];	/* "" when unchanged */
static int aslr_saved = -1;	/* -1 when unchanged */
static bool atexit_done;

static const char *thp_file(void)
{
	static char path[512];
	const char *dir = getenv("MMSCALE_THP_DIR");

	snprintf(path, sizeof(path), "%s/enabled",
		 dir && *dir ? dir : "/sys/kernel/mm/transparent_hugepage");
	return path;
}

static const char *aslr_file(void)
{
	const char *f = getenv("MMSCALE_ASLR_FILE");

	return f && *f ? f : "/proc/sys/kernel/randomize_va_space";
}

static int read_line(const char *path, char *buf, size_t n)
{
	FILE *f = fopen(path, "r");
	char *nl;

	if (!f)
		return -1;
	if (!fgets(buf, (int)n, f)) {
		fclose(f);
		errno = EIO;
		return -1;
	}
	fclose(f);
	nl = strchr(buf, '\n');
	if (nl)
		*nl = 0;
	return 0;
}

static int write_str(const char *path, const char *s)
{
	FILE *f = fopen(path, "w");
	int err;

	if (!f)
		return -1;
	if (fputs(s, f) < 0) {
		err = errno;
		fclose(f);
		errno = err;
		return -1;
	}
	return fclose(f) ? -1 : 0;
}

const char *sysstate_thp_mode(char *buf, size_t n)
{
	char line[128], *a, *b;

	if (read_line(thp_file(), line, sizeof(line)))
		return NULL;
	/* "always [madvise] never": the bracketed one is in force */
	a = strchr(line, '[');
	b = a ? strchr(a, ']') : NULL;
	if (!a || !b)
		return NULL;
	snprintf(buf, n, "%.*s", (int)(b - a - 1), a + 1);
	return buf;
}

void sysstate_restore(void)
{
	char buf[32];

	if (thp_saved[0]) {
		if (write_str(thp_file(), thp_saved))
			errmsg(errno, "restoring THP mode '%s' in %s", thp_saved, thp_file());
		thp_saved[0] = 0;
	}
	if (aslr_saved >= 0) {
		snprintf(buf, sizeof(buf), "%d", aslr_saved);
		if (write_str(aslr_file(), buf))
			errmsg(errno, "restoring ASLR %d in %s", aslr_saved, aslr_file());
		aslr_saved = -1;
	}
}

static int apply_thp(const struct config *c, json_t *record, json_t *unavailable)
{
	const char *want = cfg_thp_names[c->thp];
	char was[32], why[1024];

	if (!sysstate_thp_mode(was, sizeof(was))) {
		snprintf(why, sizeof(why), "unavailable: %s: %s", thp_file(), strerror(errno));
		json_object_set_new(record, "thp", json_pack("{s:s, s:s}", "requested", want,
							     "result", why));
		json_object_set_new(unavailable, "thp", json_string(why + 13));
		if (c->thp == THP_KEEP)
			return 0;
		errmsg(0, "thp = %s: %s", want, why);
		return EXIT_UNSUPP;
	}
	if (c->thp == THP_KEEP || !strcmp(was, want)) {
		json_object_set_new(record, "thp", json_pack("{s:s, s:s, s:s}", "requested", want,
			"was", was, "result", c->thp == THP_KEEP ? "kept" : "already set"));
		return 0;
	}
	if (write_str(thp_file(), want)) {
		snprintf(why, sizeof(why), "unavailable: cannot write %s: %s", thp_file(),
			 strerror(errno));
		json_object_set_new(unavailable, "thp", json_string(why + 13));
		errmsg(0, "thp = %s is required by the config but is %s: %s", want, was, why);
		return EXIT_UNSUPP;
	}
	snprintf(thp_saved, sizeof(thp_saved), "%s", was);
	json_object_set_new(record, "thp", json_pack("{s:s, s:s, s:s}", "requested", want,
						     "was", was, "result", "set"));
	return 0;
}

/*
 * ASLR off: the sysctl when we may write it (as will-it-scale does), and
 * in any case personality(ADDR_NO_RANDOMIZE) for every workload, which its
 * forked clients inherit: a second run on the machine restoring the sysctl
 * under our feet must not turn randomisation back on mid-sweep.
 */
static void apply_aslr(const struct config *c, json_t *record, json_t *unavailable,
		       bool *personality)
{
	char line[32], why[1024] = "";
	const char *result;
	int was;

	*personality = c->aslr == ASLR_OFF;
	if (read_line(aslr_file(), line, sizeof(line))) {
		snprintf(why, sizeof(why), "%s: %s", aslr_file(), strerror(errno));
		was = -1;
	} else {
		was = atoi(line);
	}
	if (c->aslr == ASLR_KEEP) {
		result = "kept";
	} else if (was == 0) {
		result = "already off (sysctl); personality ADDR_NO_RANDOMIZE per workload";
	} else if (was > 0 && !write_str(aslr_file(), "0")) {
		aslr_saved = was;
		result = "set (sysctl); personality ADDR_NO_RANDOMIZE per workload";
	} else {
		if (was >= 0)
			snprintf(why, sizeof(why), "cannot write %s: %s", aslr_file(),
				 strerror(errno));
		json_object_set_new(unavailable, "aslr_sysctl", json_string(why));
		result = "personality ADDR_NO_RANDOMIZE per workload";
	}
	json_object_set_new(record, "aslr", json_pack("{s:s, s:i, s:s}", "requested",
		cfg_aslr_names[c->aslr], "was", was, "result", result));
	if (why[0])
		json_object_set_new(json_object_get(record, "aslr"), "sysctl", json_string(why));
}

int sysstate_apply(const struct config *c, json_t *record, json_t *unavailable,
		   bool *no_aslr_personality)
{
	int rc;

	if (!atexit_done) {
		atexit(sysstate_restore);
		atexit_done = true;
	}
	rc = apply_thp(c, record, unavailable);
	if (rc)
		return rc;
	apply_aslr(c, record, unavailable, no_aslr_personality);
	return 0;
}
