/* load_test.c — the test object on this kernel, with libbpf 1.5:
 * struct_ops map refused cleanly when the kernel lacks memcg_bpf_ops; everything else
 * loads with the struct_ops map's autocreate off; CO-RE relocations applied; the
 * tracepoint programs attach and count real reclaim scans in a cgroup v1 memcg this
 * test creates; BPF_PROG_TEST_RUN of the syscall program; cleanup even on failure.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <bpf/bpf.h>
#include <bpf/btf.h>
#include <bpf/libbpf.h>

#include "test_object.h"

int run_load_tests(const char *path);

static int failures;

static void pass(const char *name, const char *fmt, ...)
{
	printf("PASS %s", name);
	if (fmt) {
		va_list ap;
		va_start(ap, fmt);
		printf(" (");
		vprintf(fmt, ap);
		printf(")");
		va_end(ap);
	}
	printf("\n");
	fflush(stdout);
}

static void fail(const char *name, const char *fmt, ...)
{
	va_list ap;
	printf("FAIL %s: ", name);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	printf("\n");
	fflush(stdout);
	failures++;
}

static void skip(const char *name, const char *why)
{
	printf("SKIP %s: %s\n", name, why);
}

/* ---- libbpf's messages, kept for checks and for failure reports ------------------ */

static char libbpf_log[1 << 21];
static size_t libbpf_log_len;

static int capture_libbpf(enum libbpf_print_level level, const char *fmt, va_list ap)
{
	(void)level;
	if (libbpf_log_len < sizeof libbpf_log - 1) {
		int n = vsnprintf(libbpf_log + libbpf_log_len, sizeof libbpf_log - libbpf_log_len,
				  fmt, ap);
		if (n > 0)
			libbpf_log_len += (size_t)n;
		if (libbpf_log_len > sizeof libbpf_log - 1)
			libbpf_log_len = sizeof libbpf_log - 1;
	}
	return 0;
}

static void clear_log(void)
{
	libbpf_log_len = 0;
	libbpf_log[0] = 0;
}

/* The last `lines` lines of the log, indented (shown under a FAIL line). */
static void print_log_tail(int lines)
{
	const char *p = libbpf_log + libbpf_log_len;
	while (p > libbpf_log && lines >= 0)
		if (*--p == '\n')
			lines--;
	for (const char *line = p; *line;) {
		const char *end = strchr(line, '\n');
		int len = end ? (int)(end - line) : (int)strlen(line);
		if (len)
			printf("  | %.*s\n", len, line);
		line += len + (end ? 1 : 0);
	}
}

static const char *find_log_line(const char *needle, char *out, size_t size)
{
	const char *hit = strstr(libbpf_log, needle);
	if (!hit)
		return NULL;
	const char *start = hit;
	while (start > libbpf_log && start[-1] != '\n')
		start--;
	size_t len = strcspn(start, "\n");
	snprintf(out, size, "%.*s", (int)(len < size ? len : size - 1), start);
	return out;
}

static unsigned count_in_log(const char *needle)
{
	unsigned n = 0;
	for (const char *p = libbpf_log; (p = strstr(p, needle)); p += strlen(needle))
		n++;
	return n;
}

/* ---- cleanup, also on signals and early exits ------------------------------------ */

static char cgroup_dir[256];
static bool mounted_tracefs;
static char scratch_dir[256], scratch_file[300];
static pid_t workload_pid;

static void write_text(const char *path, const char *text)
{
	int fd = open(path, O_WRONLY);
	if (fd >= 0) {
		if (write(fd, text, strlen(text)) < 0) { /* best effort */ }
		close(fd);
	}
}

static void cleanup(void)
{
	if (workload_pid > 0) {
		kill(workload_pid, SIGKILL);
		waitpid(workload_pid, NULL, 0);
		workload_pid = 0;
	}
	if (scratch_file[0]) {
		unlink(scratch_file);
		scratch_file[0] = 0;
	}
	if (scratch_dir[0]) {
		rmdir(scratch_dir);
		scratch_dir[0] = 0;
	}
	if (mounted_tracefs && umount("/sys/kernel/tracing") == 0)
		mounted_tracefs = false;
	if (cgroup_dir[0]) {
		char path[300];
		snprintf(path, sizeof path, "%s/memory.force_empty", cgroup_dir);
		write_text(path, "0");
		for (int i = 0; i < 50 && rmdir(cgroup_dir) && errno == EBUSY; i++)
			usleep(100 * 1000);
		cgroup_dir[0] = 0;
	}
}

static void on_signal(int sig)
{
	cleanup();
	printf("FAIL codegen-load: interrupted by signal %d (%s)\n", sig, strsignal(sig));
	fflush(stdout);
	_exit(1);
}

/* ---- the cgroup workload --------------------------------------------------------- */

enum { LIMIT_MB = 16, FILE_MB = 64 };

static int make_scratch_file(void)
{
	snprintf(scratch_dir, sizeof scratch_dir, "/var/tmp/memcgc-codegen.XXXXXX");
	if (!mkdtemp(scratch_dir)) {
		scratch_dir[0] = 0;
		return -1;
	}
	snprintf(scratch_file, sizeof scratch_file, "%s/data", scratch_dir);
	int fd = open(scratch_file, O_CREAT | O_TRUNC | O_WRONLY, 0600);
	if (fd < 0)
		return -1;
	static char block[1 << 20];
	memset(block, 0x5a, sizeof block);
	for (int i = 0; i < FILE_MB; i++)
		if (write(fd, block, sizeof block) != (ssize_t)sizeof block) {
			close(fd);
			return -1;
		}
	fsync(fd);
	/* Drop this file's clean pages, so the reader in the cgroup faults them back in. */
	posix_fadvise(fd, 0, 0, POSIX_FADV_DONTNEED);
	close(fd);
	return 0;
}

/* Child: join the cgroup, read the file twice through a 16 MiB limit, exit. */
static void __attribute__((noreturn)) workload(void)
{
	char path[300], pid[32];
	snprintf(path, sizeof path, "%s/cgroup.procs", cgroup_dir);
	snprintf(pid, sizeof pid, "%d", getpid());
	int fd = open(path, O_WRONLY);
	if (fd < 0 || write(fd, pid, strlen(pid)) < 0)
		_exit(2);
	close(fd);
	static char buf[1 << 20];
	for (int pass_no = 0; pass_no < 2; pass_no++) {
		fd = open(scratch_file, O_RDONLY);
		if (fd < 0)
			_exit(3);
		while (read(fd, buf, sizeof buf) > 0)
			;
		close(fd);
	}
	_exit(0);
}

static int run_workload(void)
{
	char path[300], limit[32];
	snprintf(cgroup_dir, sizeof cgroup_dir, "/sys/fs/cgroup/memory/memcgc-codegen-test.%d",
		 getpid());
	if (mkdir(cgroup_dir, 0755)) {
		fail("cgroup-create", "mkdir %s: %s", cgroup_dir, strerror(errno));
		cgroup_dir[0] = 0;
		return -1;
	}
	snprintf(path, sizeof path, "%s/memory.limit_in_bytes", cgroup_dir);
	snprintf(limit, sizeof limit, "%d", LIMIT_MB << 20);
	write_text(path, limit);
	if (make_scratch_file()) {
		fail("cgroup-workload", "cannot write a %d MiB file under /var/tmp: %s", FILE_MB,
		     strerror(errno));
		return -1;
	}
	workload_pid = fork();
	if (workload_pid == 0)
		workload();
	int status;
	pid_t done = waitpid(workload_pid, &status, 0);
	workload_pid = 0;
	if (done < 0 || !WIFEXITED(status) || WEXITSTATUS(status) != 0) {
		fail("cgroup-workload", "reader in %s failed (status 0x%x)", cgroup_dir, status);
		return -1;
	}
	return 0;
}

/* ---- checks ---------------------------------------------------------------------- */

struct pgscan_value { uint64_t pgscan, last_ns; };

static bool kernel_has_struct(const char *name)
{
	struct btf *vmlinux = btf__load_vmlinux_btf();
	bool found = vmlinux && btf__find_by_name_kind(vmlinux, name, BTF_KIND_STRUCT) > 0;
	btf__free(vmlinux);
	return found;
}

static int kernel_enum_value(const char *enum_name, const char *name, int64_t *value)
{
	struct btf *vmlinux = btf__load_vmlinux_btf();
	int id = vmlinux ? btf__find_by_name_kind(vmlinux, enum_name, BTF_KIND_ENUM) : -1;
	int rc = -1;
	if (id > 0) {
		const struct btf_type *t = btf__type_by_id(vmlinux, id);
		const struct btf_enum *e = btf_enum(t);
		for (int i = 0; i < btf_vlen(t); i++)
			if (strcmp(btf__name_by_offset(vmlinux, e[i].name_off), name) == 0) {
				*value = e[i].val;
				rc = 0;
			}
	}
	btf__free(vmlinux);
	return rc;
}

/* With autocreate on, the kernel's lack of memcg_bpf_ops must be a clean load error. */
static void check_struct_ops_refused(const char *path)
{
	const char *name = "struct-ops-without-kernel-type";
	if (kernel_has_struct("memcg_bpf_ops")) {
		skip(name, "this kernel has struct memcg_bpf_ops");
		return;
	}
	clear_log();
	struct bpf_object *obj = bpf_object__open_file(path, NULL);
	if (!obj) {
		fail(name, "open %s: %s", path, strerror(errno));
		return;
	}
	int err = bpf_object__load(obj);
	char line[512];
	if (err == 0)
		fail(name, "loaded although the kernel has no memcg_bpf_ops");
	else if (!find_log_line("memcg_bpf_ops is not found in kernel BTF", line, sizeof line))
		fail(name, "load failed (%s) without saying memcg_bpf_ops is missing",
		     strerror(-err));
	else
		pass(name, "%s; libbpf: %s", strerror(-err), line);
	bpf_object__close(obj);
}

static void check_map_types(struct bpf_object *obj)
{
	static const struct { const char *name; enum bpf_map_type type; unsigned max; } want[] = {
		{ "pgscan", BPF_MAP_TYPE_HASH, 1024 },
		{ "btf_ids", BPF_MAP_TYPE_HASH, 1024 },
		{ "totals", BPF_MAP_TYPE_PERCPU_ARRAY, 1 },
		{ "recent", BPF_MAP_TYPE_LRU_HASH, 256 },
		{ "config", BPF_MAP_TYPE_ARRAY, 4 },
		{ "memcgc_ops", BPF_MAP_TYPE_STRUCT_OPS, 1 },
	};
	for (size_t i = 0; i < sizeof want / sizeof want[0]; i++) {
		struct bpf_map *map = bpf_object__find_map_by_name(obj, want[i].name);
		if (!map || bpf_map__type(map) != want[i].type ||
		    bpf_map__max_entries(map) != want[i].max) {
			fail("map-definitions", "map %s: %s", want[i].name,
			     map ? "wrong type or max_entries" : "missing");
			return;
		}
	}
	pass("map-definitions", "hash, array, percpu array, LRU hash, struct_ops");
}

static struct bpf_map *find_rodata(struct bpf_object *obj)
{
	struct bpf_map *map;
	bpf_object__for_each_map(map, obj)
		if (strstr(bpf_map__name(map), ".rodata"))
			return map;
	return NULL;
}

/* Set the `const volatile` parameter scan_weight before load, as the loader will. */
static int set_scan_weight(struct bpf_object *obj, uint64_t weight)
{
	struct bpf_map *rodata = find_rodata(obj);
	size_t size = 0;
	uint64_t *data = rodata ? bpf_map__initial_value(rodata, &size) : NULL;
	if (!data || size < 16 || data[0] != 1) {     /* scan_weight first, initialised to 1 */
		fail("rodata-parameter", "no .rodata with scan_weight = 1 (size %zu)", size);
		return -1;
	}
	data[0] = weight;
	pass("rodata-parameter", "scan_weight 1 -> %llu before load", (unsigned long long)weight);
	return 0;
}

/* Instructions of a loaded program as the kernel holds them (subprograms included). */
static unsigned xlated_insns(struct bpf_object *obj, const char *name)
{
	struct bpf_prog_info info = { 0 };
	__u32 len = sizeof info;
	int fd = bpf_program__fd(bpf_object__find_program_by_name(obj, name));
	if (fd < 0 || bpf_prog_get_info_by_fd(fd, &info, &len))
		return 0;
	return info.xlated_prog_len / 8;
}

/* libbpf's debug log shows each relocation: the enum value must become the kernel's,
 * and the memcg chain's local offsets (0) must move to the kernel's (struct cgroup.kn,
 * struct kernfs_node.id are not at 0 in any real kernel). */
static void check_core_relocations(void)
{
	int64_t kswapd;
	char want[128], line[512];
	if (kernel_enum_value("vm_event_item", "PGSCAN_KSWAPD", &kswapd)) {
		fail("core-relocations", "no enum vm_event_item in the kernel's BTF");
		return;
	}
	snprintf(want, sizeof want, "imm64 0 -> %lld", (long long)kswapd);
	unsigned patched = count_in_log("patched insn");
	unsigned moved = count_in_log("(LDX/ST/STX) off 0 -> ") -
			 count_in_log("(LDX/ST/STX) off 0 -> 0\n");
	if (!find_log_line(want, line, sizeof line))
		fail("core-relocations", "PGSCAN_KSWAPD not patched to %lld", (long long)kswapd);
	else if (!strstr(libbpf_log, "struct kernfs_node.id") || moved < 2)
		fail("core-relocations", "cgroup.kn / kernfs_node.id offsets not relocated");
	else
		pass("core-relocations", "%u instructions patched, %u field offsets moved; %s",
		     patched, moved, line);
}

/* libbpf finds a tracepoint's id in tracefs; mount it if nobody has (unmounted by cleanup). */
static void ensure_tracefs(void)
{
	if (access("/sys/kernel/tracing/events", F_OK) == 0 ||
	    access("/sys/kernel/debug/tracing/events", F_OK) == 0)
		return;
	if (mount("tracefs", "/sys/kernel/tracing", "tracefs", 0, NULL) == 0)
		mounted_tracefs = true;
}

static struct bpf_link *attach(struct bpf_object *obj, const char *prog_name, const char *test)
{
	struct bpf_program *prog = bpf_object__find_program_by_name(obj, prog_name);
	struct bpf_link *link = prog ? bpf_program__attach(prog) : NULL;
	if (!link)
		fail(test, "attach %s: %s", prog_name, strerror(errno));
	else
		pass(test, "%s", bpf_program__section_name(prog));
	return link;
}

static void check_cgroup_counts(struct bpf_object *obj)
{
	if (access("/sys/fs/cgroup/memory/cgroup.procs", W_OK)) {
		skip("cgroup-pgscan", "no writable cgroup v1 memory hierarchy");
		return;
	}
	if (run_workload())
		return;
	struct stat st;
	if (stat(cgroup_dir, &st)) {
		fail("cgroup-pgscan", "stat %s: %s", cgroup_dir, strerror(errno));
		return;
	}
	uint64_t id = st.st_ino;                 /* the kernfs id the tracepoint reports */
	struct pgscan_value v = { 0 };
	struct bpf_map *pgscan = bpf_object__find_map_by_name(obj, "pgscan");
	if (bpf_map__lookup_elem(pgscan, &id, sizeof id, &v, sizeof v, 0))
		fail("cgroup-pgscan", "no entry for cgroup id %llu: %s", (unsigned long long)id,
		     strerror(errno));
	else if (v.pgscan == 0)
		fail("cgroup-pgscan", "entry for cgroup id %llu has pgscan 0", (unsigned long long)id);
	else
		pass("cgroup-pgscan", "cgroup id %llu: %llu pages scanned (x2 weight)",
		     (unsigned long long)id, (unsigned long long)v.pgscan);

	uint64_t events = 0;
	struct bpf_map *btf_ids = bpf_object__find_map_by_name(obj, "btf_ids");
	if (bpf_map__lookup_elem(btf_ids, &id, sizeof id, &events, sizeof events, 0) || !events)
		fail("memcg-css-cgroup-kn-id", "tp_btf saw no event for memcg->css.cgroup->kn->id"
		     " == %llu", (unsigned long long)id);
	else
		pass("memcg-css-cgroup-kn-id", "%llu events with id %llu", (unsigned long long)events,
		     (unsigned long long)id);

	int ncpus = libbpf_num_possible_cpus();
	uint64_t per_cpu[ncpus > 0 ? ncpus : 1], total = 0;
	uint32_t zero = 0;
	struct bpf_map *totals = bpf_object__find_map_by_name(obj, "totals");
	if (ncpus > 0 && !bpf_map__lookup_elem(totals, &zero, sizeof zero, per_cpu,
					       sizeof per_cpu, 0))
		for (int i = 0; i < ncpus; i++)
			total += per_cpu[i];
	total ? pass("percpu-array", "%llu events over %d CPUs", (unsigned long long)total, ncpus)
	      : fail("percpu-array", "no events counted in totals");
}

struct test_case {
	const char *item;
	uint64_t count, now;
	uint64_t want;          /* return value and ctx->result */
};

static void check_test_run(struct bpf_object *obj)
{
	static const struct test_case cases[] = {   /* scan_weight is 2 */
		{ "PGSCAN_KSWAPD", 5, 1000, 10 },
		{ "PGSCAN_DIRECT", 7, 2000, 24 },
		{ "PGFAULT", 9, 3000, 0 },                 /* not a scan: no change */
		{ "PGSCAN_KHUGEPAGED", 1, 4000, 26 },
	};
	const uint64_t cgid = 0xC0DE0000DEADull;    /* no real cgroup has this id */
	int fd = bpf_program__fd(bpf_object__find_program_by_name(obj, "test_count"));
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		int64_t item;
		if (kernel_enum_value("vm_event_item", cases[i].item, &item)) {
			skip("syscall-test-run", "kernel lacks an event item");
			return;
		}
		struct test_input in = { .now_ns = cases[i].now, .cgroup_id = cgid,
					 .item = (int32_t)item, .count = cases[i].count };
		LIBBPF_OPTS(bpf_test_run_opts, opts, .ctx_in = &in, .ctx_size_in = sizeof in);
		int err = bpf_prog_test_run_opts(fd, &opts);
		if (err || opts.retval != (uint32_t)cases[i].want || in.result != cases[i].want) {
			fail("syscall-test-run", "%s x%llu: err %d, retval %u, result %llu, want %llu",
			     cases[i].item, (unsigned long long)cases[i].count, err, opts.retval,
			     (unsigned long long)in.result, (unsigned long long)cases[i].want);
			return;
		}
	}
	struct pgscan_value v = { 0 };
	struct bpf_map *pgscan = bpf_object__find_map_by_name(obj, "pgscan");
	if (bpf_map__lookup_elem(pgscan, &cgid, sizeof cgid, &v, sizeof v, 0) ||
	    v.pgscan != 26 || v.last_ns != 4000)
		fail("syscall-test-run", "map entry pgscan %llu last_ns %llu, want 26 and 4000",
		     (unsigned long long)v.pgscan, (unsigned long long)v.last_ns);
	else
		pass("syscall-test-run", "4 synthetic events; map entry {26, 4000}");
}

/* test_events: a name added at run time resolves to the kernel's value; a name the
 * kernel lacks is reported absent by the existence relocation. */
static void check_event_names(struct bpf_object *obj)
{
	int64_t anon;
	if (kernel_enum_value("vm_event_item", "PGSCAN_ANON", &anon)) {
		skip("event-names-at-run-time", "kernel lacks PGSCAN_ANON");
		return;
	}
	struct test_input in = { 0 };
	LIBBPF_OPTS(bpf_test_run_opts, opts, .ctx_in = &in, .ctx_size_in = sizeof in);
	int fd = bpf_program__fd(bpf_object__find_program_by_name(obj, "test_events"));
	int err = bpf_prog_test_run_opts(fd, &opts);
	if (err || opts.retval != 1 || in.result != (uint64_t)anon)
		fail("event-names-at-run-time", "err %d, retval %u (want 1), PGSCAN_ANON %llu "
		     "(want %lld)", err, opts.retval, (unsigned long long)in.result,
		     (long long)anon);
	else
		pass("event-names-at-run-time", "PGSCAN_ANON = %lld, MEMCGC_NO_SUCH_EVENT absent",
		     (long long)anon);
}

int run_load_tests(const char *path)
{
	if (geteuid() != 0) {
		skip("codegen-load", "setup: needs root (BPF, cgroups)");
		return 0;
	}
	atexit(cleanup);
	signal(SIGINT, on_signal);
	signal(SIGTERM, on_signal);
	signal(SIGALRM, on_signal);
	signal(SIGSEGV, on_signal);      /* a crash still removes the cgroup */
	signal(SIGABRT, on_signal);
	alarm(240);
	libbpf_set_print(capture_libbpf);

	check_struct_ops_refused(path);

	clear_log();
	struct bpf_object *obj = bpf_object__open_file(path, NULL);
	if (!obj) {
		fail("open", "%s: %s", path, strerror(errno));
		print_log_tail(20);
		return 1;
	}
	check_map_types(obj);
	bpf_map__set_autocreate(bpf_object__find_map_by_name(obj, "memcgc_ops"), false);
	set_scan_weight(obj, 2);
	int err = bpf_object__load(obj);
	if (err) {
		fail("load", "%s", strerror(-err));
		print_log_tail(40);
		bpf_object__close(obj);
		return 1;
	}
	struct bpf_program *delay = bpf_object__find_program_by_name(obj, "policy_delay");
	if (bpf_program__fd(delay) >= 0)
		fail("load", "struct_ops program loaded although its map is not created");
	else
		pass("load", "verifier accepted tp, tp_btf and syscall programs; struct_ops skipped;"
		     " tracepoint program %u insns", xlated_insns(obj, "count_memcg_events"));
	check_core_relocations();

	ensure_tracefs();
	struct bpf_link *tp = attach(obj, "count_memcg_events", "attach-tracepoint");
	struct bpf_link *tp_btf = attach(obj, "memcg_events_btf", "attach-tp-btf");
	if (tp && tp_btf)
		check_cgroup_counts(obj);
	bpf_link__destroy(tp);
	bpf_link__destroy(tp_btf);
	check_test_run(obj);
	check_event_names(obj);
	bpf_object__close(obj);

	char dir[sizeof cgroup_dir];
	snprintf(dir, sizeof dir, "%s", cgroup_dir);
	cleanup();
	if (dir[0] && access(dir, F_OK) == 0)
		fail("cleanup", "%s still exists", dir);
	else
		pass("cleanup", NULL);
	return failures != 0;
}

/* ---- struct_ops end to end, on a type this host has ------------------------------- */

enum { MAP_F_LINK = 1U << 13 };   /* BPF_F_LINK: newer than Debian 12's uapi headers */

static bool congestion_control_listed(const char *name)
{
	char buf[512] = "";
	FILE *f = fopen("/proc/sys/net/ipv4/tcp_available_congestion_control", "r");
	if (f) {
		if (!fgets(buf, sizeof buf, f))
			buf[0] = 0;
		fclose(f);
	}
	for (char *tok = strtok(buf, " \n"); tok; tok = strtok(NULL, " \n"))
		if (strcmp(tok, name) == 0)
			return true;
	return false;
}

int run_struct_ops_host_test(const char *source);
int run_struct_ops_host_test(const char *source)
{
	const char *name = "struct-ops-link-on-host-type";
	if (geteuid() != 0) {
		skip(name, "setup: needs root");
		return 0;
	}
	if (!kernel_has_struct("bpf_struct_ops_tcp_congestion_ops")) {
		skip(name, "kernel has no BPF tcp_congestion_ops");
		return 0;
	}
	char err[1024], cc_name[16];
	void *data = NULL;
	size_t len;
	snprintf(cc_name, sizeof cc_name, "memcgc_t%u", (unsigned)getpid() % 10000000u);
	if (build_tcp_ops_object(source, cc_name, &data, &len, err, sizeof err)) {
		fail(name, "%s", err);
		return 1;
	}
	libbpf_set_print(capture_libbpf);
	clear_log();
	struct bpf_object *obj = bpf_object__open_mem(data, len, NULL);
	int load_err = obj ? bpf_object__load(obj) : -errno;
	struct bpf_map *map = obj ? bpf_object__find_map_by_name(obj, "memcgc_tcp") : NULL;
	struct bpf_link *link = !load_err && map ? bpf_map__attach_struct_ops(map) : NULL;
	if (load_err)
		fail(name, "load: %s", strerror(-load_err));
	else if (!(bpf_map__map_flags(map) & MAP_F_LINK))
		fail(name, "map memcgc_tcp lacks BPF_F_LINK");
	else if (!link)
		fail(name, "attach: %s", strerror(errno));
	else if (!congestion_control_listed(cc_name))
		fail(name, "%s not in tcp_available_congestion_control", cc_name);
	else if (!strstr(libbpf_log, "struct sock.sk_rcvbuf (0:0 @ offset 0)") ||
		 strstr(libbpf_log, "(LDX/ST/STX) off 0 -> 0\n"))
		fail(name, "sk->sk_rcvbuf was not relocated");
	else {
		bpf_link__destroy(link);
		link = NULL;
		congestion_control_listed(cc_name)
			? fail(name, "%s still registered after the link is gone", cc_name)
			: pass(name, "tcp_congestion_ops %s via .struct_ops.link registered and "
			       "removed; ssthresh reads sk->sk_rcvbuf with CO-RE", cc_name);
	}
	if (failures)
		print_log_tail(30);
	bpf_link__destroy(link);
	bpf_object__close(obj);
	free(data);
	return failures != 0;
}
