/* Signals: per-cgroup event rates read from the `memcg:count_memcg_events` tracepoint,
 * and shares of time stalled on memory read from memory.pressure. One table says which
 * `enum vm_event_item` enumerators each signal adds up, or which memory.pressure line. */
#ifndef MEMCGC_SIGNALS_H
#define MEMCGC_SIGNALS_H

#include <stdint.h>

enum { SIGNAL_MAX_EVENTS = 3 };

struct signal {
	const char *name;
	const char *events[SIGNAL_MAX_EVENTS];  /* kernel enumerator names, NULL-padded */
	const char *doc;
	const char *pressure;   /* memory.pressure's line ("some", "full"): a share of time */
};

/* The items memcg-run feeds a pressure signal's counter with (through the object's test
 * entry): the microseconds of stall that memory.pressure's `total=` grew by. No kernel
 * enumerator has these names or values (the kernel's are >= 0). */
struct pressure_item {
	const char *name;       /* as a counter's events list it: PSI_SOME, PSI_FULL */
	const char *line;       /* memory.pressure's line: some, full */
	int64_t value;          /* the item the test entry is given */
};
const struct pressure_item *pressure_item_find(const char *name);

const struct signal *signal_find(const char *name);
const struct signal *signal_at(int i);     /* NULL past the end */
/* `event(cg, NAME)` takes any enumerator; these are the ones known to be counted per memcg
 * by recent kernels (unknown names still compile, with a warning, and are checked at load). */
int vm_event_known(const char *name);
/* An `enum node_stat_item` entry that memcg events never count (PGDEMOTE_*). */
int vm_event_is_node_stat(const char *name);
const char *const *vm_event_names(int *n);

#endif
