#include "signals.h"

#include <string.h>

static const struct signal signals[] = {
	{ "pgscan", { "PGSCAN_KSWAPD", "PGSCAN_DIRECT", "PGSCAN_KHUGEPAGED" },
	  "pages scanned by reclaim (kswapd, direct and khugepaged)" },
	{ "pgsteal", { "PGSTEAL_KSWAPD", "PGSTEAL_DIRECT", "PGSTEAL_KHUGEPAGED" },
	  "pages reclaimed (kswapd, direct and khugepaged)" },
	{ "pgfault", { "PGFAULT" }, "page faults" },
	{ "pgmajfault", { "PGMAJFAULT" }, "major page faults (the page had to be read in)" },
	{ "pgrefill", { "PGREFILL" }, "pages scanned on the active list" },
	{ "pgactivate", { "PGACTIVATE" }, "pages moved to the active list" },
	{ "pgdeactivate", { "PGDEACTIVATE" }, "pages moved to the inactive list" },
	{ "swpin", { "PSWPIN" }, "pages read in from swap" },
	{ "swpout", { "PSWPOUT" }, "pages written out to swap" },
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

/* The memcg-counted entries of `enum vm_event_item` in Linux 6.12 to 6.18. */
static const char *const vm_events[] = {
	"PGPGIN", "PGPGOUT", "PSWPIN", "PSWPOUT", "PGFAULT", "PGMAJFAULT", "PGREFILL",
	"PGACTIVATE", "PGDEACTIVATE", "PGLAZYFREE", "PGLAZYFREED", "PGSCAN_KSWAPD",
	"PGSCAN_DIRECT", "PGSCAN_KHUGEPAGED", "PGSTEAL_KSWAPD", "PGSTEAL_DIRECT",
	"PGSTEAL_KHUGEPAGED", "SWPIN_ZERO", "SWPOUT_ZERO", "ZSWPIN", "ZSWPOUT", "ZSWPWB",
	"THP_FAULT_ALLOC", "THP_COLLAPSE_ALLOC", "THP_SWPOUT", "THP_SWPOUT_FALLBACK",
	"PGDEMOTE_KSWAPD", "PGDEMOTE_DIRECT", "PGDEMOTE_KHUGEPAGED",
};
enum { NVM_EVENTS = sizeof(vm_events) / sizeof(vm_events[0]) };

int vm_event_known(const char *name)
{
	for (int i = 0; i < NVM_EVENTS; i++)
		if (strcmp(vm_events[i], name) == 0)
			return 1;
	return 0;
}

const char *const *vm_event_names(int *n)
{
	*n = NVM_EVENTS;
	return vm_events;
}
