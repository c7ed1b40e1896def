/* Name resolution. Declarations are checked for clashes and numbered; in every expression,
 * names and calls become parameters, cgroups, signals or the body of a define, with the
 * define's arguments put in place of its parameters. */
#include "passes.h"

#include <stdio.h>
#include <string.h>

#define DIAG (&p->diag)

enum { MAX_EXPANDED_NODES = 1000000 };

/* Every declared name, for lookups in constant time: a table of decl_ref indexes. */
struct names {
	struct decl_ref *refs;
	int *slot;                      /* -1: empty */
	size_t mask;
};

struct resolver {
	struct policy *p;
	struct names names;
	struct define_decl *in_define;  /* whose body is being resolved, else NULL */
	long expanded;                  /* nodes made by expansion so far */
	int too_large;
	int failed;                     /* set by substitute() after an error */
};

/* Declarations */

enum decl_kind_index { K_CGROUP, K_PARAM, K_DEFINE };

struct decl_ref {
	const char *what;
	enum decl_kind_index kind;
	void *decl;
	const char **name;
	struct span at;
};

static int decl_refs(const struct policy *p, struct decl_ref *out, int max)
{
	static const struct { const char *what; size_t vec, name, at; } kinds[] = {
		{ "cgroup", offsetof(struct policy, cgroups), offsetof(struct cgroup_decl, name),
		  offsetof(struct cgroup_decl, at) },
		{ "parameter", offsetof(struct policy, params), offsetof(struct param_decl, name),
		  offsetof(struct param_decl, at) },
		{ "define", offsetof(struct policy, defines), offsetof(struct define_decl, name),
		  offsetof(struct define_decl, at) },
	};
	int n = 0;
	for (size_t k = 0; k < sizeof(kinds) / sizeof(kinds[0]); k++) {
		const struct vec *v = (const struct vec *)((const char *)p + kinds[k].vec);
		for (int i = 0; i < v->len && n < max; i++) {
			char *d = v->items[i];
			out[n].what = kinds[k].what;
			out[n].kind = (enum decl_kind_index)k;
			out[n].decl = d;
			out[n].name = (const char **)(d + kinds[k].name);
			out[n].at = *(const struct span *)(d + kinds[k].at);
			n++;
		}
	}
	return n;
}

static int before_in_source(struct span a, struct span b)
{
	return a.file == b.file ? (a.line < b.line || (a.line == b.line && a.col < b.col)) : 0;
}

static size_t name_hash(const char *s)
{
	size_t h = 1469598103934665603u;
	for (; *s; s++)
		h = (h ^ (unsigned char)*s) * 1099511628211u;
	return h;
}

/* The slot of `name` in the table: its ref's, or the empty one where it would go. */
static int *name_slot(const struct names *t, const char *name)
{
	size_t i = name_hash(name) & t->mask;
	while (t->slot[i] >= 0 && strcmp(*t->refs[t->slot[i]].name, name) != 0)
		i = (i + 1) & t->mask;
	return &t->slot[i];
}

/* Every name is declared once, across cgroups, parameters and defines. The later of two
 * loses its name, so that uses resolve to the first and report nothing more; the table
 * keeps the first. */
static void check_unique_names(struct policy *p, struct names *t)
{
	int total = p->cgroups.len + p->params.len + p->defines.len;
	t->refs = arena_alloc(&p->arena, sizeof(*t->refs) * (size_t)(total + 1));
	int n = decl_refs(p, t->refs, total);
	size_t size = 16;
	while (size < (size_t)n * 2)
		size *= 2;
	t->mask = size - 1;
	t->slot = arena_alloc(&p->arena, sizeof(*t->slot) * size);
	memset(t->slot, 0xff, sizeof(*t->slot) * size);
	for (int i = 0; i < n; i++) {
		if (!**t->refs[i].name)
			continue;
		int *slot = name_slot(t, *t->refs[i].name);
		if (*slot < 0) {
			*slot = i;
			continue;
		}
		/* report the later one of the two, by file order then position */
		struct decl_ref *first = &t->refs[*slot], *again = &t->refs[i];
		if (before_in_source(again->at, first->at)) {
			first = &t->refs[i];
			again = &t->refs[*slot];
			*slot = i;
		}
		error_at(DIAG, again->at, "'%s' is already declared as a %s", *again->name,
			 first->what);
		note_at(DIAG, first->at, "previous declaration is here");
		*again->name = "";
	}
}

static void check_define_names(struct policy *p)
{
	for (int i = 0; i < p->defines.len; i++) {
		struct define_decl *d = p->defines.items[i];
		const char *builtin = signal_find(d->name) ? "signal" :
				      action_find(d->name) ? "action" :
				      strcmp(d->name, "event") == 0 ? "signal" : NULL;
		if (builtin)
			error_at(DIAG, d->at, "'%s' is a built-in %s and cannot be redefined", d->name,
				 builtin);
		for (int j = 0; j < d->params.len; j++)
			for (int k = 0; k < j; k++)
				if (strcmp(d->params.items[j], d->params.items[k]) == 0)
					error_at(DIAG, d->at, "parameter '%s' of '%s' is named twice",
						 (const char *)d->params.items[j], d->name);
	}
}

static void number_declarations(struct policy *p)
{
	for (int i = 0; i < p->cgroups.len; i++)
		((struct cgroup_decl *)p->cgroups.items[i])->index = i;
	for (int i = 0; i < p->params.len; i++)
		((struct param_decl *)p->params.items[i])->index = i;
	for (int i = 0; i < p->rules.len; i++)
		((struct rule *)p->rules.items[i])->index = i;
}

/* Lookups */

/* The declaration of `name` if it is of kind k, else NULL. */
static void *find_named(const struct resolver *r, enum decl_kind_index k, const char *name)
{
	if (!r->names.slot)
		return NULL;
	int i = *name_slot(&r->names, name);
	return i >= 0 && r->names.refs[i].kind == k ? r->names.refs[i].decl : NULL;
}
#define FIND(r, kind, type, key) ((struct type *)find_named((r), (kind), (key)))

static int define_param(const struct define_decl *d, const char *name)
{
	for (int i = 0; d && i < d->params.len; i++)
		if (strcmp(d->params.items[i], name) == 0)
			return i;
	return -1;
}

/* Every name an expression could mean here, for "did you mean". */
static void suggest_name(struct resolver *r, const char *name, int calls)
{
	struct policy *p = r->p;
	struct vec all = { 0 };
	for (int i = 0; !calls && i < p->cgroups.len; i++)
		vec_push(&p->arena, &all, (void *)((struct cgroup_decl *)p->cgroups.items[i])->name);
	for (int i = 0; !calls && i < p->params.len; i++)
		vec_push(&p->arena, &all, (void *)((struct param_decl *)p->params.items[i])->name);
	for (int i = 0; r->in_define && !calls && i < r->in_define->params.len; i++)
		vec_push(&p->arena, &all, r->in_define->params.items[i]);
	for (int i = 0; i < p->defines.len; i++)
		vec_push(&p->arena, &all, (void *)((struct define_decl *)p->defines.items[i])->name);
	for (int i = 0; calls && signal_at(i); i++)
		vec_push(&p->arena, &all, (void *)signal_at(i)->name);
	if (calls)
		vec_push(&p->arena, &all, "event");
	const char *close = closest_name(name, (const char *const *)all.items, all.len);
	if (close)
		diag_hint(DIAG, "did you mean '%s'?", close);
}

/* A node left in place of an expression that could not be resolved. */
static int failed(const struct node *n)
{
	return n->kind == N_QUANTITY && n->value.type == T_ERROR;
}

/* Where the name of a call is written. */
static struct span name_span(const struct node *call)
{
	struct span at = call->at;
	at.end_line = at.line;
	at.end_col = at.col + (int)strlen(call->name) - 1;
	return at;
}

/* Expansion */

static struct node *resolve(struct resolver *r, struct node *n);
static void resolve_define(struct resolver *r, struct define_decl *d);
static int event_name(struct resolver *r, struct node *sig, struct node *name);

/* One more node made by expansion; past MAX_EXPANDED_NODES none is. */
static int count_expanded(struct resolver *r, long n)
{
	r->expanded += n;
	if (r->expanded > MAX_EXPANDED_NODES)
		r->too_large = 1;
	return !r->too_large;
}

static struct node *error_leaf(struct resolver *r, struct span at)
{
	struct node *bad = node_new(r->p, N_QUANTITY, at);
	bad->value.type = T_ERROR;
	return bad;
}

static struct node *substitute(struct resolver *r, const struct node *body, struct vec *args,
			       const struct node *call);

/* A use of a define inside another's body (`use`, already a copy whose arguments are
 * substituted): the define's body, expanded with them. */
static struct node *expand_use(struct resolver *r, struct node *use)
{
	struct define_decl *d = use->define;
	if (!d->body) {                 /* its error is reported */
		r->failed = 1;
		return error_leaf(r, use->at);
	}
	d->used = 1;
	return substitute(r, d->body, &use->args, use);
}

static long count_nodes(const struct node *n)
{
	if (!n)
		return 0;
	long c = 1 + count_nodes(n->a) + count_nodes(n->b);
	for (int i = 0; n->kind == N_CALL && i < n->args.len; i++)
		c += count_nodes(n->args.items[i]);
	return c;
}

static struct node *clone_arg(struct resolver *r, const struct node *arg)
{
	if (!count_expanded(r, count_nodes(arg)))
		return error_leaf(r, arg->at);
	return node_clone(r->p, arg);
}

/* A copy of `body` with each parameter replaced by a copy of its argument and each use of
 * a define by its expansion; every node of the body remembers the call it was expanded
 * from. Past MAX_EXPANDED_NODES it stops, with r->too_large set. */
static struct node *substitute(struct resolver *r, const struct node *body, struct vec *args,
			       const struct node *call)
{
	if (!body)
		return NULL;
	if (body->kind == N_ARG)
		return clone_arg(r, args->items[body->index]);
	if (!count_expanded(r, 1))
		return error_leaf(r, body->at);
	struct node *c = arena_alloc(&r->p->arena, sizeof(*c));
	*c = *body;
	if (!c->expanded_from)
		c->expanded_from = call;
	if (c->define) {
		c->args = (struct vec){ 0 };
		for (int i = 0; i < body->args.len; i++)
			vec_push(&r->p->arena, &c->args, substitute(r, body->args.items[i], args, call));
		return expand_use(r, c);
	}
	c->a = substitute(r, body->a, args, call);
	c->b = substitute(r, body->b, args, call);
	if (c->kind == N_SIGNAL && c->a && c->a->kind != N_CGROUP && c->a->kind != N_ARG) {
		error_at(&r->p->diag, c->a->at, "%s takes a cgroup here",
			 c->signal ? c->signal->name : "event");
		note_at(&r->p->diag, call->at, "in this use of '%s'", call->name);
		r->failed = 1;
	}
	if (c->kind == N_SIGNAL && c->b && c->b->kind == N_NAME) {
		struct define_decl *outer = r->in_define;
		r->in_define = NULL;
		if (!event_name(r, c, c->b)) {
			note_at(&r->p->diag, call->at, "in this use of '%s'", call->name);
			r->failed = 1;
		}
		r->in_define = outer;
		c->b = NULL;
	}
	if (c->kind == N_SIGNAL)
		c->cgroup = c->a && c->a->kind == N_CGROUP ? c->a->cgroup : NULL;
	c->depth = node_depth_above(c);
	return c;
}

/* In a define's body, a use of another define stays a call to it (expanded only where the
 * body is used, so that chains of defines cost what they expand to); its depth is the
 * least its expansion can have. */
static struct node *defer_use(struct define_decl *d, struct node *call)
{
	call->kind = N_CALL;
	call->define = d;
	call->depth = node_depth_above(call);
	if (d->body && d->body->depth > call->depth)
		call->depth = d->body->depth;
	return call;
}

static struct node *expand(struct resolver *r, struct define_decl *d, struct node *call)
{
	struct policy *p = r->p;
	if (call->args.len != d->params.len) {
		error_at(DIAG, call->at, "'%s' takes %d argument%s, not %d", d->name, d->params.len,
			 d->params.len == 1 ? "" : "s", call->args.len);
		note_at(DIAG, d->at, "'%s' is defined here", d->name);
		return NULL;
	}
	resolve_define(r, d);
	if (!d->body || r->too_large)
		return NULL;
	d->used = 1;
	if (r->in_define)
		return defer_use(d, call);
	r->failed = 0;
	struct node *n = substitute(r, d->body, &call->args, call);
	if (r->too_large) {
		error_at(DIAG, call->at, "the expansion of defines is too large (over %d nodes)",
			 MAX_EXPANDED_NODES);
		return NULL;
	}
	if (n && !r->failed && n->depth > MAX_EXPR_DEPTH) {
		error_at(DIAG, call->at, "this use of '%s' expands to an expression nested too "
			 "deeply: %d levels, at most %d", d->name, n->depth, MAX_EXPR_DEPTH);
		note_at(DIAG, d->at, "'%s' is defined here", d->name);
		return NULL;
	}
	return r->failed ? NULL : n;
}

/* Signals and cgroups */

static struct node *cgroup_argument(struct resolver *r, struct node *arg, const char *who)
{
	struct policy *p = r->p;
	if (failed(arg))
		return NULL;
	if (arg->kind == N_CGROUP || arg->kind == N_ARG)
		return arg;
	error_at(DIAG, arg->at, "%s takes a cgroup here", who);
	char list[200];
	int len = 0;
	for (int i = 0; i < p->cgroups.len && i < 6 && len < (int)sizeof(list); i++)
		len += snprintf(list + len, sizeof(list) - (size_t)len, "%s%s", i ? ", " : "",
				i == 5 ? "..." : ((struct cgroup_decl *)p->cgroups.items[i])->name);
	if (p->cgroups.len)
		diag_hint(DIAG, "the policy's cgroups are %s", list);
	return NULL;
}

/* event(PGSCAN_DIRECT, high): the event name first and a cgroup second. */
static int swapped_event_args(struct resolver *r, const struct node *call)
{
	struct policy *p = r->p;
	const struct node *first = call->args.items[0], *second = call->args.items[1];
	if (first->kind != N_NAME || second->kind != N_NAME ||
	    define_param(r->in_define, first->name) >= 0 || FIND(r, K_CGROUP, cgroup_decl, first->name) ||
	    !(FIND(r, K_CGROUP, cgroup_decl, second->name) || define_param(r->in_define, second->name) >= 0))
		return 0;
	error_at(DIAG, call->at, "the arguments of event are swapped: the cgroup comes first");
	diag_hint(DIAG, "write event(%s, %s)", second->name, first->name);
	return 1;
}

/* An event name written bare, or an error: 0. */
static int bare_event_name(struct resolver *r, const struct node *name)
{
	struct policy *p = r->p;
	if (name->kind == N_NAME)
		return 1;
	error_at(DIAG, name->at, "event takes the name of an enum vm_event_item entry, written "
		 "bare");
	diag_hint(DIAG, "for example event(web, PGSCAN_DIRECT)");
	return 0;
}

/* The event `name` names, set on the signal `sig`: a name of the kernel's, checked here,
 * or (in a define's body) one of the define's parameters, left in sig->b as an N_ARG until
 * the define is used. 0 after an error. */
static int event_name(struct resolver *r, struct node *sig, struct node *name)
{
	struct policy *p = r->p;
	int arg = name->kind == N_NAME ? define_param(r->in_define, name->name) : -1;
	if (arg >= 0 || name->kind == N_ARG) {
		if (arg >= 0) {
			name->kind = N_ARG;
			name->index = arg;
		}
		r->in_define->event_param[name->index] = 1;
		sig->b = name;
		return 1;
	}
	if (!bare_event_name(r, name))
		return 0;
	sig->event = name->name;
	if (pressure_item_find(sig->event)) {
		const struct signal *s = NULL;
		for (int i = 0; signal_at(i) && !s; i++)
			s = strcmp(signal_at(i)->events[0], sig->event) == 0 ? signal_at(i) : NULL;
		error_at(DIAG, name->at, "'%s' is memcg-run's item for memory.pressure, not a kernel "
			 "event", sig->event);
		if (s)
			diag_hint(DIAG, "write %s(CGROUP): a share of time, compared with a percent "
				  "like 5%%", s->name);
		return 0;
	}
	if (vm_event_is_node_stat(sig->event)) {
		error_at(DIAG, name->at, "'%s' is an enum node_stat_item entry in Linux 6.12 to "
			 "6.18, not a vm_event_item: memcg events never count it", sig->event);
		return 0;
	}
	if (!vm_event_known(sig->event)) {
		int count;
		const char *const *names = vm_event_names(&count);
		const char *close = closest_name(sig->event, names, count);
		warning_at(DIAG, name->at, "'%s' is not an event that memcgs count in the kernels "
			   "memcgc knows; it is checked when the policy is loaded", sig->event);
		if (close)
			diag_hint(DIAG, "did you mean '%s'?", close);
	}
	return 1;
}

static struct node *make_signal(struct resolver *r, struct node *call, const struct signal *s)
{
	struct policy *p = r->p;
	int want = s ? 1 : 2;
	if (call->args.len != want) {
		error_at(DIAG, call->at, "%s takes %s, not %d argument%s", s ? s->name : "event",
			 s ? "one cgroup" : "a cgroup and an event name", call->args.len,
			 call->args.len == 1 ? "" : "s");
		if (!s)
			diag_hint(DIAG, "for example event(web, PGSCAN_DIRECT)");
		return NULL;
	}
	struct node *n = node_new(p, N_SIGNAL, call->at);
	n->expanded_from = call->expanded_from;
	n->signal = s;
	if (!s && swapped_event_args(r, call))
		return NULL;
	if (!s && !event_name(r, n, call->args.items[1]))
		return NULL;
	n->a = cgroup_argument(r, resolve(r, call->args.items[0]), s ? s->name : "event");
	if (!n->a)
		return NULL;
	n->cgroup = n->a->kind == N_CGROUP ? n->a->cgroup : NULL;
	n->depth = node_depth_above(n);
	return n;
}

/* An argument given to a define's parameter that names an event: a bare name, kept as
 * written, or the parameter of the define being resolved, which then names an event too. */
static int event_argument(struct resolver *r, struct node *arg)
{
	if (!bare_event_name(r, arg))
		return 0;
	int outer = define_param(r->in_define, arg->name);
	if (outer >= 0) {
		arg->kind = N_ARG;
		arg->index = outer;
		r->in_define->event_param[outer] = 1;
	}
	return 1;
}

static struct node *resolve_call(struct resolver *r, struct node *n)
{
	struct policy *p = r->p;
	const struct signal *s = signal_find(n->name);
	if (s || strcmp(n->name, "event") == 0)
		return make_signal(r, n, s);
	struct define_decl *d = FIND(r, K_DEFINE, define_decl, n->name);
	if (d) {
		resolve_define(r, d);
		for (int i = 0; i < n->args.len; i++) {
			if (i < d->params.len && d->event_param[i]) {
				if (!event_argument(r, n->args.items[i]))
					return NULL;
				continue;
			}
			struct node *arg = resolve(r, n->args.items[i]);
			if (failed(arg))
				return NULL;
			n->args.items[i] = arg;
		}
		return expand(r, d, n);
	}
	if (action_find(n->name)) {
		error_at(DIAG, name_span(n), "'%s' is an action; only signals can be used in a "
			 "condition", n->name);
		return NULL;
	}
	error_at(DIAG, name_span(n), "unknown signal or define '%s'", n->name);
	suggest_name(r, n->name, 1);
	return NULL;
}

static struct node *resolve_name(struct resolver *r, struct node *n)
{
	struct policy *p = r->p;
	int arg = define_param(r->in_define, n->name);
	if (arg >= 0) {
		n->kind = N_ARG;
		n->index = arg;
		return n;
	}
	struct param_decl *param = FIND(r, K_PARAM, param_decl, n->name);
	if (param) {
		n->kind = N_PARAM;
		n->param = param;
		return n;
	}
	struct cgroup_decl *cg = FIND(r, K_CGROUP, cgroup_decl, n->name);
	if (cg) {
		n->kind = N_CGROUP;
		n->cgroup = cg;
		return n;
	}
	struct define_decl *d = FIND(r, K_DEFINE, define_decl, n->name);
	if (d && d->params.len == 0)
		return expand(r, d, n);
	if (d) {
		error_at(DIAG, n->at, "'%s' takes %d argument%s", d->name, d->params.len,
			 d->params.len == 1 ? "" : "s");
		return NULL;
	}
	if (signal_find(n->name)) {
		error_at(DIAG, n->at, "signal '%s' needs a cgroup", n->name);
		diag_hint(DIAG, "write %s(CGROUP), for example %s(%s)", n->name, n->name,
			  p->cgroups.len ? ((struct cgroup_decl *)p->cgroups.items[0])->name : "high");
		return NULL;
	}
	error_at(DIAG, n->at, "unknown name '%s'", n->name);
	suggest_name(r, n->name, 0);
	return NULL;
}

static struct node *resolve_node(struct resolver *r, struct node *n);

/* n with its depth after its operands were resolved (defines expanded), or NULL after
 * an error when that is past MAX_EXPR_DEPTH. */
static struct node *deep_enough(struct resolver *r, struct node *n)
{
	struct policy *p = r->p;
	n->depth = node_depth_above(n);
	if (n->depth <= MAX_EXPR_DEPTH)
		return n;
	const struct node *inner = n->a->depth >= (n->b ? n->b->depth : 0) ? n->a : n->b;
	if (inner->depth == MAX_EXPR_DEPTH) {   /* report once, where the limit is crossed */
		error_at(DIAG, n->at, "with its defines expanded, this expression is nested too "
			 "deeply: more than %d levels", MAX_EXPR_DEPTH);
		diag_hint(DIAG, "a long chain of operators counts one level per operator");
	}
	return NULL;
}

/* Resolves a tree in place where it can; returns the node that takes its place. After an
 * error (reported) that is a node of type T_ERROR, which later passes pass over quietly. */
static struct node *resolve(struct resolver *r, struct node *n)
{
	struct node *done = resolve_node(r, n);
	if (done)
		return done;
	struct node *bad = node_new(r->p, N_QUANTITY, n->at);
	bad->value.type = T_ERROR;
	return bad;
}

static struct node *resolve_node(struct resolver *r, struct node *n)
{
	switch (n->kind) {
	case N_NAME:
		return resolve_name(r, n);
	case N_CALL:
		return resolve_call(r, n);
	case N_UNARY:
		n->a = resolve(r, n->a);
		return failed(n->a) ? NULL : deep_enough(r, n);
	case N_BINARY:
	case N_OVER:
		n->a = resolve(r, n->a);
		n->b = resolve(r, n->b);
		return failed(n->a) || failed(n->b) ? NULL : deep_enough(r, n);
	default:
		return n;
	}
}

static void resolve_define(struct resolver *r, struct define_decl *d)
{
	struct policy *p = r->p;
	if (d->resolved)
		return;
	if (d->resolving) {
		error_at(DIAG, d->at, "'%s' is defined in terms of itself", d->name);
		d->body = NULL;
		d->resolved = 1;
		return;
	}
	d->resolving = 1;
	d->event_param = arena_alloc(&p->arena, (size_t)d->params.len + 1);
	struct define_decl *outer = r->in_define;
	r->in_define = d;
	d->body = resolve(r, d->body);
	if (failed(d->body))
		d->body = NULL;
	r->in_define = outer;
	d->resolving = 0;
	d->resolved = 1;
}

/* Actions */

static void resolve_action(struct resolver *r, struct action *a)
{
	struct policy *p = r->p;
	a->kind = action_find(a->name);
	if (!a->kind) {
		struct span name_at = a->at;
		name_at.end_line = name_at.line;
		name_at.end_col = name_at.col + (int)strlen(a->name) - 1;
		if (signal_find(a->name))
			error_at(DIAG, name_at, "'%s' is a signal, not an action", a->name);
		else
			error_at(DIAG, name_at, "unknown action '%s'", a->name);
		const char *names[8];
		int n = 0;
		for (; action_at(n) && n < 8; n++)
			names[n] = action_at(n)->name;
		const char *close = closest_name(a->name, names, n);
		if (close)
			diag_hint(DIAG, "did you mean '%s'?", close);
		else
			diag_hint(DIAG, "the actions are over_high, high_delay, protect_low and "
				  "protect_min");
	}
	if (a->args.len != 1) {
		error_at(DIAG, a->at, "%s takes one cgroup, not %d arguments", a->name, a->args.len);
	} else {
		struct node *t = resolve(r, a->args.items[0]);
		t = cgroup_argument(r, t, a->name);
		a->target = t ? t->cgroup : NULL;
	}
	if (a->value)
		a->value = resolve(r, a->value);
	if (a->hold)
		a->hold = resolve(r, a->hold);
}

void resolve_policy(struct policy *p)
{
	struct resolver r = { .p = p };
	check_unique_names(p, &r.names);
	check_define_names(p);
	number_declarations(p);
	for (int i = 0; i < p->params.len; i++) {
		struct param_decl *d = p->params.items[i];
		d->init = resolve(&r, d->init);
	}
	for (int i = 0; i < p->defines.len; i++)
		resolve_define(&r, p->defines.items[i]);
	for (int i = 0; i < p->rules.len; i++) {
		struct rule *rule = p->rules.items[i];
		rule->cond = resolve(&r, rule->cond);
		if (rule->for_)
			rule->for_ = resolve(&r, rule->for_);
		for (int j = 0; j < rule->actions.len; j++)
			resolve_action(&r, rule->actions.items[j]);
	}
}
