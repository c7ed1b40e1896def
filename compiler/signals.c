#include "signals.h"

#include <string.h>

static const struct signal signals[] = {
	{ "pgscan", { "PGSCAN_KSWAPD", "PGSCAN_DIRECT", "PGSCAN_KHUGEPAGED" },
	  "pages scanned by reclaim (kswapd, direct and khugepaged)", NULL },
	{ "pgsteal", { "PGSTEAL_KSWAPD", "PGSTEAL_DIRECT", "PGSTEAL_KHUGEPAGED" },
	  "pages reclaimed (kswapd, direct and khugepaged)", NULL },
	{ "pgfault", { "PGFAULT" }, "page faults", NULL },
	{ "pgmajfault", { "PGMAJFAULT" }, "major page faults (the page had to be read in)", NULL },
	{ "pgrefill", { "PGREFILL" }, "pages scanned on the active list", NULL },
	{ "pgactivate", { "PGACTIVATE" }, "pages moved to the active list", NULL },
	{ "pgdeactivate", { "PGDEACTIVATE" }, "pages moved to the inactive list", NULL },
	{ "swpin", { "PSWPIN" }, "pages read in from swap", NULL },
	{ "swpout", { "PSWPOUT" }, "pages written out to swap", NULL },
	{ "pressure", { "PSI_SOME" }, "share of time some tasks stalled on memory "
	  "(memory.pressure, some)", "some" },
	{ "pressure_full", { "PSI_FULL" }, "share of time all tasks stalled on memory "
	  "(memory.pressure, full)", "full" },
};
enum { NSIGNALS = sizeof(signals) / sizeof(signals[0]) };

const struct signal *signal_find(const char *name)
{
	for (int i = 0; i < NSIGNALS; i++)
		if (strcmp(signals[i].name, name) == 0)
			return &signals[i];
	return NULL;
}

const struct signal *signal_at(int i)
{
	return i >= 0 && i < NSIGNALS ? &signals[i] : NULL;
}

static const struct pressure_item pressure_items[] = {
	{ "PSI_SOME", "some", -1 }, { "PSI_FULL", "full", -2 },
};

const struct pressure_item *pressure_item_find(const char *name)
{
	for (size_t i = 0; i < sizeof(pressure_items) / sizeof(pressure_items[0]); i++)
		if (strcmp(pressure_items[i].name, name) == 0)
			return &pressure_items[i];
	return NULL;
}

/* The memcg-counted entries of `enum vm_event_item` in Linux 6.12 to 6.18, with the kernel
 * option an entry exists under (NULL: always). tests/lang/run-events.sh checks this table
 * against the BTF of the host kernel and of the test kernel. */
static const struct vm_event {
	const char *name, *config;
} vm_events[] = {
	{ "PGPGIN", NULL }, { "PGPGOUT", NULL }, { "PSWPIN", NULL }, { "PSWPOUT", NULL },
	{ "PGFAULT", NULL }, { "PGMAJFAULT", NULL }, { "PGREFILL", NULL },
	{ "PGACTIVATE", NULL }, { "PGDEACTIVATE", NULL }, { "PGLAZYFREE", NULL },
	{ "PGLAZYFREED", NULL }, { "PGSCAN_KSWAPD", NULL }, { "PGSCAN_DIRECT", NULL },
	{ "PGSCAN_KHUGEPAGED", NULL }, { "PGSTEAL_KSWAPD", NULL }, { "PGSTEAL_DIRECT", NULL },
	{ "PGSTEAL_KHUGEPAGED", NULL }, { "SWPIN_ZERO", NULL }, { "SWPOUT_ZERO", NULL },
	{ "ZSWPIN", "ZSWAP" }, { "ZSWPOUT", "ZSWAP" }, { "ZSWPWB", "ZSWAP" },
	{ "THP_FAULT_ALLOC", "TRANSPARENT_HUGEPAGE" },
	{ "THP_COLLAPSE_ALLOC", "TRANSPARENT_HUGEPAGE" },
	{ "THP_SWPOUT", "TRANSPARENT_HUGEPAGE" }, { "THP_SWPOUT_FALLBACK", "TRANSPARENT_HUGEPAGE" },
};
enum { NVM_EVENTS = sizeof(vm_events) / sizeof(vm_events[0]) };

/* Names people take for events that are `enum node_stat_item` entries in 6.12 to 6.18:
 * memcg events never count them (checked by the same test). */
static const char *const node_stats[] = {
	"PGDEMOTE_KSWAPD", "PGDEMOTE_DIRECT", "PGDEMOTE_KHUGEPAGED",
};

int vm_event_known(const char *name)
{
	for (int i = 0; i < NVM_EVENTS; i++)
		if (strcmp(vm_events[i].name, name) == 0)
			return 1;
	return 0;
}

int vm_event_is_node_stat(const char *name)
{
	for (size_t i = 0; i < sizeof(node_stats) / sizeof(node_stats[0]); i++)
		if (strcmp(node_stats[i], name) == 0)
			return 1;
	return 0;
}

const char *const *vm_event_names(int *n)
{
	static const char *names[NVM_EVENTS];
	for (int i = 0; i < NVM_EVENTS; i++)
		names[i] = vm_events[i].name;
	*n = NVM_EVENTS;
	return names;
}
