/* The memory.stat poll source: on kernels without memcg:count_memcg_events, memcg-run
 * reads the event counters of each bound cgroup's memory.stat every period and feeds
 * their growth to the object's counters through its test entry (TEST_EVENT), so the
 * rules count what the tracepoint would have counted. */
#ifndef MEMCGC_POLL_H
#define MEMCGC_POLL_H

#include <stdint.h>
#include <stdio.h>

struct run;

enum { POLL_ITEMS = 32, POLL_CGROUPS = 64 };

/* The memory.stat key of a kernel event item (enum vm_event_item name), or NULL when
 * memory.stat has none. */
const char *poll_stat_key(const char *item);

struct poll_source {
	int nitems;
	char items[POLL_ITEMS][32];     /* the kernel items the policy's counters read */
	const char *keys[POLL_ITEMS];   /* their memory.stat keys (NULL: none) */
	int64_t values[POLL_ITEMS];     /* their enum vm_event_item values in this kernel */
	struct {
		uint64_t id;            /* the cgroup last read at this slot (0: none yet) */
		uint64_t last[POLL_ITEMS];
	} slots[POLL_CGROUPS];
};

/* The items of r's counters, their keys, and their values from this kernel's BTF. 0, or
 * -1 with a one-line reason in why. */
int poll_open(struct poll_source *p, const struct run *r, char *why, size_t size);

/* Reads each bound cgroup's memory.stat and feeds what grew since the last read. */
void poll_tick(struct poll_source *p, struct run *r, uint64_t now_ns);

/* "memory.stat polled every 100 ms (PGFAULT <- pgfault, ...)" and the items memory.stat
 * lacks, for the start lines. */
void poll_describe(const struct poll_source *p, double period, FILE *out);

struct binding;
/* The mask of policy cgroups a cgroup id belongs to (the last scan's). */
uint64_t poll_mask_of(const struct binding *b, uint64_t id);
/* Counts `val` of kernel item `item` in cgroup `id` at `now`, through the test entry. */
void poll_feed(const struct run *r, uint64_t id, int64_t item, uint64_t val, uint64_t now);

/* What to feed each of n cgroups so that every policy cgroup's counters grow by its own
 * delta: a cgroup's events are counted in every policy cgroup of its mask (those at or
 * above it), and memory.stat already counts a cgroup's descendants, so a bound cgroup
 * gets its delta less what the bound cgroups below it are fed (never below 0). */
void poll_nest(int n, const uint64_t *masks, const uint64_t *delta, uint64_t *feed);

#endif
