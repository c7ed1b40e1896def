/* What the lexer and the parser share; grammar-internal (the rest of the compiler calls
 * compiler/parse.h). */
#ifndef MEMCGC_LEXER_STATE_H
#define MEMCGC_LEXER_STATE_H

#include "ast.h"

enum { OPEN_PARENS_KEPT = 64 };

struct lexer {
	void *scanner;
	struct policy *policy;
	const struct src_file *file;
	int line, col;                  /* where the next character is */
	size_t offset;                  /* and its byte offset in the file */
	struct span last;               /* the last token returned */
	struct span prev_span;          /* the one before it */
	struct span plain_number;       /* the last number without a unit */
	struct vec *items;              /* what parse_file returns */
	int prev_token;                 /* the token before it, for hints */
	int last_token;
	struct span bad_string;         /* the last string without its closing '"' */
	struct span open_paren[OPEN_PARENS_KEPT]; /* the '(' not closed yet, innermost last */
	int open_parens;                /* how many (past OPEN_PARENS_KEPT, only counted) */
	int non_ascii_hinted;
	int item_keyword;               /* the last cgroup, param, import, define or when */
	int prev_item_keyword;          /* the one before it */
};

union MCP_STYPE;
void lexer_open(struct lexer *lx);
void lexer_close(struct lexer *lx);
int lexer_run(struct lexer *lx, union MCP_STYPE *val, struct span *loc);
void lexer_rescan(void *scanner, struct span *loc, int keep);

void lexer_advance(struct lexer *lx, struct span *loc, const char *text, int len);
int lex_quantity(struct lexer *lx, union MCP_STYPE *val, struct span *loc, const char *text,
		 int len, int is_rate);
int lex_bad_number(struct lexer *lx, union MCP_STYPE *val, struct span *loc, const char *text);
int lex_word(struct lexer *lx, union MCP_STYPE *val, const char *text);
int lex_string(struct lexer *lx, union MCP_STYPE *val, struct span *loc, const char *text,
	       int len);
int lex_unterminated(struct lexer *lx, union MCP_STYPE *val, struct span *loc);
int lex_spelled(struct lexer *lx, struct span at, const char *wrong, const char *right,
		int token);
void lex_bad_char(struct lexer *lx, struct span at, char c);
int is_item_keyword(int token);
void lex_non_ascii(struct lexer *lx, struct span at, const char *text);

#endif
