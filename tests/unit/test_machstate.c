/*
 * The machine state journal (benchmarks/lib/machstate.h) on fake sysfs and
 * sysctl files (THP enabled, an mTHP size, ASLR): set, restore, exit,
 * signals, a holder killed with SIGKILL and recovered by the next process
 * (one warning), the original inherited past a dead holder, a killed
 * holder's workload process group, a corrupt journal, and refusals that
 * change nothing.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <signal.h>
#include <fcntl.h>
#include <unistd.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <cmocka.h>
#include <jansson.h>
#include "harness.h"
#include "machstate.h"

static char dir[] = "/tmp/mmscale-test-machstate.XXXXXX";
static char thp[4200], mthp[4200], aslr[4200], journal[4200], errlog[4200];

static void put(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");

	assert_non_null(f);
	fputs(text, f);
	assert_int_equal(fclose(f), 0);
}

static const char *cur(const char *path)
{
	static char buf[8][256];
	static int k;
	char *b = buf[k++ % 8];

	assert_int_equal(machstate_get(path, b, 256), 0);
	return b;
}

static int entries(void)
{
	json_t *o = json_load_file(journal, 0, NULL);
	int n = o ? (int)json_array_size(json_object_get(o, "entries")) : -1;

	json_decref(o);
	return n;
}

/* stderr into errlog while fn-like code runs: begin / end return the text */
static int saved_err = -1;
static void err_begin(void)
{
	int fd = open(errlog, O_WRONLY | O_CREAT | O_TRUNC, 0644);

	assert_true(fd >= 0);
	fflush(stderr);
	saved_err = dup(2);
	dup2(fd, 2);
	close(fd);
}

static char *err_end(void)
{
	static char text[8192];
	FILE *f;
	size_t n;

	fflush(stderr);
	dup2(saved_err, 2);
	close(saved_err);
	f = fopen(errlog, "r");
	n = f ? fread(text, 1, sizeof(text) - 1, f) : 0;
	text[n] = 0;
	if (f)
		fclose(f);
	return text;
}

static int count(const char *hay, const char *needle)
{
	int n = 0;

	for (const char *p = hay; (p = strstr(p, needle)); p++)
		n++;
	return n;
}

static int setup(void **s)
{
	char p[4200];

	if (!mkdtemp(dir))
		return -1;
	snprintf(p, sizeof(p), "%s/thp/hugepages-64kB", dir);
	if (mkdir_p(p))
		return -1;
	snprintf(thp, sizeof(thp), "%s/thp/enabled", dir);
	snprintf(mthp, sizeof(mthp), "%s/thp/hugepages-64kB/enabled", dir);
	snprintf(aslr, sizeof(aslr), "%s/randomize_va_space", dir);
	snprintf(journal, sizeof(journal), "%s/state/machstate.json", dir);
	snprintf(errlog, sizeof(errlog), "%s/stderr", dir);
	snprintf(p, sizeof(p), "%s/thp", dir);
	setenv("MMSCALE_THP_DIR", p, 1);
	setenv("MMSCALE_ASLR_FILE", aslr, 1);
	snprintf(p, sizeof(p), "%s/state", dir);
	setenv("MMSCALE_STATE_DIR", p, 1);
	return 0;
}

static int teardown(void **s)
{
	char cmd[4200];

	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	return system(cmd) ? -1 : 0;
}

/* The machine as a 6.18 kernel boots: THP madvise, mTHP never, ASLR 2. */
static int fresh(void **s)
{
	put(thp, "always [madvise] never\n");
	put(mthp, "always inherit madvise [never]\n");
	put(aslr, "2\n");
	unlink(journal);
	return 0;
}

/* Sets THP never, 64 kB mTHP always and ASLR 0; 0 or the failing step. */
static int set_all(void)
{
	char was[64], why[512];

	if (machstate_set(thp, "never", was, sizeof(was), why, sizeof(why)) || strcmp(was, "madvise")) {
		fprintf(stderr, "set_all: %s (was %s)\n", why, was);
		return 1;
	}
	if (machstate_set(mthp, "always", was, sizeof(was), why, sizeof(why)) || strcmp(was, "never"))
		return 2;
	if (machstate_set(aslr, "0", was, sizeof(was), why, sizeof(why)) || strcmp(was, "2"))
		return 3;
	return 0;
}

static void expect_original(void)
{
	assert_string_equal(cur(thp), "madvise");
	assert_string_equal(cur(mthp), "never");
	assert_string_equal(cur(aslr), "2");
}

static void test_get_reads_the_choice(void **s)
{
	assert_string_equal(cur(thp), "madvise");
	assert_string_equal(cur(mthp), "never");
	assert_string_equal(cur(aslr), "2");
}

/* Journaled before the change, back (and the journal gone) on restore. */
static void test_set_and_restore(void **s)
{
	assert_int_equal(set_all(), 0);
	assert_string_equal(cur(thp), "never");
	assert_string_equal(cur(mthp), "always");
	assert_string_equal(cur(aslr), "0");
	assert_int_equal(entries(), 3);
	machstate_restore();
	expect_original();
	assert_int_equal(entries(), -1);
}

/* A value already in force: nothing journaled, nothing owed. */
static void test_already_set(void **s)
{
	char was[64], why[256];

	assert_int_equal(machstate_set(thp, "madvise", was, sizeof(was), why, sizeof(why)), 0);
	assert_string_equal(was, "madvise");
	assert_int_equal(entries(), -1);
}

/* exit() without a restore: the atexit hook gives everything back. */
static void test_exit_restores(void **s)
{
	int status;
	pid_t pid = fork();

	assert_true(pid >= 0);
	if (pid == 0)
		exit(set_all() ? 9 : 0);
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_int_equal(WEXITSTATUS(status), 0);
	expect_original();
	assert_int_equal(entries(), -1);
}

/* SIGTERM in a program with no handler of its own: restore, exit 143. */
static void test_sigterm_restores(void **s)
{
	int status;
	pid_t pid = fork();

	assert_true(pid >= 0);
	if (pid == 0) {
		if (set_all())
			_exit(9);
		kill(getpid(), SIGTERM);
		pause();
		_exit(8);
	}
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFEXITED(status));
	assert_int_equal(WEXITSTATUS(status), 128 + SIGTERM);
	expect_original();
	/* the handler leaves the journal; the next command drops it quietly */
	err_begin();
	assert_int_equal(machstate_recover(), 0);
	assert_int_equal(count(err_end(), "WARNING"), 0);
	assert_int_equal(entries(), -1);
}

/* A program that stops on a flag (the runner): the signal only sets it,
 * the settings stay until the program restores in ordinary code. */
static volatile sig_atomic_t stopped;
static void on_stop(int sig)
{
	stopped = sig;
}

static void test_stop_handler(void **s)
{
	int status;
	pid_t pid = fork();

	assert_true(pid >= 0);
	if (pid == 0) {
		machstate_signals(on_stop);
		if (set_all())
			_exit(9);
		kill(getpid(), SIGINT);
		if (stopped != SIGINT || strcmp(cur(thp), "never"))
			_exit(7);
		machstate_restore();
		_exit(strcmp(cur(thp), "madvise") ? 6 : 0);
	}
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFEXITED(status));
	assert_int_equal(WEXITSTATUS(status), 0);
	expect_original();
	assert_int_equal(entries(), -1);
}

/* Forks a holder that sets everything and waits to be killed. */
static pid_t killed_holder(void)
{
	int p[2], status;
	char c = 0;
	pid_t pid;

	assert_int_equal(pipe(p), 0);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		c = (char)('0' + set_all());
		(void)!write(p[1], &c, 1);
		pause();
		_exit(0);
	}
	assert_int_equal(read(p[0], &c, 1), 1);
	assert_int_equal(c, '0');
	close(p[0]);
	close(p[1]);
	kill(pid, SIGKILL);
	assert_int_equal(waitpid(pid, &status, 0), pid);
	return pid;
}

/* kill -9: everything stays changed; the next process restores all of it
 * with one warning that names the holder. */
static void test_sigkill_recovered(void **s)
{
	char pidtext[32], *err;
	pid_t pid = killed_holder();

	assert_string_equal(cur(thp), "never");
	assert_string_equal(cur(mthp), "always");
	assert_string_equal(cur(aslr), "0");
	assert_int_equal(entries(), 3);
	err_begin();
	assert_int_equal(machstate_recover(), 0);
	err = err_end();
	expect_original();
	assert_int_equal(entries(), -1);
	snprintf(pidtext, sizeof(pidtext), "pid %d ", (int)pid);
	assert_int_equal(count(err, "WARNING"), 1);
	assert_int_equal(count(err, "\n"), 1);
	assert_non_null(strstr(err, pidtext));
	assert_non_null(strstr(err, "hugepages-64kB/enabled 'always' -> 'never'"));
	/* a second recovery has nothing left to say */
	err_begin();
	assert_int_equal(machstate_recover(), 0);
	assert_string_equal(err_end(), "");
}

/* A new holder of a file a dead holder left changed keeps the machine's
 * own original (what --resume after kill -9 needs). */
static void test_inherits_dead_original(void **s)
{
	char was[64], why[256];

	killed_holder();
	assert_int_equal(machstate_set(thp, "never", was, sizeof(was), why, sizeof(why)), 0);
	assert_string_equal(was, "madvise");
	assert_int_equal(machstate_set(thp, "always", was, sizeof(was), why, sizeof(why)), 0);
	assert_string_equal(was, "madvise");
	machstate_restore();
	assert_string_equal(cur(thp), "madvise");
	/* the dead holder's other entries wait for a recovery */
	assert_int_equal(entries(), 2);
	err_begin();
	assert_int_equal(machstate_recover(), 0);
	err_end();
	expect_original();
}

/* A killed holder's workload group (a stuck client in its own process
 * group) is killed by the next process's recovery. */
static void test_orphan_group_killed(void **s)
{
	int p[2], status;
	pid_t holder, client = 0;
	char buf[256], *err;

	assert_int_equal(pipe(p), 0);
	holder = fork();
	assert_true(holder >= 0);
	if (holder == 0) {
		pid_t c = fork();

		if (c == 0) {
			setpgid(0, 0);
			for (;;)
				pause();
		}
		setpgid(c, c);
		machstate_hold_group(c, "test client");
		(void)!write(p[1], &c, sizeof(c));
		pause();
		_exit(0);
	}
	assert_int_equal(read(p[0], &client, sizeof(client)), sizeof(client));
	close(p[0]);
	close(p[1]);
	assert_int_equal(entries(), 1);
	kill(holder, SIGKILL);
	assert_int_equal(waitpid(holder, &status, 0), holder);
	assert_int_equal(kill(client, 0), 0);	/* the orphan lives on */
	assert_int_equal(machstate_orphans(buf, sizeof(buf)), 1);
	assert_non_null(strstr(buf, "test client"));
	err_begin();
	assert_int_equal(machstate_recover(), 0);
	err = err_end();
	assert_non_null(strstr(err, "killed 1 process(es) of its workload (test client)"));
	/* gone (a zombie of init at most, which kill(0) cannot tell apart) */
	assert_int_equal(machstate_orphans(buf, sizeof(buf)), 0);
	assert_int_equal(entries(), -1);
}

/* A journal that cannot be read: nothing is changed, one warning. */
static void test_corrupt_journal(void **s)
{
	char was[64], why[256], p[4200], *err;
	int rc1, rc2, rec;

	snprintf(p, sizeof(p), "%s/state", dir);
	mkdir_p(p);
	put(journal, "{\"entries\": [ {\"path\": ");
	err_begin();
	rc1 = machstate_set(thp, "never", was, sizeof(was), why, sizeof(why));
	rc2 = machstate_set(aslr, "0", was, sizeof(was), why, sizeof(why));
	rec = machstate_recover();
	err = err_end();
	assert_int_equal(rc1, EXIT_FAIL);
	assert_int_equal(rc2, EXIT_FAIL);
	assert_non_null(strstr(why, "unreadable"));
	assert_int_equal(rec, 1);
	assert_int_equal(count(err, "WARNING"), 1);
	expect_original();
	unlink(journal);
}

/* A file that cannot be written: refused before the journal, unchanged. */
static void test_unwritable(void **s)
{
	char was[64], why[512], p[4200];

	snprintf(p, sizeof(p), "%s/thp", dir);	/* a directory: EISDIR */
	put(thp, "always [madvise] never\n");
	assert_int_equal(machstate_set(p, "x", was, sizeof(was), why, sizeof(why)), EXIT_UNSUPP);
	snprintf(p, sizeof(p), "%s/nonexistent", dir);
	assert_int_equal(machstate_set(p, "x", was, sizeof(was), why, sizeof(why)), EXIT_UNSUPP);
	assert_int_equal(strncmp(why, "unavailable: ", 13), 0);
	assert_int_equal(entries(), -1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup(test_get_reads_the_choice, fresh),
		cmocka_unit_test_setup(test_set_and_restore, fresh),
		cmocka_unit_test_setup(test_already_set, fresh),
		cmocka_unit_test_setup(test_exit_restores, fresh),
		cmocka_unit_test_setup(test_sigterm_restores, fresh),
		cmocka_unit_test_setup(test_stop_handler, fresh),
		cmocka_unit_test_setup(test_sigkill_recovered, fresh),
		cmocka_unit_test_setup(test_inherits_dead_original, fresh),
		cmocka_unit_test_setup(test_orphan_group_killed, fresh),
		cmocka_unit_test_setup(test_corrupt_journal, fresh),
		cmocka_unit_test_setup(test_unwritable, fresh),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
