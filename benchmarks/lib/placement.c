/*
 * placement.c - plan which CPU each client runs on, from the hwloc topology.
 * The plan is pure (a list of OS PU indexes), so it is tested on synthetic
 * topologies; pinning to it is the harness's job.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "harness.h"
#include "placement.h"

const char *const placement_names[] = {
	[PLACE_CORES] = "cores", [PLACE_PUS] = "pus",
	[PLACE_SPREAD] = "spread", [PLACE_NONE] = "none",
};

/* hwloc builds every object of a synthetic topology, so a typo such as
 * "pack:99999 core:99999 pu:99999" runs for minutes: refuse more PUs than a
 * run may have clients, and more objects than that topology could hold. */
#define SYNTH_MAX_PUS 65536
#define SYNTH_MAX_OBJS (4 * SYNTH_MAX_PUS)

static int synthetic_too_big(const char *synthetic)
{
	double level = 1, objs = 0;
	const char *p = synthetic;

	while (*p) {
		const char *tok = p + strspn(p, " \t"), *colon;
		size_t len = strcspn(tok, " \t");
		char *end;
		double n;

		if (!len)
			break;
		colon = memchr(tok, ':', len);
		n = strtod(colon ? colon + 1 : tok, &end);
		if (end > (colon ? colon + 1 : tok) && n > 0) {
			level *= n;
			objs += level;
		}
		p = tok + len;
	}
	if (level <= SYNTH_MAX_PUS && objs <= SYNTH_MAX_OBJS)
		return 0;
	errmsg(0, "--topology: '%s' has %.0f PUs (%.0f objects); at most %d PUs "
	       "(%d objects) can be planned", synthetic, level, objs, SYNTH_MAX_PUS, SYNTH_MAX_OBJS);
	return -1;
}

hwloc_topology_t placement_topology(const char *synthetic)
{
	hwloc_topology_t topo;

	/*
	 * Placement needs CPUs and NUMA nodes only.  The I/O and XML plugins
	 * (libhwloc-plugins: pci, gl, opencl, xml_libxml) would map libxml2,
	 * ICU, libpciaccess... into every workload, and a bigger process
	 * image makes each fork of fork-exit dearer.  A user's own setting wins.
	 */
	setenv("HWLOC_PLUGINS_BLACKLIST", "hwloc_pci,hwloc_gl,hwloc_opencl,hwloc_xml_libxml", 0);
	if (synthetic && synthetic_too_big(synthetic))
		return NULL;
	if (hwloc_topology_init(&topo)) {
		errmsg(0, "hwloc: cannot initialise a topology");
		return NULL;
	}
	if (synthetic && hwloc_topology_set_synthetic(topo, synthetic)) {
		errmsg(0, "--topology: '%s' is not a valid hwloc synthetic topology", synthetic);
		hwloc_topology_destroy(topo);
		return NULL;
	}
	if (hwloc_topology_load(topo)) {
		errmsg(0, "hwloc: cannot load the topology");
		hwloc_topology_destroy(topo);
		return NULL;
	}
	return topo;
}

int placement_ncpus(hwloc_topology_t topo)
{
	return hwloc_get_nbobjs_by_type(topo, HWLOC_OBJ_PU);
}

/*
 * All PUs within `set` (NULL: the machine) in "cores" order:
 * the first PU of every core in logical order, then every core's second PU,
 * and so on.  Machines that expose no cores count each PU as one.
 */
static int cores_order(hwloc_topology_t topo, hwloc_const_cpuset_t set, int *out)
{
	int ncores = hwloc_get_nbobjs_by_type(topo, HWLOC_OBJ_CORE);
	int npus = hwloc_get_nbobjs_by_type(topo, HWLOC_OBJ_PU);
	int n = 0;

	if (ncores <= 0) {
		for (int i = 0; i < npus; i++) {
			hwloc_obj_t pu = hwloc_get_obj_by_type(topo, HWLOC_OBJ_PU, i);

			if (!set || hwloc_bitmap_isset(set, pu->os_index))
				out[n++] = (int)pu->os_index;
		}
		return n;
	}
	for (int round = 0; n < npus; round++) {
		int took = 0;

		for (int c = 0; c < ncores; c++) {
			hwloc_obj_t core = hwloc_get_obj_by_type(topo, HWLOC_OBJ_CORE, c);
			hwloc_obj_t pu;

			if (set && !hwloc_bitmap_isincluded(core->cpuset, set))
				continue;
			pu = hwloc_get_obj_inside_cpuset_by_type(topo, core->cpuset,
								 HWLOC_OBJ_PU, round);
			if (pu) {
				out[n++] = (int)pu->os_index;
				took++;
			}
		}
		if (!took)
			break;
	}
	return n;
}

/* Packages if there are several, else NUMA nodes if several, else none. */
static hwloc_obj_type_t spread_domain(hwloc_topology_t topo)
{
	if (hwloc_get_nbobjs_by_type(topo, HWLOC_OBJ_PACKAGE) > 1)
		return HWLOC_OBJ_PACKAGE;
	if (hwloc_get_nbobjs_by_type(topo, HWLOC_OBJ_NUMANODE) > 1)
		return HWLOC_OBJ_NUMANODE;
	return HWLOC_OBJ_MACHINE;
}

static int spread_order(hwloc_topology_t topo, int *out)
{
	hwloc_obj_type_t t = spread_domain(topo);
	int ndom = hwloc_get_nbobjs_by_type(topo, t);
	int npus = placement_ncpus(topo);
	int **dom, *len, *pos;
	int n = 0;

	/* hwloc says -1 when the type sits at several depths: no domains to
	 * alternate, so plain core order (and calloc never sees a size_t -1) */
	if (ndom < 1 || npus < 1)
		return cores_order(topo, NULL, out);
	dom = calloc((size_t)ndom, sizeof(*dom));
	len = calloc((size_t)ndom, sizeof(*len));
	pos = calloc((size_t)ndom, sizeof(*pos));
	if (!dom || !len || !pos)
		die(EXIT_NORES, ENOMEM, "placement");
	for (int d = 0; d < ndom; d++) {
		hwloc_obj_t obj = hwloc_get_obj_by_type(topo, t, d);

		dom[d] = malloc(sizeof(int) * (size_t)npus);
		if (!dom[d])
			die(EXIT_NORES, ENOMEM, "placement");
		len[d] = cores_order(topo, obj->cpuset, dom[d]);
	}
	while (n < npus) {
		int took = 0;

		for (int d = 0; d < ndom; d++)
			if (pos[d] < len[d]) {
				out[n++] = dom[d][pos[d]++];
				took++;
			}
		if (!took)
			break;
	}
	for (int d = 0; d < ndom; d++)
		free(dom[d]);
	free(dom);
	free(len);
	free(pos);
	return n;
}

int placement_plan(hwloc_topology_t topo, enum placement p, int n, int *cpus)
{
	int npus = placement_ncpus(topo);
	int *order = malloc(sizeof(int) * (npus > 0 ? npus : 1));
	int len = 0;

	if (!order)
		die(EXIT_NORES, ENOMEM, "placement");
	switch (p) {
	case PLACE_CORES:
		len = cores_order(topo, NULL, order);
		break;
	case PLACE_PUS:
		for (int i = 0; i < npus; i++)
			order[len++] = (int)hwloc_get_obj_by_type(topo, HWLOC_OBJ_PU, i)->os_index;
		break;
	case PLACE_SPREAD:
		len = spread_order(topo, order);
		break;
	case PLACE_NONE:
		break;
	}
	for (int i = 0; i < n; i++)
		cpus[i] = len ? order[i % len] : -1;
	free(order);
	return 0;
}

void placement_summary(hwloc_topology_t topo, char *buf, size_t len)
{
	snprintf(buf, len, "packages:%d numa:%d cores:%d pus:%d",
		 hwloc_get_nbobjs_by_type(topo, HWLOC_OBJ_PACKAGE),
		 hwloc_get_nbobjs_by_type(topo, HWLOC_OBJ_NUMANODE),
		 hwloc_get_nbobjs_by_type(topo, HWLOC_OBJ_CORE),
		 hwloc_get_nbobjs_by_type(topo, HWLOC_OBJ_PU));
}
