/* memcg-run --record (record.h): a tracepoint program of memcg-run's own adds each memcg
 * event's count to a cell (recorded cgroup, item) of the array element of its step, by the
 * kernel's clock (a ring of RING_STEPS elements, which memcg-run maps into memory); a step
 * after it ended, memcg-run takes each cell (an atomic exchange with 0) and appends what
 * it held (record_format.h). A recorder that wakes late loses nothing, up to the ring. */
#define _GNU_SOURCE
#include "record.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/utsname.h>
#include <time.h>
#include <unistd.h>

#include <linux/bpf.h>

#include <bpf/bpf.h>
#include <bpf/btf.h>

#include "reaction.h"
#include "record_format.h"
#include "run.h"

/* The tracepoint's record: where its fields are, from this kernel's BTF. */
struct tp_layout {
	int id, item, val;              /* byte offsets of u64 id, int item, val */
	int val_size;                   /* 4 (int) or 8 (unsigned long, Linux 6.18) */
};

/* What one recording holds while it runs. */
struct recorder {
	struct tp_layout tp;
	char **items;                   /* enum vm_event_item's names, by value ("" for none) */
	int nitems, ncgroups;
	int slots_map, cells_map, prog, event;
	uint64_t *cells;                /* the mapped ring: RING_STEPS x ncgroups x nitems counts */
	uint64_t step_ns;
	const char *file;
	FILE *out;
	struct record_entry *pending;   /* entries since the last mark, written with it */
	size_t npending, cap;
};

/* The offset of a member of a struct of BTF, if it has `size` bytes (0: 4 or 8, then
 * set); -1 otherwise. */
static int member_at(const struct btf *btf, const struct btf_type *t, const char *name, int *size)
{
	const struct btf_member *m = btf_members(t);
	for (int i = 0; i < btf_vlen(t); i++, m++) {
		if (strcmp(btf__name_by_offset(btf, m->name_off), name) != 0)
			continue;
		long long has = btf__resolve_size(btf, m->type);
		if (m->offset % 8 || !(has == *size || (!*size && (has == 4 || has == 8))))
			return -1;
		*size = (int)has;
		return (int)(m->offset / 8);
	}
	return -1;
}

static int read_layout(const struct btf *btf, struct tp_layout *tp)
{
	int id = btf__find_by_name_kind(btf, "trace_event_raw_memcg_rstat_events", BTF_KIND_STRUCT);
	const struct btf_type *t = id >= 0 ? btf__type_by_id(btf, id) : NULL;
	if (!t)
		return -1;
	int id_size = 8, item_size = 4;
	tp->id = member_at(btf, t, "id", &id_size);
	tp->item = member_at(btf, t, "item", &item_size);
	tp->val = member_at(btf, t, "val", &tp->val_size);
	return tp->id < 0 || tp->item < 0 || tp->val < 0 ? -1 : 0;
}

/* Every enumerator of enum vm_event_item below NR_VM_EVENT_ITEMS, by value. */
static int read_items(const struct btf *btf, struct recorder *rec)
{
	int id = btf__find_by_name_kind(btf, "vm_event_item", BTF_KIND_ENUM);
	const struct btf_type *t = id >= 0 ? btf__type_by_id(btf, id) : NULL;
	if (!t)
		return -1;
	const struct btf_enum *e = btf_enum(t);
	for (int i = 0; i < btf_vlen(t); i++)
		if (e[i].val >= 0 && e[i].val < RECORD_MAX_ITEMS && e[i].val >= rec->nitems &&
		    strcmp(btf__name_by_offset(btf, e[i].name_off), "NR_VM_EVENT_ITEMS") != 0)
			rec->nitems = e[i].val + 1;
	rec->items = calloc((size_t)rec->nitems + 1, sizeof(char *));
	for (int i = 0; rec->items && i < btf_vlen(t); i++)
		if (e[i].val >= 0 && e[i].val < rec->nitems)
			rec->items[e[i].val] = strdup(btf__name_by_offset(btf, e[i].name_off));
	for (int i = 0; rec->items && i < rec->nitems; i++)
		if (!rec->items[i] && !(rec->items[i] = strdup("")))
			return -1;
	return rec->items && rec->nitems > 0 ? 0 : -1;
}

/* Steps of the ring: a recorder up to this many steps late loses no event. */
#define RING_STEPS 256

/* A step is read this long after it ended: the events whose time was taken before its end
 * have been added by then. */
#define SETTLE_NS 2000000ULL

#define INSN(c, d, s, o, i) ((struct bpf_insn){ .code = (c), .dst_reg = (d), .src_reg = (s), \
						 .off = (o), .imm = (i) })

/* count_memcg_events: ring[(ktime / step) % RING_STEPS][slot * nitems + item] += val, for
 * a cgroup in the slot map and an item below nitems with val > 0 (as a signed number of
 * its size); returns 1 (perf users keep the event). */
static int load_program(struct recorder *rec)
{
	const int out = 34;     /* the index of `r0 = 1` */
	const int wide = rec->tp.val_size == 8, shift = wide ? 0 : 32;
	const struct bpf_insn insns[] = {
		INSN(BPF_ALU64 | BPF_MOV | BPF_X, BPF_REG_6, BPF_REG_1, 0, 0),
		INSN(BPF_LDX | BPF_MEM | BPF_DW, BPF_REG_1, BPF_REG_6, (short)rec->tp.id, 0),
		INSN(BPF_STX | BPF_MEM | BPF_DW, BPF_REG_10, BPF_REG_1, -8, 0),
		INSN(BPF_ALU64 | BPF_MOV | BPF_X, BPF_REG_2, BPF_REG_10, 0, 0),
		INSN(BPF_ALU64 | BPF_ADD | BPF_K, BPF_REG_2, 0, 0, -8),
		INSN(BPF_LD | BPF_IMM | BPF_DW, BPF_REG_1, BPF_PSEUDO_MAP_FD, 0, rec->slots_map),
		INSN(0, 0, 0, 0, 0),
		INSN(BPF_JMP | BPF_CALL, 0, 0, 0, BPF_FUNC_map_lookup_elem),
		INSN(BPF_JMP | BPF_JEQ | BPF_K, BPF_REG_0, 0, out - 9, 0),
		INSN(BPF_LDX | BPF_MEM | BPF_W, BPF_REG_7, BPF_REG_0, 0, 0),
		INSN(BPF_JMP | BPF_JGE | BPF_K, BPF_REG_7, 0, out - 11, rec->ncgroups),
		INSN(BPF_LDX | BPF_MEM | BPF_W, BPF_REG_8, BPF_REG_6, (short)rec->tp.item, 0),
		INSN(BPF_JMP | BPF_JGE | BPF_K, BPF_REG_8, 0, out - 13, rec->nitems),
		INSN(BPF_LDX | BPF_MEM | (wide ? BPF_DW : BPF_W), BPF_REG_9, BPF_REG_6, (short)rec->tp.val, 0),
		INSN(BPF_ALU64 | BPF_LSH | BPF_K, BPF_REG_9, 0, 0, shift),
		INSN(BPF_ALU64 | BPF_ARSH | BPF_K, BPF_REG_9, 0, 0, shift),
		INSN(BPF_JMP | BPF_JSLE | BPF_K, BPF_REG_9, 0, out - 17, 0),
		INSN(BPF_ALU64 | BPF_MUL | BPF_K, BPF_REG_7, 0, 0, rec->nitems),
		INSN(BPF_ALU64 | BPF_ADD | BPF_X, BPF_REG_7, BPF_REG_8, 0, 0),
		INSN(BPF_ALU64 | BPF_LSH | BPF_K, BPF_REG_7, 0, 0, 3),
		INSN(BPF_JMP | BPF_CALL, 0, 0, 0, BPF_FUNC_ktime_get_ns),
		INSN(BPF_LD | BPF_IMM | BPF_DW, BPF_REG_2, 0, 0, (int)(uint32_t)rec->step_ns),
		INSN(0, 0, 0, 0, (int)(uint32_t)(rec->step_ns >> 32)),
		INSN(BPF_ALU64 | BPF_DIV | BPF_X, BPF_REG_0, BPF_REG_2, 0, 0),
		INSN(BPF_ALU64 | BPF_AND | BPF_K, BPF_REG_0, 0, 0, RING_STEPS - 1),
		INSN(BPF_STX | BPF_MEM | BPF_W, BPF_REG_10, BPF_REG_0, -12, 0),
		INSN(BPF_ALU64 | BPF_MOV | BPF_X, BPF_REG_2, BPF_REG_10, 0, 0),
		INSN(BPF_ALU64 | BPF_ADD | BPF_K, BPF_REG_2, 0, 0, -12),
		INSN(BPF_LD | BPF_IMM | BPF_DW, BPF_REG_1, BPF_PSEUDO_MAP_FD, 0, rec->cells_map),
		INSN(0, 0, 0, 0, 0),
		INSN(BPF_JMP | BPF_CALL, 0, 0, 0, BPF_FUNC_map_lookup_elem),
		INSN(BPF_JMP | BPF_JEQ | BPF_K, BPF_REG_0, 0, out - 32, 0),
		INSN(BPF_ALU64 | BPF_ADD | BPF_X, BPF_REG_0, BPF_REG_7, 0, 0),
		INSN(BPF_STX | BPF_ATOMIC | BPF_DW, BPF_REG_0, BPF_REG_9, 0, BPF_ADD),
		INSN(BPF_ALU64 | BPF_MOV | BPF_K, BPF_REG_0, 0, 0, 1),
		INSN(BPF_JMP | BPF_EXIT, 0, 0, 0, 0),
	};
	_Static_assert(sizeof(insns) / sizeof(insns[0]) == 36, "out is insns[34]");
	rec->prog = bpf_prog_load(BPF_PROG_TYPE_TRACEPOINT, "memcg_record", "GPL", insns,
				  sizeof(insns) / sizeof(insns[0]), NULL);
	return rec->prog < 0 ? -1 : 0;
}

/* The bytes of one step's element: ncgroups x nitems counts. */
static size_t step_bytes(const struct recorder *rec)
{
	return (size_t)rec->ncgroups * (size_t)rec->nitems * 8;
}

/* The slot map (cgroup id -> recorded cgroup) and the ring of cells, mapped. */
static int make_maps(struct recorder *rec)
{
	LIBBPF_OPTS(bpf_map_create_opts, mmapable, .map_flags = BPF_F_MMAPABLE);
	rec->slots_map = bpf_map_create(BPF_MAP_TYPE_HASH, "memcg_rec_ids", 8, 4, BIND_MAX_IDS, NULL);
	rec->cells_map = bpf_map_create(BPF_MAP_TYPE_ARRAY, "memcg_rec_cells", 4,
					(uint32_t)step_bytes(rec), RING_STEPS, &mmapable);
	if (rec->slots_map < 0 || rec->cells_map < 0)
		return -1;
	void *p = mmap(NULL, step_bytes(rec) * RING_STEPS, PROT_READ | PROT_WRITE, MAP_SHARED,
		       rec->cells_map, 0);
	rec->cells = p == MAP_FAILED ? NULL : p;
	return rec->cells ? 0 : -1;
}

static int popcount(uint64_t x)
{
	return __builtin_popcountll(x);
}

/* The innermost of the bound cgroups in `mask` (the one most bound cgroups hold), but
 * `not`: -1 if none. */
static int innermost(const struct binding *b, uint64_t mask, int not)
{
	int best = -1, depth = -1;
	for (int s = 0; s < b->ncgroups && s < 64; s++) {
		int d = popcount(poll_mask_of(b, b->cgroups[s].id));
		if ((mask >> s & 1) && s != not && d > depth)
			best = s, depth = d;
	}
	return best;
}

/* Each id of the last scan to the innermost recorded cgroup holding it. */
static void fill_slots(const struct binding *b, int map)
{
	for (int i = 0; i < b->nids; i++) {
		uint32_t slot = (uint32_t)innermost(b, b->masks[i], -1);
		bpf_map_update_elem(map, &b->ids[i], &slot, BPF_ANY);
	}
}

/* The scan again: new descendants counted, removed ones deleted. */
static void rescan(struct binding *b, int map)
{
	uint64_t *old = malloc(sizeof(uint64_t) * (size_t)b->nids);
	int n = old ? b->nids : 0;
	if (old)
		memcpy(old, b->ids, sizeof(uint64_t) * (size_t)n);
	bind_scan(b, NULL, NULL);
	fill_slots(b, map);
	for (int j = 0; j < n; j++)
		if (!poll_mask_of(b, old[j]))
			bpf_map_delete_elem(map, &old[j]);
	free(old);
}

static void put_string(FILE *f, const char *s)
{
	uint32_t len = (uint32_t)strlen(s);
	fwrite(&len, 4, 1, f);
	fwrite(s, 1, len, f);
}

/* The table: kernel, items, cgroups (with the parent each has among them). */
static void write_table(FILE *f, const struct recorder *rec, const struct binding *b)
{
	struct utsname u;
	put_string(f, uname(&u) == 0 ? u.release : "");
	for (int i = 0; i < rec->nitems; i++)
		put_string(f, rec->items[i]);
	for (int s = 0; s < b->ncgroups; s++) {
		uint64_t id = b->cgroups[s].id;
		int parent = innermost(b, poll_mask_of(b, id), s);
		uint32_t p = parent < 0 ? RECORD_NO_PARENT : (uint32_t)parent;
		fwrite(&id, 8, 1, f);
		fwrite(&p, 4, 1, f);
		put_string(f, b->cgroups[s].decl->name);
		put_string(f, b->cgroups[s].path);
	}
}

static long table_size(const struct recorder *rec, const struct binding *b)
{
	struct utsname u;
	long n = 4 + (uname(&u) == 0 ? (long)strlen(u.release) : 0);
	for (int i = 0; i < rec->nitems; i++)
		n += 4 + (long)strlen(rec->items[i]);
	for (int s = 0; s < b->ncgroups; s++)
		n += 12 + 8 + (long)strlen(b->cgroups[s].decl->name) + (long)strlen(b->cgroups[s].path);
	return n;
}

static int write_header(struct recorder *rec, const struct binding *b, uint64_t step_ns,
			uint64_t start)
{
	struct timespec now;
	clock_gettime(CLOCK_REALTIME, &now);
	long table = table_size(rec, b);
	if (table > RECORD_MAX_TABLE)
		return -1;
	struct record_header h = {
		.version = RECORD_VERSION, .table_bytes = (uint32_t)table, .step_ns = step_ns,
		.start_unix_ns = (uint64_t)now.tv_sec * 1000000000ULL + (uint64_t)now.tv_nsec,
		.nitems = (uint32_t)rec->nitems, .ncgroups = (uint32_t)b->ncgroups,
		.entry_bytes = RECORD_ENTRY_BYTES, .source = RECORD_SOURCE_TRACEPOINT, .start_ns = start,
	};
	memcpy(h.magic, RECORD_MAGIC, sizeof(h.magic));
	char *text = NULL;
	size_t len = 0;
	FILE *m = open_memstream(&text, &len);     /* header and table: one write */
	if (!m)
		return -1;
	fwrite(&h, sizeof(h), 1, m);
	write_table(m, rec, b);
	int rc = fclose(m) == 0 && len == RECORD_HEADER_BYTES + (size_t)table &&
		 fwrite(text, 1, len, rec->out) == len ? 0 : -1;
	free(text);
	return rc;
}

static int add_entry(struct recorder *rec, const struct record_entry *e)
{
	if (rec->npending == rec->cap) {
		size_t cap = rec->cap ? rec->cap * 2 : 1024;
		struct record_entry *p = realloc(rec->pending, cap * sizeof(*p));
		if (!p)
			return -1;
		rec->pending = p, rec->cap = cap;
	}
	rec->pending[rec->npending++] = *e;
	return 0;
}

/* The ring's element of step `step` (of the kernel's clock). */
static uint64_t *element(const struct recorder *rec, uint64_t step)
{
	return rec->cells + (step % RING_STEPS) * (step_bytes(rec) / 8);
}

/* Each cell of step `step` taken (0 left in it) as an entry of `bucket` (a cell whose entry
 * finds no memory gets its count back, for a later step). */
static void take_step(struct recorder *rec, uint64_t step, uint32_t bucket)
{
	uint64_t *cell = element(rec, step);
	for (int c = 0; c < rec->ncgroups; c++)
		for (int i = 0; i < rec->nitems; i++, cell++) {
			uint64_t n = __atomic_load_n(cell, __ATOMIC_RELAXED) ?
				     __atomic_exchange_n(cell, 0, __ATOMIC_SEQ_CST) : 0;
			struct record_entry e = { .bucket = bucket, .cgroup = (uint16_t)c,
						  .item = (uint16_t)i, .count = n };
			if (n && add_entry(rec, &e) != 0)
				__atomic_fetch_add(cell, n, __ATOMIC_SEQ_CST);
		}
}

/* The entries since the last mark, and a mark: the file grows by whole entries, in one
 * write (readers see a second more of it at a time), and a crash loses at most what
 * came after. */
static int write_mark(struct recorder *rec, uint32_t bucket)
{
	struct record_entry e = { .bucket = bucket, .cgroup = RECORD_MARK };
	if (add_entry(rec, &e) != 0)
		return -1;
	size_t n = rec->npending;
	rec->npending = 0;
	return fwrite(rec->pending, sizeof(e), n, rec->out) == n && fflush(rec->out) == 0 ? 0 : -1;
}

static void sleep_until(uint64_t ns)
{
	struct timespec t = { .tv_sec = (time_t)(ns / 1000000000ULL), .tv_nsec = (long)(ns % 1000000000ULL) };
	clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &t, NULL);
}

/* Every element but the first step's: what was counted before the recording began (or
 * a ring's length ago) is not written. */
static void clear_ring(struct recorder *rec, uint64_t first)
{
	for (uint64_t step = first + 1; step < first + RING_STEPS; step++) {
		uint64_t *cell = element(rec, step);
		for (size_t k = 0; k < step_bytes(rec) / 8; k++)
			__atomic_exchange_n(&cell[k], 0, __ATOMIC_SEQ_CST);
	}
}

/* The steps that have ended (and settled) by `now`, from `*next` on, taken as buckets; a
 * step that the ring's newer ones overwrote is counted in `*late`. */
static void take_steps(struct recorder *rec, uint64_t first, uint64_t *next, uint64_t until,
		       uint64_t now, uint64_t *late)
{
	for (; *next < until && (*next + 1) * rec->step_ns + SETTLE_NS <= now; (*next)++) {
		*late += now / rec->step_ns - *next >= RING_STEPS;
		take_step(rec, *next, (uint32_t)(*next - first));
	}
}

/* From `start` until the duration or a signal: the steps taken as they end; each second,
 * the entries written with a mark. */
static int record_loop(struct recorder *rec, struct binding *b, uint64_t start, double duration,
		       volatile sig_atomic_t *stop)
{
	uint64_t first = start / rec->step_ns, next = first, late = 0;
	uint64_t steps = duration > 0 ? (uint64_t)ceil(duration * 1e9 / (double)rec->step_ns) : UINT32_MAX;
	uint64_t until = first + (steps < UINT32_MAX ? steps : UINT32_MAX);
	uint64_t next_scan = start + 500000000ULL, next_mark = start + 1000000000ULL;
	sleep_until(start + SETTLE_NS);
	clear_ring(rec, first);
	printf("memcg-run: recording %d cgroup%s, %d event items, in buckets of %g ms, to %s\n",
	       rec->ncgroups, rec->ncgroups == 1 ? "" : "s", rec->nitems, (double)rec->step_ns / 1e6,
	       rec->file);
	while (!*stop && next < until) {
		sleep_until((next + 1) * rec->step_ns + SETTLE_NS);
		uint64_t now = clock_ns();
		take_steps(rec, first, &next, until, now, &late);
		if (now >= next_scan) {
			rescan(b, rec->slots_map);
			next_scan = now + 500000000ULL;
		}
		if (now >= next_mark && next > first && write_mark(rec, (uint32_t)(next - first - 1)) != 0)
			return -1;
		next_mark += now >= next_mark ? 1000000000ULL : 0;
	}
	if (late)
		fprintf(stderr, "memcg-run: the recorder read %llu steps more than %d steps late: their "
			"buckets may hold later events too\n", (unsigned long long)late, RING_STEPS);
	return write_mark(rec, next > first ? (uint32_t)(next - first - 1) : 0);
}

static void close_recorder(struct recorder *rec)
{
	if (rec->event >= 0)
		close(rec->event);
	if (rec->prog >= 0)
		close(rec->prog);
	if (rec->cells)
		munmap(rec->cells, step_bytes(rec) * RING_STEPS);
	if (rec->slots_map >= 0)
		close(rec->slots_map);
	if (rec->cells_map >= 0)
		close(rec->cells_map);
	for (int i = 0; rec->items && i < rec->nitems; i++)
		free(rec->items[i]);
	free(rec->items);
	free(rec->pending);
}

/* A cgroup bound under two names would have its events in one of them only: 1 after an
 * error line, else 0. */
static int same_cgroup(const struct binding *b)
{
	for (int s = 0; s < b->ncgroups; s++)
		for (int t = 0; t < s; t++)
			if (b->cgroups[s].id == b->cgroups[t].id)
				return run_fail("cgroups %s and %s are the same cgroup (%s): record it once",
						b->cgroups[t].decl->name, b->cgroups[s].decl->name,
						b->cgroups[s].path);
	return 0;
}

/* The program loaded and attached, its maps made: 0, or 1 after an error line. */
static int start_recorder(struct recorder *rec, struct run *r)
{
	struct btf *btf = btf__load_vmlinux_btf();
	int ok = btf && read_layout(btf, &rec->tp) == 0 && read_items(btf, rec) == 0;
	btf__free(btf);
	if (!ok)
		return run_fail("this kernel's BTF has no memcg:count_memcg_events record or enum "
			    "vm_event_item as memcg-run knows them (Linux 6.13 or later)");
	if (make_maps(rec) != 0 || load_program(rec) != 0)
		return run_fail("cannot load the recording program: %s", strerror(errno));
	bind_scan(&r->bind, NULL, NULL);
	fill_slots(&r->bind, rec->slots_map);
	const char *failed = "mounting tracefs for";
	if (tracefs_ensure(&r->tracefs_mounted) != 0 ||
	    (rec->event = probe_attach_tracepoint(rec->prog, &failed)) < 0)
		return run_fail("%s memcg:count_memcg_events: %s", failed, strerror(errno));
	return 0;
}

int record_run(struct run *r, const char *file, double duration, double step,
	       volatile sig_atomic_t *stop)
{
	uint64_t step_ns = (uint64_t)(step * 1e9 + 0.5), start = 0;
	struct recorder rec = { .ncgroups = r->bind.ncgroups, .slots_map = -1, .cells_map = -1,
				.prog = -1, .event = -1, .step_ns = step_ns, .file = file };
	int rc = same_cgroup(&r->bind) || start_recorder(&rec, r);
	if (!rc && !(rec.out = fopen(file, "w")))
		rc = run_fail("%s: cannot write it: %s", file, strerror(errno));
	if (!rc) {
		setvbuf(rec.out, NULL, _IONBF, 0);      /* each fwrite one write() */
		start = (clock_ns() / step_ns + 1) * step_ns;   /* buckets on the clock's steps */
	}
	if (!rc && write_header(&rec, &r->bind, step_ns, start) != 0)
		rc = run_fail("%s: cannot write it: %s", file, strerror(errno ? errno : EFBIG));
	if (!rc && record_loop(&rec, &r->bind, start, duration, stop) != 0)
		rc = run_fail("%s: cannot write it: %s", file, strerror(errno));
	if (rec.out && fclose(rec.out) != 0 && !rc)
		rc = run_fail("%s: cannot write it: %s", file, strerror(errno));
	if (!rc)
		printf("memcg-run: recording stopped: %s\n", file);
	close_recorder(&rec);
	tracefs_release(r->tracefs_mounted);
	r->tracefs_mounted = false;
	return rc;
}
