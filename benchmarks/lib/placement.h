/*
 * placement.h - which CPU each client runs on, planned with hwloc.
 *   cores:  one client per core in hwloc logical order, filling a package
 *           before the next; SMT siblings only once every core has one
 *   pus:    PUs in logical order (SMT siblings adjacent)
 *   spread: round robin across packages (NUMA nodes if there is one
 *           package), each package in `cores` order
 *   none:   unpinned (-1)
 */
#ifndef MMSCALE_PLACEMENT_H
#define MMSCALE_PLACEMENT_H
#include <hwloc.h>

enum placement { PLACE_CORES, PLACE_PUS, PLACE_SPREAD, PLACE_NONE };
extern const char *const placement_names[];	/* indexed by enum placement */

/* Load the machine's topology, or a synthetic one ("pack:2 core:14 pu:2")
 * when synthetic is non-NULL.  Returns NULL with a message printed. */
hwloc_topology_t placement_topology(const char *synthetic);
int placement_ncpus(hwloc_topology_t topo);
/* Fill cpus[0..n-1] with OS PU indexes (-1 for PLACE_NONE).  With more
 * clients than PUs the order wraps around (the caller decides whether that
 * is allowed).  Returns 0. */
int placement_plan(hwloc_topology_t topo, enum placement p, int n, int *cpus);
/* "threads:2 cores:2 packages:1 numa:1" */
void placement_summary(hwloc_topology_t topo, char *buf, size_t len);

#endif
