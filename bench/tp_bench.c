/* Per-event cost and size of tracepoint programs, side by side in one run: memcgc's
 * program for a policy, the hand-written baseline (bench/baseline/priority.bpf.c) and an
 * empty program, all attached to memcg:count_memcg_events at once while a memory workload
 * runs in a cgroup v1 memcg bound as the policy's first cgroup. The kernel's own BPF
 * statistics (BPF_ENABLE_STATS) give run time and run count per program. The programs run
 * in attach order on each event, and the first pays for a colder cache: so the run has
 * one round per order (rotated), and each program's figure is the median of its rounds.
 *
 * usage: tp_bench MEMCGC_OBJECT BASELINE_OBJECT SECONDS
 *        tp_bench --sizes MEMCGC_OBJECT...   (no workload: size of each tracepoint program)
 * Prints one JSON object per program. Needs root; leaves no cgroup, file or program. */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "policy_object.h"

#define MEMCG_ROOT "/sys/fs/cgroup/memory"
#define LIMIT "48M"
#define FILE_MB 192
#define ANON_MB 16
#define ANON_PASSES 32

enum { NPROGS = 3 };

struct prog {
	const char *label;
	struct bpf_program *p;
	struct bpf_link *link;
	unsigned long long run_cnt, run_time_ns;     /* at the start of the round */
	double ns_per_event[NPROGS];                 /* per round */
};

static int stats_of(struct prog *p, struct bpf_prog_info *info)
{
	__u32 len = sizeof(*info);
	memset(info, 0, sizeof(*info));
	return bpf_prog_get_info_by_fd(bpf_program__fd(p->p), info, &len);
}

static int by_value(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return (x > y) - (x < y);
}

static int write_file(const char *path, const char *text)
{
	int fd = open(path, O_WRONLY | O_CLOEXEC);
	if (fd < 0)
		return -1;
	int ok = write(fd, text, strlen(text)) == (ssize_t)strlen(text);
	close(fd);
	return ok ? 0 : -1;
}

/* Maps a file bigger than the memcg's limit and touches every page, then faults in and
 * drops ANON_MB of anonymous memory, again and again: page-cache reclaim (pgscan, which
 * the policy counts) and many page faults (pgfault, which it does not), in the memcg the
 * policy watches, so that most events are ones the policy ignores, as on a real machine,
 * and a round has millions of events rather than thousands. */
static void touch_file(const char *file, size_t size)
{
	volatile unsigned long sum = 0;
	int fd = open(file, O_RDONLY);
	const char *p = fd >= 0 ? mmap(NULL, size, PROT_READ, MAP_SHARED, fd, 0) : MAP_FAILED;
	if (p == MAP_FAILED)
		_exit(1);
	for (size_t off = 0; off < size; off += 4096)
		sum += (unsigned char)p[off];
	munmap((void *)p, size);
	close(fd);
}

static void touch_anon(size_t size)
{
	char *p = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (p == MAP_FAILED)
		_exit(1);
	for (int pass = 0; pass < ANON_PASSES; pass++) {
		for (size_t off = 0; off < size; off += 4096)
			p[off] = 1;
		if (madvise(p, size, MADV_DONTNEED) != 0)
			_exit(1);
	}
	munmap(p, size);
}

static pid_t start_workload(const char *cgroup, const char *file, int seconds)
{
	pid_t pid = fork();
	if (pid != 0)
		return pid;
	char path[256], me[32];
	snprintf(path, sizeof(path), "%s/cgroup.procs", cgroup);
	snprintf(me, sizeof(me), "%d", getpid());
	if (write_file(path, me) != 0)
		_exit(1);
	time_t end = time(NULL) + seconds;
	while (time(NULL) < end) {
		touch_file(file, (size_t)FILE_MB << 20);
		touch_anon((size_t)ANON_MB << 20);
	}
	_exit(0);
}

static int make_file(const char *file)
{
	int fd = open(file, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	static char block[1 << 20];
	memset(block, 'm', sizeof(block));
	for (int i = 0; fd >= 0 && i < FILE_MB; i++)
		if (write(fd, block, sizeof(block)) != (ssize_t)sizeof(block))
			return -1;
	return fd >= 0 ? close(fd) : -1;
}

static void report(struct prog *p)
{
	struct bpf_prog_info info;
	if (stats_of(p, &info) != 0)
		return;
	double sorted[NPROGS];
	memcpy(sorted, p->ns_per_event, sizeof(sorted));
	qsort(sorted, NPROGS, sizeof(double), by_value);
	printf("{\"bench\": \"tp_event\", \"program\": \"%s\", \"xlated_insns\": %u, \"verified_insns\": %u, "
	       "\"run_cnt\": %llu, \"ns_per_event_median\": %.1f, \"ns_per_event_min\": %.1f, "
	       "\"ns_per_event_max\": %.1f, \"rounds\": %d}\n",
	       p->label, info.xlated_prog_len / 8, info.verified_insns,
	       (unsigned long long)info.run_cnt, sorted[NPROGS / 2], sorted[0],
	       sorted[NPROGS - 1], NPROGS);
}

/* One round: attach in order starting at `first`, run the workload, detach. */
static int round_of(struct prog *progs, int first, const char *cgroup, const char *file,
		    int seconds)
{
	for (int k = 0; k < NPROGS; k++) {
		struct prog *p = &progs[(first + k) % NPROGS];
		struct bpf_prog_info info;
		stats_of(p, &info);
		p->run_cnt = info.run_cnt;
		p->run_time_ns = info.run_time_ns;
		if (!(p->link = bpf_program__attach(p->p)))
			return -1;
	}
	int status;
	waitpid(start_workload(cgroup, file, seconds), &status, 0);
	for (int k = 0; k < NPROGS; k++) {
		struct prog *p = &progs[k];
		struct bpf_prog_info info;
		bpf_link__destroy(p->link);
		p->link = NULL;
		stats_of(p, &info);
		unsigned long long n = info.run_cnt - p->run_cnt;
		p->ns_per_event[first] = n ? (double)(info.run_time_ns - p->run_time_ns) / (double)n : 0;
	}
	return 0;
}

/* The tracepoint program of each memcgc object as the kernel loaded it. */
static int sizes(int n, char **objects)
{
	for (int i = 0; i < n; i++) {
		struct policy_object po;
		if (policy_object_open(&po, objects[i]) || policy_object_load(&po, NULL)) {
			fprintf(stderr, "tp_bench: %s\n", po.error);
			return 1;
		}
		struct prog p = { .p = bpf_object__find_program_by_name(po.obj, "count_memcg_events") };
		struct bpf_prog_info info;
		if (!p.p || stats_of(&p, &info) != 0) {
			fprintf(stderr, "tp_bench: %s: no count_memcg_events program\n", objects[i]);
			policy_object_close(&po);
			return 1;
		}
		printf("{\"bench\": \"tp_size\", \"object\": \"%s\", \"xlated_insns\": %u, "
		       "\"verified_insns\": %u}\n", objects[i], info.xlated_prog_len / 8,
		       info.verified_insns);
		policy_object_close(&po);
	}
	return 0;
}

int main(int argc, char **argv)
{
	if (argc >= 2 && strcmp(argv[1], "--sizes") == 0)
		return sizes(argc - 2, argv + 2);
	if (argc != 4) {
		fprintf(stderr, "usage: tp_bench MEMCGC_OBJECT BASELINE_OBJECT SECONDS"
			" | --sizes MEMCGC_OBJECT...\n");
		return 2;
	}
	int seconds = atoi(argv[3]);
	struct policy_object po;
	if (policy_object_open(&po, argv[1]) || policy_object_load(&po, NULL)) {
		fprintf(stderr, "tp_bench: %s\n", po.error);
		return 1;
	}
	struct bpf_object *base = bpf_object__open_file(argv[2], NULL);
	if (!base || bpf_object__load(base)) {
		fprintf(stderr, "tp_bench: cannot load %s\n", argv[2]);
		return 1;
	}
	char cgroup[128], file[] = "/var/tmp/memcgc-bench-XXXXXX";
	snprintf(cgroup, sizeof(cgroup), MEMCG_ROOT "/memcgc-bench-%d", getpid());
	int tmp = mkstemp(file);
	if (tmp < 0 || mkdir(cgroup, 0755) != 0) {
		fprintf(stderr, "tp_bench: cannot create %s or %s: %s\n", file, cgroup, strerror(errno));
		return 1;
	}
	close(tmp);
	char limit[160];
	snprintf(limit, sizeof(limit), "%s/memory.limit_in_bytes", cgroup);
	write_file(limit, LIMIT);
	struct stat st;
	stat(cgroup, &st);
	unsigned long long id = st.st_ino, high = 1;   /* slot 0: the policy's first cgroup */
	bpf_map_update_elem(bpf_map__fd(policy_object_map(&po, "cgroup_slots")), &id, &high, BPF_ANY);
	bpf_map_update_elem(bpf_map__fd(bpf_object__find_map_by_name(base, "cgroup_slots")), &id,
			    &high, BPF_ANY);

	struct prog progs[NPROGS] = {
		{ .label = "memcgc", .p = bpf_object__find_program_by_name(po.obj, "count_memcg_events") },
		{ .label = "hand-written C", .p = bpf_object__find_program_by_name(base, "baseline") },
		{ .label = "empty", .p = bpf_object__find_program_by_name(base, "empty") },
	};
	bool mounted = false;
	int stats = bpf_enable_stats(BPF_STATS_RUN_TIME);
	int rc = make_file(file) != 0 || stats < 0 || tracefs_ensure(&mounted) != 0;
	for (int first = 0; !rc && first < NPROGS; first++)
		rc = round_of(progs, first, cgroup, file, seconds / NPROGS ? seconds / NPROGS : 1);
	if (!rc) {
		for (int i = 0; i < NPROGS; i++)
			report(&progs[i]);
	} else {
		fprintf(stderr, "tp_bench: setup failed: %s\n", strerror(errno));
	}
	for (int i = 0; i < NPROGS; i++)
		bpf_link__destroy(progs[i].link);
	if (stats >= 0)
		close(stats);
	tracefs_release(mounted);
	unlink(file);
	for (int i = 0; i < 50 && rmdir(cgroup) != 0; i++)
		usleep(100000);
	bpf_object__close(base);
	policy_object_close(&po);
	return rc;
}
