// SPDX-License-Identifier: GPL-2.0
/*
 * loader: load memcg_ops.bpf.o, attach its memcg_bpf_ops map to cgroups,
 * configure the test policy, report what the hooks and the tracepoint saw.
 *
 *   loader OBJ [options]
 *     --attach DIR[:override]   attach the struct_ops map to this cgroup
 *                               (repeatable: the same map, several cgroups)
 *     --set DIR|default:K=V,..  policy for that cgroup (by id) or for any
 *                               memcg without its own entry; keys:
 *                               delay_ms, over_high, low, min, while_busy=DIR
 *     --trace DIR               count memcg:count_memcg_events of that cgroup
 *     --duration SEC            exit after SEC seconds (default: at SIGTERM)
 *     --ready FILE              create FILE once everything is attached
 *     --keep-going              an attach error is reported, not fatal
 *     --relative-fd             v7: pass the cgroup the v2-v6 way (refused)
 *     --plain-map               drop BPF_F_LINK from the map and register it
 *                               with BPF_MAP_UPDATE_ELEM alone (the kernel
 *                               must refuse: no cgroup to attach to)
 *
 * Output (stdout, one fact per line):
 *   attached DIR link_fd N | attach_failed DIR ERRNO ERRNAME
 *   register_failed ERRNO ERRNAME | registered      (--plain-map)
 *   ready
 *   calls HOOK CGROUP_ID N          at exit, per hook and memcg
 *   event CGROUP_ID ITEM_NAME ITEM SUM   at exit, for --trace
 * Exit status: 0, 1 on usage/load errors, 3 on an attach error.
 *
 * The attach is the raw syscall the kernel patch defines (no libbpf has
 * it): BPF_LINK_CREATE, attach_type BPF_STRUCT_OPS, the map fd where the
 * prog fd goes, the cgroup directory fd in link_create.cgroup.relative_fd
 * (byte offset 16 of union bpf_attr), flags 0 or BPF_F_ALLOW_OVERRIDE; on a
 * v7 kernel the cgroup fd goes in link_create.target_fd (offset 4) and the
 * flags get BPF_F_CGROUP_FD (bit 7).
 * Before that, the map's value (the prog fds of the members) must be set
 * with BPF_MAP_UPDATE_ELEM; libbpf only does that inside its own attach,
 * so the loader builds the value from the kernel's BTF itself.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>
#include <linux/types.h>
#include <bpf/bpf.h>
#include <bpf/btf.h>
#include <bpf/libbpf.h>

#include "memcg_ops.h"

#define ATTACH_STRUCT_OPS	44	/* enum bpf_attach_type BPF_STRUCT_OPS */
#define F_ALLOW_OVERRIDE	1U	/* BPF_F_ALLOW_OVERRIDE */
#define CMD_LINK_CREATE		28	/* enum bpf_cmd BPF_LINK_CREATE */
#define MAP_F_LINK		(1U << 13)	/* BPF_F_LINK */

/* The head of union bpf_attr as BPF_LINK_CREATE reads it (Linux 6.12). */
struct link_create_attr {
	__u32 map_fd;		/* link_create.map_fd (= prog_fd) */
	__u32 target_fd;	/* unused here */
	__u32 attach_type;	/* BPF_STRUCT_OPS */
	__u32 flags;		/* 0 or BPF_F_ALLOW_OVERRIDE */
	__u32 relative_fd;	/* link_create.cgroup.relative_fd */
	__u32 pad;
	__u64 expected_revision;
};

static const char *hook_names[HOOK_NR] = {
	[HOOK_ONLINE] = "online", [HOOK_OFFLINE] = "offline",
	[HOOK_BELOW_LOW] = "below_low", [HOOK_BELOW_MIN] = "below_min",
	[HOOK_HIGH_DELAY] = "get_high_delay_ms",
	[HOOK_OVER_HIGH] = "memcg_nr_pages_over_high",
	[HOOK_CHARGED] = "memcg_charged", [HOOK_UNCHARGED] = "memcg_uncharged",
};

/* v7 kernels take the cgroup fd in target_fd with BPF_F_CGROUP_FD. */
#define F_CGROUP_FD		(1U << 7)
static int abi_v7;		/* set from the kernel BTF: has memcg_charged */
static int force_relative_fd;	/* --relative-fd: the v2-v6 way, even on v7 */

static volatile sig_atomic_t stop;
static struct btf *vmlinux_btf;	/* parsed once, on first use (slow in the VM) */

static struct btf *kernel_btf(void)
{
	if (!vmlinux_btf)
		vmlinux_btf = btf__load_vmlinux_btf();
	return vmlinux_btf;
}
static void on_signal(int sig) { stop = 1; }

static void fail(const char *what, int err)
{
	fprintf(stderr, "loader: %s: %s\n", what, strerror(err < 0 ? -err : err));
	exit(1);
}

/* A cgroup's id is its directory's inode number (64-bit kernels). */
static __u64 cgroup_id(const char *dir)
{
	struct stat st;

	if (!strcmp(dir, "default"))
		return 0;
	if (stat(dir, &st))
		fail(dir, errno);
	return st.st_ino;
}

static const char *errname(int e)
{
	switch (e) {
	case EBUSY: return "EBUSY";
	case EOPNOTSUPP: return "EOPNOTSUPP";
	case EINVAL: return "EINVAL";
	case EBADF: return "EBADF";
	case ENOENT: return "ENOENT";
	case EPERM: return "EPERM";
	default: return "E?";
	}
}

/*
 * The map value the kernel wants: struct bpf_struct_ops_memcg_bpf_ops,
 * whose member "data" is struct memcg_bpf_ops with a prog fd in each
 * function pointer slot. The programs are named after their members.
 */
static int set_struct_ops_value(struct bpf_object *obj, struct bpf_map *map)
{
	const struct btf_type *wrap, *ops;
	const struct btf_member *m;
	struct btf *vmlinux;
	__u32 data_off = 0, size = bpf_map__value_size(map);
	char *value;
	int id, i, zero = 0, err;

	vmlinux = kernel_btf();
	if (!vmlinux)
		fail("loading /sys/kernel/btf/vmlinux", errno);
	id = btf__find_by_name_kind(vmlinux, "bpf_struct_ops_memcg_bpf_ops", BTF_KIND_STRUCT);
	if (id < 0)
		fail("struct bpf_struct_ops_memcg_bpf_ops in kernel BTF", id);
	wrap = btf__type_by_id(vmlinux, id);
	for (i = 0, m = btf_members(wrap); i < btf_vlen(wrap); i++, m++)
		if (!strcmp(btf__name_by_offset(vmlinux, m->name_off), "data"))
			data_off = m->offset / 8;
	id = btf__find_by_name_kind(vmlinux, "memcg_bpf_ops", BTF_KIND_STRUCT);
	if (id < 0 || !data_off)
		fail("struct memcg_bpf_ops in kernel BTF", id < 0 ? id : -EINVAL);
	ops = btf__type_by_id(vmlinux, id);

	value = calloc(1, size);
	for (i = 0, m = btf_members(ops); i < btf_vlen(ops); i++, m++) {
		const char *name = btf__name_by_offset(vmlinux, m->name_off);
		struct bpf_program *prog = bpf_object__find_program_by_name(obj, name);

		if (!strcmp(name, "memcg_charged"))
			abi_v7 = 1;
		if (prog && data_off + m->offset / 8 + 8 <= size)
			*(__u64 *)(value + data_off + m->offset / 8) = bpf_program__fd(prog);
	}
	err = bpf_map_update_elem(bpf_map__fd(map), &zero, value, 0) ? -errno : 0;
	free(value);
	return err;
}

static int attach_cgroup(int map_fd, const char *dir, __u32 flags)
{
	struct link_create_attr attr;
	int cg_fd, link_fd;

	cg_fd = open(dir, O_RDONLY | O_DIRECTORY);
	if (cg_fd < 0)
		return -errno;
	memset(&attr, 0, sizeof(attr));
	attr.map_fd = map_fd;
	attr.attach_type = ATTACH_STRUCT_OPS;
	if (abi_v7 && !force_relative_fd) {
		attr.flags = flags | F_CGROUP_FD;
		attr.target_fd = cg_fd;
	} else {
		attr.flags = flags;
		attr.relative_fd = cg_fd;
	}
	link_fd = syscall(__NR_bpf, CMD_LINK_CREATE, &attr, sizeof(attr));
	if (link_fd < 0)
		link_fd = -errno;
	close(cg_fd);
	return link_fd;
}

static void parse_setting(struct memcg_setting *s, char *kv, __u64 *busy_id)
{
	char *tok, *save = NULL;

	for (tok = strtok_r(kv, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
		char *v = strchr(tok, '=');

		if (!v) {
			fprintf(stderr, "loader: bad setting '%s'\n", tok);
			exit(1);
		}
		*v++ = 0;
		if (!strcmp(tok, "delay_ms")) s->high_delay_ms = atoi(v);
		else if (!strcmp(tok, "over_high")) s->over_high_pages = atoi(v);
		else if (!strcmp(tok, "low")) s->below_low = atoi(v);
		else if (!strcmp(tok, "min")) s->below_min = atoi(v);
		else if (!strcmp(tok, "while_busy")) *busy_id = s->while_busy_id = cgroup_id(v);
		else {
			fprintf(stderr, "loader: unknown key '%s'\n", tok);
			exit(1);
		}
	}
}

static const char *vm_event_name(struct btf *btf, int item)
{
	const struct btf_type *t;
	const struct btf_enum *e;
	int id, i;

	id = btf ? btf__find_by_name_kind(btf, "vm_event_item", BTF_KIND_ENUM) : -1;
	if (id < 0)
		return "?";
	t = btf__type_by_id(btf, id);
	for (i = 0, e = btf_enum(t); i < btf_vlen(t); i++, e++)
		if (e->val == item)
			return btf__name_by_offset(btf, e->name_off);
	return "?";
}

static void report(struct bpf_object *obj)
{
	struct bpf_map *calls = bpf_object__find_map_by_name(obj, "hook_calls");
	struct bpf_map *events = bpf_object__find_map_by_name(obj, "events");
	struct hook_key hk, *hprev = NULL;
	struct event_key ek, *eprev = NULL;
	__u64 n;

	while (!bpf_map_get_next_key(bpf_map__fd(calls), hprev, &hk)) {
		if (!bpf_map_lookup_elem(bpf_map__fd(calls), &hk, &n))
			printf("calls %s %llu %llu\n", hk.hook < HOOK_NR ?
			       hook_names[hk.hook] : "?", (unsigned long long)hk.id,
			       (unsigned long long)n);
		hprev = &hk;
	}
	while (!bpf_map_get_next_key(bpf_map__fd(events), eprev, &ek)) {
		if (!bpf_map_lookup_elem(bpf_map__fd(events), &ek, &n))
			printf("event %llu %s %d %llu\n", (unsigned long long)ek.id,
			       vm_event_name(kernel_btf(), ek.item), ek.item,
			       (unsigned long long)n);
		eprev = &ek;
	}
	fflush(stdout);
}

int main(int argc, char **argv)
{
	const char *attach_dirs[16], *set_dirs[16], *trace_dir = NULL, *ready = NULL;
	char *set_kvs[16];
	int n_attach = 0, n_set = 0, keep_going = 0, plain_map = 0, duration = 0, i, err;
	struct bpf_object *obj;
	struct bpf_map *ops_map;
	struct bpf_program *tp;

	if (argc < 2) {
		fprintf(stderr, "usage: loader OBJ [--attach DIR[:override]] [--set DIR|default:K=V,...]"
			" [--trace DIR] [--duration SEC] [--ready FILE] [--keep-going]\n");
		return 1;
	}
	for (i = 2; i < argc; i++) {
		const char *a = argv[i];
		const char *v = i + 1 < argc ? argv[i + 1] : NULL;

		if (!strcmp(a, "--keep-going")) { keep_going = 1; continue; }
		if (!strcmp(a, "--plain-map")) { plain_map = 1; continue; }
		if (!strcmp(a, "--relative-fd")) { force_relative_fd = 1; continue; }
		if (!v) { fprintf(stderr, "loader: %s needs a value\n", a); return 1; }
		i++;
		if (!strcmp(a, "--attach") && n_attach < 16) attach_dirs[n_attach++] = v;
		else if (!strcmp(a, "--set") && n_set < 16) {
			char *copy = strdup(v), *colon = strrchr(copy, ':');

			if (!colon) { fprintf(stderr, "loader: --set DIR:K=V\n"); return 1; }
			*colon = 0;
			set_dirs[n_set] = copy;
			set_kvs[n_set++] = colon + 1;
		} else if (!strcmp(a, "--trace")) trace_dir = v;
		else if (!strcmp(a, "--duration")) duration = atoi(v);
		else if (!strcmp(a, "--ready")) ready = v;
		else { fprintf(stderr, "loader: unknown option %s\n", a); return 1; }
	}

	obj = bpf_object__open_file(argv[1], NULL);
	if (!obj)
		fail(argv[1], errno);
	ops_map = bpf_object__find_map_by_name(obj, "test_ops");
	tp = bpf_object__find_program_by_name(obj, "count_memcg_events");
	if (!ops_map || !tp)
		fail("test_ops / count_memcg_events not in the object", -ENOENT);
	/* Without --attach, load only the tracepoint side. */
	if (!n_attach && !plain_map)
		bpf_map__set_autocreate(ops_map, false);
	if (plain_map)
		bpf_map__set_map_flags(ops_map, bpf_map__map_flags(ops_map) & ~MAP_F_LINK);
	err = bpf_object__load(obj);
	if (err)
		fail("loading the object", err);

	for (i = 0; i < n_set; i++) {
		struct memcg_setting s = {};
		__u64 id = cgroup_id(set_dirs[i]), busy = 0, zero = 0;

		parse_setting(&s, set_kvs[i], &busy);
		if (bpf_map_update_elem(bpf_object__find_map_fd_by_name(obj, "settings"), &id, &s, 0))
			fail("settings map", errno);
		if (busy && bpf_map_update_elem(bpf_object__find_map_fd_by_name(obj, "last_fault"),
						&busy, &zero, 0))
			fail("last_fault map", errno);
	}
	if (trace_dir) {
		__u64 id = cgroup_id(trace_dir);
		int zero = 0;

		if (bpf_map_update_elem(bpf_object__find_map_fd_by_name(obj, ".bss"), &zero, &id, 0))
			fail(".bss map", errno);
	}
	if (!bpf_program__attach(tp))
		fail("attaching memcg:count_memcg_events", errno);

	if (plain_map) {
		err = set_struct_ops_value(obj, ops_map);
		if (err)
			printf("register_failed %d %s\n", -err, errname(-err));
		else
			printf("registered\n");
		fflush(stdout);
		return err ? 3 : 0;
	}
	if (n_attach) {
		err = set_struct_ops_value(obj, ops_map);
		if (err)
			fail("setting the struct_ops map value", err);
	}
	for (i = 0; i < n_attach; i++) {
		char *dir = strdup(attach_dirs[i]), *colon = strrchr(dir, ':');
		__u32 flags = 0;
		int fd;

		if (colon && !strcmp(colon + 1, "override")) {
			*colon = 0;
			flags = F_ALLOW_OVERRIDE;
		} else if (colon && !strncmp(colon + 1, "flags=", 6)) {
			*colon = 0;
			flags = strtoul(colon + 7, NULL, 0);
		}
		fd = attach_cgroup(bpf_map__fd(ops_map), dir, flags);
		if (fd < 0) {
			printf("attach_failed %s %d %s\n", dir, -fd, errname(-fd));
			fflush(stdout);
			if (!keep_going)
				return 3;
		} else {
			printf("attached %s link_fd %d\n", dir, fd);
		}
	}
	printf("ready\n");
	fflush(stdout);
	if (ready)
		close(open(ready, O_WRONLY | O_CREAT, 0644));

	signal(SIGTERM, on_signal);
	signal(SIGINT, on_signal);
	for (i = 0; !stop && (!duration || i < duration * 10); i++)
		usleep(100000);
	report(obj);
	bpf_object__close(obj);
	return 0;
}
