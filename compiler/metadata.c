#include "metadata.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "units.h"

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
	const char *word = type_word(type);
	return word ? word : "invalid";
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
		put(t, "param %d %s %s %lld ", d->index, d->name, vtype_word(d->value.type),
		    (long long)ir_encode(d->value));
		if (d->value.type == T_RATE || d->value.type == T_NUMBER)   /* thousandths */
			put(t, "%.17g", (double)d->value.v / 1000);
		else if (d->value.type == T_SHARE)                          /* percent */
			put(t, "%.17g", (double)d->value.v / SHARE_PER_PERCENT);
		else
			put(t, "%lld", (long long)d->value.v);
		put(t, " %lld ", (long long)d->value.pages);
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

/* A signal term as memcgc writes it: `pgscan(high)`, `event(high, ITEM)`, with
 * ` over W` when its window is not the default 1 s. */
static void put_signal_term(struct text *t, const struct policy_ir *ir, int rule,
			    const struct node *n)
{
	const struct ir_counter *c = ir->counters.items[n->counter];
	char term[256], window[64];
	if (n->signal)
		snprintf(term, sizeof(term), "%s(%s)", c->signal, n->cgroup->name);
	else
		snprintf(term, sizeof(term), "event(%s, %s)", n->cgroup->name, c->events[0]);
	if (c->window_ms != 1000)
		snprintf(term + strlen(term), sizeof(term) - strlen(term), " over %s",
			 value_str((struct value){ T_DURATION, (int64_t)c->window_ms * 1000000, 0 }, window,
				   (int)sizeof(window)));
	put(t, "term %d signal %d ", rule, c->index);
	put_quoted(t, term);
	put(t, "\n");
}

/* Each counter and parameter a rule's condition reads, once, in source order. `seen` has
 * a byte per counter, then a byte per parameter. */
static void put_terms(struct text *t, const struct policy_ir *ir, int rule, const struct node *n,
		      unsigned char *seen)
{
	if (!n)
		return;
	unsigned char *param_seen = seen + ir->counters.len;
	if (n->kind == N_SIGNAL && !seen[n->counter]) {
		seen[n->counter] = 1;
		put_signal_term(t, ir, rule, n);
	} else if (n->kind == N_PARAM && !param_seen[n->param->index]) {
		param_seen[n->param->index] = 1;
		put(t, "term %d param %d ", rule, n->param->index);
		put_quoted(t, n->param->name);
		put(t, "\n");
	}
	put_terms(t, ir, rule, n->a, seen);
	put_terms(t, ir, rule, n->b, seen);
}

/* An expression in postfix, in the run-time encoding, as the BPF code computes it:
 * `pN` parameter N, `kN` the integer N, `zB+P` a size of B bytes and P pages (pages with
 * the running kernel's page size), `s` a signal's rate, `+ - * / neg` (`*` and `/`
 * rescale by 1000, one side being a number in thousandths), `c` a comparison or `and`/`or`
 * of the two values before it, `!` `not`. */
static void put_rpn(struct text *t, const struct node *n)
{
	static const char *const ops[] = { [OP_ADD] = "+", [OP_SUB] = "-", [OP_MUL] = "*",
					   [OP_DIV] = "/" };
	switch (n->kind) {
	case N_PARAM:
		put(t, " p%d", n->param->index);
		break;
	case N_QUANTITY:
		if (n->value.type == T_SIZE)
			put(t, " z%lld+%lld", (long long)n->value.v, (long long)n->value.pages);
		else
			put(t, " k%lld", (long long)ir_encode(n->value));
		break;
	case N_SIGNAL:
		put(t, " s");
		break;
	case N_OVER:
		put_rpn(t, n->a);
		break;
	case N_UNARY:
		put_rpn(t, n->a);
		put(t, n->op == OP_NOT ? " !" : " neg");
		break;
	case N_BINARY:
		put_rpn(t, n->a);
		put_rpn(t, n->b);
		put(t, " %s", n->op < sizeof(ops) / sizeof(ops[0]) && ops[n->op] ? ops[n->op] : "c");
		break;
	default:
		put(t, " ?");
		break;
	}
}

/* `expr OWNER INDEX WHAT TYPE "RPN"`: an expression memcg-run range-checks when a
 * parameter in it is set. */
static void put_expr_rpn(struct text *t, const char *owner, int index, const char *what,
			 const struct node *n)
{
	if (!n)
		return;
	struct text rpn = { .arena = t->arena };
	put_rpn(&rpn, n);
	put(t, "expr %s %d %s %s ", owner, index, what, vtype_word(n->type));
	put_quoted(t, rpn.buf + 1);
	put(t, "\n");
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
		unsigned char *seen = arena_alloc(&p->arena, (size_t)(ir->counters.len + p->params.len + 1));
		put_terms(t, ir, r->index, r->ast->cond, seen);
		put_expr_rpn(t, "rule", r->index, "for", r->ast->for_);
		put_expr_rpn(t, "rule", r->index, "cond", r->ast->cond);
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
		put_expr_rpn(t, "action", a->index, "value", a->ast->value);
		put_expr_rpn(t, "action", a->index, "hold", a->ast->hold);
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
