#include "common.h"
struct memcg_bpf_ops {
	void (*handle_cgroup_online)(struct mem_cgroup *);
	void (*handle_cgroup_offline)(struct mem_cgroup *);
	_Bool (*below_low)(struct mem_cgroup *, unsigned long, unsigned long);
	_Bool (*below_min)(struct mem_cgroup *, unsigned long, unsigned long);
	unsigned int (*memcg_charged)(struct mem_cgroup *, unsigned int);
	void (*memcg_uncharged)(struct mem_cgroup *, unsigned int);
} ops;
