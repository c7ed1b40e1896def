/* Lowering: from the checked syntax tree to the policy IR. Signals become shared counters,
 * rules and actions get their indices, and the set of kernel ABIs that can run the policy
 * is worked out. */
#include "lower.h"

#include <string.h>

#define NS_PER_MS 1000000

int action_index(const struct action_kind *k)
{
	for (int i = 0; action_at(i); i++)
		if (action_at(i) == k)
			return i;
	return -1;
}

int64_t ir_encode(struct value v)
{
	/* sizes: pages of 4 KiB (check_ranges made sure that this cannot overflow) */
	return v.type == T_SIZE ? v.pages + (v.v + 4095) / 4096 : v.v;
}

static uint64_t fnv1a64(uint64_t h, const char *s, size_t len)
{
	for (size_t i = 0; i < len; i++) {
		h ^= (unsigned char)s[i];
		h *= 0x100000001b3ULL;
	}
	return h;
}

static int same_counter(const struct ir_counter *c, const struct node *sig, uint64_t window_ms)
{
	const char *name = sig->signal ? sig->signal->name : "event";
	return c->cgroup == sig->cgroup->index && c->window_ms == window_ms &&
	       strcmp(c->signal, name) == 0 &&
	       (sig->signal || strcmp(c->events[0], sig->event) == 0);
}

static int counter_for(struct policy *p, struct policy_ir *ir, const struct node *sig,
		       struct span rule)
{
	uint64_t window_ms = (uint64_t)(sig->window_ns / NS_PER_MS);
	for (int i = 0; i < ir->counters.len; i++)
		if (same_counter(ir->counters.items[i], sig, window_ms))
			return i;
	struct ir_counter *c = arena_alloc(&p->arena, sizeof(*c));
	c->index = ir->counters.len;
	c->cgroup = sig->cgroup->index;
	c->signal = sig->signal ? sig->signal->name : "event";
	if (sig->signal) {
		for (int i = 0; i < SIGNAL_MAX_EVENTS && sig->signal->events[i]; i++)
			c->events[c->nevents++] = sig->signal->events[i];
	} else {
		c->events[c->nevents++] = sig->event;
	}
	c->window_ms = window_ms;
	c->bucket_ms = window_ms / IR_BUCKETS ? window_ms / IR_BUCKETS : 1;
	c->at = rule;
	vec_push(&p->arena, &ir->counters, c);
	return c->index;
}

static void assign_counters(struct policy *p, struct policy_ir *ir, struct node *n,
			    struct span rule)
{
	if (!n)
		return;
	if (n->kind == N_SIGNAL) {
		n->counter = counter_for(p, ir, n, rule);
		return;
	}
	assign_counters(p, ir, n->a, rule);
	assign_counters(p, ir, n->b, rule);
}

/* The `when` line as written, for status output and the metadata. */
static const char *rule_text(struct policy *p, const struct rule *r)
{
	int len;
	const char *line = src_line(r->at.file, r->at.line, &len);
	const char *hash = memchr(line, '#', (size_t)len);  /* comments are not part of it */
	if (hash)
		len = (int)(hash - line);
	while (len > 0 && (line[len - 1] == ' ' || line[len - 1] == '\t'))
		len--;
	while (len > 0 && (*line == ' ' || *line == '\t')) {
		line++;
		len--;
	}
	return arena_strndup(&p->arena, line, (size_t)len);
}

static void lower_rule(struct policy *p, struct policy_ir *ir, struct rule *r)
{
	struct ir_rule *lr = arena_alloc(&p->arena, sizeof(*lr));
	lr->index = ir->rules.len;
	lr->ast = r;
	lr->text = rule_text(p, r);
	lr->first_action = ir->actions.len;
	assign_counters(p, ir, r->cond, r->at);
	for (int i = 0; i < r->actions.len; i++) {
		const struct action *a = r->actions.items[i];
		struct ir_action *la = arena_alloc(&p->arena, sizeof(*la));
		la->index = ir->actions.len;
		la->rule = lr->index;
		la->ast = a;
		la->target = a->target->index;
		la->at = a->at;
		vec_push(&p->arena, &ir->actions, la);
		ir->actions_used |= 1u << action_index(a->kind);
		unsigned offered = 0;
		for (int abi = 0; abi < NABI; abi++)
			offered |= a->kind->hook[abi] ? 1u << abi : 0;
		ir->abis &= offered;
	}
	lr->nactions = ir->actions.len - lr->first_action;
	vec_push(&p->arena, &ir->rules, lr);
}

void lower_policy(struct policy *p, struct policy_ir *ir)
{
	memset(ir, 0, sizeof(*ir));
	ir->policy = p;
	ir->abis = (1u << NABI) - 1;
	ir->source_hash = 0xcbf29ce484222325ULL;
	for (int i = 0; i < p->files.len; i++) {
		const struct src_file *f = p->files.items[i];
		ir->source_hash = fnv1a64(ir->source_hash, f->text, f->len);
	}
	for (int i = 0; i < p->rules.len; i++)
		lower_rule(p, ir, p->rules.items[i]);
}
