/* memcg-run --replay (replay.h). The file is read twice: once to check all of it (so
 * that an error comes before any output), once to feed it. */
#define _GNU_SOURCE
#include "replay.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <bpf/bpf.h>
#include <bpf/btf.h>
#include <bpf/libbpf.h>

#include "emit.h"
#include "record_format.h"
#include "report.h"
#include "run.h"

#define NOTE "a replay shows when the policy would act, not what the workload would then have done"

struct rec_cgroup {
	uint64_t id;
	uint32_t parent;
	char *name, *path;
};

/* A recording: its header and table, where its entries start, and what they cover. */
struct recording {
	const char *file;
	FILE *f;
	struct record_header h;
	char *kernel;
	char **items;
	struct rec_cgroup *cgroups;
	long data;                      /* the offset of the first entry */
	uint64_t nentries, last;        /* entries; the last bucket covered (+1; 0: none) */
	int64_t *values;                /* each item's value in this kernel (-1: none) */
};

/* Replay state: where each policy cgroup is bound, and each rule's time active. */
struct replayer {
	struct run *r;
	struct recording *rec;
	struct ring_buffer *ring;       /* the object's transitions */
	const char *label;              /* "A" or "B" when two are compared, else NULL */
	int bound[META_MAX];            /* the recorded cgroup of each policy cgroup */
	int json;
	int every_step;                 /* a rule has a `for`: evaluate at every step */
	struct {
		uint64_t on_ns, active_ns, longest_ns, transitions;
		int active;
	} rules[META_MAX * 4];
};

/* Two replayers side by side: for each rule index both have, how long their states
 * differed, and since when they differ now (0: they agree). */
struct comparison {
	struct replayer *p[2];
	int n;                          /* 1, or 2 with --compare */
	struct {
		uint64_t since, total, first;
		int ever;
	} rules[META_MAX * 4];
};

/* The table's reader: a cursor that never passes its end. */
struct cursor {
	const unsigned char *p;
	size_t at, size;
	long base;                      /* the file offset of p[0] */
};

static int take(struct cursor *c, void *out, size_t n)
{
	if (c->size - c->at < n)
		return -1;
	memcpy(out, c->p + c->at, n);
	c->at += n;
	return 0;
}

static char *take_string(struct cursor *c)
{
	uint32_t len;
	size_t at = c->at;
	if (take(c, &len, 4) != 0 || len > RECORD_MAX_STRING || c->size - c->at < len) {
		c->at = at;     /* the error names where the string begins */
		return NULL;
	}
	char *s = strndup((const char *)c->p + c->at, len);
	if (!s || strlen(s) != len) {   /* a NUL inside */
		free(s);
		c->at = at;
		return NULL;
	}
	c->at += len;
	return s;
}

static int corrupt_table(const struct recording *rec, const struct cursor *c, const char *what)
{
	return run_fail("%s: corrupt: %s at offset %ld of its table (offsets %d to %ld)", rec->file, what,
		    c->base + (long)c->at, RECORD_HEADER_BYTES, c->base + (long)c->size);
}

static int read_cgroup(struct recording *rec, struct cursor *c, uint32_t i)
{
	struct rec_cgroup *g = &rec->cgroups[i];
	if (take(c, &g->id, 8) != 0 || take(c, &g->parent, 4) != 0)
		return corrupt_table(rec, c, "a cgroup cut short");
	if (g->parent != RECORD_NO_PARENT && (g->parent >= rec->h.ncgroups || g->parent == i))
		return corrupt_table(rec, c, "a cgroup whose parent is not another recorded cgroup");
	if (!(g->name = take_string(c)) || !(g->path = take_string(c)))
		return corrupt_table(rec, c, "a cgroup's name or path cut short or holding a NUL");
	for (uint32_t k = 0; k < i; k++)
		if (strcmp(rec->cgroups[k].name, g->name) == 0)
			return corrupt_table(rec, c, "a cgroup name given twice");
	return 0;
}

/* Whether a chain of parents is longer than there are cgroups: a circle. */
static int parents_loop(const struct recording *rec)
{
	for (uint32_t i = 0; i < rec->h.ncgroups; i++) {
		uint32_t g = i, n = 0;
		while (g != RECORD_NO_PARENT && n++ <= rec->h.ncgroups)
			g = rec->cgroups[g].parent;
		if (g != RECORD_NO_PARENT)
			return 1;
	}
	return 0;
}

static int read_table(struct recording *rec)
{
	struct cursor c = { .size = rec->h.table_bytes, .base = RECORD_HEADER_BYTES };
	unsigned char *table = malloc(c.size ? c.size : 1);
	if (!table)
		return run_fail("%s: out of memory for its table (%zu bytes)", rec->file, c.size);
	c.p = table;
	size_t got = fread(table, 1, c.size, rec->f);
	int rc = got < c.size ? run_fail("%s: truncated: its table ends at offset %ld, %zu bytes short",
				     rec->file, RECORD_HEADER_BYTES + (long)got, c.size - got) : 0;
	rec->items = calloc((size_t)rec->h.nitems + 1, sizeof(char *));
	rec->cgroups = calloc((size_t)rec->h.ncgroups + 1, sizeof(struct rec_cgroup));
	if (!rc && (!rec->items || !rec->cgroups))
		rc = run_fail("%s: out of memory for its table", rec->file);
	if (!rc && !(rec->kernel = take_string(&c)))
		rc = corrupt_table(rec, &c, "the kernel release cut short");
	for (uint32_t i = 0; !rc && i < rec->h.nitems; i++)
		if (!(rec->items[i] = take_string(&c)))
			rc = corrupt_table(rec, &c, "an item name cut short or holding a NUL");
	for (uint32_t i = 0; !rc && i < rec->h.ncgroups; i++)
		rc = read_cgroup(rec, &c, i);
	if (!rc && c.at != c.size)
		rc = corrupt_table(rec, &c, "bytes after the last cgroup");
	if (!rc && parents_loop(rec))
		rc = run_fail("%s: corrupt: the parents of its cgroups go round in a circle", rec->file);
	free(table);
	return rc;
}

/* The header's fields, each checked: the first wrong one is named with its offset. */
static int check_header(const struct recording *rec)
{
	const struct record_header *h = &rec->h;
	static const char *const what[] = { "the version", "the table's length", "the step",
					    "the number of items", "the number of cgroups",
					    "the entry size" };
	static const int at[] = { 8, 12, 16, 32, 36, 40 };
	int bad[] = {
		h->version == 0, h->table_bytes > RECORD_MAX_TABLE,
		h->step_ns < RECORD_MIN_STEP_NS || h->step_ns > RECORD_MAX_STEP_NS,
		h->nitems > RECORD_MAX_ITEMS, h->ncgroups == 0 || h->ncgroups > RECORD_MAX_CGROUPS,
		h->entry_bytes != RECORD_ENTRY_BYTES,
	};
	if (memcmp(h->magic, RECORD_MAGIC, sizeof(h->magic)) != 0)
		return run_fail("%s: not a memcg-run recording (no '%s' at offset 0)", rec->file, RECORD_MAGIC);
	if (h->version > RECORD_VERSION)
		return run_fail("%s: made by a newer memcg-run (format version %u; this one reads up to %d): "
			    "replay it with that memcg-run", rec->file, h->version, RECORD_VERSION);
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		if (bad[i])
			return run_fail("%s: corrupt: %s at offset %d is out of range", rec->file, what[i], at[i]);
	return 0;
}

/* An entry's fields, checked against the table and the ones before it. */
static int check_entry(struct recording *rec, const struct record_entry *e, long at)
{
	const char *bad = e->cgroup != RECORD_MARK && e->cgroup >= rec->h.ncgroups ? "names no recorded cgroup" :
			  e->cgroup != RECORD_MARK && e->item >= rec->h.nitems ? "names no recorded item" :
			  rec->last && e->bucket < rec->last - 1 ? "goes back in time" :
			  (uint64_t)e->bucket + 1 > (UINT64_MAX - rec->h.start_ns) / rec->h.step_ns ?
			  "is past any time" : NULL;
	if (bad)
		return run_fail("%s: corrupt: entry %llu at offset %ld %s (bucket %u, cgroup %u, item %u)",
			    rec->file, (unsigned long long)rec->nentries, at, bad, e->bucket, e->cgroup, e->item);
	rec->last = (uint64_t)e->bucket + 1;
	return 0;
}

/* Every entry read and checked: how many, and the last bucket. */
static int check_entries(struct recording *rec)
{
	struct record_entry e;
	size_t got;
	long at = rec->data;
	while ((got = fread(&e, 1, sizeof(e), rec->f)) == sizeof(e)) {
		if (check_entry(rec, &e, at) != 0)
			return 1;
		rec->nentries++, at += (long)sizeof(e);
	}
	if (ferror(rec->f))
		return run_fail("%s: cannot read it: %s", rec->file, strerror(errno));
	if (got)
		return run_fail("%s: truncated: entry %llu at offset %ld has %zu of its %d bytes", rec->file,
			    (unsigned long long)rec->nentries, at, got, RECORD_ENTRY_BYTES);
	return 0;
}

static int open_recording(struct recording *rec)
{
	if (!(rec->f = fopen(rec->file, "rb")))
		return run_fail("%s: cannot read it: %s", rec->file, strerror(errno));
	size_t got = fread(&rec->h, 1, sizeof(rec->h), rec->f);
	if (got < sizeof(rec->h))
		return run_fail("%s: truncated: %zu bytes, less than the %d-byte header of a recording",
			    rec->file, got, RECORD_HEADER_BYTES);
	if (check_header(rec) != 0 || read_table(rec) != 0)
		return 1;
	rec->data = RECORD_HEADER_BYTES + (long)rec->h.table_bytes;
	return check_entries(rec);
}

static void close_recording(struct recording *rec)
{
	if (rec->f)
		fclose(rec->f);
	for (uint32_t i = 0; rec->items && i < rec->h.nitems; i++)
		free(rec->items[i]);
	for (uint32_t i = 0; rec->cgroups && i < rec->h.ncgroups; i++)
		free(rec->cgroups[i].name), free(rec->cgroups[i].path);
	free(rec->items);
	free(rec->cgroups);
	free(rec->kernel);
	free(rec->values);
}

/* Each recorded item's value in this kernel's enum vm_event_item, by name (-1: none). */
static int item_values(struct recording *rec)
{
	rec->values = malloc(sizeof(int64_t) * ((size_t)rec->h.nitems + 1));
	struct btf *btf = btf__load_vmlinux_btf();
	int id = btf ? btf__find_by_name_kind(btf, "vm_event_item", BTF_KIND_ENUM) : -1;
	const struct btf_type *t = id >= 0 ? btf__type_by_id(btf, id) : NULL;
	for (uint32_t i = 0; rec->values && i < rec->h.nitems; i++) {
		rec->values[i] = -1;
		for (int k = 0; t && k < btf_vlen(t) && rec->items[i][0]; k++)
			if (strcmp(btf__name_by_offset(btf, btf_enum(t)[k].name_off), rec->items[i]) == 0)
				rec->values[i] = btf_enum(t)[k].val;
	}
	btf__free(btf);
	return rec->values && t ? 0 : run_fail("this kernel's BTF has no enum vm_event_item to replay with");
}

/* Whether the recording has item `name` (of `len` bytes), with a value in this kernel. */
static int has_item(const struct recording *rec, const char *name, size_t len)
{
	for (uint32_t i = 0; i < rec->h.nitems; i++)
		if (strlen(rec->items[i]) == len && strncmp(rec->items[i], name, len) == 0)
			return rec->values[i] >= 0;
	return 0;
}

/* The first term that reads counter c, for a message. */
static const struct meta_term *term_of(const struct policy_meta *m, int c)
{
	for (int i = 0; i < m->nterms; i++)
		if (!m->terms[i].is_param && m->terms[i].index == c)
			return &m->terms[i];
	return NULL;
}

/* A line on standard error for each item a counter of the policy reads that the recording
 * lacks (or this kernel has no value for: pressure, a kernel's own items): it stays 0. */
static void warn_missing(const struct replayer *p)
{
	const struct policy_meta *m = &p->r->meta;
	for (int c = 0; c < m->ncounters; c++)
		for (const char *e = m->counters[c].events; *e; e += strcspn(e, ",") + (e[strcspn(e, ",")] == ',')) {
			size_t len = strcspn(e, ",");
			const struct meta_term *t = term_of(m, c);
			if (len && !has_item(p->rec, e, len))
				fprintf(stderr, "memcg-run: warning: %s has no %.*s events (%s%s%s:%d): they count "
					"as none in this replay\n", p->rec->file, (int)len, e, t ? t->text : "",
					t ? ", " : "", t ? m->rules[t->rule].file : "?", t ? m->rules[t->rule].line : 0);
		}
}

static int find_recorded(const struct recording *rec, const char *name)
{
	for (uint32_t i = 0; i < rec->h.ncgroups; i++)
		if (strcmp(rec->cgroups[i].name, name) == 0)
			return (int)i;
	return -1;
}

/* "a, b, c": the recorded cgroups, for a message (allocated). */
static char *recorded_names(const struct recording *rec)
{
	size_t n = 1;
	for (uint32_t i = 0; i < rec->h.ncgroups; i++)
		n += strlen(rec->cgroups[i].name) + 2;
	char *s = calloc(1, n);
	for (uint32_t i = 0; s && i < rec->h.ncgroups; i++)
		strcat(strcat(s, i ? ", " : ""), rec->cgroups[i].name);
	return s;
}

static int not_recorded(const struct recording *rec, const char *policy, const char *given)
{
	char *names = recorded_names(rec);
	if (given)
		run_fail("%s: --cgroup %s=%s: the recording has no cgroup '%s' (it has: %s)", rec->file,
		     policy, given, given, names ? names : "?");
	else
		run_fail("%s: the recording has no cgroup '%s' (it has: %s): give --cgroup %s=RECORDED_NAME",
		     rec->file, policy, names ? names : "?", policy);
	free(names);
	return 1;
}

/* Each policy cgroup to a recorded one: --cgroup NAME=RECORDED_NAME, else the same name. */
static int bind_recorded(struct replayer *p, const char *const *binds, int nbinds)
{
	const struct policy_meta *m = &p->r->meta;
	for (int k = 0; k < nbinds; k++) {
		int len = (int)strcspn(binds[k], "=");
		int known = 0;
		for (int i = 0; i < m->ncgroups; i++)
			known |= (int)strlen(m->cgroups[i].name) == len &&
				 strncmp(m->cgroups[i].name, binds[k], (size_t)len) == 0;
		if (!known)
			return run_fail("%s: the policy has no cgroup '%.*s'", p->r->object, len, binds[k]);
	}
	for (int i = 0; i < m->ncgroups; i++) {
		const char *given = NULL;
		for (int k = 0; k < nbinds; k++)
			if (strcspn(binds[k], "=") == strlen(m->cgroups[i].name) &&
			    strncmp(binds[k], m->cgroups[i].name, strlen(m->cgroups[i].name)) == 0)
				given = binds[k] + strlen(m->cgroups[i].name) + 1;
		p->bound[i] = find_recorded(p->rec, given ? given : m->cgroups[i].name);
		if (p->bound[i] < 0)
			return not_recorded(p->rec, m->cgroups[i].name, given);
	}
	return 0;
}

/* Recorded cgroup k has id k + 1 in the object's cgroup map, with the bits of every policy
 * cgroup bound to it or to a recorded cgroup above it. */
static int fill_slots(struct replayer *p)
{
	int map = bpf_map__fd(policy_object_map(&p->r->po, "cgroup_slots"));
	for (uint32_t k = 0; k < p->rec->h.ncgroups; k++) {
		uint64_t id = (uint64_t)k + 1, mask = 0;
		for (uint32_t g = k; g != RECORD_NO_PARENT; g = p->rec->cgroups[g].parent)
			for (int s = 0; s < p->r->meta.ncgroups && s < 64; s++)
				mask |= (uint64_t)(p->bound[s] == (int)g) << s;
		if (mask && bpf_map_update_elem(map, &id, &mask, BPF_ANY) != 0)
			return run_fail("%s: cannot fill its cgroup map: %s", p->r->object, strerror(errno));
	}
	return 0;
}

static void test_run(const struct run *r, enum test_op op, uint64_t now)
{
	struct memcgc_test in = { .op = op, .now = now };
	LIBBPF_OPTS(bpf_test_run_opts, opts, .ctx_in = &in, .ctx_size_in = sizeof(in));
	bpf_prog_test_run_opts(r->test_prog, &opts);
}

/* The actions of a rule: what their hooks would return now, for each target. */
static void print_actions(const struct replayer *p, int rule, uint64_t now)
{
	const struct policy_meta *m = &p->r->meta;
	for (int a = 0, first = 1; a < m->nactions; a++) {
		if (m->actions[a].rule != rule)
			continue;
		const char *kind = m->actions[a].kind, *target = m->cgroups[m->actions[a].target].name;
		uint64_t v = report_hook_value(p->r, kind, (uint64_t)p->bound[m->actions[a].target] + 1, now);
		const char *unit = report_hook_unit(kind);
		if (p->json) {
			printf("%s{\"kind\": \"%s\", \"cgroup\": ", first ? "" : ", ", kind);
			report_json_str(target);
			printf(", \"value\": %llu}", (unsigned long long)v);
		} else {
			printf("%s%s(%s) %llu%s%s", first ? " | " : ", ", kind, target,
			       (unsigned long long)v, unit[0] ? " " : "", unit);
		}
		first = 0;
	}
}

/* The time of bucket b's evaluation: its end, on the recording machine's clock (checked
 * not to wrap when the file was). */
static uint64_t bucket_end(const struct recording *rec, uint64_t b)
{
	return rec->h.start_ns + (b + 1) * rec->h.step_ns;
}

/* Seconds since the recording began. */
static double since_start(const struct recording *rec, uint64_t ns)
{
	return (double)(ns - rec->h.start_ns) / 1e9;
}

/* A transition the BPF code wrote: counted, and printed with its terms and actions. */
static int on_transition(void *ctx, void *data, size_t size)
{
	struct replayer *p = ctx;
	struct memcgc_transition t;
	if (size < sizeof(t))
		return 0;
	memcpy(&t, data, sizeof(t));
	if (t.rule >= (unsigned)p->r->meta.nrules || t.active > 1 || (int)t.active == p->rules[t.rule].active)
		return 0;
	typeof(p->rules[0]) *st = &p->rules[t.rule];
	st->transitions++;
	st->active = (int)t.active;
	if (t.active)
		st->on_ns = t.time_ns;
	uint64_t held = t.time_ns - st->on_ns;
	if (!t.active)
		st->active_ns += held, st->longest_ns = held > st->longest_ns ? held : st->longest_ns;
	const struct meta_rule *rule = &p->r->meta.rules[t.rule];
	if (p->json) {
		printf("{\"time\": %.3f, ", since_start(p->rec, t.time_ns));
		if (p->label)
			printf("\"object\": \"%s\", ", p->label);
		printf("\"transition\": {\"rule\": %u, \"line\": %d, \"active\": %s, "
		       "\"fired\": %llu, \"time_ns\": %llu", t.rule, rule->line,
		       t.active ? "true" : "false", (unsigned long long)t.fired,
		       (unsigned long long)t.time_ns);
		report_values(p->r, (int)t.rule, t.time_ns, 1);
		printf(", \"actions\": [");
		print_actions(p, (int)t.rule, t.time_ns);
		printf("]}}\n");
	} else {
		printf("[%9.3fs] %s%srule %u (line %d) turned %s: %s", since_start(p->rec, t.time_ns),
		       p->label ? p->label : "", p->label ? ": " : "", t.rule, rule->line,
		       t.active ? "on " : "off", rule->text);
		report_values(p->r, (int)t.rule, t.time_ns, 0);
		print_actions(p, (int)t.rule, t.time_ns);
		printf("\n");
	}
	return 0;
}

/* Rules evaluated at the end of bucket b, and the transitions read. */
static void evaluate(struct replayer *p, uint64_t b)
{
	test_run(p->r, TEST_EVALUATE, bucket_end(p->rec, b));
	ring_buffer__consume(p->ring);
}

/* After an evaluation at t: where the two replayers' rules differ, and since when. */
static void compare_at(struct comparison *c, uint64_t t)
{
	int n = c->n < 2 ? 0 : c->p[0]->r->meta.nrules < c->p[1]->r->meta.nrules ?
		c->p[0]->r->meta.nrules : c->p[1]->r->meta.nrules;
	for (int i = 0; i < n; i++) {
		typeof(c->rules[0]) *d = &c->rules[i];
		int differ = c->p[0]->rules[i].active != c->p[1]->rules[i].active;
		if (differ && !d->since)
			d->since = t, d->first = d->ever ? d->first : t, d->ever = 1;
		if (!differ && d->since)
			d->total += t - d->since, d->since = 0;
	}
}

/* Whether a rule can change at the end of bucket b, where nothing was fed: only when a
 * counter's bucket begins within it (a rate changes only then, or when events come), or
 * at the first step, or at every step when a rule has a `for` (it turns on when its time
 * is up). Else the evaluation is skipped: its result is the last one's. */
static int can_change(const struct replayer *p, uint64_t b)
{
	uint64_t t = bucket_end(p->rec, b), before = t - p->rec->h.step_ns;
	int change = p->every_step || b == 0;
	for (int i = 0; i < p->r->meta.ncounters && !change; i++) {
		uint64_t bucket = p->r->meta.counters[i].bucket_ms * 1000000ULL;
		change = bucket == 0 || t / bucket != before / bucket;
	}
	return change;
}

/* Every bucket from `from` up to `to`, without events: each replayer evaluated where its
 * rules can change. */
static void evaluate_idle(struct comparison *c, uint64_t from, uint64_t to)
{
	for (uint64_t b = from; b < to; b++) {
		int any = 0;
		for (int k = 0; k < c->n; k++)
			if (can_change(c->p[k], b))
				evaluate(c->p[k], b), any = 1;
		if (any)
			compare_at(c, bucket_end(c->p[0]->rec, b));
	}
}

/* A bucket fed to every replayer, evaluated at its end. */
static void evaluate_all(struct comparison *c, uint64_t b)
{
	for (int k = 0; k < c->n; k++)
		evaluate(c->p[k], b);
	compare_at(c, bucket_end(c->p[0]->rec, b));
}

/* Whether a rule of the policy has a `for` (an expression of what `for` is). */
static int has_for(const struct policy_meta *m)
{
	for (int i = 0; i < m->nexprs; i++)
		if (!m->exprs[i].of_action && strcmp(m->exprs[i].what, "for") == 0)
			return 1;
	return 0;
}

/* Feeding a bucket's events must not evaluate the rules half-fed: the clock says they
 * were just evaluated, and the bucket is evaluated whole afterwards. Its events are fed
 * 1 ns before its end, when they had all happened: a counter bucket that begins at the
 * step's end does not get them. */
static void hold_clock(const struct run *r, uint64_t now)
{
	uint32_t key = 0;
	int fd = bpf_map__fd(policy_object_map((struct policy_object *)&r->po, "clock"));
	bpf_map_update_elem(fd, &key, &now, BPF_ANY);
}

static void feed(struct replayer *p, const struct record_entry *e)
{
	int64_t item = p->rec->values[e->item];
	if (item < 0)
		return;
	struct memcgc_test in = { .op = TEST_EVENT, .now = bucket_end(p->rec, e->bucket) - 1,
				  .cgroup_id = (uint64_t)e->cgroup + 1, .item = item, .val = e->count };
	LIBBPF_OPTS(bpf_test_run_opts, opts, .ctx_in = &in, .ctx_size_in = sizeof(in));
	bpf_prog_test_run_opts(p->r->test_prog, &opts);
}

/* Every bucket from the first to the last covered, in order: its entries fed, then the
 * rules evaluated at its end. */
static int replay_entries(struct comparison *c)
{
	struct recording *rec = c->p[0]->rec;
	struct record_entry e;
	uint64_t next = 0;              /* the next bucket to evaluate */
	int64_t feeding = -1;           /* the bucket being fed */
	if (fseek(rec->f, rec->data, SEEK_SET) != 0)
		return run_fail("%s: cannot read it: %s", rec->file, strerror(errno));
	for (uint64_t n = 0; n < rec->nentries && fread(&e, sizeof(e), 1, rec->f) == 1; n++) {
		if (feeding >= 0 && e.bucket != (uint64_t)feeding) {
			evaluate_all(c, (uint64_t)feeding);
			next = (uint64_t)feeding + 1, feeding = -1;
		}
		if (next < e.bucket)
			evaluate_idle(c, next, e.bucket), next = e.bucket;
		if (e.cgroup == RECORD_MARK || e.bucket < next)
			continue;
		for (int k = 0; k < c->n; k++) {
			if (feeding < 0)
				hold_clock(c->p[k]->r, bucket_end(rec, e.bucket) - 1);
			feed(c->p[k], &e);
		}
		feeding = e.bucket;
	}
	if (feeding >= 0)
		evaluate_all(c, (uint64_t)feeding), next = (uint64_t)feeding + 1;
	evaluate_idle(c, next, rec->last);
	return 0;
}

/* The replay's first lines: the recording, the note, and each object's bindings. */
static void print_start(const struct comparison *c)
{
	const struct recording *rec = c->p[0]->rec;
	double seconds = (double)rec->last * (double)rec->h.step_ns / 1e9;
	if (c->p[0]->json) {
		printf("{\"replay\": {\"recording\": ");
		report_json_str(rec->file);
		printf(", \"object\": ");
		report_json_str(c->p[0]->r->object);
		if (c->n == 2) {
			printf(", \"compare\": ");
			report_json_str(c->p[1]->r->object);
		}
		printf(", \"kernel\": ");
		report_json_str(rec->kernel);
		printf(", \"step_ms\": %.3f, \"seconds\": %.3f, \"start_ns\": %llu, \"note\": \"%s\"}}\n",
		       (double)rec->h.step_ns / 1e6, seconds, (unsigned long long)rec->h.start_ns, NOTE);
		return;
	}
	printf("memcg-run: replaying %s (%.3f s in buckets of %g ms, recorded on Linux %s) through %s%s%s%s\n",
	       rec->file, seconds, (double)rec->h.step_ns / 1e6, rec->kernel, c->p[0]->r->object,
	       c->n == 2 ? " (A) and " : "", c->n == 2 ? c->p[1]->r->object : "", c->n == 2 ? " (B)" : "");
	printf("memcg-run: %s\n", NOTE);
	for (int k = 0; k < c->n; k++)
		for (int i = 0; i < c->p[k]->r->meta.ncgroups; i++)
			printf("memcg-run: %s%scgroup %s = recorded %s (%s)\n", c->n == 2 ? c->p[k]->label : "",
			       c->n == 2 ? ": " : "", c->p[k]->r->meta.cgroups[i].name,
			       rec->cgroups[c->p[k]->bound[i]].name, rec->cgroups[c->p[k]->bound[i]].path);
}

/* The end of the replay, on the recording's clock. */
static uint64_t replay_end(const struct recording *rec)
{
	return rec->last ? bucket_end(rec, rec->last - 1) : rec->h.start_ns;
}

/* Rules still active at the end are active until then. */
static void print_summary(struct replayer *p)
{
	uint64_t end = replay_end(p->rec);
	const char *l = p->label ? p->label : "";
	if (p->json)
		printf("{\"summary\": {%s%s%s\"seconds\": %.3f, \"steps\": %llu, \"rules\": [",
		       p->label ? "\"object\": \"" : "", l, p->label ? "\", " : "",
		       since_start(p->rec, end), (unsigned long long)p->rec->last);
	else
		printf("summary%s%s%s: %.3f s replayed in %llu steps of %g ms\n", p->label ? " (" : "", l,
		       p->label ? ")" : "", since_start(p->rec, end), (unsigned long long)p->rec->last,
		       (double)p->rec->h.step_ns / 1e6);
	for (int i = 0; i < p->r->meta.nrules; i++) {
		typeof(p->rules[0]) *st = &p->rules[i];
		uint64_t open = st->active && end > st->on_ns ? end - st->on_ns : 0;
		uint64_t total = st->active_ns + open, longest = open > st->longest_ns ? open : st->longest_ns;
		if (p->json)
			printf("%s{\"rule\": %d, \"line\": %d, \"transitions\": %llu, \"active_s\": %.3f, "
			       "\"longest_s\": %.3f, \"active_at_end\": %s}", i ? ", " : "", i,
			       p->r->meta.rules[i].line, (unsigned long long)st->transitions,
			       (double)total / 1e9, (double)longest / 1e9, st->active ? "true" : "false");
		else
			printf("  rule %d (line %d): active %.3f s, %llu transitions, longest activation "
			       "%.3f s%s: %s\n", i, p->r->meta.rules[i].line, (double)total / 1e9,
			       (unsigned long long)st->transitions, (double)longest / 1e9,
			       st->active ? " (active at the end)" : "", p->r->meta.rules[i].text);
	}
	if (p->json)
		printf("]}}\n");
}

static int load(struct replayer *p)
{
	struct run *r = p->r;
	if (policy_object_skip_program(&r->po, "count_memcg_events") != 0)
		return run_fail("%s: the object has no count_memcg_events program", r->object);
	if (policy_object_load(&r->po, NULL) != 0)
		return run_fail("%s", r->po.error);
	r->test_prog = policy_object_prog_fd(&r->po, "memcgc_test");
	return fill_slots(p);
}

static const char *seconds_text(double s, char *buf, size_t size)
{
	snprintf(buf, size, "%.3f", s);
	return buf;
}

/* With --compare: for each rule index both objects have, how long A and B differed. */
static void print_differences(struct comparison *c)
{
	uint64_t end = replay_end(c->p[0]->rec);
	int n = c->p[0]->r->meta.nrules < c->p[1]->r->meta.nrules ? c->p[0]->r->meta.nrules :
		c->p[1]->r->meta.nrules;
	char text[32];
	compare_at(c, end);     /* differences still open end with the replay */
	for (int i = 0; i < n; i++) {
		typeof(c->rules[0]) *d = &c->rules[i];
		double first = d->ever ? since_start(c->p[0]->rec, d->first) : 0;
		if (c->p[0]->json)
			printf("{\"difference\": {\"rule\": %d, \"differ_s\": %.3f, \"first_s\": %s}}\n", i,
			       (double)(d->total + (d->since ? end - d->since : 0)) / 1e9,
			       d->ever ? seconds_text(first, text, sizeof(text)) : "null");
		else if (d->ever)
			printf("differ: rule %d: A and B differ for %.3f s, first at %.3f s\n", i,
			       (double)(d->total + (d->since ? end - d->since : 0)) / 1e9, first);
		else
			printf("differ: rule %d: A and B agree throughout\n", i);
	}
}

/* One replayer per object, its recording read and its object loaded. */
static int open_replayer(struct replayer *p, struct run *r, struct recording *rec, const char *label,
			 const char *const *binds, int nbinds, int json)
{
	p->r = r, p->rec = rec, p->json = json, p->every_step = has_for(&r->meta), p->label = label;
	if (bind_recorded(p, binds, nbinds) || load(p))
		return 1;
	struct bpf_map *map = policy_object_map(&r->po, "transitions");
	p->ring = map ? ring_buffer__new(bpf_map__fd(map), on_transition, p, NULL) : NULL;
	if (!p->ring)
		return run_fail("%s: cannot read its ring buffer of transitions: %s", r->object, strerror(errno));
	warn_missing(p);
	return 0;
}

int replay_run(struct run **runs, int nruns, const char *file, const char *const *binds, int nbinds,
	       int json)
{
	static struct replayer ps[2];
	static struct comparison c;
	static const char *const labels[] = { "A", "B" };
	struct recording rec = { .file = file };
	c.n = nruns;
	int rc = open_recording(&rec) || item_values(&rec);
	for (int k = 0; k < nruns && !rc; k++) {
		c.p[k] = &ps[k];
		rc = open_replayer(&ps[k], runs[k], &rec, nruns == 2 ? labels[k] : NULL, binds, nbinds, json);
	}
	if (!rc) {
		print_start(&c);
		rc = replay_entries(&c);
	}
	for (int k = 0; k < nruns && !rc; k++)
		print_summary(&ps[k]);
	if (!rc && nruns == 2)
		print_differences(&c);
	for (int k = 0; k < nruns; k++)
		ring_buffer__free(ps[k].ring);
	close_recording(&rec);
	return rc;
}
