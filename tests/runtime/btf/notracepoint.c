struct mem_cgroup;
struct memcg_bpf_ops {
	unsigned int (*get_high_delay_ms)(struct mem_cgroup *);
} ops;
