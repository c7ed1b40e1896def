/* Policy semantics in the real kernel's BPF VM: each .sem file holds a policy and a
 * script of synthetic events and clock values, run through the object's `syscall` test
 * entry point with BPF_PROG_TEST_RUN, with the value each hook would return asserted.
 * The verifier checks the real object; no memcg_bpf_ops kernel is needed.
 *
 * A .sem file:
 *     policy:                      the policy, indented, up to the first unindented line
 *         cgroup high
 *         ...
 *     bind high 1001 1002          cgroup ids that belong to a policy cgroup
 *     set threshold 50000          a parameter, in its run-time encoding (before load)
 *     at 1.5 event high PGSCAN_KSWAPD 40    at t=1.5 s, 40 events of that kernel item in
 *                                  the first id bound to high (or id:N for any id)
 *     at 2 evaluate                evaluate the rules now
 *     at 2.1 expect over_high low 1024      what the hook returns for low's first id
 *     at 2.1 expect fired 0 1      rule 0 has become active once
 * Lines starting with # are comments. Every `expect` prints PASS or FAIL.
 *
 * usage: semantics_test MEMCGC FILE.sem...
 *        semantics_test --load OBJECT...   each object loads (verifier) without its hooks,
 *                                          its tracepoint attaches, and libbpf refuses the
 *                                          hooks on a kernel without memcg_bpf_ops
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <bpf/bpf.h>
#include <bpf/btf.h>
#include <bpf/libbpf.h>

#include "emit.h"
#include "policy_object.h"
#include "signals.h"

enum { MAX_CGROUPS = 64, MAX_IDS = 8 };
#define T0_NS 1000000000000ULL          /* t = 0 of a script: the BPF clock never reads 0 */

struct script {
	const char *file;
	char names[MAX_CGROUPS][64];
	unsigned long long ids[MAX_CGROUPS][MAX_IDS];
	int nids[MAX_CGROUPS], ncgroups;
	struct policy_object po;
	struct btf *vmlinux;
	int prog;
	int failures, checks;
};

static int slot_of(struct script *s, const char *name)
{
	for (int i = 0; i < s->ncgroups; i++)
		if (strcmp(s->names[i], name) == 0)
			return i;
	return -1;
}

/* "high" -> its first bound id; "id:N" -> N. */
static int cgroup_id(struct script *s, const char *word, unsigned long long *id)
{
	if (strncmp(word, "id:", 3) == 0) {
		*id = strtoull(word + 3, NULL, 0);
		return 0;
	}
	int slot = slot_of(s, word);
	if (slot < 0 || !s->nids[slot])
		return -1;
	*id = s->ids[slot][0];
	return 0;
}

/* The running kernel's value of enum vm_event_item NAME, or memcg-run's pressure item
 * (PSI_SOME: microseconds of stall, as memcg-run feeds them from memory.pressure). */
static int event_item(struct script *s, const char *name, long long *value)
{
	const struct pressure_item *psi = pressure_item_find(name);
	if (psi) {
		*value = psi->value;
		return 0;
	}
	int id = btf__find_by_name_kind(s->vmlinux, "vm_event_item", BTF_KIND_ENUM);
	if (id < 0)
		return -1;
	const struct btf_type *t = btf__type_by_id(s->vmlinux, (unsigned)id);
	const struct btf_enum *e = btf_enum(t);
	for (unsigned i = 0; i < btf_vlen(t); i++, e++)
		if (strcmp(btf__name_by_offset(s->vmlinux, e->name_off), name) == 0) {
			*value = e->val;
			return 0;
		}
	return -1;
}

static int run_op(struct script *s, struct memcgc_test *in)
{
	/* a syscall program's context is copied back into ctx_in (ctx_out is refused) */
	LIBBPF_OPTS(bpf_test_run_opts, opts, .ctx_in = in, .ctx_size_in = sizeof(*in));
	return bpf_prog_test_run_opts(s->prog, &opts);
}

/* Reads the policy block, compiles it, loads the object (after `set` lines apply). */
static int compile_policy(struct script *s, const char *memcgc, FILE *f, char *line, size_t size,
			  int *line_no)
{
	char src[] = "/tmp/memcgc-sem-XXXXXX.mcp";
	int fd = mkstemps(src, 4);
	FILE *out = fd >= 0 ? fdopen(fd, "w") : NULL;
	if (!out)
		return -1;
	int got;
	while ((got = fgets(line, (int)size, f) != NULL) &&
	       (line[0] == ' ' || line[0] == '\t' || line[0] == '\n')) {
		++*line_no;
		fputs(line, out);
		char name[64];
		if (sscanf(line, " cgroup %63[A-Za-z0-9_]", name) == 1 && s->ncgroups < MAX_CGROUPS)
			snprintf(s->names[s->ncgroups++], sizeof(s->names[0]), "%s", name);
	}
	if (!got)
		line[0] = 0;
	fclose(out);
	char obj[sizeof(src) + 2], cmd[1024];
	snprintf(obj, sizeof(obj), "%.*s.o", (int)strlen(src) - 4, src);
	snprintf(cmd, sizeof(cmd), "%s -o %s %s", memcgc, obj, src);
	int rc = system(cmd);
	unlink(src);
	if (rc != 0) {
		printf("FAIL %s: memcgc could not compile the policy\n", s->file);
		return -1;
	}
	if (policy_object_open(&s->po, strdup(obj)) != 0) {
		printf("FAIL %s: %s\n", s->file, s->po.error);
		return -1;
	}
	unlink(obj);
	return 0;
}

static int load(struct script *s)
{
	if (policy_object_load(&s->po, NULL) != 0) {
		printf("FAIL %s: %s\n", s->file, s->po.error);
		return -1;
	}
	s->prog = policy_object_prog_fd(&s->po, "memcgc_test");
	int map = bpf_map__fd(policy_object_map(&s->po, "cgroup_slots"));
	for (int slot = 0; slot < s->ncgroups; slot++) {
		for (int i = 0; i < s->nids[slot]; i++) {
			unsigned long long mask = 0, id = s->ids[slot][i];
			bpf_map_lookup_elem(map, &id, &mask);
			mask |= 1ULL << slot;
			if (bpf_map_update_elem(map, &id, &mask, BPF_ANY) != 0)
				return -1;
		}
	}
	return 0;
}

static void check(struct script *s, int line_no, const char *what, unsigned long long got,
		  unsigned long long want)
{
	s->checks++;
	if (got == want) {
		printf("PASS %s:%d %s\n", s->file, line_no, what);
	} else {
		s->failures++;
		printf("FAIL %s:%d %s: got %llu, want %llu\n", s->file, line_no, what, got, want);
	}
}

static int rule_fired(struct script *s, unsigned rule, unsigned long long *fired)
{
	unsigned long long state[4];
	int map = bpf_map__fd(policy_object_map(&s->po, "rule_states"));
	if (bpf_map_lookup_elem(map, &rule, state) != 0)
		return -1;
	*fired = state[2];
	return 0;
}

static int step(struct script *s, int line_no, char *line)
{
	static const struct { const char *name; enum test_op op; } queries[] = {
		{ "over_high", TEST_OVER_HIGH }, { "high_delay", TEST_HIGH_DELAY },
		{ "below_low", TEST_BELOW_LOW }, { "below_min", TEST_BELOW_MIN },
	};
	double t;
	char verb[32], a[64], b[64];
	unsigned long long n = 0;
	int words = sscanf(line, "at %lf %31s %63s %63s %llu", &t, verb, a, b, &n);
	struct memcgc_test in = { .now = T0_NS + (unsigned long long)(t * 1e9) };
	if (words >= 2 && strcmp(verb, "evaluate") == 0) {
		in.op = TEST_EVALUATE;
		return run_op(s, &in);
	}
	if (words == 5 && strcmp(verb, "event") == 0) {
		in.op = TEST_EVENT;
		in.val = n;
		if (cgroup_id(s, a, &in.cgroup_id) || event_item(s, b, &in.item))
			return -1;
		return run_op(s, &in);
	}
	if (words == 5 && strcmp(verb, "expect") == 0 && strcmp(a, "fired") == 0) {
		unsigned long long fired;
		if (rule_fired(s, (unsigned)atoi(b), &fired))
			return -1;
		check(s, line_no, line, fired, n);
		return 0;
	}
	for (size_t i = 0; words == 5 && strcmp(verb, "expect") == 0 && i < 4; i++) {
		if (strcmp(a, queries[i].name) != 0)
			continue;
		in.op = queries[i].op;
		if (cgroup_id(s, b, &in.cgroup_id) || run_op(s, &in))
			return -1;
		check(s, line_no, line, in.result, n);
		return 0;
	}
	return -1;
}

static void run_script(const char *memcgc, const char *path)
{
	struct script s = { .file = strrchr(path, '/') ? strrchr(path, '/') + 1 : path };
	FILE *f = fopen(path, "r");
	char line[512];
	int line_no = 0, loaded = 0;
	s.vmlinux = btf__load_vmlinux_btf();
	if (!f || !s.vmlinux) {
		printf("FAIL %s: cannot read it or the kernel's BTF\n", s.file);
		return;
	}
	int have_line = fgets(line, sizeof(line), f) != NULL;
	while (have_line) {
		line_no++;
		line[strcspn(line, "\n")] = 0;
		char name[64], var[80];
		unsigned long long v;
		int rc = 0;
		if (line[0] == '#' || line[0] == 0) {
			rc = 0;
		} else if (strcmp(line, "policy:") == 0) {
			rc = compile_policy(&s, memcgc, f, line, sizeof(line), &line_no);
			if (rc)
				break;
			have_line = line[0] != 0;   /* the line after the policy, not yet counted */
			continue;
		} else if (strncmp(line, "bind ", 5) == 0) {
			char *save, *tok = strtok_r(line + 5, " ", &save);
			int slot = tok ? slot_of(&s, tok) : -1;
			while (slot >= 0 && (tok = strtok_r(NULL, " ", &save)) && s.nids[slot] < MAX_IDS)
				s.ids[slot][s.nids[slot]++] = strtoull(tok, NULL, 0);
			rc = slot < 0 ? -1 : 0;
		} else if (sscanf(line, "set %63s %llu", name, &v) == 2) {
			snprintf(var, sizeof(var), strcmp(name, "page_size") ? "param_%s" : "%s", name);
			rc = policy_object_set_rodata(&s.po, var, v);
		} else {
			if (!loaded && (rc = load(&s)) == 0)
				loaded = 1;
			if (rc == 0)
				rc = step(&s, line_no, line);
		}
		if (rc) {
			printf("FAIL %s:%d: cannot run '%s' (%s)\n", s.file, line_no, line,
			       s.po.error[0] ? s.po.error : strerror(errno));
			s.failures++;
			break;
		}
		have_line = fgets(line, sizeof(line), f) != NULL;
	}
	if (!s.checks && !s.failures)
		printf("FAIL %s: no expectation was checked\n", s.file);
	fclose(f);
	btf__free(s.vmlinux);
	policy_object_close(&s.po);
}

static void result(int ok, const char *what, const char *name, const char *why)
{
	if (ok)
		printf("PASS %s %s\n", what, name);
	else
		printf("FAIL %s %s: %s\n", what, name, why);
}

static void load_object(const char *path)
{
	const char *name = strrchr(path, '/') ? strrchr(path, '/') + 1 : path;
	struct policy_object po;
	int ok = policy_object_open(&po, path) == 0 && policy_object_load(&po, NULL) == 0;
	result(ok, "verifier-accepts", name, po.error);
	if (ok) {
		struct bpf_program *tp = bpf_object__find_program_by_name(po.obj, "count_memcg_events");
		bool mounted = false;
		struct bpf_link *link = tp && tracefs_ensure(&mounted) == 0 ? bpf_program__attach(tp) : NULL;
		result(link != NULL, "tracepoint-attaches", name, strerror(errno));
		bpf_link__destroy(link);
		tracefs_release(mounted);
	}
	policy_object_close(&po);
	/* The hooks: this kernel has no memcg_bpf_ops, so loading them must fail, cleanly. */
	int has_hooks = 0;
	if (policy_object_open(&po, path) == 0) {
		struct bpf_map *map, *ops = NULL;
		bpf_object__for_each_map(map, po.obj)
			if (bpf_map__type(map) == BPF_MAP_TYPE_STRUCT_OPS)
				ops = map;
		has_hooks = ops != NULL;
		if (has_hooks) {
			int refused = policy_object_load(&po, bpf_map__name(ops)) != 0;
			result(refused, "hooks-refused-without-memcg_bpf_ops", name,
			       "loaded struct_ops on a kernel without memcg_bpf_ops");
		}
	}
	policy_object_close(&po);
}

int main(int argc, char **argv)
{
	setvbuf(stdout, NULL, _IOLBF, 0);
	if (argc < 3) {
		fprintf(stderr, "usage: semantics_test MEMCGC FILE.sem...\n");
		return 2;
	}
	if (geteuid() != 0) {
		printf("SKIP semantics: setup: loading BPF programs needs root\n");
		return 0;
	}
	if (strcmp(argv[1], "--load") == 0) {
		for (int i = 2; i < argc; i++)
			load_object(argv[i]);
		return 0;
	}
	for (int i = 2; i < argc; i++)
		run_script(argv[1], argv[i]);
	return 0;
}
