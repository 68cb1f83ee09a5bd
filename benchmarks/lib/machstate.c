/*
 * machstate.c - journal, restore and signals for every machine setting an
 * mmscale program changes (interface and rules in machstate.h).
 *
 * The journal is one JSON file of entries, in the order they were made:
 *   {"path": P, "was": "madvise", "set": "never", "holder": H}
 *   {"pgroup": G, "start": T, "what": "null -t 2 ...", "holder": H}
 * with H = {"pid", "start", "boot", "cmd"}.  Every read-modify-write holds
 * journal.lock (flock).  The restores this process owes are also kept in
 * memory, with their text prepared, so that a signal handler can write them
 * back with open/write/close only; the handler leaves the journal alone (the
 * next command finds the value already back and drops the entry silently).
 */
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <time.h>
#include <unistd.h>
#include <jansson.h>
#include "harness.h"
#include "machstate.h"

#define JOURNAL "machstate.json"
#define VALUE_MAX 256
#define GROUP_WAIT_MS 5000	/* how long recovery waits for a killed group */

/* ---- paths ------------------------------------------------------------- */

static const char *env_or(const char *var, const char *def)
{
	const char *v = getenv(var);

	return v && *v ? v : def;
}

const char *machstate_dir(void)
{
	return env_or("MMSCALE_STATE_DIR", "/run/mmscale");
}

const char *machstate_thp_dir(void)
{
	return env_or("MMSCALE_THP_DIR", "/sys/kernel/mm/transparent_hugepage");
}

const char *machstate_aslr_file(void)
{
	return env_or("MMSCALE_ASLR_FILE", "/proc/sys/kernel/randomize_va_space");
}

static void journal_path(char *buf, size_t n, const char *name)
{
	snprintf(buf, n, "%s/%s", machstate_dir(), name);
}

/* ---- process identity ---------------------------------------------------- */

/* Fields 3 (state), 5 (pgrp) and 22 (start time) of /proc/PID/stat. */
static int proc_stat(pid_t pid, char *state, pid_t *pgrp, unsigned long long *start)
{
	char path[64], buf[1024], *p;
	int pg = 0, rc = -1;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
	f = fopen(path, "r");
	if (!f)
		return -1;
	if (fgets(buf, sizeof(buf), f) && (p = strrchr(buf, ')')) &&
	    sscanf(p + 2, "%c %*d %d %*d %*d %*d %*u %*u %*u %*u %*u %*u %*u %*d %*d %*d %*d %*d %*d %llu",
		   state, &pg, start) == 3)
		rc = 0;
	fclose(f);
	*pgrp = pg;
	return rc;
}

unsigned long long machstate_proc_start(pid_t pid)
{
	unsigned long long t;
	pid_t pg;
	char st;

	return proc_stat(pid, &st, &pg, &t) ? 0 : t;
}

bool machstate_alive(pid_t pid, unsigned long long start)
{
	if (pid <= 0)
		return false;
	if (kill(pid, 0) && errno == ESRCH)
		return false;
	/* the pid may have been reused by an unrelated process */
	return !start || machstate_proc_start(pid) == start;
}

const char *machstate_boot_id(void)
{
	static char id[64];
	FILE *f;

	if (id[0])
		return id;
	f = fopen("/proc/sys/kernel/random/boot_id", "r");
	if (f) {
		if (!fgets(id, sizeof(id), f))
			id[0] = 0;
		id[strcspn(id, "\n")] = 0;
		fclose(f);
	}
	return id;
}

/* This process as a journal holder. */
static json_t *holder_json(void)
{
	char cmd[200] = "";
	size_t len = 0;
	FILE *f = fopen("/proc/self/cmdline", "r");

	if (f) {
		len = fread(cmd, 1, sizeof(cmd) - 1, f);
		fclose(f);
		for (size_t i = 0; i + 1 < len; i++)
			if (!cmd[i])
				cmd[i] = ' ';
		cmd[len] = 0;
	}
	return json_pack("{s:i, s:I, s:s, s:s}", "pid", (int)getpid(),
			 "start", (json_int_t)machstate_proc_start(getpid()),
			 "boot", machstate_boot_id(), "cmd", len ? cmd : progname);
}

static pid_t holder_pid(json_t *e)
{
	return (pid_t)json_integer_value(json_object_get(json_object_get(e, "holder"), "pid"));
}

static bool holder_is_me(json_t *e)
{
	json_t *h = json_object_get(e, "holder");

	return holder_pid(e) == getpid() &&
	       (unsigned long long)json_integer_value(json_object_get(h, "start")) ==
	       machstate_proc_start(getpid());
}

static bool holder_dead(json_t *e)
{
	json_t *h = json_object_get(e, "holder");
	const char *boot = json_string_value(json_object_get(h, "boot"));

	/* a pid from an earlier boot means nothing now */
	if (boot && *boot && *machstate_boot_id() && strcmp(boot, machstate_boot_id()))
		return true;
	return !machstate_alive(holder_pid(e),
				(unsigned long long)json_integer_value(json_object_get(h, "start")));
}

/* ---- the journal file ------------------------------------------------------ */

int machstate_lock(bool create)
{
	char path[PATH_MAX];
	int fd;

	if (create && mkdir_p(machstate_dir())) {
		errmsg(errno, "machine state journal: creating %s", machstate_dir());
		return -1;
	}
	journal_path(path, sizeof(path), "journal.lock");
	fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0644);
	if (fd < 0 && !create)	/* an unprivileged reader: flock works read-only */
		fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		if (create)
			errmsg(errno, "machine state journal: %s", path);
		return -1;
	}
	while (flock(fd, LOCK_EX) && errno == EINTR)
		;
	return fd;
}

void machstate_unlock(int fd)
{
	if (fd >= 0)
		close(fd);	/* drops the flock */
}

int machstate_write_atomic(const char *path, const char *tmp, const char *text)
{
	size_t len = strlen(text), done = 0;
	int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644), err;

	if (fd < 0)
		return -1;
	while (done < len) {
		ssize_t w = write(fd, text + done, len - done);

		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			goto fail;
		done += (size_t)w;
	}
	if (fsync(fd))
		goto fail;
	if (close(fd)) {
		fd = -1;
		goto fail;
	}
	if (rename(tmp, path)) {
		fd = -1;
		goto fail;
	}
	return 0;
fail:
	err = errno ? errno : EIO;
	if (fd >= 0)
		close(fd);
	unlink(tmp);
	errno = err;
	return -1;
}

/* The entries (a new array), or NULL for a journal that cannot be read: that
 * is said once per process, naming the file and what to do. */
static json_t *journal_load(void)
{
	static bool warned;
	char path[PATH_MAX];
	json_error_t jerr;
	json_t *o, *e;

	journal_path(path, sizeof(path), JOURNAL);
	o = json_load_file(path, 0, &jerr);
	if (!o) {
		if (access(path, F_OK) && errno == ENOENT)
			return json_array();
	} else if (json_is_array(e = json_object_get(o, "entries"))) {
		json_incref(e);
		json_decref(o);
		return e;
	}
	if (!warned)
		errmsg(0, "WARNING: machine state journal %s is unreadable (%s): check the settings it names and remove it by hand",
		       path, o ? "no entries" : jerr.text);
	warned = true;
	json_decref(o);
	return NULL;
}

static int journal_save(json_t *entries)
{
	char path[PATH_MAX], tmp[PATH_MAX + 32], *text;
	json_t *o;
	int rc;

	journal_path(path, sizeof(path), JOURNAL);
	if (!json_array_size(entries))
		return unlink(path) && errno != ENOENT ? -1 : 0;
	snprintf(tmp, sizeof(tmp), "%s.tmp.%d", path, (int)getpid());
	o = json_pack("{s:i, s:O}", "version", 1, "entries", entries);
	text = json_dumps(o, JSON_INDENT(1));
	json_decref(o);
	if (!text) {
		errno = ENOMEM;
		return -1;
	}
	rc = machstate_write_atomic(path, tmp, text);
	free(text);
	return rc;
}

/* ---- settings files ---------------------------------------------------- */

int machstate_get(const char *path, char *buf, size_t n)
{
	char line[4096], *a, *b, *s;
	FILE *f = fopen(path, "r");

	if (!f)
		return -1;
	if (!fgets(line, sizeof(line), f)) {
		fclose(f);
		errno = EIO;
		return -1;
	}
	fclose(f);
	/* "always [madvise] never": the bracketed one is in force */
	a = strchr(line, '[');
	b = a ? strchr(a, ']') : NULL;
	if (a && b) {
		snprintf(buf, n, "%.*s", (int)(b - a - 1), a + 1);
		return 0;
	}
	for (s = line; isspace((unsigned char)*s); s++)
		;
	s[strcspn(s, "\n")] = 0;
	for (size_t l = strlen(s); l && isspace((unsigned char)s[l - 1]); l--)
		s[l - 1] = 0;
	snprintf(buf, n, "%s", s);
	return 0;
}

/* Async-signal-safe: one write of text to path. */
static int write_raw(const char *path, const char *text)
{
	/* O_TRUNC: a fake file in a test must not keep a longer old tail */
	int fd = open(path, O_WRONLY | O_TRUNC | O_CLOEXEC), rc = 0;
	size_t len = strlen(text);

	if (fd < 0)
		return -1;
	if (write(fd, text, len) != (ssize_t)len)
		rc = -1;
	if (close(fd))
		rc = -1;
	return rc;
}

/* ---- what this process owes ------------------------------------------------ */

struct item {
	char *path, *was;		/* a file to write back, or */
	void (*fn)(void), (*raw)(void);	/* a registered restore */
	volatile sig_atomic_t done;
};

static struct {
	struct item *v;
	int n, cap;
	pid_t owner;		/* forked children owe nothing */
	bool atexit_done;
} owed;

static const int sigs[3] = { SIGINT, SIGTERM, SIGHUP };
static struct sigaction prev[3];
static bool installed;
static void (*volatile stop_fn)(int);
static int block_depth;
static sigset_t block_old;

void machstate_block(bool block)
{
	sigset_t set;

	if (block && block_depth++ == 0) {
		sigemptyset(&set);
		for (int i = 0; i < 3; i++)
			sigaddset(&set, sigs[i]);
		sigprocmask(SIG_BLOCK, &set, &block_old);
	} else if (!block && block_depth > 0 && --block_depth == 0) {
		sigprocmask(SIG_SETMASK, &block_old, NULL);
	}
}

static bool owes_anything(void)
{
	if (owed.owner != getpid())
		return false;
	for (int i = 0; i < owed.n; i++)
		if (!owed.v[i].done)
			return true;
	return false;
}

static void restore_raw(void)
{
	if (owed.owner != getpid())
		return;
	for (int i = owed.n - 1; i >= 0; i--) {
		struct item *it = &owed.v[i];

		if (it->done)
			continue;
		if (it->path) {
			it->done = 1;
			(void)write_raw(it->path, it->was);
		} else if (it->raw) {
			it->done = 1;
			it->raw();
		}
	}
}

static void on_signal(int sig)
{
	void (*stop)(int) = stop_fn;
	int i;

	if (stop) {
		stop(sig);
		return;
	}
	restore_raw();
	for (i = 0; i < 2 && sigs[i] != sig; i++)
		;
	if (prev[i].sa_handler == SIG_IGN)
		return;
	if (prev[i].sa_handler != SIG_DFL && !(prev[i].sa_flags & SA_SIGINFO)) {
		prev[i].sa_handler(sig);	/* the program's own, after the restore */
		return;
	}
	_exit(128 + sig);
}

/* In front of whatever handler is there now (which runs after the
 * restore): also when the program replaced ours since (a forked child
 * inherits "installed" but may have set its own handler). */
static void install(void)
{
	struct sigaction sa = { .sa_handler = on_signal }, cur;

	sigemptyset(&sa.sa_mask);
	for (int i = 0; i < 3; i++)
		sigaddset(&sa.sa_mask, sigs[i]);
	for (int i = 0; i < 3; i++)
		if (!installed || (sigaction(sigs[i], NULL, &cur) == 0 && cur.sa_handler != on_signal))
			sigaction(sigs[i], &sa, &prev[i]);
	installed = true;
}

static void uninstall(void)
{
	if (!installed)
		return;
	for (int i = 0; i < 3; i++)
		sigaction(sigs[i], &prev[i], NULL);
	installed = false;
}

void machstate_signals(void (*stop)(int sig))
{
	stop_fn = stop;
	if (stop || owes_anything())
		install();
	else
		uninstall();
}

/* Add an item (signals blocked by the caller); NULL when out of memory. */
static struct item *owe(void)
{
	if (owed.owner != getpid()) {	/* a forked child starts owing nothing */
		for (int i = 0; i < owed.n; i++) {	/* its copy of the parent's */
			free(owed.v[i].path);
			free(owed.v[i].was);
		}
		free(owed.v);
		owed.v = NULL;
		owed.n = owed.cap = 0;
		owed.owner = getpid();
	}
	if (owed.n == owed.cap) {
		int cap = owed.cap ? owed.cap * 2 : 8;
		struct item *v = realloc(owed.v, (size_t)cap * sizeof(*v));

		if (!v)
			return NULL;
		owed.v = v;
		owed.cap = cap;
	}
	if (!owed.atexit_done) {
		atexit(machstate_restore);
		owed.atexit_done = true;
	}
	install();
	owed.v[owed.n] = (struct item){ 0 };
	return &owed.v[owed.n++];
}

void machstate_at_restore(void (*fn)(void), void (*raw)(void))
{
	struct item *it;

	machstate_block(true);
	for (int i = 0; owed.owner == getpid() && i < owed.n; i++)
		if (owed.v[i].fn == fn && owed.v[i].raw == raw && !owed.v[i].path) {
			owed.v[i].done = 0;	/* armed again */
			install();
			machstate_block(false);
			return;
		}
	it = owe();
	if (it) {
		it->fn = fn;
		it->raw = raw;
	}
	machstate_block(false);
}

/* Remove this process's entry for path from the journal. */
static void journal_drop_mine(const char *path)
{
	int fd = machstate_lock(false);
	json_t *entries = fd >= 0 ? journal_load() : NULL, *e;
	size_t i;

	if (entries) {
		json_array_foreach(entries, i, e) {
			const char *p = json_string_value(json_object_get(e, "path"));

			if (p && !strcmp(p, path) && holder_is_me(e)) {
				json_array_remove(entries, i);
				if (journal_save(entries))
					errmsg(errno, "machine state journal: updating %s", machstate_dir());
				break;
			}
		}
	}
	json_decref(entries);
	machstate_unlock(fd);
}

void machstate_restore(void)
{
	if (owed.owner != getpid())
		return;
	machstate_block(true);
	for (int i = owed.n - 1; i >= 0; i--) {
		struct item *it = &owed.v[i];
		bool was_done = it->done;

		it->done = 1;
		if (it->path) {
			char now[VALUE_MAX];

			/* restored by the signal path already, or now: the entry goes */
			if (!was_done && write_raw(it->path, it->was) &&
			    !(machstate_get(it->path, now, sizeof(now)) == 0 && !strcmp(now, it->was))) {
				errmsg(errno, "WARNING: restoring %s to '%s' (the journal keeps it for the next command)",
				       it->path, it->was);
				continue;
			}
			journal_drop_mine(it->path);
		} else if (!was_done && it->fn) {
			it->fn();
		}
	}
	for (int i = 0; i < owed.n; i++) {
		free(owed.v[i].path);
		free(owed.v[i].was);
	}
	/* the array too: restore runs from atexit, and LeakSanitizer counts it */
	free(owed.v);
	owed.v = NULL;
	owed.n = owed.cap = 0;
	if (!stop_fn)
		uninstall();
	machstate_block(false);
}

int machstate_set(const char *path, const char *value, char *was, size_t wasn,
		  char *why, size_t whyn)
{
	char cur[VALUE_MAX], orig[VALUE_MAX], back[VALUE_MAX];
	json_t *entries = NULL, *e;
	struct item *it = NULL;
	bool mine = false;
	int fd = -1, rc = 0;
	size_t i;

	if (machstate_get(path, cur, sizeof(cur))) {
		snprintf(why, whyn, "unavailable: %s: %s", path, strerror(errno));
		return EXIT_UNSUPP;
	}
	snprintf(orig, sizeof(orig), "%s", cur);
	/* may we?  asked before anything is journaled, so that a user without
	 * the privilege hears that, not about the journal's directory */
	fd = open(path, O_WRONLY | O_CLOEXEC);
	if (fd < 0) {
		snprintf(why, whyn, "cannot write %s: %s", path, strerror(errno));
		return EXIT_UNSUPP;
	}
	close(fd);
	machstate_block(true);
	fd = machstate_lock(true);
	if (fd < 0) {
		snprintf(why, whyn, "cannot journal %s in %s", path, machstate_dir());
		rc = EXIT_FAIL;
		goto out;
	}
	entries = journal_load();
	if (!entries) {
		snprintf(why, whyn, "the machine state journal in %s is unreadable", machstate_dir());
		rc = EXIT_FAIL;
		goto out;
	}
	/* ours already (set twice), or a dead holder's original to inherit */
	json_array_foreach(entries, i, e) {
		const char *p = json_string_value(json_object_get(e, "path"));
		const char *w = json_string_value(json_object_get(e, "was"));

		if (!p || strcmp(p, path) || !w)
			continue;
		if (holder_is_me(e)) {
			snprintf(orig, sizeof(orig), "%s", w);
			mine = true;
			break;
		}
		if (holder_dead(e)) {
			snprintf(orig, sizeof(orig), "%s", w);
			json_array_remove(entries, i--);
		}
	}
	if (was)
		snprintf(was, wasn, "%s", orig);
	if (!strcmp(cur, value) && !strcmp(orig, value) && !mine)
		goto out;	/* nothing to change, nothing owed */
	if (!mine) {
		it = owe();
		if (!it || !(it->path = strdup(path)) || !(it->was = strdup(orig))) {
			snprintf(why, whyn, "out of memory");
			rc = EXIT_NORES;
			goto undo;
		}
		json_array_append_new(entries, json_pack("{s:s, s:s, s:s, s:o}", "path", path,
					  "was", orig, "set", value, "holder", holder_json()));
		if (journal_save(entries)) {
			snprintf(why, whyn, "writing the machine state journal in %s: %s",
				 machstate_dir(), strerror(errno));
			rc = EXIT_FAIL;
			goto undo;
		}
	}
	if (write_raw(path, value)) {
		snprintf(why, whyn, "cannot write %s: %s", path, strerror(errno));
		rc = EXIT_UNSUPP;
	} else if (machstate_get(path, back, sizeof(back)) || strcmp(back, value)) {
		snprintf(why, whyn, "%s: wrote '%s' but it reads back '%s'", path, value,
			 back);
		rc = EXIT_FAIL;
	}
	if (!rc || mine)
		goto out;
	(void)write_raw(path, orig);
	json_array_remove(entries, json_array_size(entries) - 1);
	(void)journal_save(entries);
undo:
	if (it) {
		free(it->path);
		free(it->was);
		owed.n--;
	}
out:
	json_decref(entries);
	machstate_unlock(fd);
	machstate_block(false);
	return rc;
}

/* ---- workload process groups ------------------------------------------- */

/* Members of process group pgid started at or after start (a reused pgid's
 * processes are older than the group leader was), zombies excluded. */
int machstate_group_alive(pid_t pgid, unsigned long long start)
{
	DIR *d = opendir("/proc");
	struct dirent *de;
	int n = 0;

	if (!d)
		return 0;
	while ((de = readdir(d))) {
		unsigned long long t;
		pid_t pg;
		char st;

		if (!isdigit((unsigned char)de->d_name[0]))
			continue;
		if (proc_stat((pid_t)atoi(de->d_name), &st, &pg, &t) == 0 && pg == pgid &&
		    st != 'Z' && st != 'X' && t >= start)
			n++;
	}
	closedir(d);
	return n;
}

int machstate_hold_group(pid_t pgid, const char *what)
{
	int fd, rc = -1;
	json_t *entries;

	machstate_block(true);
	fd = machstate_lock(false);
	if (fd < 0 && !mkdir_p(machstate_dir()))
		fd = machstate_lock(false);
	entries = fd >= 0 ? journal_load() : NULL;
	if (entries) {
		json_array_append_new(entries, json_pack("{s:i, s:I, s:s, s:o}", "pgroup", (int)pgid,
			"start", (json_int_t)machstate_proc_start(pgid), "what", what,
			"holder", holder_json()));
		rc = journal_save(entries);
	}
	json_decref(entries);
	machstate_unlock(fd);
	machstate_block(false);
	return rc;
}

void machstate_release_group(pid_t pgid)
{
	int fd;
	json_t *entries, *e;
	size_t i;

	machstate_block(true);
	fd = machstate_lock(false);
	entries = fd >= 0 ? journal_load() : NULL;
	json_array_foreach(entries, i, e)
		if (json_integer_value(json_object_get(e, "pgroup")) == pgid && holder_is_me(e)) {
			json_array_remove(entries, i);
			(void)journal_save(entries);
			break;
		}
	json_decref(entries);
	machstate_unlock(fd);
	machstate_block(false);
}

static int group_alive(json_t *e)
{
	return machstate_group_alive((pid_t)json_integer_value(json_object_get(e, "pgroup")),
			     (unsigned long long)json_integer_value(json_object_get(e, "start")));
}

/* Kill a dead holder's group and wait for it.  Returns the processes
 * killed (0: none were alive) or -1 when some survive. */
static int kill_group(json_t *e)
{
	pid_t pg = (pid_t)json_integer_value(json_object_get(e, "pgroup"));
	int n = group_alive(e);

	if (!n)
		return 0;
	kill(-pg, SIGKILL);
	for (int ms = 0; ms < GROUP_WAIT_MS; ms += 20) {
		struct timespec ts = { 0, 20 * 1000000 };

		if (!group_alive(e))
			return n;
		nanosleep(&ts, NULL);
	}
	return -1;
}

int machstate_orphans(char *buf, size_t n)
{
	int fd = machstate_lock(false), count = 0;
	json_t *entries = fd >= 0 ? journal_load() : NULL, *e;
	size_t i;

	json_array_foreach(entries, i, e) {
		if (!json_object_get(e, "pgroup") || !holder_dead(e) || !group_alive(e))
			continue;
		if (!count++)
			snprintf(buf, n, "process group %d (%s) of pid %d",
				 (int)json_integer_value(json_object_get(e, "pgroup")),
				 json_string_value(json_object_get(e, "what")) ?: "?", (int)holder_pid(e));
	}
	json_decref(entries);
	machstate_unlock(fd);
	return count;
}

/* ---- recovery ------------------------------------------------------------- */

static void append(char *buf, size_t n, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static void append(char *buf, size_t n, const char *fmt, ...)
{
	size_t l = strlen(buf);
	va_list ap;

	if (l >= n - 1)
		return;
	va_start(ap, fmt);
	vsnprintf(buf + l, n - l, fmt, ap);
	va_end(ap);
}

/*
 * Resolve every entry of the dead holder h, newest
 * first so that the oldest original is written last.  One warning for all
 * of it.  Returns the entries left unresolved.
 */
static int recover_holder(json_t *entries, json_t *h)
{
	char done[1536] = "", killed[512] = "", failed[768] = "";
	json_t *hold = json_deep_copy(h);
	int left = 0;

	for (size_t k = json_array_size(entries); k-- > 0;) {
		json_t *e = json_array_get(entries, k);
		const char *path = json_string_value(json_object_get(e, "path"));
		const char *was = json_string_value(json_object_get(e, "was"));
		char now[VALUE_MAX];

		if (!json_equal(json_object_get(e, "holder"), hold))
			continue;
		if (path && was) {
			if (!machstate_get(path, now, sizeof(now)) && !strcmp(now, was)) {
				json_array_remove(entries, k);	/* back already */
			} else if (write_raw(path, was)) {
				append(failed, sizeof(failed), "%s%s to '%s': %s", *failed ? "; " : "",
				       path, was, strerror(errno));
				left++;
			} else {
				append(done, sizeof(done), "%s%s '%s' -> '%s'", *done ? ", " : "",
				       path, now, was);
				json_array_remove(entries, k);
			}
		} else if (json_object_get(e, "pgroup")) {
			int n = kill_group(e);

			if (n < 0) {
				append(failed, sizeof(failed), "%sworkload process group %d survives SIGKILL",
				       *failed ? "; " : "", (int)json_integer_value(json_object_get(e, "pgroup")));
				left++;
				continue;
			}
			if (n)
				append(killed, sizeof(killed), "%skilled %d process(es) of its workload (%s)",
				       *killed ? ", " : "", n,
				       json_string_value(json_object_get(e, "what")) ?: "?");
			json_array_remove(entries, k);
		} else {
			json_array_remove(entries, k);	/* nothing we can act on */
		}
	}
	if (*done || *killed || *failed)
		errmsg(0, "WARNING: pid %d (%s) died with %s: %s%s%s%s%s%s",
		       (int)json_integer_value(json_object_get(hold, "pid")),
		       json_string_value(json_object_get(hold, "cmd")) ?: "?",
		       *done || !*killed ? "machine settings changed" : "its workload running",
		       *done ? "restored " : "", done, *done && *killed ? ", " : "", killed,
		       (*done || *killed) && *failed ? "; " : "", *failed ? "could not restore " : "");
	if (*failed)
		fprintf(stderr, "%s: %s (kept in %s/%s for the next command)\n", progname,
			failed, machstate_dir(), JOURNAL);
	json_decref(hold);
	return left;
}

int machstate_recover(void)
{
	json_t *entries, *dead, *e, *h;
	int fd, left = 0;
	char *before, *after;
	size_t i, k;

	fd = machstate_lock(false);
	if (fd < 0)
		return 0;	/* no state directory: nothing was ever changed */
	entries = journal_load();
	if (!entries) {
		machstate_unlock(fd);
		return 1;
	}
	/* the dead holders, each once */
	dead = json_array();
	json_array_foreach(entries, i, e) {
		bool seen = false;

		if (holder_is_me(e) || !holder_dead(e))
			continue;
		json_array_foreach(dead, k, h)
			seen = seen || json_equal(h, json_object_get(e, "holder"));
		if (!seen)
			json_array_append(dead, json_object_get(e, "holder"));
	}
	before = json_dumps(entries, JSON_COMPACT);
	json_array_foreach(dead, k, h)
		left += recover_holder(entries, h);
	after = json_dumps(entries, JSON_COMPACT);
	if (before && after && strcmp(before, after) && journal_save(entries))
		errmsg(errno, "machine state journal: updating %s", machstate_dir());
	free(before);
	free(after);
	json_decref(dead);
	json_decref(entries);
	machstate_unlock(fd);
	return left;
}
