/*
 * msr.c - read and write model-specific registers through /dev/cpu/N/msr and
 * decide from cpuinfo which prefetcher bits a CPU has.
 *
 * The facts (reference section 6): MSR 0x1A4 bits 0-3 disable the L2
 * streamer, the L2 adjacent line, the DCU next line and the DCU IP
 * prefetchers on Intel cores from Nehalem on; Goldmont-class Atoms reserve
 * bit 1; Core 2 parts have only the adjacent line disable, as bit 19 of
 * IA32_MISC_ENABLE (0x1A0).  AMD has no documented adjacent-pair toggle.
 * A model that is not in the tables below is refused: writing a reserved
 * MSR bit faults (#GP) at best.
 */
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <hwloc.h>
#include "harness.h"
#include "prefetch.h"
#include "msr.h"

static const char *env_or(const char *var, const char *def)
{
	const char *v = getenv(var);

	return v && *v ? v : def;
}

const char *msr_root(void)
{
	return env_or("MMSCALE_MSR_ROOT", "/dev/cpu");
}

void msr_path(const char *root, int cpu, char *buf, size_t n)
{
	snprintf(buf, n, "%s/%d/msr", root, cpu);
}

/* ---- which CPU is this ------------------------------------------------- */

struct model {
	int model;
	const char *name;
};

/* Intel family 6 cores documented with MSR 0x1A4 bits 0-3.  Hybrid parts
 * (Alder Lake and later client) are left out on purpose: their E-cores do
 * not share the P-cores' documented layout. */
static const struct model core_models[] = {
	{ 0x1a, "Nehalem-EP" }, { 0x1e, "Nehalem" }, { 0x1f, "Nehalem" },
	{ 0x2e, "Nehalem-EX" }, { 0x25, "Westmere" }, { 0x2c, "Westmere-EP" },
	{ 0x2f, "Westmere-EX" }, { 0x2a, "Sandy Bridge" }, { 0x2d, "Sandy Bridge-EP" },
	{ 0x3a, "Ivy Bridge" }, { 0x3e, "Ivy Bridge-EP" }, { 0x3c, "Haswell" },
	{ 0x3f, "Haswell-EP" }, { 0x45, "Haswell-ULT" }, { 0x46, "Haswell-GT3e" },
	{ 0x3d, "Broadwell" }, { 0x47, "Broadwell-GT3e" }, { 0x4f, "Broadwell-EP" },
	{ 0x56, "Broadwell-DE" }, { 0x4e, "Skylake-U" }, { 0x5e, "Skylake" },
	{ 0x55, "Skylake-SP" }, { 0x8e, "Kaby Lake-U" }, { 0x9e, "Kaby/Coffee Lake" },
	{ 0x66, "Cannon Lake" }, { 0x6a, "Ice Lake-SP" }, { 0x6c, "Ice Lake-D" },
	{ 0x7d, "Ice Lake" }, { 0x7e, "Ice Lake-U" }, { 0x8c, "Tiger Lake-U" },
	{ 0x8d, "Tiger Lake" }, { 0xa5, "Comet Lake" }, { 0xa6, "Comet Lake-U" },
	{ 0xa7, "Rocket Lake" }, { 0x8f, "Sapphire Rapids" }, { 0xcf, "Emerald Rapids" },
};
/* Goldmont-class Atoms: 0x1A4 with bit 1 reserved. */
static const struct model goldmont_models[] = {
	{ 0x5c, "Goldmont" }, { 0x5f, "Goldmont-D (Denverton)" }, { 0x7a, "Goldmont Plus" },
};
/* Core 2: IA32_MISC_ENABLE bit 19 only. */
static const struct model core2_models[] = {
	{ 0x0f, "Core 2 (Merom)" }, { 0x16, "Core 2 (Merom-L)" },
	{ 0x17, "Core 2 (Penryn)" }, { 0x1d, "Core 2 (Dunnington)" },
};

static const struct model *find_model(const struct model *t, size_t n, int model)
{
	for (size_t i = 0; i < n; i++)
		if (t[i].model == model)
			return &t[i];
	return NULL;
}
#define FIND(t, m) find_model((t), sizeof(t) / sizeof((t)[0]), (m))

/* The first CPU's vendor, family and model: the kernel does not mix them. */
static int read_cpuinfo(struct msr_hw *hw, char *why, size_t n)
{
	const char *path = env_or("MMSCALE_CPUINFO", "/proc/cpuinfo");
	FILE *f = fopen(path, "r");
	char line[512];
	bool fam = false, mod = false;

	if (!f) {
		snprintf(why, n, "unavailable: cannot read %s: %s", path, strerror(errno));
		return EXIT_NORES;
	}
	hw->family = hw->model = -1;
	while (fgets(line, sizeof(line), f) && !(hw->vendor[0] && fam && mod)) {
		char *colon = strchr(line, ':'), *end;

		if (!colon)
			continue;
		/* the key is what precedes the colon, less its padding */
		for (end = colon; end > line && isspace((unsigned char)end[-1]); end--)
			;
		*end = 0;
		if (!strcmp(line, "vendor_id") && !hw->vendor[0])
			(void)sscanf(colon + 1, " %15s", hw->vendor);
		else if (!strcmp(line, "cpu family") && !fam)
			fam = sscanf(colon + 1, "%d", &hw->family) == 1;
		else if (!strcmp(line, "model") && !mod)
			mod = sscanf(colon + 1, "%d", &hw->model) == 1;
	}
	fclose(f);
	if (!hw->vendor[0] || !fam || !mod) {
		snprintf(why, n, "unsupported: %s has no vendor_id, cpu family and model (not x86?)", path);
		return EXIT_UNSUPP;
	}
	return 0;
}

int msr_detect(struct msr_hw *hw, char *why, size_t n)
{
	const struct model *m;
	int rc;

	memset(hw, 0, sizeof(*hw));
	rc = read_cpuinfo(hw, why, n);
	if (rc)
		return rc;
	if (!strcmp(hw->vendor, "AuthenticAMD") || !strcmp(hw->vendor, "HygonGenuine")) {
		snprintf(why, n, "unsupported: %s family %d model %d: AMD documents no adjacent cache line prefetcher toggle",
			 hw->vendor, hw->family, hw->model);
		return EXIT_UNSUPP;
	}
	if (strcmp(hw->vendor, "GenuineIntel")) {
		snprintf(why, n, "unsupported: CPU vendor %s: no documented prefetcher control", hw->vendor);
		return EXIT_UNSUPP;
	}
	if (hw->family == 6 && (m = FIND(core_models, hw->model))) {
		hw->msr = MSR_MISC_FEATURE_CONTROL;
		hw->which = PF_ALL;
	} else if (hw->family == 6 && (m = FIND(goldmont_models, hw->model))) {
		hw->msr = MSR_MISC_FEATURE_CONTROL;
		hw->which = PF_ALL & ~PF_ADJACENT;
	} else if (hw->family == 6 && (m = FIND(core2_models, hw->model))) {
		hw->msr = MSR_IA32_MISC_ENABLE;
		hw->which = PF_ADJACENT;
	} else {
		snprintf(why, n, "unsupported: Intel family %d model %d (0x%x) is not a part with documented prefetcher control bits",
			 hw->family, hw->model, hw->model);
		return EXIT_UNSUPP;
	}
	snprintf(hw->name, sizeof(hw->name), "%s", m->name);
	return 0;
}

uint64_t msr_disable_bits(const struct msr_hw *hw, unsigned which)
{
	if (hw->msr == MSR_IA32_MISC_ENABLE)
		return which & PF_ADJACENT ? 1ull << 19 : 0;
	/* 0x1A4: enum pf_which is the bit layout itself */
	return which & hw->which & PF_ALL;
}

/* ---- which CPUs ------------------------------------------------------- */

static int read_small(const char *path, char *buf, size_t n)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	ssize_t got;

	if (fd < 0)
		return -1;
	got = read(fd, buf, n - 1);
	close(fd);
	if (got < 0)
		return -1;
	buf[got] = 0;
	return 0;
}

/* The lowest CPU sharing cpu's core, or cpu when the topology is unknown. */
static int core_leader(const char *sysfs, int cpu)
{
	static const char *const files[] = { "thread_siblings_list", "core_cpus_list" };
	char path[4096], buf[256];
	hwloc_bitmap_t set;
	int leader = cpu;

	for (size_t i = 0; i < 2; i++) {
		snprintf(path, sizeof(path), "%s/cpu%d/topology/%s", sysfs, cpu, files[i]);
		if (read_small(path, buf, sizeof(buf)))
			continue;
		set = hwloc_bitmap_alloc();
		if (set && !hwloc_bitmap_list_sscanf(set, buf) && hwloc_bitmap_first(set) >= 0)
			leader = hwloc_bitmap_first(set);
		hwloc_bitmap_free(set);
		break;
	}
	return leader;
}

static int cmp_int(const void *a, const void *b)
{
	return *(const int *)a - *(const int *)b;
}

/* No sysfs: every numbered directory of the MSR root, each its own core. */
static int cpus_from_root(struct msr_cpu **out, char *why, size_t n)
{
	const char *root = msr_root();
	DIR *d = opendir(root);
	struct dirent *e;
	int *ids = NULL, cnt = 0;

	if (!d) {
		if (errno == ENOENT)
			snprintf(why, n, "unavailable: no %s: the msr driver is not loaded (modprobe msr)", root);
		else
			snprintf(why, n, "unavailable: %s: %s", root, strerror(errno));
		return -1;
	}
	while ((e = readdir(d))) {
		char *end;
		long v = strtol(e->d_name, &end, 10);
		int *grown;

		if (end == e->d_name || *end || v < 0)
			continue;
		grown = realloc(ids, (size_t)(cnt + 1) * sizeof(*ids));
		if (!grown)
			break;
		ids = grown;
		ids[cnt++] = (int)v;
	}
	closedir(d);
	qsort(ids, (size_t)cnt, sizeof(*ids), cmp_int);
	*out = calloc(cnt ? (size_t)cnt : 1, sizeof(**out));
	for (int i = 0; *out && i < cnt; i++)
		(*out)[i] = (struct msr_cpu){ .cpu = ids[i], .leader = ids[i] };
	free(ids);
	if (!*out || !cnt) {
		free(*out);
		*out = NULL;
		snprintf(why, n, "unavailable: no CPU directories under %s: the msr driver is not loaded (modprobe msr)", root);
		return -1;
	}
	return cnt;
}

int msr_cpus(struct msr_cpu **out, char *why, size_t n)
{
	const char *sysfs = env_or("MMSCALE_SYSFS_CPU", "/sys/devices/system/cpu");
	char path[4096], buf[1024];
	hwloc_bitmap_t set;
	int cpu, cnt = 0;

	*out = NULL;
	snprintf(path, sizeof(path), "%s/online", sysfs);
	if (read_small(path, buf, sizeof(buf)))
		return cpus_from_root(out, why, n);
	set = hwloc_bitmap_alloc();
	if (!set || hwloc_bitmap_list_sscanf(set, buf) || hwloc_bitmap_weight(set) <= 0) {
		hwloc_bitmap_free(set);
		return cpus_from_root(out, why, n);
	}
	*out = calloc((size_t)hwloc_bitmap_weight(set), sizeof(**out));
	if (!*out) {
		hwloc_bitmap_free(set);
		snprintf(why, n, "out of memory");
		return -1;
	}
	hwloc_bitmap_foreach_begin(cpu, set)
		(*out)[cnt++] = (struct msr_cpu){ .cpu = cpu, .leader = core_leader(sysfs, cpu) };
	hwloc_bitmap_foreach_end();
	hwloc_bitmap_free(set);
	return cnt;
}

/* ---- the registers ----------------------------------------------------- */

bool msr_locked_down(char *why, size_t n)
{
	const char *path = env_or("MMSCALE_LOCKDOWN", "/sys/kernel/security/lockdown");
	char buf[256], *sel, *end;

	if (read_small(path, buf, sizeof(buf)))
		return false;	/* no lockdown LSM: nothing forbids writes */
	sel = strchr(buf, '[');
	end = sel ? strchr(sel, ']') : NULL;
	if (!sel || !end)
		return false;
	*end = 0;
	if (!strcmp(sel + 1, "none"))
		return false;
	snprintf(why, n, "unavailable: kernel lockdown is '%s' (%s): MSR writes are forbidden", sel + 1, path);
	return true;
}

/* The reason an open of the MSR device failed, naming the fix. */
static void open_reason(int err, const char *path, char *why, size_t n)
{
	switch (err) {
	case ENOENT:
	case ENODEV:
		snprintf(why, n, "unavailable: %s missing: the msr driver is not loaded (modprobe msr)", path);
		break;
	case EACCES:
	case EPERM:
		snprintf(why, n, "unavailable: %s: %s: needs root with CAP_SYS_RAWIO", path, strerror(err));
		break;
	case ENXIO:
		snprintf(why, n, "unavailable: %s: the CPU is offline", path);
		break;
	case EIO:
		snprintf(why, n, "unavailable: %s: %s: the CPU has no MSRs (or a hypervisor hides them)", path, strerror(err));
		break;
	default:
		snprintf(why, n, "unavailable: %s: %s", path, strerror(err));
	}
}

int msr_read(const char *root, int cpu, uint32_t reg, uint64_t *val, char *why, size_t n)
{
	char path[4096];
	ssize_t got;
	int fd, err;

	msr_path(root, cpu, path, sizeof(path));
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		err = errno;
		open_reason(err, path, why, n);
		return err;
	}
	got = pread(fd, val, sizeof(*val), reg);
	err = got < 0 ? errno : 0;
	close(fd);
	if (got == (ssize_t)sizeof(*val))
		return 0;
	/* rdmsr of an MSR the CPU (or the hypervisor) does not implement
	 * faults and the driver says EIO; a short file in a fake tree is the
	 * same situation */
	if (!err || err == EIO) {
		snprintf(why, n, "unavailable: reading MSR 0x%x on cpu %d: Input/output error: the CPU does not implement it, or a hypervisor hides it",
			 reg, cpu);
		return EIO;
	}
	snprintf(why, n, "unavailable: reading MSR 0x%x from %s: %s", reg, path, strerror(err));
	return err;
}

static void write_reason(int err, uint32_t reg, int cpu, char *why, size_t n)
{
	char buf[64];

	if (err == EPERM && msr_locked_down(why, n))
		return;
	if (err == EPERM && !read_small("/sys/module/msr/parameters/allow_writes", buf, sizeof(buf)) &&
	    !strncmp(buf, "off", 3)) {
		snprintf(why, n, "unavailable: writing MSR 0x%x on cpu %d: msr.allow_writes=off", reg, cpu);
		return;
	}
	if (err == EIO) {
		snprintf(why, n, "unavailable: writing MSR 0x%x on cpu %d: Input/output error: the CPU or a hypervisor refuses it",
			 reg, cpu);
		return;
	}
	snprintf(why, n, "unavailable: writing MSR 0x%x on cpu %d: %s%s", reg, cpu, strerror(err),
		 err == EPERM ? ": needs CAP_SYS_RAWIO" : "");
}

int msr_write(const char *root, int cpu, uint32_t reg, uint64_t val, char *why, size_t n)
{
	char path[4096];
	ssize_t put;
	int fd, err;

	msr_path(root, cpu, path, sizeof(path));
	fd = open(path, O_WRONLY | O_CLOEXEC);
	if (fd < 0) {
		err = errno;
		open_reason(err, path, why, n);
		return err;
	}
	put = pwrite(fd, &val, sizeof(val), reg);
	err = put < 0 ? errno : 0;
	close(fd);
	if (put == (ssize_t)sizeof(val))
		return 0;
	if (!err)
		err = EIO;
	write_reason(err, reg, cpu, why, n);
	return err;
}

int msr_check_writable(const char *root, int cpu, char *why, size_t n)
{
	char path[4096];
	int fd, err;

	if (msr_locked_down(why, n))
		return EPERM;
	msr_path(root, cpu, path, sizeof(path));
	fd = open(path, O_WRONLY | O_CLOEXEC);
	if (fd < 0) {
		err = errno;
		open_reason(err, path, why, n);
		return err;
	}
	close(fd);
	return 0;
}
