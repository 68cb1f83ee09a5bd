/*
 * msr.h - model-specific register access through the msr driver, and which
 * prefetcher bits a CPU model has.  Only prefetch.c uses this; it is apart so
 * that the journal logic there reads without the device details.
 *
 * Roots (for tests: a fake tree of regular files works the same way):
 *   $MMSCALE_MSR_ROOT   default /dev/cpu        (N/msr, pread/pwrite at the MSR)
 *   $MMSCALE_SYSFS_CPU  default /sys/devices/system/cpu (online, cpuN/topology)
 *   $MMSCALE_CPUINFO    default /proc/cpuinfo
 *   $MMSCALE_LOCKDOWN   default /sys/kernel/security/lockdown
 */
#ifndef MMSCALE_MSR_H
#define MMSCALE_MSR_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define MSR_MISC_FEATURE_CONTROL 0x1a4	/* Nehalem+: bits 0-3, set = disabled */
#define MSR_IA32_MISC_ENABLE	 0x1a0	/* Core 2: bit 19 adjacent line disable */

/* What the CPU model lets us control. */
struct msr_hw {
	char vendor[16];
	int family, model;
	char name[48];		/* "Broadwell", "Core 2", ... */
	uint32_t msr;		/* 0 when unsupported */
	unsigned which;		/* enum pf_which bits that exist on this part */
};

/* Fill hw from cpuinfo.  Returns 0, or EXIT_UNSUPP / EXIT_NORES with
 * "unsupported: why" (or the read error) in why. */
int msr_detect(struct msr_hw *hw, char *why, size_t n);
/* The MSR bits that disable the prefetchers in which (enum pf_which). */
uint64_t msr_disable_bits(const struct msr_hw *hw, unsigned which);

/* One online CPU and the lowest-numbered CPU of its core (its SMT siblings
 * share the MSR, so only that one is written). */
struct msr_cpu {
	int cpu;
	int leader;
};
/* Online CPUs from sysfs, or the numbered directories of the MSR root when
 * sysfs is unreadable (then every CPU is its own leader).  Returns the count
 * or -1 with why filled. */
int msr_cpus(struct msr_cpu **out, char *why, size_t n);

const char *msr_root(void);
void msr_path(const char *root, int cpu, char *buf, size_t n);
/* 0, or an errno with a one-line reason (naming the fix) in why.  The
 * reason for a missing device, missing privilege, kernel lockdown or a
 * hypervisor hiding the MSR is specific. */
int msr_read(const char *root, int cpu, uint32_t reg, uint64_t *val, char *why, size_t n);
int msr_write(const char *root, int cpu, uint32_t reg, uint64_t val, char *why, size_t n);
/* Can the MSR of cpu be opened for writing? (no write is done) */
int msr_check_writable(const char *root, int cpu, char *why, size_t n);
/* Does kernel lockdown forbid MSR writes?  Reason in why. */
bool msr_locked_down(char *why, size_t n);

#endif
