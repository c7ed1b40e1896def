#include "attach.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <bpf/bpf.h>
#include <bpf/btf.h>
#include <bpf/libbpf.h>

/* Values of the kernel's uapi that Debian 12's headers and libbpf do not all carry. */
#define CMD_LINK_CREATE 28              /* enum bpf_cmd BPF_LINK_CREATE */
#define ATTACH_STRUCT_OPS 44            /* enum bpf_attach_type BPF_STRUCT_OPS */
#define F_ALLOW_OVERRIDE (1U << 0)      /* BPF_F_ALLOW_OVERRIDE */
#define F_CGROUP_FD (1U << 7)           /* BPF_F_CGROUP_FD (RFC v7) */

/* The head of union bpf_attr as BPF_LINK_CREATE reads it. */
struct link_create_attr {
	uint32_t map_fd;                /* the prog_fd slot */
	uint32_t target_fd;             /* v7: the cgroup */
	uint32_t attach_type;
	uint32_t flags;
	uint32_t relative_fd;           /* v2-v6: link_create.cgroup.relative_fd */
	uint32_t pad;
	uint64_t expected_revision;
	uint64_t spare[4];
};

/* struct bpf_struct_ops_memcg_bpf_ops: member `data` is struct memcg_bpf_ops, and each of
 * its function pointers takes a program fd. Our programs are named <abi>_<member>. */
static int set_value(struct run *r, struct bpf_map *map, char *why, int size)
{
	struct btf *vmlinux = btf__load_vmlinux_btf();
	int wrap = vmlinux ? btf__find_by_name_kind(vmlinux, "bpf_struct_ops_memcg_bpf_ops",
						    BTF_KIND_STRUCT) : -1;
	int ops = vmlinux ? btf__find_by_name_kind(vmlinux, "memcg_bpf_ops", BTF_KIND_STRUCT) : -1;
	if (wrap < 0 || ops < 0) {
		snprintf(why, (size_t)size, "this kernel's BTF lacks struct bpf_struct_ops_memcg_bpf_ops");
		btf__free(vmlinux);
		return -1;
	}
	uint32_t data = 0, vsize = bpf_map__value_size(map);
	const struct btf_type *t = btf__type_by_id(vmlinux, (unsigned)wrap);
	const struct btf_member *m = btf_members(t);
	for (unsigned i = 0; i < btf_vlen(t); i++, m++)
		if (strcmp(btf__name_by_offset(vmlinux, m->name_off), "data") == 0)
			data = m->offset / 8;
	char *value = calloc(1, vsize);
	t = btf__type_by_id(vmlinux, (unsigned)ops);
	m = btf_members(t);
	for (unsigned i = 0; value && i < btf_vlen(t); i++, m++) {
		char name[96];
		snprintf(name, sizeof(name), "%s_%s", r->probe.abi, btf__name_by_offset(vmlinux, m->name_off));
		struct bpf_program *prog = bpf_object__find_program_by_name(r->po.obj, name);
		if (prog && data + m->offset / 8 + 8 <= vsize)
			*(uint64_t *)(value + data + m->offset / 8) = (uint64_t)bpf_program__fd(prog);
	}
	int zero = 0, rc = value ? bpf_map_update_elem(bpf_map__fd(map), &zero, value, 0) : -1;
	if (rc)
		snprintf(why, (size_t)size, "%s: the kernel refused the memcg_bpf_ops programs: %s",
			 r->object, strerror(errno));
	free(value);
	btf__free(vmlinux);
	return rc ? -1 : 0;
}

/* The cgroup is the directory bind_cgroup opened, not whatever its path names now. */
static int link_cgroup(struct run *r, int map_fd, int cg, int allow_override)
{
	struct link_create_attr attr = { .map_fd = (uint32_t)map_fd, .attach_type = ATTACH_STRUCT_OPS };
	if (strcmp(r->probe.abi, "v7") == 0) {
		attr.target_fd = (uint32_t)cg;
		attr.flags = F_CGROUP_FD;
	} else {
		attr.relative_fd = (uint32_t)cg;
	}
	if (allow_override)
		attr.flags |= F_ALLOW_OVERRIDE;
	return (int)syscall(__NR_bpf, CMD_LINK_CREATE, &attr, sizeof(attr));
}

int attach_hooks(struct run *r, struct bpf_map *map, int allow_override, char *why, int size)
{
	if (allow_override && strcmp(r->probe.abi, "v2") == 0) {
		snprintf(why, (size_t)size, "--allow-override needs RFC v3 or later; this kernel has v2");
		return -1;
	}
	if (set_value(r, map, why, size) != 0)
		return -1;
	int targeted[META_MAX] = { 0 };
	for (int i = 0; i < r->meta.nactions; i++)
		targeted[r->meta.actions[i].target] = 1;
	for (int s = 0; s < r->bind.ncgroups; s++) {
		if (!targeted[s])
			continue;
		const struct bound_cgroup *c = &r->bind.cgroups[s];
		int fd = link_cgroup(r, bpf_map__fd(map), c->fd, allow_override);
		if (fd < 0) {
			int err = errno;
			snprintf(why, (size_t)size, err == EBUSY ?
				 "cgroup %s (%s): a memcg_bpf_ops is already attached there or above it "
				 "(EBUSY): detach it, or attach that one with --allow-override" :
				 "cgroup %s (%s): the kernel refused the attachment: %s",
				 c->decl->name, c->path, strerror(err));
			return -1;
		}
		r->hook_slots[r->nlinks] = s;
		r->hook_links[r->nlinks++] = fd;
	}
	r->ops_map = map;
	return 0;
}

int reattach_hooks(struct run *r, int slot, int allow_override)
{
	for (int i = 0; i < r->nlinks; i++) {
		if (r->hook_slots[i] != slot)
			continue;
		int fd = link_cgroup(r, bpf_map__fd(r->ops_map), r->bind.cgroups[slot].fd, allow_override);
		if (fd < 0)
			return -1;
		close(r->hook_links[i]);
		r->hook_links[i] = fd;
	}
	return 0;
}

void detach_hooks(struct run *r)
{
	for (int i = 0; i < r->nlinks; i++)
		close(r->hook_links[i]);
	r->nlinks = 0;
}
