#include "pin.h"

#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/vfs.h>
#include <unistd.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#define BPF_FS_MAGIC 0xcafe4a11
#define MARK "tracepoint"               /* every pinned policy has this pin */

static const char *const pinned_maps[] = { "cgroup_slots", "counters", "rule_states", "clock" };

static int is_ours(const char *name)
{
	return strcmp(name, MARK) == 0 || strncmp(name, "hooks-", 6) == 0 ||
	       strncmp(name, "map-", 4) == 0;
}

static void remove_pins(const char *dir)
{
	DIR *d = opendir(dir);
	struct dirent *de;
	while (d && (de = readdir(d))) {
		char path[600];
		snprintf(path, sizeof(path), "%s/%s", dir, de->d_name);
		if (is_ours(de->d_name))
			unlink(path);
	}
	if (d)
		closedir(d);
	rmdir(dir);
}

static int pin_fd(int fd, const char *dir, const char *name)
{
	char path[600];
	snprintf(path, sizeof(path), "%s/%s", dir, name);
	return bpf_obj_pin(fd, path);
}

int pin_policy(struct run *r, const char *dir)
{
	struct statfs fs;
	mkdir(dir, 0700);
	if (statfs(dir, &fs) != 0 || fs.f_type != BPF_FS_MAGIC) {
		rmdir(dir);
		fprintf(stderr, "memcg-run: error: %s is not on a BPF file system (mount one with "
			"'mount -t bpf bpf /sys/fs/bpf')\n", dir);
		return 1;
	}
	char path[600];
	snprintf(path, sizeof(path), "%s/" MARK, dir);
	int rc = bpf_link__pin(r->tp_link, path);
	for (int i = 0; !rc && i < r->nlinks; i++) {
		char name[96];
		snprintf(name, sizeof(name), "hooks-%d", i);
		rc = pin_fd(r->hook_links[i], dir, name);
	}
	for (size_t i = 0; !rc && i < sizeof(pinned_maps) / sizeof(pinned_maps[0]); i++) {
		char name[96];
		snprintf(name, sizeof(name), "map-%s", pinned_maps[i]);
		rc = pin_fd(bpf_map__fd(policy_object_map(&r->po, pinned_maps[i])), dir, name);
	}
	if (rc) {
		int e = errno;
		remove_pins(dir);
		fprintf(stderr, "memcg-run: error: cannot pin the policy in %s: %s\n", dir, strerror(e));
		return 1;
	}
	r->pinned = dir;
	return 0;
}

int unpin_policy(const char *dir)
{
	char mark[600];
	snprintf(mark, sizeof(mark), "%s/" MARK, dir);
	if (access(mark, F_OK) != 0) {
		fprintf(stderr, "memcg-run: error: %s holds no policy pinned by memcg-run --pin\n", dir);
		return 1;
	}
	remove_pins(dir);
	printf("memcg-run: removed the policy pinned in %s\n", dir);
	return 0;
}
