/* SPDX-License-Identifier: GPL-2.0 */
/* Shared by memcg_ops.bpf.c and loader.c: the maps' key and value types. */
#ifndef MEMCG_OPS_H
#define MEMCG_OPS_H

/* What the test policy does for one cgroup (settings map, key: cgroup id). */
struct memcg_setting {
	__u32 high_delay_ms;	/* v6 get_high_delay_ms, v7 memcg_charged */
	__u32 over_high_pages;	/* v2 memcg_nr_pages_over_high */
	__u8 below_low;		/* v6 below_low */
	__u8 below_min;		/* v6 below_min */
	__u8 pad[6];
	__u64 while_busy_id;	/* if set: only while this cgroup page-faults */
};

#define BUSY_WINDOW_NS 1000000000ULL

enum memcg_hook {
	HOOK_ONLINE,
	HOOK_OFFLINE,
	HOOK_BELOW_LOW,
	HOOK_BELOW_MIN,
	HOOK_HIGH_DELAY,
	HOOK_OVER_HIGH,
	HOOK_CHARGED,
	HOOK_UNCHARGED,
	HOOK_NR,
};

struct hook_key {
	__u64 id;		/* cgroup id of the memcg the hook got */
	__u32 hook;		/* enum memcg_hook */
	__u32 pad;
};

struct event_key {
	__u64 id;
	__s32 item;		/* enum vm_event_item */
	__u32 pad;
};

#endif
