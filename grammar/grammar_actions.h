/* What the grammar's actions call to build the tree, and the token helpers of the lexer. */
#ifndef MEMCGC_GRAMMAR_ACTIONS_H
#define MEMCGC_GRAMMAR_ACTIONS_H

#include "lexer_state.h"

struct vec *new_vec(struct lexer *lx);
void add_cgroup(struct lexer *lx, const char *name, const char *path, struct span at);
void add_param(struct lexer *lx, const char *name, struct node *init, struct span at);
void add_import(struct lexer *lx, const char *path, struct span at);
void add_define(struct lexer *lx, const char *name, struct vec *params, struct node *body,
		struct span at);
void add_rule(struct lexer *lx, struct rule *r);
struct rule *new_rule(struct lexer *lx, struct node *cond, struct node *for_, struct span at);
struct action *new_action(struct lexer *lx, const char *name, struct vec *args, struct span at);
void set_action_value(struct action *a, int assign, struct span assign_at, struct node *value);
void set_action_hold(struct lexer *lx, struct action *a, struct node *hold, struct span at);
struct node *new_binary(struct lexer *lx, int op, struct node *l, struct node *r, struct span at);
struct node *new_unary(struct lexer *lx, int op, struct node *x, struct span at);
struct node *new_over(struct lexer *lx, struct node *x, struct node *window, struct span at);
struct node *new_name(struct lexer *lx, const char *name, struct span at);
struct node *new_call(struct lexer *lx, const char *name, struct vec *args, struct span at);
void report_syntax_error(struct lexer *lx, struct span at, const char *unexpected, int at_eof,
			 const char *const *expected, int nexpected);

#endif
