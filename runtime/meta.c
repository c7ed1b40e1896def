#include "meta.h"

#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "actions.h"

/* The metadata is read from an object that may come from anyone (memcg-run runs as root):
 * every record is checked word by word, every number is a whole decimal number in its
 * range, every index names something already read, and a record, word or value this
 * reader does not understand rejects the object, naming the line. */

enum { MAX_WORDS = 32 };

struct line {
	char *words[MAX_WORDS];         /* into the line's own copy */
	int n;
};

static char unescape(char c)
{
	return c == 'n' ? '\n' : c == 't' ? '\t' : c == '"' || c == '\\' ? c : 0;
}

/* A "quoted string" at s, unescaped in place into *word; where it ends, or NULL. */
static char *unquote(char *s, char **word)
{
	char *out = ++s;
	*word = out;
	for (; *s != '"'; s++) {
		char c = *s;
		if (c == '\\')
			c = unescape(*++s);
		if (!c)
			return NULL;
		*out++ = c;
	}
	*out = 0;
	return s + 1;
}

/* Splits a record into words in place; a "quoted string" is one word. -1 if malformed. */
static int split(char *s, struct line *l)
{
	l->n = 0;
	for (;;) {
		while (*s == ' ')
			s++;
		if (!*s)
			return 0;
		if (l->n == MAX_WORDS)
			return -1;
		if (*s == '"') {
			s = unquote(s, &l->words[l->n++]);
			if (!s || (*s && *s != ' '))
				return -1;
			continue;
		}
		l->words[l->n++] = s;
		s += strcspn(s, " \"");
		if (*s == '"')
			return -1;
		if (*s)
			*s++ = 0;
	}
}

/* Copies a word into a field; a word too long for it makes the record malformed. */
static int copy_word(char *dst, size_t size, const char *src)
{
	size_t n = strlen(src);
	if (n >= size)
		return -1;
	memcpy(dst, src, n + 1);
	return 0;
}
#define COPY(dst, src) copy_word(dst, sizeof(dst), src)

/* A whole decimal number in [min, max], or -1. */
static int number(const char *s, long long min, long long max, long long *out)
{
	char *end;
	errno = 0;
	if (!isdigit((unsigned char)s[s[0] == '-']))
		return -1;
	long long v = strtoll(s, &end, 10);
	if (errno || *end || v < min || v > max)
		return -1;
	*out = v;
	return 0;
}

static int int_in(const char *s, int min, int max, int *out)
{
	long long v;
	if (number(s, min, max, &v) != 0)
		return -1;
	*out = (int)v;
	return 0;
}

/* The next index of a table of `n` entries: the record must say exactly that. */
static int next_index(const char *s, int n)
{
	int i;
	return int_in(s, 0, INT_MAX, &i) != 0 || i != n ? -1 : 0;
}

static int finite_number(const char *s, double *out)
{
	char *end;
	if (!*s || isspace((unsigned char)*s))
		return -1;
	*out = strtod(s, &end);
	return *end || !isfinite(*out) ? -1 : 0;
}

static int one_of(const char *word, const char *const *list, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (strcmp(word, list[i]) == 0)
			return 1;
	return 0;
}
#define ONE_OF(word, list) one_of(word, list, sizeof(list) / sizeof(list[0]))

static const char *const value_types[] = { "rate", "size", "duration", "number", "share" };
static const char *const abi_names[] = { "v2", "v6", "v7" };
/* What an `expr` record repeats: whose expression it is, and its type when fixed (else
 * one of value_types). */
static const struct { const char *what; int of_action; const char *type; } expr_whats[] = {
	{ "for", 0, NULL }, { "cond", 0, "condition" }, { "value", 1, NULL }, { "hold", 1, NULL },
};

/* `key value` pairs are checked by word position. */
static int expect(const struct line *l, int i, const char *key)
{
	return i < l->n && strcmp(l->words[i], key) == 0;
}

static int rec_policy(struct policy_meta *m, struct line *l)
{
	return !l->words[1][0] || COPY(m->name, l->words[1]);
}

static int rec_source(struct policy_meta *m, struct line *l)
{
	return COPY(m->source, l->words[1]);
}

static int rec_hash(struct policy_meta *m, struct line *l)
{
	const char *h = l->words[1];
	return strlen(h) != 16 || strspn(h, "0123456789abcdef") != 16 || COPY(m->source_hash, h);
}

/* `abis v2 v6 ...` (each known, once) or `abis none`. */
static int rec_abis(struct policy_meta *m, struct line *l)
{
	if (l->n == 2 && strcmp(l->words[1], "none") == 0)
		return COPY(m->abis, "none");
	m->abis[0] = 0;
	for (int i = 1; i < l->n; i++) {
		const char *w = l->words[i];
		if (!ONE_OF(w, abi_names) || strstr(m->abis, w))
			return -1;
		size_t len = strlen(m->abis);
		if (len + 1 + strlen(w) >= sizeof(m->abis))
			return -1;
		snprintf(m->abis + len, sizeof(m->abis) - len, "%s%s", len ? " " : "", w);
	}
	return 0;
}

static int rec_cgroup(struct policy_meta *m, struct line *l)
{
	if (m->ncgroups == META_MAX || next_index(l->words[1], m->ncgroups) != 0)
		return -1;
	struct meta_cgroup *c = &m->cgroups[m->ncgroups++];
	c->slot = m->ncgroups - 1;
	return !l->words[2][0] || COPY(c->name, l->words[2]) || COPY(c->default_path, l->words[3]) ||
	       meta_cgroup(m, c->name) != c;
}

static int rec_param(struct policy_meta *m, struct line *l)
{
	long long encoded, bytes = 0, pages;
	if (m->nparams == META_MAX || next_index(l->words[1], m->nparams) != 0)
		return -1;
	struct meta_param *p = &m->params[m->nparams++];
	p->index = m->nparams - 1;
	int is_size = strcmp(l->words[3], "size") == 0;   /* sizes: whole bytes, then pages */
	if (number(l->words[4], LLONG_MIN, LLONG_MAX, &encoded) != 0 ||
	    finite_number(l->words[5], &p->value) != 0 ||
	    (is_size && number(l->words[5], 0, LLONG_MAX, &bytes) != 0) ||
	    number(l->words[6], is_size ? 0 : LLONG_MIN, LLONG_MAX, &pages) != 0)
		return -1;
	p->encoded = encoded;
	p->bytes = bytes;
	p->pages = pages;
	return !l->words[2][0] || COPY(p->name, l->words[2]) || !ONE_OF(l->words[3], value_types) ||
	       COPY(p->type, l->words[3]) || COPY(p->text, l->words[7]) || meta_param(m, p->name) != p;
}

/* Windows are 100 ms to 1 h (compiler/check.c); a bucket is a part of one. */
enum { MAX_WINDOW_MS = 3600 * 1000 };

static int rec_counter(struct policy_meta *m, struct line *l)
{
	long long window, bucket;
	if (m->ncounters == META_MAX * 4 || !expect(l, 2, "cgroup") || !expect(l, 4, "signal") ||
	    !expect(l, 6, "window_ms") || !expect(l, 8, "bucket_ms") || !expect(l, 10, "events") ||
	    next_index(l->words[1], m->ncounters) != 0)
		return -1;
	struct meta_counter *c = &m->counters[m->ncounters++];
	c->index = m->ncounters - 1;
	if (int_in(l->words[3], 0, m->ncgroups - 1, &c->cgroup) != 0 ||
	    number(l->words[7], 1, MAX_WINDOW_MS, &window) != 0 ||
	    number(l->words[9], 1, window, &bucket) != 0)
		return -1;
	c->window_ms = (uint64_t)window;
	c->bucket_ms = (uint64_t)bucket;
	return !l->words[5][0] || COPY(c->signal, l->words[5]) || !l->words[11][0] ||
	       COPY(c->events, l->words[11]);
}

static int rec_rule(struct policy_meta *m, struct line *l)
{
	if (m->nrules == META_MAX * 4 || !expect(l, 2, "line") || !expect(l, 4, "file") ||
	    !expect(l, 6, "for") || !expect(l, 8, "text") || next_index(l->words[1], m->nrules) != 0)
		return -1;
	struct meta_rule *r = &m->rules[m->nrules++];
	r->index = m->nrules - 1;
	return int_in(l->words[3], 1, INT_MAX, &r->line) || COPY(r->file, l->words[5]) ||
	       COPY(r->for_, l->words[7]) || COPY(r->text, l->words[9]);
}

/* `ABI:member`, of a known ABI, each ABI once. */
static int read_hook(struct meta_action *a, char *word)
{
	char *colon = strchr(word, ':');
	if (!colon || a->nhooks == META_HOOKS || !colon[1])
		return -1;
	*colon = 0;
	struct meta_hook *h = &a->hooks[a->nhooks];
	if (!ONE_OF(word, abi_names) || meta_hook(a, word) || COPY(h->abi, word) ||
	    COPY(h->member, colon + 1))
		return -1;
	a->nhooks++;
	return 0;
}

static int rec_action(struct policy_meta *m, struct line *l)
{
	if (m->nactions == META_MAX * 8 || !expect(l, 2, "rule") || !expect(l, 4, "line") ||
	    !expect(l, 6, "kind") || !expect(l, 8, "target") || !expect(l, 10, "value") ||
	    !expect(l, 12, "hold") || !expect(l, 14, "hooks") ||
	    next_index(l->words[1], m->nactions) != 0)
		return -1;
	struct meta_action *a = &m->actions[m->nactions++];
	a->index = m->nactions - 1;
	if (int_in(l->words[3], 0, m->nrules - 1, &a->rule) != 0 ||
	    int_in(l->words[5], 1, INT_MAX, &a->line) != 0 ||
	    int_in(l->words[9], 0, m->ncgroups - 1, &a->target) != 0 || !action_find(l->words[7]) ||
	    COPY(a->kind, l->words[7]) || COPY(a->value, l->words[11]) || COPY(a->hold, l->words[13]))
		return -1;
	for (int i = 15; i < l->n; i++)
		if (read_hook(a, l->words[i]) != 0)
			return -1;
	return 0;
}

static int rec_term(struct policy_meta *m, struct line *l)
{
	if (m->nterms == META_MAX * 8)
		return -1;
	struct meta_term *t = &m->terms[m->nterms++];
	t->is_param = strcmp(l->words[2], "param") == 0;
	int limit = t->is_param ? m->nparams : m->ncounters;
	return (!t->is_param && strcmp(l->words[2], "signal") != 0) ||
	       int_in(l->words[1], 0, m->nrules - 1, &t->rule) != 0 ||
	       int_in(l->words[3], 0, limit - 1, &t->index) != 0 || COPY(t->text, l->words[4]);
}

static int rec_expr(struct policy_meta *m, struct line *l)
{
	if (m->nexprs == META_MAX * 16)
		return -1;
	struct meta_expr *e = &m->exprs[m->nexprs++];
	e->of_action = strcmp(l->words[1], "action") == 0;
	int limit = e->of_action ? m->nactions : m->nrules, known = 0;
	for (size_t i = 0; i < sizeof(expr_whats) / sizeof(expr_whats[0]); i++)
		if (strcmp(l->words[3], expr_whats[i].what) == 0)
			known = expr_whats[i].of_action == e->of_action &&
				(expr_whats[i].type ? strcmp(l->words[4], expr_whats[i].type) == 0 :
				 ONE_OF(l->words[4], value_types));
	return (!e->of_action && strcmp(l->words[1], "rule") != 0) || !known ||
	       int_in(l->words[2], 0, limit - 1, &e->index) != 0 || COPY(e->what, l->words[3]) ||
	       COPY(e->type, l->words[4]) || !(e->rpn = strdup(l->words[5]));
}

/* Each record: its word count (at least, for the two with lists), whether it comes once,
 * and what to do with its words. */
static const struct {
	const char *name;
	int words, at_least, once;
	int (*parse)(struct policy_meta *, struct line *);
} records[] = {
	{ "policy", 2, 0, 1, rec_policy }, { "source", 2, 0, 1, rec_source },
	{ "source-hash", 2, 0, 1, rec_hash }, { "abis", 2, 1, 1, rec_abis },
	{ "cgroup", 4, 0, 0, rec_cgroup }, { "param", 8, 0, 0, rec_param },
	{ "counter", 12, 0, 0, rec_counter }, { "rule", 10, 0, 0, rec_rule },
	{ "action", 16, 1, 0, rec_action }, { "term", 5, 0, 0, rec_term },
	{ "expr", 6, 0, 0, rec_expr },
};
enum { NRECORDS = sizeof(records) / sizeof(records[0]) };

/* One record; 0, 1 if malformed, 2 if not understood. */
static int parse_record(struct policy_meta *m, char *text, int *seen)
{
	struct line l;
	if (split(text, &l) != 0 || l.n == 0)
		return 1;
	for (int i = 0; i < NRECORDS; i++) {
		if (strcmp(records[i].name, l.words[0]) != 0)
			continue;
		int count_ok = records[i].at_least ? l.n >= records[i].words : l.n == records[i].words;
		if (!count_ok || (records[i].once && seen[i]++))
			return 1;
		return records[i].parse(m, &l) != 0;
	}
	return 2;
}

/* The error for line `line_no`: its first 80 bytes, anything unprintable as '?'. */
static int bad_line(char *error, int size, int line_no, const char *what, const char *text)
{
	char shown[81];
	size_t n = strnlen(text, 80);
	for (size_t i = 0; i < n; i++)
		shown[i] = isprint((unsigned char)text[i]) ? text[i] : '?';
	shown[n] = 0;
	snprintf(error, (size_t)size, "metadata line %d is %s: '%s'", line_no, what, shown);
	return -1;
}

/* Records 2.. up to `end`, each a copy of its line; -1 with the error. */
static int parse_records(struct policy_meta *m, const char *p, char *error, int size)
{
	int seen[NRECORDS] = { 0 };
	for (int line_no = 2; *p; line_no++) {
		size_t len = strcspn(p, "\n");
		char *text = strndup(p, len), *shown = strndup(p, len);
		if (!text || !shown) {
			free(text);
			free(shown);
			snprintf(error, (size_t)size, "out of memory reading the metadata");
			return -1;
		}
		int rc = strcmp(text, "end") == 0 ? (p[len] && p[len + 1] ? 3 : 4) :
			 parse_record(m, text, seen);
		if (rc == 1 || rc == 2 || rc == 3)
			bad_line(error, size, line_no, rc == 1 ? "malformed" : rc == 2 ?
				 "not understood" : "after 'end'", shown);
		free(text);
		free(shown);
		if (rc == 4)
			return seen[0] && seen[1] && seen[2] && seen[3] ? 0 :
			       (snprintf(error, (size_t)size, "metadata lacks a policy, source, "
					 "source-hash or abis record"), -1);
		if (rc)
			return -1;
		p += len + (p[len] ? 1 : 0);
	}
	snprintf(error, (size_t)size, "metadata is cut short (no 'end')");
	return -1;
}

void meta_free(struct policy_meta *m)
{
	for (int i = 0; i < m->nexprs; i++)
		free(m->exprs[i].rpn);
	m->nexprs = 0;
}

int meta_parse(const char *text, struct policy_meta *m, char *error, int size)
{
	memset(m, 0, sizeof(*m));
	size_t first = strcspn(text, "\n");
	if (first != strlen(META_FORMAT_LINE) || strncmp(text, META_FORMAT_LINE, first) != 0 ||
	    !text[first])
		return bad_line(error, size, 1, "not '" META_FORMAT_LINE "'", text);
	return parse_records(m, text + first + 1, error, size);
}

const struct meta_cgroup *meta_cgroup(const struct policy_meta *m, const char *name)
{
	for (int i = 0; i < m->ncgroups; i++)
		if (strcmp(m->cgroups[i].name, name) == 0)
			return &m->cgroups[i];
	return NULL;
}

const struct meta_param *meta_param(const struct policy_meta *m, const char *name)
{
	for (int i = 0; i < m->nparams; i++)
		if (strcmp(m->params[i].name, name) == 0)
			return &m->params[i];
	return NULL;
}

const char *meta_hook(const struct meta_action *a, const char *abi)
{
	for (int i = 0; i < a->nhooks; i++)
		if (strcmp(a->hooks[i].abi, abi) == 0)
			return a->hooks[i].member;
	return NULL;
}
