/* The syntax tree of a policy, as the parser builds it and the passes annotate it. */
#ifndef MEMCGC_AST_H
#define MEMCGC_AST_H

#include <stdio.h>

#include "actions.h"
#include "arena.h"
#include "diag.h"
#include "signals.h"
#include "source.h"
#include "types.h"

enum node_kind {
	/* built by the parser */
	N_QUANTITY,     /* a literal: 100/s, 4 MiB, 200ms, 3 */
	N_NAME,         /* a bare name */
	N_CALL,         /* name(args) */
	N_UNARY,        /* not x, -x */
	N_BINARY,       /* x op y */
	N_OVER,         /* x over window */
	/* what resolve turns names and calls into */
	N_SIGNAL,       /* a signal of a cgroup */
	N_PARAM,        /* a parameter */
	N_CGROUP,       /* a cgroup, as an argument */
	N_ARG,          /* inside a define's body: its parameter number `index` */
};

enum op {
	OP_NONE, OP_ADD, OP_SUB, OP_MUL, OP_DIV, OP_NEG,
	OP_LT, OP_LE, OP_GT, OP_GE, OP_EQ, OP_NE,
	OP_AND, OP_OR, OP_NOT,
};
const char *op_str(enum op op);

struct cgroup_decl;
struct param_decl;
struct define_decl;

/* One expression node. The fields of the union belong to the kinds named beside them; a
 * node that resolve turns into another kind keeps only the new kind's fields. */
struct node {
	enum node_kind kind;
	enum op op;                     /* N_UNARY, N_BINARY */
	enum vtype type;                /* set by check */
	struct span at;                 /* the whole expression */
	int depth;                      /* levels in the tree from here down (a leaf: 1) */
	struct node *a, *b;             /* operands; N_OVER: a over b; N_SIGNAL: a = its cgroup */
	const struct node *expanded_from;  /* the use of a define this node came from */
	struct define_decl *define;     /* N_CALL in a define's body: a use of this define,
					 * expanded where the body is (no copy before) */
	union {
		struct {                        /* N_NAME, N_CALL */
			const char *name;
			struct vec args;        /* N_CALL */
		};
		struct {                        /* N_QUANTITY */
			struct value value;
			const char *unit;       /* as written */
		};
		struct {                        /* N_SIGNAL */
			const struct signal *signal;  /* NULL for event(cg, NAME) */
			const char *event;      /* event(cg, NAME) */
			struct cgroup_decl *cgroup;   /* also N_CGROUP */
			int64_t window_ns;      /* set by check */
			int counter;            /* set by lower: its window counter */
		};
		struct param_decl *param;       /* N_PARAM */
		int index;                      /* N_ARG */
	};
};

struct cgroup_decl {
	const char *name;
	struct span at;
	const char *default_path;       /* NULL: must be bound at run time */
	int used;
	int index;
};

struct param_decl {
	const char *name;
	struct span at;
	struct node *init;
	struct value value;             /* the default, once checked */
	int used;
	int index;
};

struct define_decl {
	const char *name;
	struct span at;
	struct vec params;              /* const char * */
	struct node *body;              /* resolved once; N_ARG for the parameters */
	char *event_param;              /* per parameter: 1 if it names an event in the body */
	int resolving;                  /* guards against a define that uses itself */
	int resolved;
	int used;
};

struct action {
	const struct action_kind *kind;
	const char *name;               /* as written, before lookup */
	struct span at;                 /* the whole action */
	struct vec args;                /* as written; normally one cgroup */
	struct cgroup_decl *target;
	enum assign assign;             /* as written */
	struct span assign_at;
	struct node *value;             /* NULL when none was written */
	struct node *hold;              /* NULL: the default */
	int64_t hold_ns;
};

struct rule {
	struct span at;                 /* the `when` line up to its colon */
	struct node *cond;
	struct node *for_;              /* NULL: none */
	struct vec actions;             /* struct action * */
	int64_t for_ns;
	int index;
};

enum decl_kind { D_CGROUP, D_PARAM, D_DEFINE, D_RULE, D_IMPORT };

/* A whole policy: its files and declarations in source order, imports inlined. */
struct policy {
	struct arena arena;
	struct diag_sink diag;
	const char *name;               /* the main file's name without directory or .mcp */
	struct vec files;               /* struct src_file * */
	struct vec cgroups, params, defines, rules;
	struct vec include_dirs;        /* -I, in order */
	const char *stdlib_dir;
	int imports_allowed;            /* off in the fuzz harness */
	int64_t default_hold_ns;
};

/* Expressions are at most this many levels deep, as written and after defines are
 * expanded, so that every pass may recurse over them. */
enum { MAX_EXPR_DEPTH = 1000 };

struct node *node_new(struct policy *p, enum node_kind kind, struct span at);
/* 1 + the depth of n's deepest operand (or argument). */
int node_depth_above(const struct node *n);
/* A copy of the whole tree. */
struct node *node_clone(struct policy *p, const struct node *n);

/* --emit=ast */
void ast_dump(const struct policy *p, FILE *out);

#endif
