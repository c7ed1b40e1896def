#include "common.h"
struct memcg_bpf_ops {
	unsigned int (*memcg_nr_pages_over_high)(struct mem_cgroup *);
	void (*handle_cgroup_online)(struct mem_cgroup *);
	void (*handle_cgroup_offline)(struct mem_cgroup *);
} ops;
