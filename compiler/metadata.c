#include "metadata.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* A growing text in the arena. */
struct text {
	struct arena *arena;
	char *buf;
	size_t len, cap;
};

static void put(struct text *t, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void put(struct text *t, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	if (t->len + (size_t)n + 1 > t->cap) {
		size_t cap = (t->cap + (size_t)n + 1) * 2;
		char *buf = arena_alloc(t->arena, cap);
		if (t->len)
			memcpy(buf, t->buf, t->len);
		t->buf = buf;
		t->cap = cap;
	}
	va_start(ap, fmt);
	vsnprintf(t->buf + t->len, (size_t)n + 1, fmt, ap);
	va_end(ap);
	t->len += (size_t)n;
}

/* A string in double quotes, with \" \\ \n \t escaped. */
static void put_quoted(struct text *t, const char *s)
{
	put(t, "\"");
	for (; s && *s; s++) {
		if (*s == '"' || *s == '\\')
			put(t, "\\%c", *s);
		else if (*s == '\n')
			put(t, "\\n");
		else if (*s == '\t')
			put(t, "\\t");
		else
			put(t, "%c", *s);
	}
	put(t, "\"");
}

/* An expression as the user wrote it (one line), else a placeholder. */
static void put_expr(struct text *t, struct policy *p, const struct node *n, const char *none)
{
	const char *text = n ? span_text(&p->arena, n->at) : NULL;
	put_quoted(t, text ? text : n ? "(expression)" : none);
}

static const char *vtype_word(enum vtype type)
{
	static const char *const words[] = {
		[T_NUMBER] = "number", [T_RATE] = "rate", [T_SIZE] = "size",
		[T_DURATION] = "duration",
	};
	return type < sizeof(words) / sizeof(words[0]) && words[type] ? words[type] : "invalid";
}

static void put_header(struct text *t, struct policy *p, const struct policy_ir *ir)
{
	const struct src_file *main = p->files.items[0];
	put(t, "memcgc-object %d\n", METADATA_FORMAT);
	put(t, "policy ");
	put_quoted(t, p->name);
	put(t, "\nsource ");
	put_quoted(t, main->path);
	put(t, "\nsource-hash %016llx\nabis", (unsigned long long)ir->source_hash);
	for (int abi = 0; abi < NABI; abi++)
		if (ir->abis & (1u << abi))
			put(t, " %s", abis[abi].name);
	put(t, "%s\n", ir->abis ? "" : " none");
}

static void put_declarations(struct text *t, struct policy *p)
{
	char buf[64];
	for (int i = 0; i < p->cgroups.len; i++) {
		const struct cgroup_decl *c = p->cgroups.items[i];
		put(t, "cgroup %d %s ", c->index, c->name);
		put_quoted(t, c->default_path ? c->default_path : "");
		put(t, "\n");
	}
	for (int i = 0; i < p->params.len; i++) {
		const struct param_decl *d = p->params.items[i];
		put(t, "param %d %s %s %lld %.17g %.17g ", d->index, d->name, vtype_word(d->value.type),
		    (long long)ir_encode(d->value), d->value.v, d->value.pages);
		put_quoted(t, value_str(d->value, buf, sizeof(buf)));
		put(t, "\n");
	}
}

static void put_counters(struct text *t, const struct policy_ir *ir)
{
	for (int i = 0; i < ir->counters.len; i++) {
		const struct ir_counter *c = ir->counters.items[i];
		put(t, "counter %d cgroup %d signal %s window_ms %llu bucket_ms %llu events", c->index,
		    c->cgroup, c->signal, (unsigned long long)c->window_ms,
		    (unsigned long long)c->bucket_ms);
		for (int e = 0; e < c->nevents; e++)
			put(t, "%c%s", e ? ',' : ' ', c->events[e]);
		put(t, "\n");
	}
}

static void put_rules(struct text *t, struct policy *p, const struct policy_ir *ir)
{
	for (int i = 0; i < ir->rules.len; i++) {
		const struct ir_rule *r = ir->rules.items[i];
		put(t, "rule %d line %d file ", r->index, r->ast->at.line);
		put_quoted(t, r->ast->at.file->path);
		put(t, " for ");
		put_expr(t, p, r->ast->for_, "0s");
		put(t, " text ");
		put_quoted(t, r->text);
		put(t, "\n");
	}
	for (int i = 0; i < ir->actions.len; i++) {
		const struct ir_action *a = ir->actions.items[i];
		const struct action_kind *k = a->ast->kind;
		put(t, "action %d rule %d line %d kind %s target %d value ", a->index, a->rule,
		    a->at.line, k->name, a->target);
		put_expr(t, p, a->ast->value, "");
		put(t, " hold ");
		put_expr(t, p, a->ast->hold, "1s");
		put(t, " hooks");
		for (int abi = 0; abi < NABI; abi++)
			if (k->hook[abi])
				put(t, " %s:%s", abis[abi].name, k->hook[abi]);
		put(t, "\n");
	}
}

const char *metadata_text(struct policy *p, const struct policy_ir *ir)
{
	struct text t = { .arena = &p->arena };
	put_header(&t, p, ir);
	put_declarations(&t, p);
	put_counters(&t, ir);
	put_rules(&t, p, ir);
	put(&t, "end\n");
	return t.buf;
}
