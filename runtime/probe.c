#include "probe.h"

#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <sys/capability.h>
#include <sys/ioctl.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <linux/perf_event.h>

#include <bpf/bpf.h>
#include <bpf/btf.h>

#include "policy_object.h"

#define VMLINUX "/sys/kernel/btf/vmlinux"
#define TP_EVENT "/sys/kernel/tracing/events/memcg/count_memcg_events"
#define TP_EVENT_DEBUGFS "/sys/kernel/debug/tracing/events/memcg/count_memcg_events"

/* The ABI is told apart by the hook each version added: the table is checked in order. */
static const struct { const char *abi, *member; } abi_markers[] = {
	{ "v7", "memcg_charged" },
	{ "v6", "get_high_delay_ms" },
	{ "v2", "memcg_nr_pages_over_high" },
};

/* Appends SEP WORD to the string in buf if both fit, else "..." once (a saved BTF file
 * given with --btf is anyone's). */
static void append(char *buf, size_t size, const char *sep, const char *word)
{
	size_t len = strlen(buf), need = strlen(sep) + strlen(word);
	if (len + need < size - 4)
		snprintf(buf + len, size - len, "%s%s", sep, word);
	else if (len < 3 || strcmp(buf + len - 3, "...") != 0)
		snprintf(buf + len, size - len, "...");
}

static void probe_ops(struct btf *btf, struct kernel_probe *k)
{
	int id = btf__find_by_name_kind(btf, "memcg_bpf_ops", BTF_KIND_STRUCT);
	if (id < 0)
		return;
	k->ops = 1;
	const struct btf_type *t = btf__type_by_id(btf, (unsigned)id);
	const struct btf_member *mem = btf_members(t);
	for (unsigned i = 0; i < btf_vlen(t); i++, mem++) {
		const char *name = btf__name_by_offset(btf, mem->name_off);
		append(k->members, sizeof(k->members), i ? ", " : "", name ? name : "?");
		for (size_t a = 0; name && a < sizeof(abi_markers) / sizeof(abi_markers[0]); a++)
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

/* The capabilities a load uses that this process does not have in its effective set. */
static void missing_caps(char *buf, size_t size)
{
	static const struct { cap_value_t cap; const char *name; } caps[] = {
		{ CAP_BPF, "CAP_BPF" }, { CAP_PERFMON, "CAP_PERFMON" }, { CAP_SYS_ADMIN, "CAP_SYS_ADMIN" },
	};
	cap_t now = cap_get_proc();
	buf[0] = 0;
	for (size_t i = 0; i < sizeof(caps) / sizeof(caps[0]); i++) {
		cap_flag_value_t v = CAP_CLEAR;
		if (!now || cap_get_flag(now, caps[i].cap, CAP_EFFECTIVE, &v) != 0 || v != CAP_SET)
			append(buf, size, buf[0] ? ", " : "", caps[i].name);
	}
	if (now)
		cap_free(now);
}

/* The event's id in tracefs, or -1 with errno. */
static long event_id(void)
{
	FILE *f = fopen(TP_EVENT "/id", "r");
	long id = -1;
	if (f && fscanf(f, "%ld", &id) != 1)
		id = -1, errno = EINVAL;
	if (f)
		fclose(f);
	return id;
}

/* What memcg-run does, in small: load a tracepoint program (r0 = 1; exit) and attach it to
 * memcg:count_memcg_events through perf, as libbpf does, then let go of both. 0, or -1
 * with what failed in `why`. */
static int try_load_and_attach(char *why, size_t size)
{
	const struct bpf_insn insns[] = {
		{ .code = BPF_ALU64 | BPF_MOV | BPF_K, .dst_reg = BPF_REG_0, .imm = 1 },
		{ .code = BPF_JMP | BPF_EXIT },
	};
	int prog = bpf_prog_load(BPF_PROG_TYPE_TRACEPOINT, "memcgc_probe", "GPL", insns, 2, NULL);
	if (prog < 0) {
		snprintf(why, size, "loading a tracepoint program: %s", strerror(errno));
		return -1;
	}
	bool mounted = false;
	const char *failed = NULL;
	int ev = tracefs_ensure(&mounted) == 0 ? probe_attach_tracepoint(prog, &failed) : -1;
	if (ev < 0)
		snprintf(why, size, "%s memcg:count_memcg_events: %s", failed ? failed :
			 "mounting tracefs for", strerror(errno));
	if (ev >= 0)
		close(ev);
	close(prog);
	tracefs_release(mounted);
	return ev < 0 ? -1 : 0;
}

int probe_attach_tracepoint(int prog, const char **failed)
{
	long id = event_id();
	struct perf_event_attr attr = { .type = PERF_TYPE_TRACEPOINT, .size = sizeof(attr),
					.config = (uint64_t)id, .sample_period = 1, .wakeup_events = 1 };
	int ev = id < 0 ? -1 : (int)syscall(__NR_perf_event_open, &attr, -1, 0, -1, PERF_FLAG_FD_CLOEXEC);
	if (ev >= 0 && ioctl(ev, PERF_EVENT_IOC_SET_BPF, prog) == 0)
		return ev;
	int err = errno;
	*failed = id < 0 ? "reading the id of" : ev < 0 ? "opening a perf event on" : "attaching to";
	if (ev >= 0)
		close(ev);
	errno = err;
	return -1;
}

/* Without the tracepoint (the poll source): what memcg-run does then, in small: load a
 * syscall program (r0 = 0; exit) and run it with BPF_PROG_TEST_RUN. 0, or -1 with why. */
static int try_load_and_run(char *why, size_t size)
{
	const struct bpf_insn insns[] = {
		{ .code = BPF_ALU64 | BPF_MOV | BPF_K, .dst_reg = BPF_REG_0, .imm = 0 },
		{ .code = BPF_JMP | BPF_EXIT },
	};
	LIBBPF_OPTS(bpf_prog_load_opts, load, .prog_flags = BPF_F_SLEEPABLE);
	int prog = bpf_prog_load(BPF_PROG_TYPE_SYSCALL, "memcgc_probe", "GPL", insns, 2, &load);
	if (prog < 0) {
		snprintf(why, size, "loading a syscall program: %s", strerror(errno));
		return -1;
	}
	LIBBPF_OPTS(bpf_test_run_opts, run);
	int rc = bpf_prog_test_run_opts(prog, &run);
	if (rc != 0)
		snprintf(why, size, "running a syscall program: %s", strerror(errno));
	close(prog);
	return rc ? -1 : 0;
}

static void probe_privileges(struct kernel_probe *k)
{
	char failed[200] = "", missing[64];
	k->privileged = k->tracepoint ? try_load_and_attach(failed, sizeof(failed)) == 0 :
			try_load_and_run(failed, sizeof(failed)) == 0;
	missing_caps(missing, sizeof(missing));
	if (k->privileged)
		snprintf(k->privilege, sizeof(k->privilege), "enough: a %s%s%s", k->tracepoint ?
			 "tracepoint program loaded and attached" : "syscall program loaded and run "
			 "(no tracepoint to attach to)", missing[0] ? "; without " : "", missing);
	else
		snprintf(k->privilege, sizeof(k->privilege), "%s%s%s%s", missing[0] ? "missing " : "",
			 missing, missing[0] && failed[0] ? ": " : "", failed[0] ? failed :
			 missing[0] ? "" : "no tracepoint to test with");
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
	probe_privileges(k);
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
