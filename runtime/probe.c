#include "probe.h"

#include <stdio.h>
#include <string.h>
#include <sys/capability.h>
#include <unistd.h>

#include <bpf/btf.h>

#define VMLINUX "/sys/kernel/btf/vmlinux"
#define TP_EVENT "/sys/kernel/tracing/events/memcg/count_memcg_events"
#define TP_EVENT_DEBUGFS "/sys/kernel/debug/tracing/events/memcg/count_memcg_events"

/* The ABI is told apart by the hook each version added: the table is checked in order. */
static const struct { const char *abi, *member; } abi_markers[] = {
	{ "v7", "memcg_charged" },
	{ "v6", "get_high_delay_ms" },
	{ "v2", "memcg_nr_pages_over_high" },
};

static void probe_ops(struct btf *btf, struct kernel_probe *k)
{
	int id = btf__find_by_name_kind(btf, "memcg_bpf_ops", BTF_KIND_STRUCT);
	if (id < 0)
		return;
	k->ops = 1;
	const struct btf_type *t = btf__type_by_id(btf, (unsigned)id);
	const struct btf_member *mem = btf_members(t);
	int len = 0;
	for (unsigned i = 0; i < btf_vlen(t); i++, mem++) {
		const char *name = btf__name_by_offset(btf, mem->name_off);
		len += snprintf(k->members + len, sizeof(k->members) - (size_t)len, "%s%s",
				i ? ", " : "", name);
		for (size_t a = 0; a < sizeof(abi_markers) / sizeof(abi_markers[0]); a++)
			if (strcmp(name, abi_markers[a].member) == 0 &&
			    (!k->abi[0] || strcmp(abi_markers[a].abi, k->abi) > 0))
				snprintf(k->abi, sizeof(k->abi), "%s", abi_markers[a].abi);
	}
}

static int file_has_word(const char *path, const char *word)
{
	char buf[512] = "";
	FILE *f = fopen(path, "r");
	if (!f)
		return 0;
	size_t n = fread(buf, 1, sizeof(buf) - 1, f);
	fclose(f);
	buf[n] = 0;
	for (char *tok = strtok(buf, " \n"); tok; tok = strtok(NULL, " \n"))
		if (strcmp(tok, word) == 0)
			return 1;
	return 0;
}

static int privileged(void)
{
	if (geteuid() == 0)
		return 1;
	cap_t caps = cap_get_proc();
	cap_flag_value_t admin = CAP_CLEAR, bpf = CAP_CLEAR, perfmon = CAP_CLEAR;
	if (caps) {
		cap_get_flag(caps, CAP_SYS_ADMIN, CAP_EFFECTIVE, &admin);
		cap_get_flag(caps, CAP_BPF, CAP_EFFECTIVE, &bpf);
		cap_get_flag(caps, CAP_PERFMON, CAP_EFFECTIVE, &perfmon);
		cap_free(caps);
	}
	return admin == CAP_SET && bpf == CAP_SET && perfmon == CAP_SET;
}

void probe_kernel(const char *btf_path, struct kernel_probe *k)
{
	memset(k, 0, sizeof(*k));
	k->live = btf_path == NULL;
	snprintf(k->btf_path, sizeof(k->btf_path), "%s", btf_path ? btf_path : VMLINUX);
	struct btf *btf = btf__parse(k->btf_path, NULL);
	if (btf) {
		k->btf = 1;
		k->tracepoint = btf__find_by_name_kind(btf, "trace_event_raw_memcg_rstat_events",
						      BTF_KIND_STRUCT) >= 0;
		probe_ops(btf, k);
		btf__free(btf);
	}
	if (!k->live)
		return;
	k->tracefs_event = access(TP_EVENT, F_OK) == 0 || access(TP_EVENT_DEBUGFS, F_OK) == 0;
	k->cgroup2_memory = file_has_word("/sys/fs/cgroup/cgroup.controllers", "memory");
	k->cgroup1_memory = access("/sys/fs/cgroup/memory/memory.limit_in_bytes", F_OK) == 0;
	k->privileged = privileged();
}

int probe_policy_hooks(const struct kernel_probe *k, const struct policy_meta *m, char *why,
		       int size)
{
	for (int i = 0; i < m->nactions; i++) {
		const struct meta_action *a = &m->actions[i];
		const struct meta_rule *r = &m->rules[a->rule];
		char needs[160] = "";
		int len = 0;
		for (int h = 0; h < a->nhooks; h++)
			len += snprintf(needs + len, sizeof(needs) - (size_t)len, "%s%s (%s)",
					h ? " or " : "", a->hooks[h].member,
					strcmp(a->hooks[h].abi, "v6") == 0 ? "v3-v6" : a->hooks[h].abi);
		if (!k->ops) {
			snprintf(why, (size_t)size, "%s:%d: %s needs memcg_bpf_ops.%s; this kernel has no "
				 "memcg_bpf_ops", r->file, a->line, a->kind, needs);
			return -1;
		}
		if (!meta_hook(a, k->abi)) {
			snprintf(why, (size_t)size, "%s:%d: %s needs memcg_bpf_ops.%s; this kernel has %s: %s",
				 r->file, a->line, a->kind, needs, k->abi[0] ? k->abi : "an unknown ABI",
				 k->members);
			return -1;
		}
	}
	return 0;
}
