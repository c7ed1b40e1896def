/* Types and units. Every expression gets a type (rate, size, duration, number, condition);
 * signals get their window; parameters, windows, `for` and `hold` times and action values
 * are checked against what the kernel's hooks can take. */
#include "passes.h"

#include <stdarg.h>
#include <string.h>

#include "units.h"

#define DIAG (&p->diag)
#define NS_PER_S 1000000000LL
#define NS_PER_MS 1000000LL

static const int64_t DEFAULT_WINDOW_NS = 1 * NS_PER_S;
static const int64_t MIN_WINDOW_NS = NS_PER_S / 10;
static const int64_t MAX_WINDOW_NS = 3600 * NS_PER_S;
static const int64_t MAX_TIME_NS = 86400 * NS_PER_S;
static const int64_t SMALLEST_PAGE = 4096;
enum { MAX_CGROUPS = 64 };       /* a cgroup id maps to a 64-bit mask of them */
/* What the kernel's verifier can take (1,000,000 instructions processed per program),
 * and BPF's jumps (at most 32767 instructions away, which bounds a function's size): the
 * code grows with each of these (tests/lang/run-cost.sh loads a policy at all three). */
enum { MAX_COUNTERS = 128, MAX_SIGNAL_TERMS = 600, MAX_ACTIONS = 500 };

/* Reporting at a node: the notes say which define each expansion came from. */
static void node_diag(struct policy *p, enum diag_level level, const struct node *n,
		      struct span at, const char *fmt, ...) __attribute__((format(printf, 5, 6)));
static void node_diag(struct policy *p, enum diag_level level, const struct node *n,
		      struct span at, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	diag_vat(DIAG, level, at, fmt, ap);
	va_end(ap);
	for (const struct node *call = n->expanded_from; call; call = call->expanded_from)
		note_at(DIAG, call->at, "in this use of '%s'", call->name);
}
#define node_error(p, n, ...) node_diag(p, DIAG_ERROR, n, (n)->at, __VA_ARGS__)
#define node_warning(p, n, ...) node_diag(p, DIAG_WARNING, n, (n)->at, __VA_ARGS__)

/* Properties of trees */

static const struct node *find_param_use(const struct node *n);

static int has_signal(const struct node *n)
{
	return n && (n->kind == N_SIGNAL || has_signal(n->a) || has_signal(n->b));
}

static int is_constant(const struct node *n)
{
	switch (n->kind) {
	case N_QUANTITY:
	case N_PARAM:
		return 1;
	case N_UNARY:
		return is_constant(n->a);
	case N_BINARY:
		return is_constant(n->a) && is_constant(n->b);
	default:
		return 0;
	}
}

static int is_arithmetic(enum vtype t)
{
	return t == T_NUMBER || t == T_RATE || t == T_SIZE || t == T_DURATION || t == T_SHARE;
}

/* What a signal measures over its window: a rate of events, or a share of time. */
static int is_measure(enum vtype t)
{
	return t == T_RATE || t == T_SHARE;
}

/* One operator of const_eval on the bytes and pages of sizes, or on values. */
static int64_t apply_part(enum op op, int64_t a, int64_t b, int *overflow)
{
	static const char ops[] = { [OP_ADD] = '+', [OP_SUB] = '-', [OP_MUL] = '*', [OP_DIV] = '/',
				    [OP_NEG] = 'n' };
	int64_t r = 0;
	*overflow |= value_apply(ops[op], a, b, &r) != 0;
	return r;
}

/* The value of a constant expression, parameters at their defaults, exactly as the
 * generated code computes it; T_ERROR if it overflows (check_ranges reports that). */
static struct value const_eval(const struct node *n)
{
	struct value a, b;
	int overflow = 0;
	switch (n->kind) {
	case N_QUANTITY:
		return n->value;
	case N_PARAM:
		return n->param->value;
	case N_UNARY:
		a = const_eval(n->a);
		if (a.type == T_ERROR)
			return a;
		a = (struct value){ n->type, apply_part(OP_NEG, a.v, 0, &overflow),
				    apply_part(OP_NEG, a.pages, 0, &overflow) };
		break;
	case N_BINARY:
		a = const_eval(n->a);
		b = const_eval(n->b);
		if (a.type == T_ERROR || b.type == T_ERROR)
			return (struct value){ T_ERROR, 0, 0 };
		if (n->op == OP_MUL && a.type == T_NUMBER) {    /* the number on the right */
			struct value number = a;
			a = b;
			b = number;
		}
		int scaled = n->op == OP_MUL || n->op == OP_DIV;   /* b is a number */
		a = (struct value){ n->type, apply_part(n->op, a.v, b.v, &overflow),
				    apply_part(n->op, a.pages, scaled ? b.v : b.pages, &overflow) };
		break;
	default:
		return (struct value){ T_ERROR, 0, 0 };
	}
	return overflow ? (struct value){ T_ERROR, 0, 0 } : a;
}

/* Ranges: every value the generated code computes, checked not to wrap (units.h). */

static int range_leaf(const struct node *n, struct range *r)
{
	const struct value *v = n->kind == N_PARAM ? &n->param->value : &n->value;
	if (v->type == T_SIZE)
		return range_of_size(v->v, v->pages, r);
	*r = (struct range){ v->v, v->v };
	return 0;
}

static int range_of(struct policy *p, const struct node *n, struct range *r);

static int range_op(struct policy *p, const struct node *n, struct range *r)
{
	static const char ops[] = { [OP_ADD] = '+', [OP_SUB] = '-', [OP_MUL] = '*', [OP_DIV] = '/',
				    [OP_NEG] = 'n' };
	struct range a, b = { 0, 0 };
	if (range_of(p, n->a, &a) != 0 || (n->b && range_of(p, n->b, &b) != 0))
		return -1;
	if (n->op > OP_NEG) {           /* conditions: 0 or 1 */
		*r = (struct range){ 0, 1 };
		return 0;
	}
	if (range_apply(ops[n->op], a, b, r) == 0)
		return 0;
	if (has_signal(n))
		node_error(p, n, "this expression can overflow at run time: its values would "
			   "not fit in 64 bits");
	else
		node_error(p, n, "this value is out of range: it does not fit in 64 bits");
	diag_hint(DIAG, "values are computed in thousandths (rates in milli-events per second, "
		  "durations in ns), and a signal can reach %lld/s", SIGNAL_MAX_EVENTS_PER_S);
	return -1;
}

/* The range of n's run-time values; an overflow is reported at the deepest node where it
 * happens. */
static int range_of(struct policy *p, const struct node *n, struct range *r)
{
	switch (n->kind) {
	case N_QUANTITY:
	case N_PARAM:
		if (range_leaf(n, r) == 0)
			return 0;
		node_error(p, n, "this size is out of range: it does not fit in 64 bits");
		return -1;
	case N_SIGNAL:
		*r = (struct range){ 0, SIGNAL_MAX_RATE };
		return 0;
	case N_OVER:
		return range_of(p, n->a, r);
	case N_UNARY:
	case N_BINARY:
		return range_op(p, n, r);
	default:
		*r = (struct range){ 0, 0 };
		return 0;
	}
}

static int check_ranges(struct policy *p, const struct node *n)
{
	struct range r;
	return range_of(p, n, &r);
}

/* Typing */

struct checker {
	struct policy *p;
};

static enum vtype type_of(struct checker *c, struct node *n, int64_t window_ns);

static void hint_rate_literal(struct policy *p, const struct node *n)
{
	char buf[64];
	if (n->kind == N_QUANTITY && n->value.type == T_NUMBER)
		diag_hint(DIAG, "write it as a rate: %s/s", value_str(n->value, buf, sizeof(buf)));
	else if (n->kind == N_PARAM)
		diag_hint(DIAG, "declare '%s' as a rate, for example 'param %s = 100/s'",
			  n->param->name, n->param->name);
	else
		diag_hint(DIAG, "rates are written like 100/s or 6000/min");
}

/* A rate compared with a share of time: say how the other side is written. */
static void hint_measure(struct policy *p, enum vtype want)
{
	if (want == T_SHARE)
		diag_hint(DIAG, "pressure() and pressure_full() are shares of time, written in "
			  "percent, like 5%%");
	else
		diag_hint(DIAG, "only pressure() and pressure_full() are shares of time in %%; "
			  "other signals are rates, written like 100/s");
}

static enum vtype check_comparison(struct checker *c, struct node *n, enum vtype l, enum vtype r)
{
	struct policy *p = c->p;
	if (!is_arithmetic(l) || !is_arithmetic(r)) {
		node_error(p, n, "'%s' compares values, not %s", op_str(n->op),
			   type_name(is_arithmetic(l) ? r : l));
		return T_ERROR;
	}
	if (l != r) {
		node_error(p, n, "cannot compare %s with %s", type_name(l), type_name(r));
		if (l == T_RATE && r == T_NUMBER)
			hint_rate_literal(p, n->b);
		else if (r == T_RATE && l == T_NUMBER)
			hint_rate_literal(p, n->a);
		else if (is_measure(l) && is_measure(r))
			hint_measure(p, has_signal(n->a) ? l : r);
		else if (l == T_SHARE || r == T_SHARE)
			hint_measure(p, T_SHARE);
		return T_ERROR;
	}
	return T_BOOL;
}

static enum vtype check_arithmetic(struct checker *c, struct node *n, enum vtype l, enum vtype r)
{
	struct policy *p = c->p;
	if (!is_arithmetic(l) || !is_arithmetic(r)) {
		enum vtype bad = is_arithmetic(l) ? r : l;
		node_error(p, n, "'%s' takes values, not %s", op_str(n->op), type_name(bad));
		if (bad == T_CGROUP)
			diag_hint(DIAG, "a cgroup is measured through a signal, e.g. pgscan(%s)",
				  (n->a->kind == N_CGROUP ? n->a : n->b)->cgroup->name);
		return T_ERROR;
	}
	switch (n->op) {
	case OP_ADD:
	case OP_SUB:
		if (l == r)
			return l;
		node_error(p, n, "cannot %s %s %s %s", n->op == OP_ADD ? "add" : "subtract",
			   type_name(r), n->op == OP_ADD ? "to" : "from", type_name(l));
		return T_ERROR;
	case OP_MUL:
		if (l == T_NUMBER || r == T_NUMBER)
			return l == T_NUMBER ? r : l;
		node_error(p, n, "cannot multiply %s by %s; one side must be a plain number",
			   type_name(l), type_name(r));
		return T_ERROR;
	case OP_DIV:
		if (r != T_NUMBER) {
			node_error(p, n, "%s can only be divided by a plain number", type_name(l));
			if (l == r && l == T_RATE)
				diag_hint(DIAG, "compare 'a > 2 * b' rather than 'a / b > 2'");
			return T_ERROR;
		}
		if (is_constant(n->b) && const_eval(n->b).type != T_ERROR && const_eval(n->b).v == 0) {
			node_error(p, n->b, "division by zero");
			const struct node *param = find_param_use(n->b);
			if (param)
				note_at(DIAG, param->param->at, "the value is the default of '%s'",
					param->param->name);
			return T_ERROR;
		}
		return l;
	default:
		return T_ERROR;
	}
}

static enum vtype check_logic(struct checker *c, struct node *n, enum vtype l, enum vtype r)
{
	struct policy *p = c->p;
	struct node *bad = l != T_BOOL ? n->a : r != T_BOOL ? n->b : NULL;
	if (!bad)
		return T_BOOL;
	node_error(p, bad, "'%s' joins conditions; this is %s", op_str(n->op), type_name(bad->type));
	if (bad->type == T_RATE)
		diag_hint(DIAG, "compare it with a rate, for example '... > 100/s'");
	else if (bad->type == T_SHARE)
		diag_hint(DIAG, "compare it with a share of time, for example '... > 5%%'");
	return T_ERROR;
}

static enum vtype check_binary(struct checker *c, struct node *n, int64_t window_ns)
{
	enum vtype l = type_of(c, n->a, window_ns), r = type_of(c, n->b, window_ns);
	if (l == T_ERROR || r == T_ERROR)
		return T_ERROR;
	switch (n->op) {
	case OP_AND:
	case OP_OR:
		return check_logic(c, n, l, r);
	case OP_LT: case OP_LE: case OP_GT: case OP_GE: case OP_EQ: case OP_NE:
		return check_comparison(c, n, l, r);
	default:
		return check_arithmetic(c, n, l, r);
	}
}

static enum vtype check_unary(struct checker *c, struct node *n, int64_t window_ns)
{
	struct policy *p = c->p;
	enum vtype t = type_of(c, n->a, window_ns);
	if (t == T_ERROR)
		return T_ERROR;
	if (n->op == OP_NOT && t != T_BOOL) {
		node_error(p, n->a, "'not' takes a condition; this is %s", type_name(t));
		return T_ERROR;
	}
	if (n->op == OP_NEG && !is_arithmetic(t)) {
		node_error(p, n->a, "'-' takes a value; this is %s", type_name(t));
		return T_ERROR;
	}
	return t;
}

/* `x over W`: W is a duration written in the policy, because it sizes the windows that the
 * compiled object keeps. */
static enum vtype check_over(struct checker *c, struct node *n)
{
	struct policy *p = c->p;
	const struct node *w = n->b;
	char buf[64];
	if (w->kind != N_QUANTITY || w->value.type != T_DURATION) {
		if (w->kind == N_QUANTITY && w->value.type == T_ERROR)
			return T_ERROR;
		node_error(p, w, "'over' takes a duration written out, like 'over 5s'");
		if (w->kind == N_PARAM)
			diag_hint(DIAG, "windows are fixed when the policy is compiled; parameters "
				  "can change at run time");
		return T_ERROR;
	}
	int64_t ns = w->value.v;
	if (ns % NS_PER_MS != 0) {
		node_error(p, w, "windows are whole milliseconds, not %s",
			   value_str(w->value, buf, sizeof(buf)));
		return T_ERROR;
	}
	if (ns < MIN_WINDOW_NS || ns > MAX_WINDOW_NS) {
		node_error(p, w, "a window of %s is out of range: windows are 100ms to 1h",
			   value_str(w->value, buf, sizeof(buf)));
		return T_ERROR;
	}
	enum vtype t = type_of(c, n->a, ns);
	if (t != T_ERROR && !is_measure(t)) {   /* the error says it all: no warning too */
		node_error(p, n->a, "'over' applies to rates and shares of time; this is %s",
			   type_name(t));
		return T_ERROR;
	}
	if (t != T_ERROR && !has_signal(n->a))
		node_warning(p, n, "'over' has no signal to apply to");
	return t;
}

static enum vtype type_of(struct checker *c, struct node *n, int64_t window_ns)
{
	enum vtype t = T_ERROR;
	switch (n->kind) {
	case N_QUANTITY:
		t = n->value.type;
		break;
	case N_PARAM:
		n->param->used = 1;
		t = n->param->value.type;
		break;
	case N_CGROUP:
		t = T_CGROUP;
		break;
	case N_SIGNAL:
		if (n->cgroup)
			n->cgroup->used = 1;
		if (!n->window_ns)
			n->window_ns = window_ns;
		t = !n->cgroup ? T_ERROR : n->signal && n->signal->pressure ? T_SHARE : T_RATE;
		break;
	case N_UNARY:
		t = check_unary(c, n, window_ns);
		break;
	case N_BINARY:
		t = check_binary(c, n, window_ns);
		break;
	case N_OVER:
		t = check_over(c, n);
		break;
	default:
		node_error(c->p, n, "internal error: unresolved expression");
		break;
	}
	return n->type = t;
}

/* Parameters */

static const struct node *find_param_use(const struct node *n)
{
	if (!n)
		return NULL;
	if (n->kind == N_PARAM)
		return n;
	const struct node *found = find_param_use(n->a);
	return found ? found : find_param_use(n->b);
}

static void check_param(struct checker *c, struct param_decl *d)
{
	struct policy *p = c->p;
	struct node *n = d->init;
	d->value.type = T_ERROR;
	if (!n)
		return;
	const struct node *other = find_param_use(n);
	if (other) {
		node_error(p, other, "the default of parameter '%s' cannot use parameter '%s'",
			   d->name, other->param->name);
		diag_hint(DIAG, "each parameter is set on its own at run time; write the value out");
		return;
	}
	enum vtype t = type_of(c, n, DEFAULT_WINDOW_NS);
	if (t == T_ERROR)
		return;
	if (!is_constant(n) || has_signal(n)) {
		node_error(p, n, "the default of parameter '%s' must be a constant", d->name);
		return;
	}

	if (!is_arithmetic(t)) {
		node_error(p, n, "a parameter is a rate, a size, a duration, a share of time or a "
			   "number, not %s", type_name(t));
		return;
	}
	if (check_ranges(p, n) != 0)
		return;
	struct value v = const_eval(n);
	if (t != T_NUMBER && (v.v < 0 || v.pages < 0)) {
		node_error(p, n, "parameter '%s' cannot be negative", d->name);
		return;
	}
	if (t == T_SHARE && !share_in_range(v.v)) {
		char buf[64];
		node_error(p, n, "parameter '%s' is %s, out of range: a share of time is 0%% to "
			   "100%%", d->name, value_str(v, buf, sizeof(buf)));
		return;
	}
	d->value = v;
	d->value.type = t;
}

/* `for` and `hold` times: durations, parameters allowed. */
static int check_time(struct checker *c, struct node *n, const char *what, int64_t *ns)
{
	struct policy *p = c->p;
	char buf[64];
	enum vtype t = type_of(c, n, DEFAULT_WINDOW_NS);
	if (t == T_ERROR)
		return 0;
	if (!is_constant(n)) {
		node_error(p, n, "'%s' takes a constant duration", what);
		return 0;
	}
	if (t != T_DURATION) {
		node_error(p, n, "'%s' takes a duration, not %s", what, type_name(t));
		if (t == T_NUMBER && n->kind == N_QUANTITY)
			diag_hint(DIAG, "write %ss or %sms", value_str(n->value, buf, sizeof(buf)),
				  buf);
		return 0;
	}
	if (check_ranges(p, n) != 0)
		return 0;
	struct value v = const_eval(n);
	if (v.v < 0 || v.v > MAX_TIME_NS) {
		node_error(p, n, "'%s %s' is out of range: 0s to 24h", what,
			   value_str(v, buf, sizeof(buf)));
		return 0;
	}
	*ns = v.v;
	return 1;
}

/* Actions */

static const char *assign_str(enum assign a)
{
	return a == ASSIGN_ADD ? "+=" : a == ASSIGN_SET ? "=" : "";
}

static int check_assign(struct checker *c, struct action *a)
{
	struct policy *p = c->p;
	const struct action_kind *k = a->kind;
	if ((int)a->assign == -1) {
		error_at(DIAG, a->assign_at, "%s is given a value twice", k->name);
		return 0;
	}
	if (k->assign == ASSIGN_NONE && a->value) {
		error_at(DIAG, a->assign_at, "%s takes no value", k->name);
		diag_hint(DIAG, "write just %s(%s)", k->name, a->target ? a->target->name : "CGROUP");
		return 0;
	}
	if (k->assign != ASSIGN_NONE && !a->value) {
		error_at(DIAG, a->at, "%s needs a value", k->name);
		diag_hint(DIAG, "for example %s(%s) %s %s", k->name,
			  a->target ? a->target->name : "low", assign_str(k->assign),
			  k->value_type == T_SIZE ? "1024 pages" : "200ms");
		return 0;
	}
	if (a->value && a->assign != k->assign) {
		error_at(DIAG, a->assign_at, "%s is written with '%s', not '%s'", k->name,
			 assign_str(k->assign), assign_str(a->assign));
		diag_hint(DIAG, k->combine == COMBINE_SUM ?
			  "the pages of several rules add up, so the action adds its part" :
			  "several rules take the largest value, so the action sets it");
		return 0;
	}
	return 1;
}

/* The value in the unit the hook returns (pages, ms), defaults applied. */
static int check_action_value(struct checker *c, struct action *a)
{
	struct policy *p = c->p;
	const struct action_kind *k = a->kind;
	struct node *n = a->value;
	char buf[64];
	enum vtype t = type_of(c, n, DEFAULT_WINDOW_NS);
	if (t == T_ERROR)
		return 0;
	if (!is_constant(n)) {
		node_error(p, n, "the value of %s must be a constant (numbers and parameters)",
			   k->name);
		return 0;
	}
	if (check_ranges(p, n) != 0)
		return 0;
	struct value v = const_eval(n);
	int fraction = 0;
	if (t == T_NUMBER && k->bare_unit) {   /* a bare number counts pages */
		fraction = v.v % 1000 != 0;
		v = (struct value){ k->value_type, 0, v.v / 1000 };
		t = k->value_type;
	}
	if (t != k->value_type) {
		node_error(p, n, "%s takes %s, not %s", k->name, type_name(k->value_type),
			   type_name(t));
		if (t == T_NUMBER && k->value_type == T_DURATION && n->kind == N_QUANTITY)
			diag_hint(DIAG, "write %sms", value_str(n->value, buf, sizeof(buf)));
		return 0;
	}
	int64_t amount = k->value_type == T_SIZE ?
			 v.pages + (v.v + SMALLEST_PAGE - 1) / SMALLEST_PAGE : v.v;
	const char *why = NULL;
	if (k->value_type == T_SIZE && (fraction || v.pages < 0 || v.v < 0))
		why = "a size must be a whole, positive number of pages";
	else if (amount < k->min)
		why = k->too_small;
	else if (amount > k->max)
		why = k->too_large;
	if (why) {
		char number[64];
		if (fraction)
			snprintf(buf, sizeof(buf), "%s pages",
				 value_str(const_eval(n), number, sizeof(number)));
		node_error(p, n, "%s %s %s is out of range: %s", k->name, assign_str(k->assign),
			   fraction ? buf : value_str(v, buf, sizeof(buf)), why);
		if (n->kind == N_PARAM)
			note_at(DIAG, n->param->at, "the value is the default of '%s'", n->param->name);
		return 0;
	}
	if (k->value_type == T_DURATION && v.v % NS_PER_MS != 0)
		node_warning(p, n, "%s works in whole milliseconds; %s is rounded down to %lldms",
			     k->name, value_str(v, buf, sizeof(buf)), (long long)(v.v / NS_PER_MS));
	return 1;
}

static void check_action(struct checker *c, struct action *a)
{
	if (a->target)
		a->target->used = 1;
	a->hold_ns = c->p->default_hold_ns;
	if (a->kind && check_assign(c, a) && a->value)
		check_action_value(c, a);
	if (a->hold)
		check_time(c, a->hold, "hold", &a->hold_ns);
}

/* A policy runs only where one kernel ABI offers all of its hooks: say so when none does. */
static void check_abi_overlap(struct checker *c)
{
	struct policy *p = c->p;
	unsigned common = (1u << NABI) - 1;
	const struct action *first = NULL;
	char hooks[200];
	for (int i = 0; i < p->rules.len; i++) {
		const struct rule *r = p->rules.items[i];
		for (int j = 0; j < r->actions.len; j++) {
			const struct action *a = r->actions.items[j];
			if (!a->kind)
				continue;
			unsigned mask = 0;
			for (int abi = 0; abi < NABI; abi++)
				mask |= a->kind->hook[abi] ? 1u << abi : 0;
			if (!(common & mask)) {
				warning_at(DIAG, a->at, "no kernel ABI offers both %s and %s: memcg-run "
					   "will refuse this policy on every kernel", first->kind->name,
					   a->kind->name);
				note_at(DIAG, first->at, "%s needs %s", first->kind->name,
					action_hooks_str(first->kind, hooks, sizeof(hooks)));
				diag_hint(DIAG, "%s needs %s", a->kind->name,
					  action_hooks_str(a->kind, hooks, sizeof(hooks)));
				return;
			}
			if (!first)
				first = a;
			common &= mask;
		}
	}
}

/* Rules */

static void check_rule(struct checker *c, struct rule *r)
{
	struct policy *p = c->p;
	if (r->cond && type_of(c, r->cond, DEFAULT_WINDOW_NS) != T_ERROR) {
		if (r->cond->type != T_BOOL) {
			node_error(p, r->cond, "a rule's condition must be a comparison; this is %s",
				   type_name(r->cond->type));
			if (r->cond->type == T_RATE)
				diag_hint(DIAG, "for example 'when pgscan(high) > 100/s:'");
			else if (r->cond->type == T_SHARE)
				diag_hint(DIAG, "for example 'when pressure(high) over 10s > 5%%:'");
		} else if (check_ranges(p, r->cond) == 0 && !has_signal(r->cond)) {
			node_warning(p, r->cond, "this condition does not depend on any signal");
		}
	}
	if (r->for_)
		check_time(c, r->for_, "for", &r->for_ns);
	for (int i = 0; i < r->actions.len; i++)
		check_action(c, r->actions.items[i]);
}

static void warn_unused(struct checker *c)
{
	struct policy *p = c->p;
	for (int i = 0; i < p->cgroups.len; i++) {
		const struct cgroup_decl *d = p->cgroups.items[i];
		if (!d->used)
			warning_at(DIAG, d->at, "cgroup '%s' is not used by any rule", d->name);
	}
	for (int i = 0; i < p->params.len; i++) {
		const struct param_decl *d = p->params.items[i];
		if (!d->used)
			warning_at(DIAG, d->at, "parameter '%s' is not used by any rule", d->name);
	}
}

/* The verifier's budget */

struct budget {
	const struct node *counters[MAX_COUNTERS];      /* one signal of each distinct counter */
	int ncounters, terms, reported;
};

static int same_counter(const struct node *a, const struct node *b)
{
	return a->cgroup == b->cgroup && a->signal == b->signal && a->window_ns == b->window_ns &&
	       (a->signal || strcmp(a->event, b->event) == 0);
}

static void count_signal(struct policy *p, struct budget *b, const struct node *n)
{
	int known = 0;
	for (int i = 0; i < b->ncounters && !known; i++)
		known = same_counter(b->counters[i], n);
	if (!known && b->ncounters == MAX_COUNTERS && !b->reported++) {
		node_error(p, n, "a policy reads at most %d distinct signals (a signal of a cgroup "
			   "over a window): the kernel's verifier could not take more", MAX_COUNTERS);
		diag_hint(DIAG, "use fewer windows, or the same window for signals of one cgroup");
	} else if (!known && b->ncounters < MAX_COUNTERS) {
		b->counters[b->ncounters++] = n;
	}
	if (++b->terms == MAX_SIGNAL_TERMS + 1 && !b->reported++)
		node_error(p, n, "a policy's conditions read signals at most %d times: the kernel's "
			   "verifier could not take more", MAX_SIGNAL_TERMS);
}

static void count_signals(struct policy *p, struct budget *b, const struct node *n)
{
	if (!n || n->type == T_ERROR)
		return;
	if (n->kind == N_SIGNAL && n->cgroup)
		count_signal(p, b, n);
	else {
		count_signals(p, b, n->a);
		count_signals(p, b, n->b);
	}
}

static void check_budget(struct policy *p)
{
	struct budget b = { .ncounters = 0 };
	int actions = 0;
	for (int i = 0; i < p->rules.len; i++) {
		const struct rule *r = p->rules.items[i];
		count_signals(p, &b, r->cond);
		for (int j = 0; j < r->actions.len && actions <= MAX_ACTIONS; j++)
			if (++actions == MAX_ACTIONS + 1)
				error_at(DIAG, ((const struct action *)r->actions.items[j])->at,
					 "a policy has at most %d actions: the kernel's verifier could "
					 "not take more", MAX_ACTIONS);
	}
}

void check_policy(struct policy *p)
{
	struct checker c = { .p = p };
	if (p->cgroups.len > MAX_CGROUPS) {
		const struct cgroup_decl *extra = p->cgroups.items[MAX_CGROUPS];
		error_at(DIAG, extra->at, "a policy has at most %d cgroups", MAX_CGROUPS);
	}
	for (int i = 0; i < p->params.len; i++)
		check_param(&c, p->params.items[i]);
	for (int i = 0; i < p->rules.len; i++)
		check_rule(&c, p->rules.items[i]);
	check_abi_overlap(&c);
	check_budget(p);
	if (!p->diag.hard_errors)       /* after an error, what it hid may look unused */
		warn_unused(&c);
}
