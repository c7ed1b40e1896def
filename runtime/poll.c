/* The memory.stat poll source (poll.h). */
#define _GNU_SOURCE
#include "poll.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <bpf/bpf.h>
#include <bpf/btf.h>
#include <bpf/libbpf.h>

#include "emit.h"
#include "signals.h"
#include "run.h"

/* Each memcg-counted kernel item (compiler/signals.c) and its memory.stat key in cgroup
 * v2 (Linux 6.12 to 6.18: the name the kernel prints for it, in memory.stat's event
 * part). The language's signals read: pgscan -> pgscan_kswapd, pgscan_direct,
 * pgscan_khugepaged; pgsteal -> pgsteal_*; pgfault, pgmajfault, pgrefill, pgactivate,
 * pgdeactivate -> the same names; swpin -> pswpin; swpout -> pswpout. */
static const struct { const char *item, *key; } stat_keys[] = {
	{ "PGPGIN", NULL }, { "PGPGOUT", NULL },        /* cgroup v1's memory.stat only */
	{ "PSWPIN", "pswpin" }, { "PSWPOUT", "pswpout" },
	{ "PGFAULT", "pgfault" }, { "PGMAJFAULT", "pgmajfault" }, { "PGREFILL", "pgrefill" },
	{ "PGACTIVATE", "pgactivate" }, { "PGDEACTIVATE", "pgdeactivate" },
	{ "PGLAZYFREE", "pglazyfree" }, { "PGLAZYFREED", "pglazyfreed" },
	{ "PGSCAN_KSWAPD", "pgscan_kswapd" }, { "PGSCAN_DIRECT", "pgscan_direct" },
	{ "PGSCAN_KHUGEPAGED", "pgscan_khugepaged" }, { "PGSTEAL_KSWAPD", "pgsteal_kswapd" },
	{ "PGSTEAL_DIRECT", "pgsteal_direct" }, { "PGSTEAL_KHUGEPAGED", "pgsteal_khugepaged" },
	{ "SWPIN_ZERO", "swpin_zero" }, { "SWPOUT_ZERO", "swpout_zero" },
	{ "ZSWPIN", "zswpin" }, { "ZSWPOUT", "zswpout" }, { "ZSWPWB", "zswpwb" },
	{ "THP_FAULT_ALLOC", "thp_fault_alloc" }, { "THP_COLLAPSE_ALLOC", "thp_collapse_alloc" },
	{ "THP_SWPOUT", "thp_swpout" }, { "THP_SWPOUT_FALLBACK", "thp_swpout_fallback" },
};

const char *poll_stat_key(const char *item)
{
	for (size_t i = 0; i < sizeof(stat_keys) / sizeof(stat_keys[0]); i++)
		if (strcmp(stat_keys[i].item, item) == 0)
			return stat_keys[i].key;
	return NULL;
}

static int is_pressure(const char *item, size_t len)
{
	char name[32];
	return len < sizeof(name) && snprintf(name, sizeof(name), "%.*s", (int)len, item) > 0 &&
	       pressure_item_find(name);
}

static int add_item(struct poll_source *p, const char *item, size_t len)
{
	for (int i = 0; i < p->nitems; i++)
		if (strlen(p->items[i]) == len && strncmp(p->items[i], item, len) == 0)
			return 0;
	if (p->nitems == POLL_ITEMS || len >= sizeof(p->items[0]))
		return -1;
	snprintf(p->items[p->nitems], sizeof(p->items[0]), "%.*s", (int)len, item);
	p->keys[p->nitems] = poll_stat_key(p->items[p->nitems]);
	p->nitems++;
	return 0;
}

/* An enumerator's value in this kernel's BTF, as the object's CO-RE relocations see it. */
static int item_value(const struct btf *btf, const char *item, int64_t *value)
{
	int id = btf__find_by_name_kind(btf, "vm_event_item", BTF_KIND_ENUM);
	const struct btf_type *t = id >= 0 ? btf__type_by_id(btf, id) : NULL;
	const struct btf_enum *e = t ? btf_enum(t) : NULL;
	for (int i = 0; t && i < btf_vlen(t); i++)
		if (strcmp(btf__name_by_offset(btf, e[i].name_off), item) == 0) {
			*value = e[i].val;
			return 0;
		}
	return -1;
}

int poll_open(struct poll_source *p, const struct run *r, char *why, size_t size)
{
	memset(p, 0, sizeof(*p));
	for (int c = 0; c < r->meta.ncounters; c++)
		for (const char *s = r->meta.counters[c].events; *s; s += *s == ',') {
			size_t len = strcspn(s, ",");
			if (is_pressure(s, len)) {      /* memory.pressure's: psi.h */
				s += len;
				continue;
			}
			if (add_item(p, s, len) != 0) {
				snprintf(why, size, "%s: the poll source reads at most %d kernel items",
					 r->object, POLL_ITEMS);
				return -1;
			}
			s += len;
		}
	struct btf *btf = btf__load_vmlinux_btf();
	for (int i = 0; btf && i < p->nitems; i++)
		if (item_value(btf, p->items[i], &p->values[i]) != 0) {
			snprintf(why, size, "%s: this kernel's enum vm_event_item has no %s", r->object,
				 p->items[i]);
			btf__free(btf);
			return -1;
		}
	if (!btf) {
		snprintf(why, size, "the poll source needs the kernel's BTF (/sys/kernel/btf/vmlinux): %s",
			 strerror(errno));
		return -1;
	}
	btf__free(btf);
	return 0;
}

void poll_describe(const struct poll_source *p, double period, FILE *out)
{
	int first = 1;
	if (!p->nitems) {       /* a policy reading only pressure(): psi_describe says it */
		fprintf(out, "memcg-run: source: memory.stat not read: the policy counts no kernel "
			"event\n");
		return;
	}
	fprintf(out, "memcg-run: source: memory.stat polled every %g ms", period * 1000);
	for (int i = 0; i < p->nitems; i++)
		if (p->keys[i]) {
			fprintf(out, "%s%s <- %s", first ? " (" : ", ", p->items[i], p->keys[i]);
			first = 0;
		}
	fprintf(out, "%s\n", first ? "" : ")");
	for (int i = 0; i < p->nitems; i++)
		if (!p->keys[i])
			fprintf(out, "memcg-run: source: %s has no memory.stat key: never counted by the "
				"poll source\n", p->items[i]);
}

void poll_nest(int n, const uint64_t *masks, const uint64_t *delta, uint64_t *feed)
{
	/* deepest first: a bound cgroup below another has every bit of its mask, and more */
	memset(feed, 0, sizeof(uint64_t) * (size_t)n);
	for (int bits = 64; bits > 0; bits--)
		for (int i = 0; i < n; i++) {
			if (__builtin_popcountll(masks[i]) != bits)
				continue;
			uint64_t below = 0;
			for (int j = 0; j < n; j++)
				if (j != i && masks[j] != masks[i] && (masks[j] & masks[i]) == masks[i])
					below += feed[j];
			feed[i] = delta[i] > below ? delta[i] - below : 0;
		}
}

/* memory.stat's counters of the items, from the cgroup's directory. 0, or -1. */
static int read_stat(const struct poll_source *p, int dirfd, uint64_t *values)
{
	char buf[16384];
	int fd = openat(dirfd, "memory.stat", O_RDONLY | O_CLOEXEC);
	ssize_t n = fd >= 0 ? read(fd, buf, sizeof(buf) - 1) : -1;
	if (fd >= 0)
		close(fd);
	if (n <= 0)
		return -1;
	buf[n] = 0;
	memset(values, 0, sizeof(uint64_t) * POLL_ITEMS);
	for (char *line = buf; *line; line += strcspn(line, "\n") + (line[strcspn(line, "\n")] != 0)) {
		size_t len = strcspn(line, " ");
		for (int i = 0; i < p->nitems; i++)
			if (p->keys[i] && strlen(p->keys[i]) == len && strncmp(line, p->keys[i], len) == 0)
				values[i] = strtoull(line + len, NULL, 10);
	}
	return 0;
}

uint64_t poll_mask_of(const struct binding *b, uint64_t id)
{
	for (int i = 0; i < b->nids; i++)
		if (b->ids[i] == id)
			return b->masks[i];
	return 0;
}

void poll_feed(const struct run *r, uint64_t id, int64_t item, uint64_t val, uint64_t now)
{
	struct memcgc_test in = { .op = TEST_EVENT, .now = now, .cgroup_id = id, .item = item, .val = val };
	LIBBPF_OPTS(bpf_test_run_opts, opts, .ctx_in = &in, .ctx_size_in = sizeof(in));
	bpf_prog_test_run_opts(r->test_prog, &opts);
}

void poll_tick(struct poll_source *p, struct run *r, uint64_t now)
{
	uint64_t masks[POLL_CGROUPS], delta[POLL_ITEMS][POLL_CGROUPS], fed[POLL_CGROUPS];
	int slot[POLL_CGROUPS], n = 0;
	if (!p->nitems)
		return;
	for (int s = 0; s < r->bind.ncgroups && s < POLL_CGROUPS; s++) {
		const struct bound_cgroup *bc = &r->bind.cgroups[s];
		uint64_t now_values[POLL_ITEMS];
		int seen = 0;
		for (int k = 0; k < n; k++)
			seen |= r->bind.cgroups[slot[k]].id == bc->id;   /* bound twice: read once */
		if (seen || !bc->path || bc->gone || read_stat(p, bc->fd, now_values) != 0)
			continue;
		int fresh = p->slots[s].id != bc->id;
		for (int i = 0; i < p->nitems; i++) {
			uint64_t last = p->slots[s].last[i];
			delta[i][n] = fresh || now_values[i] < last ? 0 : now_values[i] - last;
			p->slots[s].last[i] = now_values[i];
		}
		p->slots[s].id = bc->id;
		masks[n] = poll_mask_of(&r->bind, bc->id);
		slot[n++] = s;
	}
	for (int i = 0; i < p->nitems; i++) {
		if (!p->keys[i])
			continue;
		poll_nest(n, masks, delta[i], fed);
		for (int k = 0; k < n; k++)
			if (fed[k])
				poll_feed(r, r->bind.cgroups[slot[k]].id, p->values[i], fed[k], now);
	}
}
