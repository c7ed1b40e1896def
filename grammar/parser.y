/* The grammar of memcgc policies. It builds the syntax tree and nothing else: names are
 * resolved, types checked and imports read by the passes in compiler/. */
%require "3.8"
%define api.pure full
%define api.prefix {mcp_}
%define api.location.type {struct span}
%define parse.error custom
%locations
%expect 0
%param {struct lexer *lx}

%code requires {
#include "lexer_state.h"
#include "parse.h"
}

%code provides {
int mcp_lex(MCP_STYPE *val, struct span *loc, struct lexer *lx);
}

%code {
#include <string.h>

#include "grammar_actions.h"

#define YYLLOC_DEFAULT(cur, rhs, n) do {                                        \
	if (n) {                                                                \
		(cur) = YYRHSLOC(rhs, 1);                                       \
		(cur).end_line = YYRHSLOC(rhs, n).end_line;                     \
		(cur).end_col = YYRHSLOC(rhs, n).end_col;                       \
	} else {                                                                \
		(cur) = YYRHSLOC(rhs, 0);                                       \
		(cur).line = (cur).end_line;                                    \
		(cur).col = (cur).end_col + 1;                                  \
		(cur).end_col = (cur).col;                                      \
	}                                                                       \
} while (0)

#define P (lx->policy)

/* Bison calls this only when its stack is exhausted; syntax errors go through
 * yyreport_syntax_error below. */
static void mcp_error(struct span *loc, struct lexer *lx, const char *msg)
{
	error_at(&lx->policy->diag, *loc, "the policy is nested too deeply (%s)", msg);
}
}

%union {
	const char *str;
	struct node *node;
	struct vec *vec;
	struct action *action;
	struct rule *rule;
	int op;
}

%token <str> IDENT "name"
%token <str> STRING "string"
%token <node> QUANTITY "number"
%token CGROUP "'cgroup'" PARAM "'param'" IMPORT "'import'" DEFINE "'define'"
%token WHEN "'when'" FOR "'for'" OVER "'over'" HOLD "'hold'"
%token AND "'and'" OR "'or'" NOT "'not'"
%token PLUS_ASSIGN "'+='" LE "'<='" GE "'>='" EQ "'=='" NE "'!='"

%type <node> expr primary
%type <vec> args args_opt names
%type <action> action
%type <rule> rule rule_head
%type <op> assign

%left OR
%left AND
%precedence NOT
%nonassoc '<' '>' LE GE EQ NE
%precedence OVER
%left '+' '-'
%left '*' '/'
%precedence NEG

%%

policy
	: %empty
	| policy item
	;

item
	: CGROUP IDENT                          { add_cgroup(lx, $2, NULL, @$); }
	| CGROUP IDENT '=' STRING               { add_cgroup(lx, $2, $4, @$); }
	| PARAM IDENT '=' expr                  { add_param(lx, $2, $4, @$); }
	| IMPORT STRING                         { add_import(lx, $2, @2); }
	| DEFINE IDENT '=' expr                 { add_define(lx, $2, NULL, $4, @$); }
	| DEFINE IDENT '(' names ')' '=' expr   { add_define(lx, $2, $4, $7, @$); }
	| rule                                  { add_rule(lx, $1); }
	| error
	;

names
	: IDENT                                 { $$ = new_vec(lx); vec_push(&P->arena, $$, (void *)$1); }
	| names ',' IDENT                       { $$ = $1; vec_push(&P->arena, $$, (void *)$3); }
	;

rule
	: rule_head action                      { $$ = $1; vec_push(&P->arena, &$$->actions, $2); }
	| rule action                           { $$ = $1; vec_push(&P->arena, &$$->actions, $2); }
	| rule ';'                              { $$ = $1; }
	;

rule_head
	: WHEN expr ':'                         { $$ = new_rule(lx, $2, NULL, @$); }
	| WHEN expr FOR expr ':'                { $$ = new_rule(lx, $2, $4, @$); }
	;

action
	: IDENT '(' args_opt ')'                { $$ = new_action(lx, $1, $3, @$); }
	| action assign expr                    { $$ = $1; set_action_value($$, $2, @2, $3); }
	| action HOLD expr                      { $$ = $1; set_action_hold(lx, $$, $3, @$); }
	| action FOR expr                       { $$ = $1; set_action_hold(lx, $$, $3, @$); }
	;

assign
	: '='                                   { $$ = ASSIGN_SET; }
	| PLUS_ASSIGN                           { $$ = ASSIGN_ADD; }
	;

expr
	: expr OR expr                          { $$ = new_binary(lx, OP_OR, $1, $3, @2); }
	| expr AND expr                         { $$ = new_binary(lx, OP_AND, $1, $3, @2); }
	| NOT expr                              { $$ = new_unary(lx, OP_NOT, $2, @$); }
	| expr '<' expr                         { $$ = new_binary(lx, OP_LT, $1, $3, @2); }
	| expr '>' expr                         { $$ = new_binary(lx, OP_GT, $1, $3, @2); }
	| expr LE expr                          { $$ = new_binary(lx, OP_LE, $1, $3, @2); }
	| expr GE expr                          { $$ = new_binary(lx, OP_GE, $1, $3, @2); }
	| expr EQ expr                          { $$ = new_binary(lx, OP_EQ, $1, $3, @2); }
	| expr NE expr                          { $$ = new_binary(lx, OP_NE, $1, $3, @2); }
	| expr OVER primary                     { $$ = new_over(lx, $1, $3, @$); }
	| expr '+' expr                         { $$ = new_binary(lx, OP_ADD, $1, $3, @2); }
	| expr '-' expr                         { $$ = new_binary(lx, OP_SUB, $1, $3, @2); }
	| expr '*' expr                         { $$ = new_binary(lx, OP_MUL, $1, $3, @2); }
	| expr '/' expr                         { $$ = new_binary(lx, OP_DIV, $1, $3, @2); }
	| '-' expr %prec NEG                    { $$ = new_unary(lx, OP_NEG, $2, @$); }
	| primary
	;

primary
	: QUANTITY                              { $$ = $1; }
	| IDENT                                 { $$ = new_name(lx, $1, @$); }
	| IDENT '(' args_opt ')'                { $$ = new_call(lx, $1, $3, @$); }
	| '(' expr ')'                          { $$ = $2; $$->at = @$; }
	;

args_opt
	: %empty                                { $$ = new_vec(lx); }
	| args
	;

args
	: expr                                  { $$ = new_vec(lx); vec_push(&P->arena, $$, $1); }
	| args ',' expr                         { $$ = $1; vec_push(&P->arena, $$, $3); }
	;

%%

int mcp_lex(MCP_STYPE *val, struct span *loc, struct lexer *lx)
{
	int token = lexer_run(lx, val, loc);
	if (token == 0) {
		*loc = lx->last;
		loc->line = loc->end_line;
		loc->col = loc->end_col = loc->end_col + 1;
		if (!loc->file) {
			loc->file = lx->file;
			loc->line = loc->end_line = 1;
			loc->col = loc->end_col = 1;
		}
	}
	if (token == '(' && lx->open_parens++ < OPEN_PARENS_KEPT)
		lx->open_paren[lx->open_parens - 1] = *loc;
	else if (token == ')' && lx->open_parens > 0)
		lx->open_parens--;
	if (is_item_keyword(token)) {
		lx->prev_item_keyword = lx->item_keyword;
		lx->item_keyword = token;
	}
	lx->prev_token = lx->last_token;
	lx->last_token = token;
	lx->prev_span = lx->last;
	lx->last = *loc;
	return token;
}

static int yyreport_syntax_error(const yypcontext_t *ctx, struct lexer *lx)
{
	enum { MAX_EXPECTED = 64 };
	yysymbol_kind_t expected[MAX_EXPECTED];
	int n = yypcontext_expected_tokens(ctx, expected, MAX_EXPECTED);
	yysymbol_kind_t unexpected = yypcontext_token(ctx);
	const char *names[MAX_EXPECTED];
	for (int i = 0; i < n; i++)
		names[i] = yysymbol_name(expected[i]);
	report_syntax_error(lx, *yypcontext_location(ctx), yysymbol_name(unexpected),
			    unexpected == YYSYMBOL_YYEOF, names, n < 0 ? 0 : n);
	return 0;
}
