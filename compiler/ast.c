#include "ast.h"

#include <string.h>

struct node *node_new(struct policy *p, enum node_kind kind, struct span at)
{
	struct node *n = arena_alloc(&p->arena, sizeof(*n));
	n->kind = kind;
	n->at = at;
	n->type = T_ERROR;
	n->depth = 1;
	return n;
}

int node_depth_above(const struct node *n)
{
	int below = 0;
	const struct node *const ops[] = { n->a, n->b };
	for (int i = 0; i < 2; i++)
		if (ops[i] && ops[i]->depth > below)
			below = ops[i]->depth;
	for (int i = 0; n->kind == N_CALL && i < n->args.len; i++) {
		const struct node *arg = n->args.items[i];
		if (arg->depth > below)
			below = arg->depth;
	}
	return below + 1;
}

struct node *node_clone(struct policy *p, const struct node *n)
{
	if (!n)
		return NULL;
	struct node *c = arena_alloc(&p->arena, sizeof(*c));
	*c = *n;
	c->a = node_clone(p, n->a);
	c->b = node_clone(p, n->b);
	if (n->kind == N_CALL) {
		c->args = (struct vec){ 0 };
		for (int i = 0; i < n->args.len; i++)
			vec_push(&p->arena, &c->args, node_clone(p, n->args.items[i]));
	}
	return c;
}

const char *op_str(enum op op)
{
	static const char *const names[] = {
		[OP_NONE] = "?", [OP_ADD] = "+", [OP_SUB] = "-", [OP_MUL] = "*", [OP_DIV] = "/",
		[OP_NEG] = "-", [OP_LT] = "<", [OP_LE] = "<=", [OP_GT] = ">", [OP_GE] = ">=",
		[OP_EQ] = "==", [OP_NE] = "!=", [OP_AND] = "and", [OP_OR] = "or", [OP_NOT] = "not",
	};
	return names[op];
}

/* --emit=ast: one S-expression per expression, one line per declaration. */

static void dump_duration(FILE *out, int64_t ns)
{
	char buf[64];
	fputs(value_str((struct value){ T_DURATION, ns, 0 }, buf, sizeof(buf)), out);
}

static void dump_expr(FILE *out, const struct node *n)
{
	char buf[64];
	switch (n->kind) {
	case N_QUANTITY:
		fputs(value_str(n->value, buf, sizeof(buf)), out);
		break;
	case N_NAME:
		fprintf(out, "(name %s)", n->name);
		break;
	case N_CALL:
		fprintf(out, "(call %s", n->name);
		for (int i = 0; i < n->args.len; i++) {
			fputc(' ', out);
			dump_expr(out, n->args.items[i]);
		}
		fputc(')', out);
		break;
	case N_UNARY:
		fprintf(out, "(%s ", op_str(n->op));
		dump_expr(out, n->a);
		fputc(')', out);
		break;
	case N_BINARY:
		fprintf(out, "(%s ", op_str(n->op));
		dump_expr(out, n->a);
		fputc(' ', out);
		dump_expr(out, n->b);
		fputc(')', out);
		break;
	case N_OVER:
		fputs("(over ", out);
		dump_expr(out, n->a);
		fputc(' ', out);
		dump_expr(out, n->b);
		fputc(')', out);
		break;
	case N_SIGNAL:
		if (n->signal)
			fprintf(out, "(signal %s ", n->signal->name);
		else
			fprintf(out, n->event ? "(event %s " : "(event ", n->event);
		if (!n->event && n->b) {        /* in a define: the event is a parameter */
			dump_expr(out, n->b);
			fputc(' ', out);
		}
		dump_expr(out, n->a);
		if (n->window_ns) {
			fputc(' ', out);
			dump_duration(out, n->window_ns);
		}
		fputc(')', out);
		break;
	case N_PARAM:
		fprintf(out, "(param %s)", n->param->name);
		break;
	case N_CGROUP:
		fprintf(out, "(cgroup %s)", n->cgroup->name);
		break;
	case N_ARG:
		fprintf(out, "(arg %d)", n->index);
		break;
	}
}

static void dump_action(FILE *out, const struct action *a)
{
	static const char *const assign[] = { "", " =", " +=" };
	char hooks[160];
	fprintf(out, "    action %s(%s)%s", a->kind->name, a->target ? a->target->name : "?",
		assign[a->kind->assign]);
	if (a->value) {
		fputc(' ', out);
		dump_expr(out, a->value);
	}
	fputs(" hold ", out);
	dump_duration(out, a->hold_ns);
	fprintf(out, " -> %s\n", action_hooks_str(a->kind, hooks, sizeof(hooks)));
}

void ast_dump(const struct policy *p, FILE *out)
{
	char buf[64];
	fprintf(out, "policy %s\n", p->name);
	for (int i = 0; i < p->files.len; i++) {
		const struct src_file *f = p->files.items[i];
		fprintf(out, "  file %s", f->path);
		if (f->imported_from)
			fprintf(out, " (imported from %s:%d)", f->import_site.file->path,
				f->import_site.line);
		fputc('\n', out);
	}
	for (int i = 0; i < p->cgroups.len; i++) {
		const struct cgroup_decl *c = p->cgroups.items[i];
		fprintf(out, "  cgroup #%d %s", c->index, c->name);
		if (c->default_path)
			fprintf(out, " = \"%s\"", c->default_path);
		fprintf(out, " @%d:%d\n", c->at.line, c->at.col);
	}
	for (int i = 0; i < p->params.len; i++) {
		const struct param_decl *d = p->params.items[i];
		fprintf(out, "  param #%d %s: %s = %s @%d:%d\n", d->index, d->name,
			type_name(d->value.type), value_str(d->value, buf, sizeof(buf)), d->at.line,
			d->at.col);
	}
	for (int i = 0; i < p->defines.len; i++) {
		const struct define_decl *d = p->defines.items[i];
		fprintf(out, "  define %s%s", d->name, d->params.len ? "(" : "");
		for (int j = 0; j < d->params.len; j++)
			fprintf(out, "%s%s", j ? ", " : "", (const char *)d->params.items[j]);
		fputs(d->params.len ? ") = " : " = ", out);
		dump_expr(out, d->body);
		fputc('\n', out);
	}
	for (int i = 0; i < p->rules.len; i++) {
		const struct rule *r = p->rules.items[i];
		fprintf(out, "  rule #%d %s:%d\n    when ", r->index, r->at.file->path, r->at.line);
		dump_expr(out, r->cond);
		if (r->for_) {
			fputs(" for ", out);
			dump_duration(out, r->for_ns);
		}
		fputc('\n', out);
		for (int j = 0; j < r->actions.len; j++)
			dump_action(out, r->actions.items[j]);
	}
}
