/*
 * prefetch.c - switch hardware prefetchers on and off, and always put them
 * back.  `mmscale prefetch status|on|off|restore`, and prefetch_set() for a
 * config's prefetch axis.
 *
 * Before any MSR is written, every online CPU's value is saved in a journal,
 * $MMSCALE_STATE_DIR/prefetch.json (default /run/mmscale: tmpfs, like the
 * MSRs themselves, which reset on reboot), written to a temporary file and
 * renamed into place so that a crash leaves the old journal or the new one.
 * The journal holds two kinds of change:
 *   deliberate  `mmscale prefetch off` alone: the user asked for that state,
 *               so it stays; "original" keeps what to go back to with
 *               `mmscale prefetch restore`.
 *   held        `prefetch off -- CMD` or a run's prefetch axis: "held_from"
 *               is what the machine had when the holder started, "held.pid"
 *               the holder.  The holder writes held_from back on every exit
 *               path; if it was killed hard, the next mmscale invocation
 *               finds its pid dead and writes it back (prefetch_recover_stale).
 * A held change on top of a deliberate one returns to the deliberate state.
 * SMT siblings share the register, so one CPU per core is written; every
 * online CPU is read and saved.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include "harness.h"
#include "machstate.h"
#include "commands.h"
#include "prefetch.h"
#include "msr.h"
#include "summary.h"

#define JOURNAL_VERSION 1

static const struct {
	const char *name;
	unsigned bit;
} pf_names[] = {
	{ "l2", PF_L2 }, { "adjacent", PF_ADJACENT }, { "dcu", PF_DCU }, { "dcu-ip", PF_DCU_IP },
};
#define NPF (sizeof(pf_names) / sizeof(pf_names[0]))

struct jcpu {
	int cpu, leader;
	uint64_t original;	/* before mmscale changed anything */
	uint64_t held_from;	/* when the current holder started */
};

struct journal {
	char root[PATH_MAX];	/* the MSR tree it was written against */
	uint32_t msr;
	bool deliberate;
	pid_t deliberate_pid;	/* who made the deliberate change (for the record) */
	pid_t held_pid;		/* 0: no holder */
	unsigned long long held_start;	/* holder's start time, against pid reuse */
	char held_cmd[256];
	int ncpus;
	struct jcpu *cpus;
};

static int journal_saves;	/* journal writes of this process (tests) */
static bool journal_warned;	/* a bad journal is reported once per process */

static void journal_free(struct journal *j)
{
	free(j->cpus);
	j->cpus = NULL;
	j->ncpus = 0;
}

/* ---- paths, locking, process identity ---------------------------------- */

static const char *state_dir(void)
{
	const char *d = getenv("MMSCALE_STATE_DIR");

	return d && *d ? d : "/run/mmscale";
}

static void state_path(const char *name, char *buf, size_t n)
{
	snprintf(buf, n, "%s/%s", state_dir(), name);
}

/* Serialise read-modify-write of the journal between mmscale processes.
 * Returns the lock fd, or -1 when the state directory does not exist and
 * create is false (then there is no journal either). */
static int journal_lock(bool create)
{
	char path[PATH_MAX];
	int fd;

	if (create && mkdir_p(state_dir())) {
		errmsg(errno, "prefetch: creating %s", state_dir());
		return -1;
	}
	state_path("prefetch.lock", path, sizeof(path));
	fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0644);
	if (fd < 0 && !create)	/* an unprivileged reader: flock works read-only */
		fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		if (create)
			errmsg(errno, "prefetch: %s", path);
		return -1;
	}
	while (flock(fd, LOCK_EX) && errno == EINTR)
		;
	return fd;
}

static void journal_unlock(int fd)
{
	if (fd >= 0)
		close(fd);	/* drops the flock */
}

/* Field 22 of /proc/PID/stat: start time in ticks since boot; 0 if gone. */
static unsigned long long proc_start(pid_t pid)
{
	char path[64], buf[1024], *p;
	unsigned long long t = 0;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
	f = fopen(path, "r");
	if (!f)
		return 0;
	if (fgets(buf, sizeof(buf), f) && (p = strrchr(buf, ')')))
		if (sscanf(p + 2, "%*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %*u %*u %*d %*d %*d %*d %*d %*d %llu", &t) != 1)
			t = 0;
	fclose(f);
	return t;
}

static bool holder_alive(const struct journal *j)
{
	if (!j->held_pid)
		return false;
	if (kill(j->held_pid, 0) && errno == ESRCH)
		return false;
	/* the pid may have been reused by an unrelated process */
	return !j->held_start || proc_start(j->held_pid) == j->held_start;
}

/* ---- the journal file -------------------------------------------------- */

static json_t *hex(uint64_t v)
{
	char buf[24];

	snprintf(buf, sizeof(buf), "0x%016llx", (unsigned long long)v);
	return json_string(buf);
}

static int unhex(json_t *o, const char *key, uint64_t *v)
{
	const char *s = json_string_value(json_object_get(o, key));
	char *end;

	if (!s)
		return -1;
	errno = 0;
	*v = strtoull(s, &end, 16);
	return errno || *end || end == s ? -1 : 0;
}

static json_t *journal_json(const struct journal *j, bool with_hold)
{
	json_t *cpus = json_array(), *o;
	bool held = with_hold && j->held_pid;

	for (int i = 0; i < j->ncpus; i++) {
		json_t *c = json_pack("{s:i, s:i, s:o}", "cpu", j->cpus[i].cpu,
				      "core_leader", j->cpus[i].leader,
				      "original", hex(j->cpus[i].original));

		if (held)
			json_object_set_new(c, "held_from", hex(j->cpus[i].held_from));
		json_array_append_new(cpus, c);
	}
	o = json_pack("{s:i, s:s, s:o, s:b, s:o}", "version", JOURNAL_VERSION,
		      "msr_root", j->root, "msr", json_sprintf("0x%x", j->msr),
		      "deliberate", j->deliberate, "cpus", cpus);
	json_object_set_new(o, "kind", json_string(held && j->deliberate ? "held over deliberate" :
						   held ? "held" : "deliberate"));
	json_object_set_new(o, "owner_pid", json_integer(held ? j->held_pid : j->deliberate_pid));
	if (j->deliberate)
		json_object_set_new(o, "deliberate_pid", json_integer(j->deliberate_pid));
	json_object_set_new(o, "held", held ?
			    json_pack("{s:i, s:I, s:s}", "pid", (int)j->held_pid,
				      "start", (json_int_t)j->held_start, "cmd", j->held_cmd) :
			    json_null());
	return o;
}

/* Returns 0 with j filled, 1 when there is no journal, -1 on a bad one. */
static int journal_load(struct journal *j)
{
	char path[PATH_MAX];
	json_error_t jerr;
	json_t *o, *cpus, *held, *c;
	const char *s;
	size_t i;
	uint64_t msr;

	memset(j, 0, sizeof(*j));
	state_path("prefetch.json", path, sizeof(path));
	o = json_load_file(path, 0, &jerr);
	if (!o) {
		if (access(path, F_OK) && errno == ENOENT)
			return 1;
		if (!journal_warned)
			errmsg(0, "WARNING: prefetch journal %s unreadable (%s line %d): check `mmscale prefetch status` and remove it by hand",
			       path, jerr.text, jerr.line);
		journal_warned = true;
		return -1;
	}
	cpus = json_object_get(o, "cpus");
	s = json_string_value(json_object_get(o, "msr_root"));
	if (!json_is_array(cpus) || !s || unhex(o, "msr", &msr))
		goto bad;
	snprintf(j->root, sizeof(j->root), "%s", s);
	j->msr = (uint32_t)msr;
	j->deliberate = json_is_true(json_object_get(o, "deliberate"));
	if (j->deliberate)
		j->deliberate_pid = (pid_t)json_integer_value(json_object_get(o, "deliberate_pid"));
	held = json_object_get(o, "held");
	if (json_is_object(held)) {
		j->held_pid = (pid_t)json_integer_value(json_object_get(held, "pid"));
		j->held_start = (unsigned long long)json_integer_value(json_object_get(held, "start"));
		s = json_string_value(json_object_get(held, "cmd"));
		snprintf(j->held_cmd, sizeof(j->held_cmd), "%s", s ? s : "?");
	}
	j->cpus = calloc(json_array_size(cpus) + 1, sizeof(*j->cpus));
	if (!j->cpus)
		goto bad;
	json_array_foreach(cpus, i, c) {
		struct jcpu *jc = &j->cpus[j->ncpus++];

		jc->cpu = (int)json_integer_value(json_object_get(c, "cpu"));
		jc->leader = (int)json_integer_value(json_object_get(c, "core_leader"));
		if (unhex(c, "original", &jc->original))
			goto bad;
		if (j->held_pid && unhex(c, "held_from", &jc->held_from))
			goto bad;
	}
	json_decref(o);
	return 0;
bad:
	if (!journal_warned)
		errmsg(0, "WARNING: prefetch journal %s is malformed: check `mmscale prefetch status` and remove it by hand", path);
	journal_warned = true;
	journal_free(j);
	json_decref(o);
	return -1;
}

/* Write text to the journal's place atomically: temporary file, fsync,
 * rename.  Only async-signal-safe calls: this is json_write_atomic() for
 * the signal path, with the text made beforehand. */
static int write_atomic(const char *path, const char *tmp, const char *text)
{
	size_t len = strlen(text), done = 0;
	int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);

	if (fd < 0)
		return -1;
	while (done < len) {
		ssize_t w = write(fd, text + done, len - done);

		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0) {
			close(fd);
			unlink(tmp);
			return -1;
		}
		done += (size_t)w;
	}
	if (fsync(fd) || close(fd) || rename(tmp, path)) {
		unlink(tmp);
		return -1;
	}
	return 0;
}

static char *journal_text(const struct journal *j, bool with_hold)
{
	json_t *o = journal_json(j, with_hold);
	char *s = json_dumps(o, JSON_INDENT(1));

	json_decref(o);
	return s;
}

static int journal_save(const struct journal *j)
{
	char path[PATH_MAX];
	json_t *o = journal_json(j, true);
	int rc;

	state_path("prefetch.json", path, sizeof(path));
	rc = json_write_atomic(path, o);
	journal_saves++;
	if (rc)
		errmsg(errno, "prefetch: writing journal %s", path);
	json_decref(o);
	return rc;
}

static void journal_remove(void)
{
	char path[PATH_MAX];

	state_path("prefetch.json", path, sizeof(path));
	if (unlink(path) && errno != ENOENT)
		errmsg(errno, "prefetch: removing %s", path);
}

/* Write value(cpu) to every core leader of j; the first error wins. */
static int write_leaders(const struct journal *j, bool held_from, char *why, size_t n)
{
	char later[512];
	int failed = 0;

	/* keep going past a failure: put back as many cores as possible */
	for (int i = 0; i < j->ncpus; i++) {
		const struct jcpu *c = &j->cpus[i];

		if (c->cpu != c->leader)
			continue;
		if (msr_write(j->root, c->cpu, j->msr, held_from ? c->held_from : c->original,
			      failed ? later : why, failed ? sizeof(later) : n))
			failed++;
	}
	return failed;
}

/* ---- a held change: restored on every exit path ----------------------- */

/*
 * Everything the signal path needs is computed when the hold starts: the
 * device paths and values to write back and the journal text to leave (or
 * none), so that the handler does only open/pwrite/rename/unlink.
 */
static struct {
	bool active;
	pid_t owner;
	unsigned which;
	int n;
	char **paths;
	uint64_t *vals;
	uint32_t msr;
	char *after;		/* journal text once released, NULL: remove it */
	char journal[PATH_MAX], tmp[PATH_MAX + 32];
	/* detected and journaled once per hold: a toggle only writes */
	struct msr_hw hw;
	struct journal j;
} hold;
static volatile sig_atomic_t hold_released;
static const int hold_sigs[3] = { SIGINT, SIGTERM, SIGHUP };
static char hold_cmd[256] = "mmscale run";
static int hold_release(void);

/* Async-signal-safe: put the held CPUs back, then the journal. */
static void hold_release_raw(void)
{
	if (!hold.active || hold_released || getpid() != hold.owner)
		return;
	hold_released = 1;
	for (int i = 0; i < hold.n; i++) {
		int fd = open(hold.paths[i], O_WRONLY | O_CLOEXEC);

		if (fd >= 0) {
			if (pwrite(fd, &hold.vals[i], sizeof(uint64_t), hold.msr) != sizeof(uint64_t))
				hold_released = 2;
			close(fd);
		} else {
			hold_released = 2;
		}
	}
	if (hold_released == 2)
		return;	/* keep the journal: the next invocation retries */
	if (hold.after)
		(void)write_atomic(hold.journal, hold.tmp, hold.after);
	else
		(void)unlink(hold.journal);
}

static void hold_forget(void)
{
	journal_free(&hold.j);
	for (int i = 0; i < hold.n; i++)
		free(hold.paths[i]);
	free(hold.paths);
	free(hold.vals);
	free(hold.after);
	hold.paths = NULL;
	hold.vals = NULL;
	hold.after = NULL;
	hold.n = 0;
	hold.active = false;
}

/* machstate's restore in ordinary code (machstate_restore, exit) */
static void hold_restore(void)
{
	if (hold.active && hold.owner == getpid())
		(void)hold_release();
}

static void block_hold_signals(sigset_t *old)
{
	sigset_t set;

	sigemptyset(&set);
	for (int i = 0; i < 3; i++)
		sigaddset(&set, hold_sigs[i]);
	sigprocmask(SIG_BLOCK, &set, old);
}

static int hold_prepare(const struct journal *j)
{
	struct journal after = *j;
	int k = 0;

	hold_forget();
	for (int i = 0; i < j->ncpus; i++)
		hold.n += j->cpus[i].cpu == j->cpus[i].leader;
	hold.paths = calloc((size_t)hold.n + 1, sizeof(*hold.paths));
	hold.vals = calloc((size_t)hold.n + 1, sizeof(*hold.vals));
	if (!hold.paths || !hold.vals)
		return -1;
	for (int i = 0; i < j->ncpus; i++) {
		char path[PATH_MAX];

		if (j->cpus[i].cpu != j->cpus[i].leader)
			continue;
		msr_path(j->root, j->cpus[i].cpu, path, sizeof(path));
		hold.paths[k] = strdup(path);
		hold.vals[k++] = j->cpus[i].held_from;
		if (!hold.paths[k - 1])
			return -1;
	}
	hold.msr = j->msr;
	after.held_pid = 0;
	if (j->deliberate && !(hold.after = journal_text(&after, false)))
		return -1;
	state_path("prefetch.json", hold.journal, sizeof(hold.journal));
	snprintf(hold.tmp, sizeof(hold.tmp), "%s.tmp.%d", hold.journal, (int)getpid());
	hold.owner = getpid();
	hold_released = 0;
	hold.active = true;
	/* machstate owns the signals and exit: it calls hold_release_raw from
	 * a signal (then the runner's stop handler, or exit 128+sig) and
	 * hold_restore at exit, so nobody's handler replaces anybody's */
	machstate_at_restore(hold_restore, hold_release_raw);
	return 0;
}

/* ---- reading the machine ------------------------------------------------ */

/* Read every online CPU into a fresh journal skeleton (original = held_from
 * = now).  Returns 0 or EXIT_* with the reason in why. */
static int snapshot(const struct msr_hw *hw, struct journal *j, char *why, size_t n)
{
	struct msr_cpu *cpus;
	int cnt;

	memset(j, 0, sizeof(*j));
	snprintf(j->root, sizeof(j->root), "%s", msr_root());
	j->msr = hw->msr;
	cnt = msr_cpus(&cpus, why, n);
	if (cnt < 0)
		return EXIT_UNSUPP;
	j->cpus = calloc((size_t)cnt, sizeof(*j->cpus));
	if (!j->cpus) {
		free(cpus);
		snprintf(why, n, "out of memory");
		return EXIT_NORES;
	}
	for (int i = 0; i < cnt; i++) {
		struct jcpu *c = &j->cpus[j->ncpus++];

		*c = (struct jcpu){ .cpu = cpus[i].cpu, .leader = cpus[i].leader };
		if (msr_read(j->root, c->cpu, j->msr, &c->original, why, n)) {
			free(cpus);
			journal_free(j);
			return EXIT_UNSUPP;
		}
		c->held_from = c->original;
	}
	free(cpus);
	return 0;
}

static int check_which(const struct msr_hw *hw, unsigned which, char *why, size_t n)
{
	unsigned missing = which & ~hw->which;

	if (!missing)
		return 0;
	for (size_t i = 0; i < NPF; i++) {
		if (!(missing & pf_names[i].bit))
			continue;
		if (hw->msr == MSR_IA32_MISC_ENABLE)
			snprintf(why, n, "unsupported: %s (family %d model %d): only the adjacent line prefetcher is controllable (IA32_MISC_ENABLE bit 19), not %s",
				 hw->name, hw->family, hw->model, pf_names[i].name);
		else
			snprintf(why, n, "unsupported: %s (family %d model %d): the %s prefetcher bit of MSR 0x%x is reserved",
				 hw->name, hw->family, hw->model, pf_names[i].name, hw->msr);
		break;
	}
	return EXIT_UNSUPP;
}

/* Could `which` be switched on this machine: supported bits, every CPU's
 * MSR readable, one writable per core (msr_check_writable also says no
 * under lockdown).  Reads the MSRs but writes nothing. */
static int probe_hw(const struct msr_hw *hw, unsigned which, char *why, size_t n)
{
	struct journal j;
	int rc = check_which(hw, which, why, n);

	if (!rc)
		rc = snapshot(hw, &j, why, n);
	if (rc)
		return rc;
	for (int i = 0; i < j.ncpus && !rc; i++)
		if (j.cpus[i].cpu == j.cpus[i].leader && msr_check_writable(j.root, j.cpus[i].cpu, why, n))
			rc = EXIT_UNSUPP;
	journal_free(&j);
	return rc;
}

int prefetch_probe(unsigned which, char *why, size_t n)
{
	struct msr_hw hw;
	int rc = msr_detect(&hw, why, n);

	return rc ? rc : probe_hw(&hw, which, why, n);
}

/* ---- stale journals ----------------------------------------------------- */

/* With the lock held: a holder that died leaves its held_from values to be
 * written back.  Returns 0 (nothing stale, or restored), or EXIT_FAIL. */
static int recover_locked(struct journal *j)
{
	char why[512];

	if (!j->held_pid || holder_alive(j) || (j->held_pid == getpid() && hold.active))
		return 0;
	if (write_leaders(j, true, why, sizeof(why))) {
		errmsg(0, "WARNING: prefetch: pid %d (%s) died with the prefetcher changed and it could not be restored: %s; the journal is kept, retry with `mmscale prefetch restore`",
		       (int)j->held_pid, j->held_cmd, why);
		return EXIT_FAIL;
	}
	errmsg(0, "WARNING: prefetch: pid %d (%s) died with the prefetcher changed: restored MSR 0x%x on %d CPUs of %s to the values it started from",
	       (int)j->held_pid, j->held_cmd, j->msr, j->ncpus, j->root);
	j->held_pid = 0;
	if (j->deliberate)
		return journal_save(j) ? EXIT_FAIL : 0;
	journal_remove();
	return 0;
}

int prefetch_recover_stale(void)
{
	struct journal j;
	int fd = journal_lock(false);

	if (fd < 0)
		return 0;	/* no state directory: nothing was ever changed */
	if (journal_load(&j) == 0) {
		/* a failure is loud but does not stop commands that do not touch
		 * the prefetcher; prefetch_set() refuses until it is resolved */
		(void)recover_locked(&j);
		journal_free(&j);
	}
	journal_unlock(fd);
	return 0;
}

/* ---- changing the machine ------------------------------------------------ */

/* Compute and write new values (from what each core has now) for which. */
static int write_which(const struct msr_hw *hw, const struct journal *j, unsigned which, bool on,
		       char *why, size_t n)
{
	uint64_t bits = msr_disable_bits(hw, which);

	for (int i = 0; i < j->ncpus; i++) {
		const struct jcpu *c = &j->cpus[i];
		uint64_t v, got;

		if (c->cpu != c->leader)
			continue;
		if (msr_read(j->root, c->cpu, j->msr, &v, why, n))
			return EXIT_UNSUPP;
		v = on ? v & ~bits : v | bits;
		if (msr_write(j->root, c->cpu, j->msr, v, why, n))
			return EXIT_UNSUPP;
		/* QEMU's TCG answers reads of 0x1a4 with 0 and drops writes
		 * without an error: only a read-back tells */
		if (msr_read(j->root, c->cpu, j->msr, &got, why, n))
			return EXIT_UNSUPP;
		if ((got & bits) != (v & bits)) {
			snprintf(why, n, "unavailable: MSR 0x%x on cpu %d: wrote 0x%llx, read back 0x%llx: "
				 "the CPU or a hypervisor ignores the write", j->msr, c->cpu,
				 (unsigned long long)v, (unsigned long long)got);
			return EXIT_UNSUPP;
		}
	}
	return 0;
}

/*
 * Journal, then write (on: 1 or 0; -1 journals the hold and writes
 * nothing).  held: this process restores on exit; otherwise the change is
 * deliberate and stays.
 */
static int set_state(unsigned which, int on, bool held)
{
	struct msr_hw hw;
	struct journal j = { 0 }, now;
	char why[512];
	sigset_t oldmask;
	int fd, rc, loaded;

	/* all of it checked before the journal: a user without CAP_SYS_RAWIO
	 * hears that, not about /run */
	rc = msr_detect(&hw, why, sizeof(why));
	if (!rc)
		rc = probe_hw(&hw, which, why, sizeof(why));
	if (rc) {
		errmsg(0, "prefetch: %s", why);
		return rc;
	}
	/* a signal between the journal and the writes would restore too early */
	block_hold_signals(&oldmask);
	fd = journal_lock(true);
	if (fd < 0) {
		rc = EXIT_FAIL;
		goto out;
	}
	loaded = journal_load(&j);
	if (loaded < 0 || (loaded == 0 && recover_locked(&j))) {
		rc = EXIT_FAIL;
		goto out;
	}
	if (loaded == 0 && j.held_pid && !(held && j.held_pid == getpid() && hold.active)) {
		errmsg(0, "prefetch: the prefetcher is held by pid %d (%s) until it ends", (int)j.held_pid, j.held_cmd);
		rc = EXIT_FAIL;
		goto out;
	}
	rc = snapshot(&hw, &now, why, sizeof(why));
	if (rc) {
		errmsg(0, "prefetch: %s", why);
		goto out;
	}
	if (loaded != 0) {		/* first change: now is the original */
		journal_free(&j);
		j = now;
	} else if (!j.held_pid) {	/* start holding on top of a deliberate change */
		for (int i = 0; i < j.ncpus; i++)
			for (int k = 0; k < now.ncpus; k++)
				if (now.cpus[k].cpu == j.cpus[i].cpu)
					j.cpus[i].held_from = now.cpus[k].original;
		journal_free(&now);
	} else {
		journal_free(&now);	/* already holding: keep the first held_from */
	}
	if (held && !j.held_pid) {
		j.held_pid = getpid();
		j.held_start = proc_start(j.held_pid);
		snprintf(j.held_cmd, sizeof(j.held_cmd), "%s", hold_cmd);
		if (hold_prepare(&j)) {
			errmsg(ENOMEM, "prefetch");
			rc = EXIT_NORES;
			goto out;
		}
	} else if (!held) {
		j.deliberate = true;
		j.deliberate_pid = getpid();
	}
	if (journal_save(&j)) {
		if (held)
			hold_forget();
		rc = EXIT_FAIL;
		goto out;
	}
	rc = on < 0 ? 0 : write_which(&hw, &j, which, on, why, sizeof(why));
	if (rc) {
		errmsg(0, "prefetch: %s", why);
		/* undo what was written before the failure */
		if (held) {
			hold_release_raw();
			hold_forget();
		} else {
			char ignore[256];

			if (!write_leaders(&j, false, ignore, sizeof(ignore)) && !j.held_pid)
				journal_remove();
		}
		goto out;
	}
	if (!held) {
		/* back where it started: nothing left to restore */
		struct journal cur;
		bool same = !snapshot(&hw, &cur, why, sizeof(why));

		for (int i = 0; same && i < cur.ncpus && i < j.ncpus; i++)
			same = cur.cpus[i].original == j.cpus[i].original;
		if (same && !j.held_pid)
			journal_remove();
		journal_free(&cur);
	}
	if (held && hold.active && hold.owner == getpid() && !hold.j.cpus) {
		/* the hold keeps what it detected and journaled: toggles write */
		hold.hw = hw;
		hold.j = j;
		hold.which = which;
		j = (struct journal){ 0 };
	}
out:
	journal_free(&j);
	journal_unlock(fd);
	sigprocmask(SIG_SETMASK, &oldmask, NULL);
	return rc;
}

static bool holding(unsigned which)
{
	return hold.active && hold.owner == getpid() && hold.j.cpus && !(which & ~hold.which);
}

/* A toggle of the hold: every core leader written and read back, nothing
 * detected or journaled again.  A write that does not take undoes the hold. */
static int toggle(unsigned which, bool on)
{
	char why[512];
	int rc = write_which(&hold.hw, &hold.j, which, on, why, sizeof(why));

	if (rc) {
		errmsg(0, "prefetch: %s", why);
		(void)hold_release();
	}
	return rc;
}

int prefetch_set(unsigned which, bool on)
{
	return holding(which) ? toggle(which, on) : set_state(which, on, true);
}

struct prefetch_hold {
	unsigned which;
};

int prefetch_hold(unsigned which, struct prefetch_hold **h)
{
	int rc;

	*h = NULL;
	if (!holding(which) && (rc = set_state(which, -1, true)))
		return rc;
	*h = calloc(1, sizeof(**h));
	if (!*h) {
		errmsg(ENOMEM, "prefetch");
		(void)hold_release();
		return EXIT_NORES;
	}
	(*h)->which = which;
	return 0;
}

int prefetch_toggle(struct prefetch_hold *h, bool on)
{
	if (!h || !holding(h->which)) {
		errmsg(0, "prefetch: toggle without a hold");
		return EXIT_FAIL;
	}
	return toggle(h->which, on);
}

int prefetch_release(struct prefetch_hold *h)
{
	int rc = 0;

	if (!h)
		return 0;
	if (hold.active && hold.owner == getpid())
		rc = hold_release();
	free(h);
	return rc;
}

int prefetch_journal_usable(void)
{
	struct journal j;
	int fd = journal_lock(false), loaded = fd < 0 ? 1 : journal_load(&j);

	if (loaded == 0)
		journal_free(&j);
	journal_unlock(fd);
	return loaded < 0 ? EXIT_FAIL : 0;
}

int prefetch_journal_writes(void)
{
	return journal_saves;
}

/* Release this process's hold: back to held_from, the journal to what it
 * was before (deliberate part) or gone. */
static int hold_release(void)
{
	sigset_t oldmask;
	int fd, rc = 0;

	block_hold_signals(&oldmask);
	fd = journal_lock(false);
	hold_release_raw();
	if (hold_released == 2) {
		errmsg(0, "WARNING: prefetch: could not restore every CPU; the journal is kept, retry with `mmscale prefetch restore`");
		rc = EXIT_FAIL;
	}
	hold_forget();
	journal_unlock(fd);
	sigprocmask(SIG_SETMASK, &oldmask, NULL);
	return rc;
}

/* Back to the originals: undo deliberate changes too. */
static int restore_all(bool verbose)
{
	struct journal j;
	char why[512];
	int fd, rc = 0, loaded;

	fd = journal_lock(false);
	if (fd < 0) {
		if (verbose)
			printf("prefetch: nothing to restore (no journal in %s)\n", state_dir());
		return 0;
	}
	loaded = journal_load(&j);
	if (loaded) {
		if (verbose && loaded > 0)
			printf("prefetch: nothing to restore (no journal in %s)\n", state_dir());
		journal_unlock(fd);
		return loaded < 0 ? EXIT_FAIL : 0;
	}
	if (j.held_pid && holder_alive(&j)) {
		errmsg(0, "prefetch restore: the prefetcher is held by pid %d (%s), which restores it when it ends",
		       (int)j.held_pid, j.held_cmd);
		rc = EXIT_FAIL;
	} else if (write_leaders(&j, false, why, sizeof(why))) {
		errmsg(0, "prefetch restore: %s; the journal is kept", why);
		rc = EXIT_UNSUPP;
	} else {
		journal_remove();
		if (verbose)
			printf("prefetch: restored MSR 0x%x on %d CPUs to the original values\n", j.msr, j.ncpus);
	}
	journal_free(&j);
	journal_unlock(fd);
	return rc;
}

int prefetch_restore(void)
{
	if (hold.active && hold.owner == getpid())
		return hold_release();
	return restore_all(false);
}

/* ---- reporting --------------------------------------------------------- */

json_t *prefetch_state_json(void)
{
	struct msr_hw hw;
	struct journal j, jr;
	char why[512];
	json_t *o, *cpus;
	int fd;

	if (msr_detect(&hw, why, sizeof(why)) || snapshot(&hw, &j, why, sizeof(why)))
		return json_pack("{s:s}", "unavailable",
				 strncmp(why, "unavailable: ", 13) ? why : why + 13);
	cpus = json_array();
	for (int i = 0; i < j.ncpus; i++) {
		json_t *c = json_pack("{s:i, s:o}", "cpu", j.cpus[i].cpu, "raw", hex(j.cpus[i].original));

		for (size_t k = 0; k < NPF; k++)
			if (hw.which & pf_names[k].bit)
				json_object_set_new(c, pf_names[k].name,
						    json_string(j.cpus[i].original & msr_disable_bits(&hw, pf_names[k].bit) ? "off" : "on"));
		json_array_append_new(cpus, c);
	}
	o = json_pack("{s:s, s:i, s:i, s:s, s:o, s:o}", "vendor", hw.vendor, "family", hw.family,
		      "model", hw.model, "name", hw.name, "msr", json_sprintf("0x%x", hw.msr), "cpus", cpus);
	fd = journal_lock(false);
	if (fd >= 0 && journal_load(&jr) == 0) {
		json_object_set_new(o, "journal", journal_json(&jr, true));
		journal_free(&jr);
	}
	journal_unlock(fd);
	journal_free(&j);
	return o;
}

static int status(void)
{
	struct msr_hw hw;
	struct msr_cpu *cpus;
	struct journal jr;
	char why[512];
	int cnt, rc, bad = 0, fd;

	rc = msr_detect(&hw, why, sizeof(why));
	if (rc) {
		printf("%s\n", why);
		return rc;
	}
	printf("cpu: %s family %d model %d (%s), MSR 0x%x\n", hw.vendor, hw.family, hw.model, hw.name, hw.msr);
	cnt = msr_cpus(&cpus, why, sizeof(why));
	if (cnt < 0) {
		printf("%s\n", why);
		return EXIT_UNSUPP;
	}
	for (int i = 0; i < cnt; i++) {
		uint64_t v;

		if (msr_read(msr_root(), cpus[i].cpu, hw.msr, &v, why, sizeof(why))) {
			printf("cpu%d: %s\n", cpus[i].cpu, why);
			bad++;
			continue;
		}
		printf("cpu%d: 0x%016llx", cpus[i].cpu, (unsigned long long)v);
		for (size_t k = 0; k < NPF; k++)
			if (hw.which & pf_names[k].bit)
				printf(" %s %s", pf_names[k].name,
				       v & msr_disable_bits(&hw, pf_names[k].bit) ? "off" : "on");
		printf("\n");
	}
	free(cpus);
	fd = journal_lock(false);
	if (fd >= 0 && journal_load(&jr) == 0) {
		if (jr.held_pid)
			printf("journal: %s/prefetch.json: held by pid %d (%s), restored when it ends\n",
			       state_dir(), (int)jr.held_pid, jr.held_cmd);
		else
			printf("journal: %s/prefetch.json: changed on purpose; `mmscale prefetch restore` returns to the originals\n",
			       state_dir());
		journal_free(&jr);
	}
	journal_unlock(fd);
	return bad ? EXIT_UNSUPP : 0;
}

/* ---- prefetch off -- CMD ---------------------------------------------- */

/*
 * Signals are taken synchronously (sigtimedwait) so that forwarding and
 * restoring happen in ordinary code: SIGINT, SIGTERM, SIGHUP go to the
 * child, and the wrapper exits 128+sig once the child is gone and the
 * prefetcher is back.  A child that ignores the signal gets SIGKILL after
 * a grace period: the restore must not wait for ever.
 */
#define GRACE_NS (5 * 1000000000ull)

static int run_held(unsigned which, bool on, char **cmd)
{
	sigset_t set, oldmask;
	int rc, status = 0, got = 0;
	uint64_t deadline = 0;
	size_t len = 0;
	pid_t child;

	len += (size_t)snprintf(hold_cmd, sizeof(hold_cmd), "prefetch %s --", on ? "on" : "off");
	for (char **a = cmd; *a && len < sizeof(hold_cmd); a++)
		len += (size_t)snprintf(hold_cmd + len, sizeof(hold_cmd) - len, " %s", *a);
	sigemptyset(&set);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGHUP);
	sigaddset(&set, SIGCHLD);
	sigprocmask(SIG_BLOCK, &set, &oldmask);
	rc = prefetch_set(which, on);
	if (rc) {
		sigprocmask(SIG_SETMASK, &oldmask, NULL);
		return rc;
	}
	fflush(NULL);
	child = fork();
	if (child < 0) {
		errmsg(errno, "prefetch: fork");
		hold_release();
		return EXIT_NORES;
	}
	if (child == 0) {
		/* CMD must not run on with the prefetcher given back by the
		 * next command after a kill -9 of this wrapper */
		if (prctl(PR_SET_PDEATHSIG, SIGKILL) || getppid() != hold.owner)
			_exit(126);
		sigprocmask(SIG_SETMASK, &oldmask, NULL);
		for (int i = 0; i < 3; i++)
			signal(hold_sigs[i], SIG_DFL);
		execvp(cmd[0], cmd);
		errmsg(errno, "prefetch: %s", cmd[0]);
		_exit(errno == ENOENT ? 127 : 126);
	}
	for (;;) {
		struct timespec ts = { .tv_sec = 0, .tv_nsec = 200 * 1000000 };
		pid_t w = waitpid(child, &status, WNOHANG);
		int sig;

		if (w == child || (w < 0 && errno != EINTR))
			break;
		if (got && now_ns() > deadline) {
			kill(child, SIGKILL);
			deadline = UINT64_MAX;
		}
		sig = sigtimedwait(&set, NULL, &ts);
		if (sig == SIGINT || sig == SIGTERM || sig == SIGHUP) {
			if (!got) {
				got = sig;
				deadline = now_ns() + GRACE_NS;
			}
			kill(child, sig);
		}
	}
	rc = hold_release();
	sigprocmask(SIG_SETMASK, &oldmask, NULL);
	if (got)
		return 128 + got;
	if (rc)
		return rc;
	if (WIFEXITED(status))
		return WEXITSTATUS(status);
	return WIFSIGNALED(status) ? 128 + WTERMSIG(status) : EXIT_FAIL;
}

/* ---- the command --------------------------------------------------------- */

static int parse_which(const char *s, unsigned *which)
{
	char buf[128], *tok, *save;

	snprintf(buf, sizeof(buf), "%s", s);
	*which = 0;
	for (tok = strtok_r(buf, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
		size_t k;

		if (!strcmp(tok, "all")) {
			*which |= PF_ALL;
			continue;
		}
		for (k = 0; k < NPF && strcmp(tok, pf_names[k].name); k++)
			;
		if (k == NPF)
			return -1;
		*which |= pf_names[k].bit;
	}
	return *which ? 0 : -1;
}

struct prefetch_args {
	const char *which;
};

static const struct opt prefetch_opts[] = {
	{ "which", 'w', OPT_STR, OPT_OFF(struct prefetch_args, which), "adjacent", .arg = "W",
	  .help = "which prefetchers: adjacent, l2, dcu, dcu-ip or all, comma-separated" },
	{ 0 }
};

static const struct cli_exit prefetch_exits[] = {
	{ EXIT_OK, "done (with -- CMD: CMD's own exit code, or 128+signal)" },
	{ EXIT_FAIL, "an MSR write or read-back failed" },
	CLI_EXITS_COMMON,
	{ EXIT_UNSUPP, "this CPU cannot do it, or the MSRs are unavailable (why)" },
	{ -1 }
};

static int prefetch_main(void *opts, int argc, char **argv)
{
	const struct prefetch_args *a = opts;
	const char *sub = argv[0];
	char **cmd = argv[argc] ? &argv[argc + 1] : NULL;
	unsigned which;

	if (parse_which(a->which, &which)) {
		errmsg(0, "prefetch: --which: '%s' is not adjacent, l2, dcu, dcu-ip or all", a->which);
		return EXIT_USAGE;
	}
	if (cmd && (strcmp(sub, "on") && strcmp(sub, "off"))) {
		errmsg(0, "prefetch %s: '-- CMD' goes with on or off", sub);
		return EXIT_USAGE;
	}
	if (cmd && !cmd[0]) {
		errmsg(0, "prefetch %s: no command after '--'", sub);
		return EXIT_USAGE;
	}
	if (!strcmp(sub, "status"))
		return status();
	if (!strcmp(sub, "restore"))
		return restore_all(true);
	if (strcmp(sub, "on") && strcmp(sub, "off")) {
		errmsg(0, "prefetch: unknown subcommand '%s' (status, on, off, restore)", sub);
		return EXIT_USAGE;
	}
	if (cmd)
		return run_held(which, !strcmp(sub, "on"), cmd);
	return set_state(which, !strcmp(sub, "on"), false);
}

const struct cli_command cli_cmd_prefetch = {
	.name = "prefetch", .operands = "status|on|off|restore", .min_operands = 1,
	.max_operands = 1, .passthrough = true,
	.summary = "the hardware prefetchers per CPU: status, on, off, restore",
	.description =
		"on/off alone: the state stays until `restore` (which returns to the\n"
		"originals).  on/off -- CMD: run CMD in that state and restore afterwards,\n"
		"also on signals.  Environment: MMSCALE_MSR_ROOT (/dev/cpu),\n"
		"MMSCALE_STATE_DIR (/run/mmscale), MMSCALE_CPUINFO, MMSCALE_SYSFS_CPU,\n"
		"MMSCALE_LOCKDOWN.\n",
	.opts = prefetch_opts, .opts_size = sizeof(struct prefetch_args),
	.exits = prefetch_exits, .main = prefetch_main,
};
