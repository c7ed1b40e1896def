#include "actions.h"

#include <stdio.h>
#include <string.h>

const struct abi_info abis[NABI] = {
	[ABI_V2] = { "v2", "v2", "v2",
		     "memcg_nr_pages_over_high, handle_cgroup_online, handle_cgroup_offline" },
	[ABI_V6] = { "v6", "v3-v6", "v3",
		     "handle_cgroup_online, handle_cgroup_offline, below_low, below_min, "
		     "get_high_delay_ms" },
	[ABI_V7] = { "v7", "v7", "v7",
		     "handle_cgroup_online, handle_cgroup_offline, below_low, below_min, "
		     "memcg_charged, memcg_uncharged" },
};

#define NS_PER_MS 1000000LL
#define PAGES_MAX 4294967295LL  /* the hook returns unsigned int */

static const struct action_kind actions[] = {
	{ "over_high", ASSIGN_ADD, T_SIZE, "pages", COMBINE_SUM,
	  { [ABI_V2] = "memcg_nr_pages_over_high" },
	  1, PAGES_MAX,
	  "it adds nothing below one page",
	  "memcg_nr_pages_over_high returns an unsigned int: at most 4294967295 pages",
	  "report extra pages over memory.high: the kernel reclaims and throttles the cgroup "
	  "as if it were that far over its high limit" },
	{ "high_delay", ASSIGN_SET, T_DURATION, NULL, COMBINE_MAX,
	  { [ABI_V6] = "get_high_delay_ms", [ABI_V7] = "memcg_charged" },
	  11 * NS_PER_MS, 2000 * NS_PER_MS,
	  "the kernel does not sleep for delays of HZ/100 or less (10 ms at HZ=1000)",
	  "the kernel clamps throttle delays to 2 s (MEMCG_MAX_HIGH_DELAY_JIFFIES)",
	  "throttle each charging task of the cgroup for at least this long, even below "
	  "memory.high" },
	{ "protect_low", ASSIGN_NONE, T_ERROR, NULL, COMBINE_OR,
	  { [ABI_V6] = "below_low", [ABI_V7] = "below_low" }, 0, 0, NULL, NULL,
	  "treat the cgroup as below memory.low: reclaim skips it unless nothing else is left" },
	{ "protect_min", ASSIGN_NONE, T_ERROR, NULL, COMBINE_OR,
	  { [ABI_V6] = "below_min", [ABI_V7] = "below_min" }, 0, 0, NULL, NULL,
	  "treat the cgroup as below memory.min: reclaim never takes its pages" },
};
enum { NACTIONS = sizeof(actions) / sizeof(actions[0]) };

const struct action_kind *action_find(const char *name)
{
	for (int i = 0; i < NACTIONS; i++)
		if (strcmp(actions[i].name, name) == 0)
			return &actions[i];
	return NULL;
}

const struct action_kind *action_at(int i)
{
	return i >= 0 && i < NACTIONS ? &actions[i] : NULL;
}

const char *action_hooks_str(const struct action_kind *k, char *buf, int size)
{
	int n = 0;
	buf[0] = 0;
	for (int abi = 0; abi < NABI && n < size; abi++) {
		if (!k->hook[abi])
			continue;
		/* v6 and v7 share the member name for protect_*: say it once, with both. */
		if (abi + 1 < NABI && k->hook[abi + 1] && strcmp(k->hook[abi], k->hook[abi + 1]) == 0) {
			n += snprintf(buf + n, (size_t)(size - n), "%s%s (%s+)", n ? ", " : "",
				      k->hook[abi], abis[abi].since);
			abi++;
			continue;
		}
		n += snprintf(buf + n, (size_t)(size - n), "%s%s (%s)", n ? ", " : "", k->hook[abi],
			      abis[abi].versions);
	}
	return buf;
}
