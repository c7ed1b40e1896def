/* Signals: per-cgroup event rates read from the `memcg:count_memcg_events` tracepoint.
 * One table says which `enum vm_event_item` enumerators each signal adds up. */
#ifndef MEMCGC_SIGNALS_H
#define MEMCGC_SIGNALS_H

enum { SIGNAL_MAX_EVENTS = 3 };

struct signal {
	const char *name;
	const char *events[SIGNAL_MAX_EVENTS];  /* kernel enumerator names, NULL-padded */
	const char *doc;
};

const struct signal *signal_find(const char *name);
const struct signal *signal_at(int i);     /* NULL past the end */
/* `event(cg, NAME)` takes any enumerator; these are the ones known to be counted per memcg
 * by recent kernels (unknown names still compile, with a warning, and are checked at load). */
int vm_event_known(const char *name);
/* An `enum node_stat_item` entry that memcg events never count (PGDEMOTE_*). */
int vm_event_is_node_stat(const char *name);
const char *const *vm_event_names(int *n);

#endif
