/*
 * sysstate.c - set THP and ASLR for a run.
 *
 * A benchmark that leaves THP at "never" silently changes every later
 * measurement on the machine.  The journal (machstate.c) keeps the
 * originals and gives them back on every path out; this file only decides
 * what a config asks for and records what happened in meta.json.
 */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "harness.h"
#include "machstate.h"
#include "sysstate.h"

static const char *thp_file(void)
{
	static char path[512];

	snprintf(path, sizeof(path), "%s/enabled", machstate_thp_dir());
	return path;
}

const char *sysstate_thp_mode(char *buf, size_t n)
{
	return machstate_get(thp_file(), buf, n) ? NULL : buf;
}

static int apply_thp(const struct config *c, json_t *record, json_t *unavailable)
{
	const char *want = cfg_thp_names[c->thp];
	char was[64], why[1024];
	int rc;

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
	if (c->thp == THP_KEEP) {
		json_object_set_new(record, "thp", json_pack("{s:s, s:s, s:s}", "requested", want,
							     "was", was, "result", "kept"));
		return 0;
	}
	rc = machstate_set(thp_file(), want, was, sizeof(was), why, sizeof(why));
	if (rc) {
		if (rc == EXIT_UNSUPP)
			json_object_set_new(unavailable, "thp", json_string(why));
		errmsg(0, "thp = %s is required by the config but is %s: %s%s", want, was,
		       rc == EXIT_UNSUPP ? "unavailable: " : "", why);
		return rc;
	}
	json_object_set_new(record, "thp", json_pack("{s:s, s:s, s:s}", "requested", want,
		"was", was, "result", strcmp(was, want) ? "set" : "already set"));
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
	char cur[64], was_s[64], why[1024] = "";
	const char *result;
	int was;

	*personality = c->aslr == ASLR_OFF;
	if (machstate_get(machstate_aslr_file(), cur, sizeof(cur))) {
		snprintf(why, sizeof(why), "%s: %s", machstate_aslr_file(), strerror(errno));
		was = -1;
	} else {
		was = atoi(cur);
	}
	if (c->aslr == ASLR_KEEP) {
		result = "kept";
	} else if (was < 0) {
		json_object_set_new(unavailable, "aslr_sysctl", json_string(why));
		result = "personality ADDR_NO_RANDOMIZE per workload";
	} else if (machstate_set(machstate_aslr_file(), "0", was_s, sizeof(was_s), why,
				 sizeof(why))) {
		json_object_set_new(unavailable, "aslr_sysctl", json_string(why));
		result = "personality ADDR_NO_RANDOMIZE per workload";
	} else {
		was = atoi(was_s);	/* the machine's own, if a killed run left 0 */
		result = was == 0 ? "already off (sysctl); personality ADDR_NO_RANDOMIZE per workload" :
				    "set (sysctl); personality ADDR_NO_RANDOMIZE per workload";
	}
	json_object_set_new(record, "aslr", json_pack("{s:s, s:i, s:s}", "requested",
		cfg_aslr_names[c->aslr], "was", was, "result", result));
	if (why[0])
		json_object_set_new(json_object_get(record, "aslr"), "sysctl", json_string(why));
}

int sysstate_apply(const struct config *c, json_t *record, json_t *unavailable,
		   bool *no_aslr_personality)
{
	int rc = apply_thp(c, record, unavailable);

	if (rc)
		return rc;
	apply_aslr(c, record, unavailable, no_aslr_personality);
	return 0;
}
