/* What the running kernel (or a saved BTF file) offers a compiled policy. */
#ifndef MEMCGC_PROBE_H
#define MEMCGC_PROBE_H

#include "meta.h"

struct kernel_probe {
	char btf_path[256];
	int btf;                        /* BTF could be read */
	int tracepoint;                 /* the tracepoint's record type is in BTF */
	int ops;                        /* struct memcg_bpf_ops is in BTF */
	char abi[8];                    /* "v2", "v6", "v7", or "" */
	char members[256];              /* memcg_bpf_ops members, comma-separated */
	int live;                       /* probing this machine (not a --btf file) */
	int tracefs_event;              /* live: tracefs lists memcg/count_memcg_events */
	int cgroup2_memory;             /* live: cgroup2 with the memory controller */
	int cgroup1_memory;             /* live: a cgroup v1 memory hierarchy */
	int privileged;                 /* live: a tracepoint program loaded and attached */
	char privilege[256];            /* live: that, or what is missing and what failed */
};

/* Probes BTF at `btf_path` (NULL: this kernel's /sys/kernel/btf/vmlinux and the live
 * system). */
void probe_kernel(const char *btf_path, struct kernel_probe *k);

/* Whether the policy can run with its hooks on this kernel: 0, or -1 with a one-line
 * reason naming the policy line and the missing member in `why`. */
int probe_policy_hooks(const struct kernel_probe *k, const struct policy_meta *m, char *why,
		       int size);

/* Attaches tracepoint program `prog` to memcg:count_memcg_events through a perf event (as
 * libbpf does; tracefs mounted): the event's fd, which holds the attachment, or -1 with
 * errno and what failed in *failed ("opening a perf event on"). */
int probe_attach_tracepoint(int prog, const char **failed);

#endif
