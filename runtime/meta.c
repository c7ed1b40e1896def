#include "meta.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum { MAX_WORDS = 32 };

/* One record, split into words in place (a quoted word is unescaped into its own text). */
struct line {
	char *words[MAX_WORDS];
	int n;
};

/* Splits a record into words; a "quoted string" is one word, unescaped. -1 if malformed. */
static int split(char *s, struct line *l)
{
	l->n = 0;
	while (*s) {
		while (*s == ' ')
			s++;
		if (!*s)
			break;
		if (l->n == MAX_WORDS)
			return -1;
		char *w = l->words[l->n++] = s;
		int len = 0;
		if (*s == '"') {
			for (s++; *s && *s != '"'; s++) {
				char c = *s;
				if (c == '\\') {
					c = *++s;
					c = c == 'n' ? '\n' : c == 't' ? '\t' : c;
					if (!c)
						return -1;
				}
				w[len++] = c;
			}
			if (*s++ != '"')
				return -1;
		} else {
			for (; *s && *s != ' '; s++)
				w[len++] = *s;
		}
		char *end = w + len;
		if (*s)         /* the separator (or the closing quote's place) ends the word */
			s += *s == ' ';
		*end = 0;
	}
	return 0;
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

/* Each record type: how many words it has at least, and what to do with them. The
 * `key value` pairs of a record are checked by word position. */
static int expect(const struct line *l, int i, const char *key)
{
	return i < l->n && strcmp(l->words[i], key) == 0;
}

static int rec_policy(struct policy_meta *m, struct line *l)
{
	return COPY(m->name, l->words[1]);
}

static int rec_source(struct policy_meta *m, struct line *l)
{
	return COPY(m->source, l->words[1]);
}

static int rec_hash(struct policy_meta *m, struct line *l)
{
	return strlen(l->words[1]) != 16 || COPY(m->source_hash, l->words[1]);
}

static int rec_abis(struct policy_meta *m, struct line *l)
{
	int len = 0;
	m->abis[0] = 0;
	for (int i = 1; i < l->n; i++)
		len += snprintf(m->abis + len, sizeof(m->abis) - (size_t)len, "%s%s", i > 1 ? " " : "",
				l->words[i]);
	return 0;
}

static int rec_cgroup(struct policy_meta *m, struct line *l)
{
	if (m->ncgroups == META_MAX || l->n != 4)
		return -1;
	struct meta_cgroup *c = &m->cgroups[m->ncgroups++];
	c->slot = atoi(l->words[1]);
	return COPY(c->name, l->words[2]) || COPY(c->default_path, l->words[3]) ||
	       c->slot != m->ncgroups - 1;
}

static int rec_param(struct policy_meta *m, struct line *l)
{
	if (m->nparams == META_MAX || l->n != 8)
		return -1;
	struct meta_param *p = &m->params[m->nparams++];
	p->index = atoi(l->words[1]);
	p->encoded = strtoll(l->words[4], NULL, 10);
	p->value = strtod(l->words[5], NULL);
	p->bytes = strtoll(l->words[5], NULL, 10);
	p->pages = strtoll(l->words[6], NULL, 10);
	return COPY(p->name, l->words[2]) || COPY(p->type, l->words[3]) || COPY(p->text, l->words[7]);
}

static int rec_counter(struct policy_meta *m, struct line *l)
{
	if (m->ncounters == META_MAX * 4 || l->n != 12 || !expect(l, 2, "cgroup") ||
	    !expect(l, 4, "signal") || !expect(l, 6, "window_ms") || !expect(l, 8, "bucket_ms") ||
	    !expect(l, 10, "events"))
		return -1;
	struct meta_counter *c = &m->counters[m->ncounters++];
	c->index = atoi(l->words[1]);
	c->cgroup = atoi(l->words[3]);
	c->window_ms = strtoull(l->words[7], NULL, 10);
	c->bucket_ms = strtoull(l->words[9], NULL, 10);
	return COPY(c->signal, l->words[5]) || COPY(c->events, l->words[11]) || c->cgroup < 0 ||
	       c->cgroup >= m->ncgroups || !c->bucket_ms;
}

static int rec_rule(struct policy_meta *m, struct line *l)
{
	if (m->nrules == META_MAX * 4 || l->n != 10 || !expect(l, 2, "line") ||
	    !expect(l, 4, "file") || !expect(l, 6, "for") || !expect(l, 8, "text"))
		return -1;
	struct meta_rule *r = &m->rules[m->nrules++];
	r->index = atoi(l->words[1]);
	r->line = atoi(l->words[3]);
	return COPY(r->file, l->words[5]) || COPY(r->for_, l->words[7]) || COPY(r->text, l->words[9]);
}

static int rec_action(struct policy_meta *m, struct line *l)
{
	if (m->nactions == META_MAX * 8 || l->n < 16 || !expect(l, 2, "rule") ||
	    !expect(l, 4, "line") || !expect(l, 6, "kind") || !expect(l, 8, "target") ||
	    !expect(l, 10, "value") || !expect(l, 12, "hold") || !expect(l, 14, "hooks"))
		return -1;
	struct meta_action *a = &m->actions[m->nactions++];
	a->index = atoi(l->words[1]);
	a->rule = atoi(l->words[3]);
	a->line = atoi(l->words[5]);
	a->target = atoi(l->words[9]);
	if (COPY(a->kind, l->words[7]) || COPY(a->value, l->words[11]) || COPY(a->hold, l->words[13]))
		return -1;
	for (int i = 15; i < l->n && a->nhooks < META_HOOKS; i++) {
		char *colon = strchr(l->words[i], ':');
		if (!colon)
			return -1;
		struct meta_hook *h = &a->hooks[a->nhooks++];
		*colon = 0;
		if (COPY(h->abi, l->words[i]) || COPY(h->member, colon + 1))
			return -1;
	}
	return a->target < 0 || a->target >= m->ncgroups || a->rule < 0 || a->rule >= m->nrules;
}

static int rec_term(struct policy_meta *m, struct line *l)
{
	if (m->nterms == META_MAX * 8 || l->n != 5)
		return -1;
	struct meta_term *t = &m->terms[m->nterms++];
	t->rule = atoi(l->words[1]);
	t->is_param = strcmp(l->words[2], "param") == 0;
	t->index = atoi(l->words[3]);
	int limit = t->is_param ? m->nparams : m->ncounters;
	return COPY(t->text, l->words[4]) || (!t->is_param && strcmp(l->words[2], "signal") != 0) ||
	       t->rule < 0 || t->rule >= m->nrules || t->index < 0 || t->index >= limit;
}

static int rec_expr(struct policy_meta *m, struct line *l)
{
	if (m->nexprs == META_MAX * 16 || l->n != 6)
		return -1;
	struct meta_expr *e = &m->exprs[m->nexprs++];
	e->of_action = strcmp(l->words[1], "action") == 0;
	e->index = atoi(l->words[2]);
	int limit = e->of_action ? m->nactions : m->nrules;
	e->rpn = strdup(l->words[5]);
	return (!e->of_action && strcmp(l->words[1], "rule") != 0) || e->index < 0 ||
	       e->index >= limit || COPY(e->what, l->words[3]) || COPY(e->type, l->words[4]) ||
	       !e->rpn;
}

static const struct {
	const char *name;
	int min_words;
	int (*parse)(struct policy_meta *, struct line *);
} records[] = {
	{ "policy", 2, rec_policy }, { "source", 2, rec_source }, { "source-hash", 2, rec_hash },
	{ "abis", 2, rec_abis }, { "cgroup", 4, rec_cgroup }, { "param", 8, rec_param },
	{ "counter", 12, rec_counter }, { "rule", 10, rec_rule }, { "action", 16, rec_action },
	{ "term", 5, rec_term }, { "expr", 6, rec_expr },
};

/* One record line (not the first, not `end`): 0, or -1 with the error set. */
static int parse_record(struct policy_meta *m, const char *text, size_t len, int line_no,
			char *error, int size)
{
	static struct line l;
	char *buf = strndup(text, len);
	int known = 0, bad = !buf || split(buf, &l) != 0 || l.n == 0;
	for (size_t i = 0; !bad && i < sizeof(records) / sizeof(records[0]); i++) {
		if (strcmp(records[i].name, l.words[0]) != 0)
			continue;
		known = 1;
		bad = l.n < records[i].min_words || records[i].parse(m, &l) != 0;
	}
	free(buf);
	if (bad || !known)
		snprintf(error, (size_t)size, "metadata line %d is %s: '%.*s'", line_no,
			 known ? "malformed" : "not understood", len < 80 ? (int)len : 80, text);
	return bad || !known ? -1 : 0;
}

int meta_parse(const char *text, struct policy_meta *m, char *error, int size)
{
	memset(m, 0, sizeof(*m));
	int line_no = 0;
	for (const char *p = text; *p;) {
		const char *line = p, *eol = strchr(p, '\n');
		size_t len = eol ? (size_t)(eol - p) : strlen(p);
		p += len + (eol ? 1 : 0);
		line_no++;
		if (line_no == 1 && (len != strlen(META_FORMAT_LINE) ||
				     strncmp(line, META_FORMAT_LINE, len) != 0)) {
			snprintf(error, (size_t)size, "metadata format '%.*s' is not '" META_FORMAT_LINE
				 "'", len < 80 ? (int)len : 80, line);
			return -1;
		}
		if (line_no > 1 && len == 3 && strncmp(line, "end", 3) == 0)
			return 0;
		if (line_no > 1 && parse_record(m, line, len, line_no, error, size) != 0)
			return -1;
	}
	snprintf(error, (size_t)size, "metadata is cut short (no 'end')");
	return -1;
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
