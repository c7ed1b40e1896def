#include "pin.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/vfs.h>
#include <unistd.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>

/* A pin directory holds only what memcg-run pinned there: the marker, a map of memcg-run's
 * own that says a run made this directory's pins (and whether it made the directory),
 * then the tracepoint link, the struct_ops links and the maps. --unpin removes those
 * names only, and only where the marker is; a failed --pin removes what it pinned only.
 * Pins are made and removed relative to the directory's descriptor (BPF_F_PATH_FD). */

#define BPF_FS_MAGIC 0xcafe4a11
#define PATH_FD_FLAG (1U << 14)         /* BPF_F_PATH_FD (Linux 6.5), for Debian 12's headers */
#define MARK "memcg-run"
#define MARK_MAGIC 0x6e69702d6367636dULL        /* "mcgc-pin" */

struct mark {
	uint64_t magic, pid, made_dir;
};

static const char *const pinned_maps[] = { "cgroup_slots", "counters", "rule_states", "clock" };
enum { NMAPS = sizeof(pinned_maps) / sizeof(pinned_maps[0]), MAX_PINS = 2 + META_MAX + NMAPS };

static int perr(const char *dir, const char *what)
{
	fprintf(stderr, "memcg-run: error: %s: %s\n", dir, what);
	return 1;
}

static int open_bpffs_dir(const char *dir)
{
	struct statfs fs;
	int dfd = open(dir, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (dfd >= 0 && (fstatfs(dfd, &fs) != 0 || fs.f_type != BPF_FS_MAGIC)) {
		close(dfd);
		errno = ENOTDIR;
		return -2;
	}
	return dfd;
}

/* The names a pin directory may hold, in pinning order: name i of `n`, or NULL past them. */
static const char *pin_name(int i, char *buf, size_t size)
{
	if (i == 0)
		return MARK;
	if (i == 1)
		return "tracepoint";
	if (i < 2 + NMAPS) {
		snprintf(buf, size, "map-%s", pinned_maps[i - 2]);
		return buf;
	}
	if (i >= MAX_PINS)
		return NULL;
	snprintf(buf, size, "hooks-%d", i - 2 - NMAPS);
	return buf;
}

static int pin_at(int dfd, int fd, const char *name)
{
	LIBBPF_OPTS(bpf_obj_pin_opts, opts, .file_flags = PATH_FD_FLAG, .path_fd = dfd);
	return bpf_obj_pin_opts(fd, name, &opts);
}

/* Removes pins 0..n-1 (or, n < 0, every name a pin directory may hold) from dfd. */
static void remove_pins(int dfd, int n)
{
	char buf[32];
	const char *name;
	for (int i = n < 0 ? MAX_PINS - 1 : n - 1; i >= 0; i--)
		if ((name = pin_name(i, buf, sizeof(buf))))
			unlinkat(dfd, name, 0);
}

/* The marker: an array map of one struct mark, made by this run. */
static int make_mark(int made_dir)
{
	LIBBPF_OPTS(bpf_map_create_opts, opts);
	int fd = bpf_map_create(BPF_MAP_TYPE_ARRAY, "memcgc_pin", sizeof(uint32_t), sizeof(struct mark),
				1, &opts);
	struct mark m = { MARK_MAGIC, (uint64_t)getpid(), (uint64_t)made_dir };
	uint32_t zero = 0;
	if (fd >= 0 && bpf_map_update_elem(fd, &zero, &m, BPF_ANY) != 0) {
		close(fd);
		return -1;
	}
	return fd;
}

/* Reads DIR's marker; 0 if it is memcg-run's. */
static int read_mark(int dfd, struct mark *m)
{
	LIBBPF_OPTS(bpf_obj_get_opts, opts, .file_flags = PATH_FD_FLAG, .path_fd = dfd);
	int fd = bpf_obj_get_opts(MARK, &opts);
	struct bpf_map_info info = { 0 };
	uint32_t len = sizeof(info), zero = 0;
	int ok = fd >= 0 && bpf_map_get_info_by_fd(fd, &info, &len) == 0 &&
		 info.type == BPF_MAP_TYPE_ARRAY && info.value_size == sizeof(*m) &&
		 bpf_map_lookup_elem(fd, &zero, m) == 0 && m->magic == MARK_MAGIC;
	if (fd >= 0)
		close(fd);
	return ok ? 0 : -1;
}

/* Whether dfd has any entry. */
static int is_empty(int dfd)
{
	DIR *d = fdopendir(dup(dfd));
	struct dirent *de;
	int empty = d != NULL;
	while (d && empty && (de = readdir(d)))
		empty = strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0;
	if (d)
		closedir(d);
	return empty;
}

/* Every fd to pin, in pin_name order; how many. */
static int pin_fds(struct run *r, int mark, int *fds)
{
	int n = 0;
	fds[n++] = mark;
	fds[n++] = bpf_link__fd(r->tp_link);
	for (int i = 0; i < NMAPS; i++)
		fds[n++] = bpf_map__fd(policy_object_map(&r->po, pinned_maps[i]));
	for (int i = 0; i < r->nlinks; i++)
		fds[n++] = r->hook_links[i];
	return n;
}

/* An existing directory may be used only when empty. */
static int refuse_in_use(int dfd, const char *dir)
{
	struct mark m;
	if (read_mark(dfd, &m) == 0) {
		fprintf(stderr, "memcg-run: error: %s already holds a policy pinned by memcg-run (pid "
			"%llu): remove it with memcg-run --unpin %s, or pin into another directory\n",
			dir, (unsigned long long)m.pid, dir);
		return 1;
	}
	return is_empty(dfd) ? 0 : perr(dir, "is not empty: memcg-run pins only into a new or empty "
					    "directory (nothing was changed)");
}

static int pin_into(struct run *r, int dfd, const char *dir, int made_dir)
{
	int fds[MAX_PINS], mark = make_mark(made_dir), n = 0, total = pin_fds(r, mark, fds);
	char buf[32];
	while (mark >= 0 && n < total && pin_at(dfd, fds[n], pin_name(n, buf, sizeof(buf))) == 0)
		n++;
	int err = errno;
	if (mark >= 0)
		close(mark);
	if (n == total)
		return 0;
	remove_pins(dfd, n);    /* only what this run pinned: the marker is first, and exclusive */
	fprintf(stderr, "memcg-run: error: cannot pin the policy in %s: %s%s\n", dir, strerror(err),
		n == 0 && err == EEXIST ? " (another memcg-run is pinning there)" : "");
	return 1;
}

int pin_policy(struct run *r, const char *dir)
{
	int made_dir = mkdir(dir, 0700) == 0;
	if (!made_dir && errno != EEXIST) {
		fprintf(stderr, "memcg-run: error: cannot create %s: %s\n", dir, strerror(errno));
		return 1;
	}
	int dfd = open_bpffs_dir(dir), rc;
	if (dfd < 0) {
		if (made_dir)
			rmdir(dir);
		return perr(dir, dfd == -2 ? "is not on a BPF file system (mount one with 'mount -t bpf "
				   "bpf /sys/fs/bpf')" : "is not a directory memcg-run can pin into");
	}
	rc = (!made_dir && refuse_in_use(dfd, dir)) || pin_into(r, dfd, dir, made_dir);
	close(dfd);
	if (rc && made_dir)
		rmdir(dir);
	if (!rc)
		r->pinned = dir;
	return rc;
}

int unpin_policy(const char *dir)
{
	struct mark m;
	int dfd = open_bpffs_dir(dir);
	if (dfd < 0)
		return perr(dir, dfd == -2 ? "is not on a BPF file system: it holds no policy pinned by "
				   "memcg-run --pin (nothing removed)" : "cannot open it (nothing removed)");
	if (read_mark(dfd, &m) != 0) {
		close(dfd);
		fprintf(stderr, "memcg-run: error: %s holds no policy pinned by memcg-run --pin "
			"(nothing removed)\n", dir);
		return 1;
	}
	remove_pins(dfd, -1);
	close(dfd);
	if (m.made_dir && rmdir(dir) != 0 && errno == ENOTEMPTY)
		printf("memcg-run: %s keeps what memcg-run did not pin there\n", dir);
	printf("memcg-run: removed the policy pinned in %s\n", dir);
	return 0;
}
