/* The memory.pressure source (psi.h). */
#define _GNU_SOURCE
#include "psi.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "run.h"
#include "signals.h"

/* The decimal digits d[0..end) as a u64: 0, or -1 with why. */
static int parse_u64(const char *d, const char *end, uint64_t *out, const char **why)
{
	uint64_t v = 0;
	for (; d < end; d++) {
		if (*d < '0' || *d > '9') {
			*why = "its total= is not a number";
			return -1;
		}
		if (v > (UINT64_MAX - (uint64_t)(*d - '0')) / 10) {
			*why = "its total= is more than 64 bits";
			return -1;
		}
		v = v * 10 + (uint64_t)(*d - '0');
	}
	*out = v;
	return 0;
}

/* The value of `total=` in the words of one line, p[0..end): 0, or -1 with why. */
static int line_total(const char *p, const char *end, uint64_t *total, const char **why)
{
	static const char key[] = "total=";
	const size_t len = sizeof(key) - 1;
	while (p < end) {
		const char *word = p;
		while (p < end && *p != ' ')
			p++;
		if ((size_t)(p - word) > len && strncmp(word, key, len) == 0)
			return parse_u64(word + len, p, total, why);
		while (p < end && *p == ' ')
			p++;
	}
	*why = "it has no total=";
	return -1;
}

int psi_parse(const char *text, size_t len, const char *line, uint64_t *total, const char **why)
{
	const char *end = text + len;
	size_t key = strlen(line);
	for (const char *p = text; p < end;) {
		const char *eol = memchr(p, '\n', (size_t)(end - p));
		if (!eol)
			eol = end;
		if ((size_t)(eol - p) > key && strncmp(p, line, key) == 0 && p[key] == ' ')
			return line_total(p + key + 1, eol, total, why);
		p = eol + (eol < end);
	}
	*why = "it lacks the line the signal reads (some or full)";
	return -1;
}

char *psi_read_file(int dirfd, const char *name, size_t *len)
{
	int fd = openat(dirfd, name, O_RDONLY | O_CLOEXEC);
	size_t size = 256, n = 0;
	char *buf = fd >= 0 ? malloc(size) : NULL;
	while (buf) {
		if (n == size) {
			char *bigger = size < PSI_FILE_MAX ? realloc(buf, size * 2) : NULL;
			if (!bigger) {
				errno = size < PSI_FILE_MAX ? ENOMEM : EFBIG;
				break;
			}
			buf = bigger, size *= 2;
		}
		ssize_t got = read(fd, buf + n, size - n);
		if (got == 0) {
			close(fd);
			*len = n;
			return buf;
		}
		if (got < 0 && errno != EINTR)
			break;
		n += got > 0 ? (size_t)got : 0;
	}
	int saved = errno;
	free(buf);
	if (fd >= 0)
		close(fd);
	errno = saved;
	return NULL;
}

uint64_t psi_growth(uint64_t last, uint64_t now)
{
	return now >= last ? now - last : 0;
}

/* Each line's total in values[]; 0, or -1 with why (errno's text when it cannot be read). */
static int read_totals(const struct psi_source *s, int dirfd, uint64_t *values, const char **why)
{
	size_t len;
	char *text = psi_read_file(dirfd, "memory.pressure", &len);
	if (!text) {
		*why = strerror(errno);
		return -1;
	}
	int rc = 0;
	for (int i = 0; i < s->nitems && rc == 0; i++)
		rc = psi_parse(text, len, s->items[i]->line, &values[i], why);
	free(text);
	return rc;
}

static void add_line(struct psi_source *s, const struct pressure_item *item)
{
	for (int i = 0; i < s->nitems; i++)
		if (s->items[i] == item)
			return;
	if (s->nitems < PSI_LINES)
		s->items[s->nitems++] = item;
}

/* The first term of a rule that reads a pressure counter of cgroup slot `slot`. */
static const struct meta_term *pressure_term(const struct run *r, int slot)
{
	for (int i = 0; i < r->meta.nterms; i++) {
		const struct meta_term *t = &r->meta.terms[i];
		const struct meta_counter *c = t->is_param ? NULL : &r->meta.counters[t->index];
		if (c && c->cgroup == slot && pressure_item_find(c->events))
			return t;
	}
	return NULL;
}

int psi_open(struct psi_source *s, const struct run *r, char **why)
{
	memset(s, 0, sizeof(*s));
	for (int c = 0; c < r->meta.ncounters; c++) {
		const struct pressure_item *item = pressure_item_find(r->meta.counters[c].events);
		if (item && r->meta.counters[c].cgroup < POLL_CGROUPS) {
			add_line(s, item);
			s->wants[r->meta.counters[c].cgroup] = 1;
		}
	}
	for (int slot = 0; s->nitems && slot < r->bind.ncgroups && slot < POLL_CGROUPS; slot++) {
		const struct bound_cgroup *bc = &r->bind.cgroups[slot];
		uint64_t values[PSI_LINES];
		const char *reason;
		if (!s->wants[slot] || !bc->path || read_totals(s, bc->fd, values, &reason) == 0)
			continue;
		const struct meta_term *t = pressure_term(r, slot);
		const struct meta_rule *rule = t ? &r->meta.rules[t->rule] : NULL;
		if (asprintf(why, "%s:%d: %s reads %s/memory.pressure: %s (pressure needs cgroup v2 "
			     "and PSI: a kernel with CONFIG_PSI=y, not booted with psi=0)",
			     rule ? rule->file : r->object, rule ? rule->line : 0,
			     t ? t->text : bc->decl->name, bc->path, reason) < 0)
			*why = NULL;
		return -1;
	}
	return 0;
}

/* Each bound cgroup that has a pressure counter, read once: its totals' growth in
 * delta[line][k], its mask in masks[k], its slot in slot[k]. The number read. */
static int read_all(struct psi_source *s, const struct run *r, uint64_t (*delta)[POLL_CGROUPS],
		    uint64_t *masks, int *slot)
{
	int n = 0;
	for (int b = 0; b < r->bind.ncgroups && b < POLL_CGROUPS; b++) {
		const struct bound_cgroup *bc = &r->bind.cgroups[b];
		uint64_t values[PSI_LINES];
		const char *why;
		int seen = 0;
		for (int k = 0; k < n; k++)
			seen |= r->bind.cgroups[slot[k]].id == bc->id;  /* bound twice: read once */
		if (!s->wants[b] || seen || !bc->path || bc->gone ||
		    read_totals(s, bc->fd, values, &why) != 0)
			continue;
		int fresh = s->slots[b].id != bc->id;
		for (int i = 0; i < s->nitems; i++) {
			delta[i][n] = fresh ? 0 : psi_growth(s->slots[b].last[i], values[i]);
			s->slots[b].last[i] = values[i];
		}
		s->slots[b].id = bc->id;
		masks[n] = poll_mask_of(&r->bind, bc->id);
		slot[n++] = b;
	}
	return n;
}

void psi_tick(struct psi_source *s, struct run *r, uint64_t now)
{
	uint64_t masks[POLL_CGROUPS], delta[PSI_LINES][POLL_CGROUPS], fed[POLL_CGROUPS];
	int slot[POLL_CGROUPS];
	if (!s->nitems)
		return;
	int n = read_all(s, r, delta, masks, slot);
	for (int i = 0; i < s->nitems; i++) {
		poll_nest(n, masks, delta[i], fed);
		for (int k = 0; k < n; k++)
			if (fed[k])
				poll_feed(r, r->bind.cgroups[slot[k]].id, s->items[i]->value, fed[k], now);
	}
}

void psi_describe(const struct psi_source *s, double period, FILE *out)
{
	if (!s->nitems)
		return;
	fprintf(out, "memcg-run: source: memory.pressure polled every %g ms (", period * 1000);
	for (int i = 0; i < s->nitems; i++)
		fprintf(out, "%s%s <- %s total=", i ? ", " : "", s->items[i]->name, s->items[i]->line);
	fprintf(out, ", in microseconds of stall)\n");
}
