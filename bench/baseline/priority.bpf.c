// SPDX-License-Identifier: GPL-2.0
/* The hand-written baseline for the code-generation benchmark: examples/priority.mcp
 * written directly in BPF C, doing the same work as memcgc's tracepoint program on every
 * event (CO-RE item check, cgroup id -> policy cgroup lookup, 8-bucket window counter,
 * rules evaluated at most every 10 ms), so that size and per-event cost compare like for
 * like. Built with clang-19 -O2 -g -target bpf. Also an empty program on the same
 * tracepoint, the floor of any program's cost there. */
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_core_read.h>

typedef unsigned long long u64;
typedef unsigned int u32;

enum vm_event_item { PGSCAN_KSWAPD, PGSCAN_DIRECT, PGSCAN_KHUGEPAGED };

struct trace_event_raw_memcg_rstat_events {
	u64 id;
	int item;
	unsigned long val;
} __attribute__((preserve_access_index));

#define BUCKETS 8
#define BUCKET_NS 125000000ULL          /* a 1 s window */
#define TICK_NS 10000000ULL
#define HIGH 0                          /* policy cgroup slots */
#define LOW 1

struct counter { u64 epoch[BUCKETS]; u64 count[BUCKETS]; };
struct rule_state { u64 true_since, last_active, fired, active; };
struct clock { u64 last_eval; };

struct { __uint(type, BPF_MAP_TYPE_HASH); __uint(max_entries, 65536);
	 __type(key, u64); __type(value, u64); } cgroup_slots SEC(".maps");
struct { __uint(type, BPF_MAP_TYPE_ARRAY); __uint(max_entries, 1);
	 __type(key, u32); __type(value, struct counter); } counters SEC(".maps");
struct { __uint(type, BPF_MAP_TYPE_ARRAY); __uint(max_entries, 1);
	 __type(key, u32); __type(value, struct rule_state); } rule_states SEC(".maps");
struct { __uint(type, BPF_MAP_TYPE_ARRAY); __uint(max_entries, 1);
	 __type(key, u32); __type(value, struct clock); } clock SEC(".maps");

const volatile long long param_threshold = 100000;    /* milli-events per second */

static __always_inline u64 window_sum(struct counter *c, u64 now)
{
	u64 cur = now / BUCKET_NS, sum = 0;
	for (int i = 0; i < BUCKETS; i++)
		if (cur - c->epoch[i] < BUCKETS)
			sum += c->count[i];
	return sum;
}

static __always_inline void evaluate(u64 now)
{
	u32 zero = 0;
	struct clock *clk = bpf_map_lookup_elem(&clock, &zero);
	if (!clk || now - clk->last_eval < TICK_NS)
		return;
	clk->last_eval = now;
	struct counter *c = bpf_map_lookup_elem(&counters, &zero);
	struct rule_state *st = bpf_map_lookup_elem(&rule_states, &zero);
	if (!c || !st)
		return;
	long long rate = (long long)(window_sum(c, now) * 1000000 / 1000);
	if (rate > param_threshold) {
		if (!st->true_since)
			st->true_since = now;
		if (!st->active)
			st->fired++;
		st->active = 1;
		st->last_active = now;
	} else {
		st->true_since = 0;
		st->active = 0;
	}
}

SEC("tp/memcg/count_memcg_events")
int baseline(struct trace_event_raw_memcg_rstat_events *ctx)
{
	long long item = ctx->item;
	if (item != bpf_core_enum_value(enum vm_event_item, PGSCAN_KSWAPD) &&
	    item != bpf_core_enum_value(enum vm_event_item, PGSCAN_DIRECT) &&
	    item != bpf_core_enum_value(enum vm_event_item, PGSCAN_KHUGEPAGED))
		return 0;
	u64 id = ctx->id;
	u64 *mask = bpf_map_lookup_elem(&cgroup_slots, &id);
	if (!mask || !(*mask & (1ULL << HIGH)))
		return 0;
	u64 now = bpf_ktime_get_ns();
	u32 zero = 0;
	struct counter *c = bpf_map_lookup_elem(&counters, &zero);
	if (c) {
		u64 epoch = now / BUCKET_NS;
		u32 slot = epoch & (BUCKETS - 1);
		if (c->epoch[slot] != epoch) {
			c->epoch[slot] = epoch;
			c->count[slot] = ctx->val;
		} else {
			__sync_fetch_and_add(&c->count[slot], ctx->val);
		}
	}
	evaluate(now);
	return 0;
}

SEC("tp/memcg/count_memcg_events")
int empty(void *ctx)
{
	return 0;
}

char LICENSE[] SEC("license") = "GPL";
