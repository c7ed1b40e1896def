/* A BPF object that is not what memcgc makes, for run-hostile.sh: its maps have the
 * names memcg-run reads, with the sizes given by -D (the metadata is added by
 * llvm-objcopy). memcg-run must refuse it before reading any map. */
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

#ifndef COUNTER_VALUE
#define COUNTER_VALUE 128
#endif
#ifndef STATE_VALUE
#define STATE_VALUE 32
#endif
#ifndef COUNTERS
#define COUNTERS 1
#endif
#ifndef RING_BYTES
#define RING_BYTES 16384
#endif

struct { __u64 v[COUNTER_VALUE / 8]; } counter_value;
struct { __u64 v[STATE_VALUE / 8]; } state_value;

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 1024);
	__type(key, __u64);
	__type(value, __u64);
} cgroup_slots SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, COUNTERS);
	__type(key, __u32);
	__type(value, typeof(counter_value));
} counters SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, typeof(state_value));
} rule_states SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, __u64);
} clock SEC(".maps");

#ifdef RING_ARRAY       /* `transitions` of another type than a ring buffer */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, __u64);
} transitions SEC(".maps");
#elif !defined(NO_RING)
struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, RING_BYTES);
} transitions SEC(".maps");
#endif

#ifdef BAD_MAP         /* a map the kernel refuses to create: libbpf warns, the load fails */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 0);
	__type(key, __u32);
	__type(value, __u64);
} bad SEC(".maps");
#endif

const volatile __u64 param_threshold, param_boost, page_size;

SEC("tp/memcg/count_memcg_events")
int count_memcg_events(void *ctx)
{
	__u32 key = 0;
	struct { __u64 v[COUNTER_VALUE / 8]; } *c = bpf_map_lookup_elem(&counters, &key);
	if (c)   /* an event counts in the last word, beyond what memcg-run's buffer holds */
		c->v[COUNTER_VALUE / 8 - 1] = 0x4141414141414141ULL + param_threshold + param_boost + page_size;
#if defined(BAD_RECORDS) && !defined(RING_ARRAY) && !defined(NO_RING)
	/* every event: a short record, and one of a rule the metadata does not have */
	__u64 record[3] = { 0x4141414100000007ULL, 1, 2 };
	bpf_ringbuf_output(&transitions, record, 4, 0);
	bpf_ringbuf_output(&transitions, record, sizeof(record), 0);
#endif
	return 1;
}

SEC("syscall")
int memcgc_test(void *ctx)
{
	return 0;
}

char LICENSE[] SEC("license") = "GPL";
