/* Synthetic kernel BTF for memcg-run --probe --btf: the types it looks for, per RFC ABI. */
typedef unsigned long long u64;
struct mem_cgroup;
struct trace_event_raw_memcg_rstat_events {
	char ent[8];
	u64 id;
	int item;
	unsigned long val;
};
struct trace_event_raw_memcg_rstat_events tp_record;
