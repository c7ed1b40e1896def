// SPDX-License-Identifier: GPL-2.0
/*
 * A memcg_bpf_ops test policy, driven by a map the loader fills.
 *
 * Built per ABI: v6 (default), -DMEMCG_ABI_V2, -DMEMCG_ABI_V7, each against
 * the vmlinux.h of its kernel. Every hook looks up the
 * settings of the memcg's cgroup (by cgroup id, i.e. the directory's inode
 * number), falling back to the entry for id 0, and counts its calls.
 *
 * A setting can be made conditional on another cgroup being busy: it then
 * applies only while that cgroup has page-faulted within the last second,
 * as seen by the memcg:count_memcg_events tracepoint program below (the
 * shape of the RFC selftests: throttle "low" while "high" is faulting).
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>
#include <bpf/bpf_core_read.h>

#include "memcg_ops.h"

char LICENSE[] SEC("license") = "GPL";

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 64);
	__type(key, __u64);			/* cgroup id; 0 = default */
	__type(value, struct memcg_setting);
} settings SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 256);
	__type(key, struct hook_key);
	__type(value, __u64);			/* calls */
} hook_calls SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 64);
	__type(key, __u64);			/* cgroup id */
	__type(value, __u64);			/* ns of its last PGFAULT event */
} last_fault SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 1024);
	__type(key, struct event_key);
	__type(value, __u64);			/* sum of val */
} events SEC(".maps");

/* Set by the loader: count_memcg_events for this cgroup id go to events. */
__u64 trace_cgroup_id;

static __u64 memcg_id(struct mem_cgroup *memcg)
{
	return BPF_CORE_READ(memcg, css.cgroup, kn, id);
}

static void count_call(__u64 id, __u32 hook)
{
	struct hook_key k = { .id = id, .hook = hook };
	__u64 one = 1, *n;

	n = bpf_map_lookup_elem(&hook_calls, &k);
	if (n)
		__sync_fetch_and_add(n, 1);
	else
		bpf_map_update_elem(&hook_calls, &k, &one, BPF_NOEXIST);
}

/* The setting in force for this memcg now, or NULL. */
static struct memcg_setting *setting_for(struct mem_cgroup *memcg, __u32 hook)
{
	__u64 id = memcg_id(memcg), zero = 0, *t;
	struct memcg_setting *s;

	count_call(id, hook);
	s = bpf_map_lookup_elem(&settings, &id);
	if (!s)
		s = bpf_map_lookup_elem(&settings, &zero);
	if (!s)
		return NULL;
	if (s->while_busy_id) {
		t = bpf_map_lookup_elem(&last_fault, &s->while_busy_id);
		if (!t || bpf_ktime_get_ns() - *t > BUSY_WINDOW_NS)
			return NULL;
	}
	return s;
}

SEC("struct_ops/handle_cgroup_online")
void BPF_PROG(handle_cgroup_online, struct mem_cgroup *memcg)
{
	count_call(memcg_id(memcg), HOOK_ONLINE);
}

SEC("struct_ops/handle_cgroup_offline")
void BPF_PROG(handle_cgroup_offline, struct mem_cgroup *memcg)
{
	count_call(memcg_id(memcg), HOOK_OFFLINE);
}

#ifdef MEMCG_ABI_V2
SEC("struct_ops/memcg_nr_pages_over_high")
unsigned int BPF_PROG(memcg_nr_pages_over_high, struct mem_cgroup *memcg)
{
	struct memcg_setting *s = setting_for(memcg, HOOK_OVER_HIGH);

	return s ? s->over_high_pages : 0;
}

SEC(".struct_ops.link")
struct memcg_bpf_ops test_ops = {
	.memcg_nr_pages_over_high = (void *)memcg_nr_pages_over_high,
	.handle_cgroup_online = (void *)handle_cgroup_online,
	.handle_cgroup_offline = (void *)handle_cgroup_offline,
};
#elif defined(MEMCG_ABI_V7)
SEC("struct_ops/below_low")
bool BPF_PROG(below_low, struct mem_cgroup *memcg, unsigned long elow,
	      unsigned long usage)
{
	struct memcg_setting *s = setting_for(memcg, HOOK_BELOW_LOW);

	return s && s->below_low;
}

SEC("struct_ops/below_min")
bool BPF_PROG(below_min, struct mem_cgroup *memcg, unsigned long emin,
	      unsigned long usage)
{
	struct memcg_setting *s = setting_for(memcg, HOOK_BELOW_MIN);

	return s && s->below_min;
}

SEC("struct_ops/memcg_charged")
unsigned int BPF_PROG(memcg_charged, struct mem_cgroup *memcg, unsigned int nr_pages)
{
	struct memcg_setting *s = setting_for(memcg, HOOK_CHARGED);

	return s ? s->high_delay_ms : 0;
}

SEC("struct_ops/memcg_uncharged")
void BPF_PROG(memcg_uncharged, struct mem_cgroup *memcg, unsigned int nr_pages)
{
	count_call(memcg_id(memcg), HOOK_UNCHARGED);
}

SEC(".struct_ops.link")
struct memcg_bpf_ops test_ops = {
	.handle_cgroup_online = (void *)handle_cgroup_online,
	.handle_cgroup_offline = (void *)handle_cgroup_offline,
	.below_low = (void *)below_low,
	.below_min = (void *)below_min,
	.memcg_charged = (void *)memcg_charged,
	.memcg_uncharged = (void *)memcg_uncharged,
};
#else
SEC("struct_ops/below_low")
bool BPF_PROG(below_low, struct mem_cgroup *memcg)
{
	struct memcg_setting *s = setting_for(memcg, HOOK_BELOW_LOW);

	return s && s->below_low;
}

SEC("struct_ops/below_min")
bool BPF_PROG(below_min, struct mem_cgroup *memcg)
{
	struct memcg_setting *s = setting_for(memcg, HOOK_BELOW_MIN);

	return s && s->below_min;
}

SEC("struct_ops/get_high_delay_ms")
unsigned int BPF_PROG(get_high_delay_ms, struct mem_cgroup *memcg)
{
	struct memcg_setting *s = setting_for(memcg, HOOK_HIGH_DELAY);

	return s ? s->high_delay_ms : 0;
}

SEC(".struct_ops.link")
struct memcg_bpf_ops test_ops = {
	.handle_cgroup_online = (void *)handle_cgroup_online,
	.handle_cgroup_offline = (void *)handle_cgroup_offline,
	.below_low = (void *)below_low,
	.below_min = (void *)below_min,
	.get_high_delay_ms = (void *)get_high_delay_ms,
};
#endif

SEC("tp/memcg/count_memcg_events")
int count_memcg_events(struct trace_event_raw_memcg_rstat_events *ctx)
{
	__u64 id = ctx->id, now, *sum;
	struct event_key k;

	if (ctx->item == bpf_core_enum_value(enum vm_event_item, PGFAULT)) {
		/* Only the cgroups a setting waits on are in last_fault. */
		sum = bpf_map_lookup_elem(&last_fault, &id);
		if (sum) {
			now = bpf_ktime_get_ns();
			*sum = now;
		}
	}
	if (!trace_cgroup_id || id != trace_cgroup_id)
		return 0;
	k.id = id;
	k.item = ctx->item;
	k.pad = 0;
	sum = bpf_map_lookup_elem(&events, &k);
	if (sum) {
		__sync_fetch_and_add(sum, ctx->val);
	} else {
		__u64 v = ctx->val;

		bpf_map_update_elem(&events, &k, &v, BPF_NOEXIST);
	}
	return 0;
}
