/* The parser's side of the tree: token values, tree nodes and syntax errors. */
#include "grammar_actions.h"

#include <ctype.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "parser.h"
#include "units.h"

#define P (lx->policy)
#define DIAG (&lx->policy->diag)

/* Tokens */

void lexer_advance(struct lexer *lx, struct span *loc, const char *text, int len)
{
	loc->file = lx->file;
	loc->line = loc->end_line = lx->line;
	loc->col = loc->end_col = lx->col;
	lx->offset += (size_t)len;
	for (int i = 0; i < len; i++) {
		loc->end_line = lx->line;
		loc->end_col = lx->col;
		if (text[i] == '\n') {
			lx->line++;
			lx->col = 1;
		} else {
			lx->col++;
		}
	}
}

static const struct { const char *word; int token; } keywords[] = {
	{ "cgroup", CGROUP }, { "param", PARAM }, { "import", IMPORT }, { "define", DEFINE },
	{ "when", WHEN }, { "for", FOR }, { "over", OVER }, { "hold", HOLD },
	{ "and", AND }, { "or", OR }, { "not", NOT },
};

int lex_word(struct lexer *lx, MCP_STYPE *val, const char *text)
{
	for (size_t i = 0; i < sizeof(keywords) / sizeof(keywords[0]); i++)
		if (strcmp(keywords[i].word, text) == 0)
			return keywords[i].token;
	val->str = arena_strdup(&P->arena, text);
	return IDENT;
}

static struct node *quantity(struct lexer *lx, struct span at, struct value v, const char *unit)
{
	struct node *n = node_new(P, N_QUANTITY, at);
	n->value = v;
	n->unit = unit;
	return n;
}

static void hint_units(struct lexer *lx, const char *word)
{
	int n;
	const char *const *names = unit_names(&n);
	const char *close = unit_alias(word);
	if (!close)
		close = closest_name(word, names, n);
	if (close)
		diag_hint(DIAG, "did you mean '%s'?", close);
	else
		diag_hint(DIAG, "sizes take pages, B, KiB, MiB, GiB or TiB; durations us, ms, s, "
			  "min or h; rates are written like 100/s; shares of time like 5%%");
}

/* `4/k`: a rate with an unknown unit, or a division written without blanks. */
static void hint_rate_unit(struct lexer *lx, const char *text, int numlen, const char *word)
{
	diag_hint(DIAG, "rates are counted per us, ms, s, min or h, like 100/s");
	const char *alias = unit_alias(word);
	if (!alias || !rate_unit_find(alias))
		diag_hint(DIAG, "to divide by '%s', put blanks around the '/': %.*s / %s", word,
			  numlen, text, word);
}

/* A word one typo away from a unit, or a spelling of one that memcgc does not take. */
static int looks_like_unit(const char *word)
{
	int n;
	const char *const *names = unit_names(&n);
	return unit_alias(word) || closest_name(word, names, n);
}

/* `100 / x`: spaces around the slash read as a division, never as a rate. */
static int spaced_rate(const char *text)
{
	const char *slash = strchr(text, '/');
	return slash && (slash[-1] == ' ' || slash[-1] == '\t' || slash[1] == ' ' || slash[1] == '\t');
}

/* The next character after the current token that is not a blank. */
static char next_char(const struct lexer *lx)
{
	const char *p = lx->file->text + lx->offset, *end = lx->file->text + lx->file->len;
	while (p < end && (*p == ' ' || *p == '\t'))
		p++;
	return p < end ? *p : 0;
}

/* NUMBER UNIT exactly, or an error saying why it cannot be. */
static int exact_quantity(struct lexer *lx, MCP_STYPE *val, struct span at, struct decimal number,
			  const struct unit *u, int is_rate, const char *word, const char *text, int len)
{
	struct value v;
	const char *why;
	int rc = quantity_value(number, u, is_rate, &v, &why);
	if (rc != 0)
		error_at(DIAG, at, "'%.*s' %s: %s", len, text,
			 rc == -1 ? "is out of range" : "cannot be held exactly", why);
	val->node = quantity(lx, at, v, word);
	return QUANTITY;
}

int lex_quantity(struct lexer *lx, MCP_STYPE *val, struct span *loc, const char *text, int len,
		 int is_rate)
{
	int numlen;
	struct decimal number;
	const char *why;
	int bad_number = number_parse(text, &numlen, &number, &why);
	const char *p = text + numlen;
	while (*p == ' ' || *p == '\t' || (is_rate && *p == '/'))
		p++;
	int spaced = p != text + numlen && !is_rate;
	const char *word = p < text + len ? arena_strndup(&P->arena, p, (size_t)(text + len - p)) : NULL;

	if (bad_number) {
		error_at(DIAG, *loc, "%s", why);
		if (strcmp(why, "number too large") == 0)
			diag_hint(DIAG, "numbers are at most 10^18 (1_000_000_000_000_000_000)");
		val->node = quantity(lx, *loc, (struct value){ T_ERROR, 0, 0 }, word);
		return QUANTITY;
	}
	if (!word) {
		lx->plain_number = *loc;
		return exact_quantity(lx, val, *loc, number, NULL, 0, NULL, text, numlen);
	}
	const struct unit *u = is_rate ? rate_unit_find(word) : unit_find(word);
	if (u)
		return exact_quantity(lx, val, *loc, number, u, is_rate, word, text, len);
	if (looks_like_unit(word) && !(is_rate && spaced_rate(text)) && next_char(lx) != '(') {
		error_at(DIAG, *loc, "unknown %sunit '%s'", is_rate ? "rate " : "", word);
		if (is_rate)
			hint_rate_unit(lx, text, numlen, word);
		else
			hint_units(lx, word);
		val->node = quantity(lx, *loc, (struct value){ T_ERROR, 0, 0 }, word);
		return QUANTITY;
	}
	if (is_rate || spaced) {
		/* `100 / scale`, `3 for 2s`: the word is not ours, give back all but the number */
		lexer_rescan(lx->scanner, loc, numlen);
		lx->plain_number = *loc;
		return exact_quantity(lx, val, *loc, number, NULL, 0, NULL, text, numlen);
	}
	error_at(DIAG, *loc, "unknown unit '%s'", word);
	hint_units(lx, word);
	val->node = quantity(lx, *loc, (struct value){ T_ERROR, 0, 0 }, word);
	return QUANTITY;
}

int lex_bad_number(struct lexer *lx, MCP_STYPE *val, struct span *loc, const char *text)
{
	error_at(DIAG, *loc, "malformed number '%s'", text);
	val->node = quantity(lx, *loc, (struct value){ T_ERROR, 0, 0 }, NULL);
	return QUANTITY;
}

int lex_string(struct lexer *lx, MCP_STYPE *val, struct span *loc, const char *text, int len)
{
	static const char escapes[] = "nt\"\\", escaped[] = "\n\t\"\\";
	int hinted = 0;
	char *s = arena_alloc(&P->arena, (size_t)len), *out = s;
	for (int i = 1; i < len - 1; i++) {
		if (text[i] != '\\') {
			*out++ = text[i];
			continue;
		}
		char c = text[++i];
		const char *e = strchr(escapes, c);
		if (c && e) {
			*out++ = escaped[e - escapes];
			continue;
		}
		struct span at = *loc;          /* strings are on one line: columns are offsets */
		at.col = loc->col + i - 1;
		at.end_line = at.line;
		at.end_col = at.col + 1;
		error_at(DIAG, at, "unknown escape '\\%c' in string", c);
		if (!hinted++)
			diag_hint(DIAG, "the escapes are \\n, \\t, \\\" and \\\\ (a backslash)");
	}
	val->str = s;
	return STRING;
}

int lex_unterminated(struct lexer *lx, MCP_STYPE *val, struct span *loc)
{
	error_at(DIAG, *loc, "missing closing '\"' of the string");
	lx->bad_string = *loc;          /* the parser says nothing more about it */
	val->str = NULL;
	return STRING;
}

int lex_spelled(struct lexer *lx, struct span at, const char *wrong, const char *right, int token)
{
	error_at(DIAG, at, "'%s' is not an operator of memcgc; write '%s'", wrong, right);
	return token;
}

static unsigned utf8_code_point(const char *text, size_t len)
{
	static const unsigned char lead_bits[] = { 0, 0, 0x1f, 0x0f, 0x07 };
	unsigned cp = (unsigned char)text[0] & lead_bits[len];
	for (size_t i = 1; i < len; i++)
		cp = cp << 6 | ((unsigned char)text[i] & 0x3f);
	return cp;
}

/* One UTF-8 character (or what starts like one): one error, not one per byte. */
void lex_non_ascii(struct lexer *lx, struct span at, const char *text)
{
	unsigned char lead = (unsigned char)text[0];
	size_t want = lead >= 0xf0 ? 4 : lead >= 0xe0 ? 3 : 2;
	at.end_col = at.col;            /* one character, however many bytes */
	if (strlen(text) != want)
		error_at(DIAG, at, "unexpected bytes: not ASCII, and not UTF-8 either");
	else if (strcmp(text, "\xef\xbb\xbf") == 0)
		error_at(DIAG, at, "unexpected byte order mark (U+FEFF): it is skipped only at the "
			 "start of a file");
	else
		error_at(DIAG, at, "unexpected character '%s' (U+%04X): outside strings and "
			 "comments, policies are ASCII", text, utf8_code_point(text, want));
	if (!lx->non_ascii_hinted++)
		diag_hint(DIAG, "names are made of ASCII letters, digits and '_'");
}

void lex_bad_char(struct lexer *lx, struct span at, char c)
{
	if (c > ' ' && c < 127)
		error_at(DIAG, at, "unexpected character '%c'", c);
	else
		error_at(DIAG, at, "unexpected byte 0x%02x", (unsigned char)c);
}

/* Tree */

struct vec *new_vec(struct lexer *lx)
{
	return arena_alloc(&P->arena, sizeof(struct vec));
}

static void add_item(struct lexer *lx, enum decl_kind kind, void *decl, const char *path,
		     struct span at)
{
	struct item *it = arena_alloc(&P->arena, sizeof(*it));
	it->kind = kind;
	it->decl = decl;
	it->import_path = path;
	it->at = at;
	vec_push(&P->arena, lx->items, it);
}

void add_cgroup(struct lexer *lx, const char *name, const char *path, struct span at)
{
	struct cgroup_decl *c = arena_alloc(&P->arena, sizeof(*c));
	c->name = name;
	c->at = at;
	c->default_path = path;
	add_item(lx, D_CGROUP, c, NULL, at);
}

void add_param(struct lexer *lx, const char *name, struct node *init, struct span at)
{
	struct param_decl *d = arena_alloc(&P->arena, sizeof(*d));
	d->name = name;
	d->at = at;
	d->init = init;
	add_item(lx, D_PARAM, d, NULL, at);
}

void add_import(struct lexer *lx, const char *path, struct span at)
{
	if (!path)              /* an unterminated string, reported */
		return;
	add_item(lx, D_IMPORT, NULL, path, at);
}

void add_define(struct lexer *lx, const char *name, struct vec *params, struct node *body,
		struct span at)
{
	struct define_decl *d = arena_alloc(&P->arena, sizeof(*d));
	d->name = name;
	d->at = at;
	if (params)
		d->params = *params;
	d->body = body;
	add_item(lx, D_DEFINE, d, NULL, at);
}

void add_rule(struct lexer *lx, struct rule *r)
{
	add_item(lx, D_RULE, r, NULL, r->at);
}

struct rule *new_rule(struct lexer *lx, struct node *cond, struct node *for_, struct span at)
{
	struct rule *r = arena_alloc(&P->arena, sizeof(*r));
	r->at = at;
	r->cond = cond;
	r->for_ = for_;
	return r;
}

struct action *new_action(struct lexer *lx, const char *name, struct vec *args, struct span at)
{
	struct action *a = arena_alloc(&P->arena, sizeof(*a));
	a->name = name;
	a->at = at;
	a->args = *args;
	return a;
}

void set_action_value(struct action *a, int assign, struct span assign_at, struct node *value)
{
	a->at = span_join(a->at, value->at);
	if (a->value) {         /* `x(cg) = 1 = 2`: the checker says so */
		a->assign = -1;
		a->assign_at = assign_at;
		return;
	}
	a->assign = (enum assign)assign;
	a->assign_at = assign_at;
	a->value = value;
}

void set_action_hold(struct lexer *lx, struct action *a, struct node *hold, struct span at)
{
	if (a->hold) {
		error_at(DIAG, span_join(hold->at, hold->at), "the action already has a hold time");
		note_at(DIAG, a->hold->at, "given here");
		return;
	}
	a->at = at;
	a->hold = hold;
}

/* An operand already past MAX_EXPR_DEPTH (an error leaf), or NULL. */
static struct node *too_deep(struct node *const *ops, int n)
{
	for (int i = 0; i < n; i++)
		if (ops[i] && ops[i]->depth > MAX_EXPR_DEPTH)
			return ops[i];
	return NULL;
}

/* n, one level above its operands; past MAX_EXPR_DEPTH an error at `where` (the operand
 * that went one level too far) and an error leaf instead, which every node above gives
 * back in turn: no tree grows past the limit, and the error is reported once. */
static struct node *bounded(struct lexer *lx, struct node *n, struct span where)
{
	struct node *ops[] = { n->a, n->b };
	struct node *deep = too_deep(ops, 2);
	for (int i = 0; !deep && n->kind == N_CALL && i < n->args.len; i++)
		deep = too_deep((struct node **)&n->args.items[i], 1);
	if (deep)
		return deep;
	n->depth = node_depth_above(n);
	if (n->depth <= MAX_EXPR_DEPTH)
		return n;
	error_at(DIAG, where, "this expression is nested too deeply: more than %d levels",
		 MAX_EXPR_DEPTH);
	diag_hint(DIAG, "a long chain of operators counts one level per operator; name parts "
		  "of it with define");
	struct node *bad = node_new(P, N_QUANTITY, n->at);
	bad->value.type = T_ERROR;
	bad->depth = MAX_EXPR_DEPTH + 1;
	return bad;
}

struct node *new_binary(struct lexer *lx, int op, struct node *l, struct node *r, struct span at)
{
	struct node *n = node_new(P, N_BINARY, span_join(l->at, r->at));
	n->op = (enum op)op;
	n->a = l;
	n->b = r;
	return bounded(lx, n, l->depth >= r->depth ? at : r->at);
}

struct node *new_unary(struct lexer *lx, int op, struct node *x, struct span at)
{
	struct node *n = node_new(P, N_UNARY, at);
	n->op = (enum op)op;
	n->a = x;
	return bounded(lx, n, at);
}

struct node *new_over(struct lexer *lx, struct node *x, struct node *window, struct span at)
{
	struct node *n = node_new(P, N_OVER, at);
	n->a = x;
	n->b = window;
	return bounded(lx, n, at);
}

struct node *new_name(struct lexer *lx, const char *name, struct span at)
{
	struct node *n = node_new(P, N_NAME, at);
	n->name = name;
	return n;
}

struct node *new_call(struct lexer *lx, const char *name, struct vec *args, struct span at)
{
	struct node *n = node_new(P, N_CALL, at);
	n->name = name;
	n->args = *args;
	return bounded(lx, n, at);
}

/* Syntax errors */

int is_item_keyword(int token)
{
	static const int starts[] = { CGROUP, PARAM, IMPORT, DEFINE, WHEN };
	for (size_t i = 0; i < sizeof(starts) / sizeof(starts[0]); i++)
		if (token == starts[i])
			return 1;
	return 0;
}

static const char *describe_expected(const char *name)
{
	static const struct { const char *symbol, *words; } words[] = {
		{ "name", "a name" }, { "number", "a number" }, { "string", "a string" },
	};
	for (size_t i = 0; i < sizeof(words) / sizeof(words[0]); i++)
		if (strcmp(words[i].symbol, name) == 0)
			return words[i].words;
	return name;
}

static int is_comparison(const char *name)
{
	static const char *const ops[] = { "'<'", "'>'", "'<='", "'>='", "'=='", "'!='" };
	for (size_t i = 0; i < sizeof(ops) / sizeof(ops[0]); i++)
		if (strcmp(ops[i], name) == 0)
			return 1;
	return 0;
}

/* A keyword written with capitals (`When`, `CGROUP`): the keyword, else NULL. */
static const char *capitalised_keyword(const char *text)
{
	char lower[16];
	size_t n = strlen(text);
	if (n >= sizeof(lower))
		return NULL;
	for (size_t i = 0; i <= n; i++)
		lower[i] = (char)tolower((unsigned char)text[i]);
	for (size_t i = 0; i < sizeof(keywords) / sizeof(keywords[0]); i++)
		if (strcmp(keywords[i].word, lower) == 0 && strcmp(text, lower) != 0)
			return keywords[i].word;
	return NULL;
}

static int expects(const char *const *expected, int n, const char *name)
{
	for (int i = 0; i < n; i++)
		if (strcmp(expected[i], name) == 0)
			return 1;
	return 0;
}

/* `protect_low` with no `(cgroup)` after it: the mistake is the action, wherever the next
 * token happens to be (often the next line's `when`). */
static int report_bare_action(struct lexer *lx, const char *const *expected, int nexpected)
{
	if (lx->prev_token != IDENT || nexpected != 1 || strcmp(expected[0], "'('") != 0)
		return 0;
	const char *name = span_text(&P->arena, lx->prev_span);
	if (!name)
		return 0;
	error_at(DIAG, lx->prev_span, "syntax error: expected '(' after the action '%.100s'", name);
	diag_hint(DIAG, "an action names its cgroup: %.100s(CGROUP)", name);
	return 1;
}

/* Where the innermost '(' still open is, unless it is the token just before the error. */
static void note_open_paren(struct lexer *lx)
{
	int inner = lx->open_parens > OPEN_PARENS_KEPT ? OPEN_PARENS_KEPT : lx->open_parens;
	struct span at = lx->open_paren[inner - 1];
	if (lx->prev_token == '(' && at.line == lx->prev_span.line && at.col == lx->prev_span.col)
		return;
	note_at(DIAG, at, "to match this '('");
}

/* `define hot() = ...`, and `define hot =` or `param p =` with nothing after it. */
static int hint_define(struct lexer *lx, const char *unexpected, const char *const *expected,
		       int nexpected)
{
	int item = is_item_keyword(lx->last_token) ? lx->prev_item_keyword : lx->item_keyword;
	if (item == PARAM && lx->prev_token == '=') {
		diag_hint(DIAG, "a param needs a value after its '=': param NAME = VALUE");
		return 1;
	}
	if (item != DEFINE)
		return 0;
	if (lx->prev_token == '(' && strcmp(unexpected, "')'") == 0 && nexpected == 1 &&
	    expects(expected, nexpected, "name")) {
		diag_hint(DIAG, "a define without parameters is written without '()': define NAME "
			  "= EXPRESSION");
		return 1;
	}
	if (lx->prev_token == '=') {
		diag_hint(DIAG, "a define needs a body after its '=': define NAME = EXPRESSION");
		return 1;
	}
	return 0;
}

/* The unexpected token is a string without its closing '"', already reported. */
static int at_bad_string(const struct lexer *lx, struct span at)
{
	return lx->bad_string.file == at.file && at.file && lx->bad_string.line == at.line &&
	       lx->bad_string.col == at.col;
}

void report_syntax_error(struct lexer *lx, struct span at, const char *unexpected, int at_eof,
			 const char *const *expected, int nexpected)
{
	if (report_bare_action(lx, expected, nexpected) || at_bad_string(lx, at))
		return;
	int unclosed = lx->open_parens > 0 && expects(expected, nexpected, "')'");
	static const char *const close_paren[] = { "')'" };
	if (unclosed && at_eof) {       /* nothing but the ')' can help at the end */
		expected = close_paren;
		nexpected = 1;
	}
	char what[160], list[200] = "";
	const char *text = span_text(&P->arena, at);
	if (at_eof)
		snprintf(what, sizeof(what), "end of file");
	else if (text && (strcmp(unexpected, "name") == 0 || strcmp(unexpected, "number") == 0))
		snprintf(what, sizeof(what), "%s '%.100s'", unexpected, text);
	else
		snprintf(what, sizeof(what), "%s", unexpected);
	int len = 0;
	for (int i = 0; i < nexpected && nexpected <= 4; i++)
		len += snprintf(list + len, sizeof(list) - (size_t)len, "%s%s",
				i == 0 ? ", expected " : i == nexpected - 1 ? " or " : ", ",
				describe_expected(expected[i]));
	error_at(DIAG, at, "syntax error: unexpected %s%s", what, list);
	if (unclosed)
		note_open_paren(lx);
	if (hint_define(lx, unexpected, expected, nexpected))
		return;

	int after_plain_number = lx->prev_token == QUANTITY &&
		lx->prev_span.line == lx->plain_number.line && lx->prev_span.col == lx->plain_number.col;
	int is_name = strcmp(unexpected, "name") == 0 && text;
	int n;
	const char *const *units = unit_names(&n);
	int unit_like = is_name && (unit_alias(text) || closest_name(text, units, n));
	if (is_name && after_plain_number && unit_like) {
		diag_hint(DIAG, "'%s' is not a unit", text);
		hint_units(lx, text);
	} else if (is_name && capitalised_keyword(text)) {
		diag_hint(DIAG, "keywords are lower case: write '%s'", capitalised_keyword(text));
	} else if (strcmp(unexpected, "'='") == 0) {
		diag_hint(DIAG, "to compare, write '=='");
	} else if (is_name && expects(expected, nexpected, "':'")) {
		diag_hint(DIAG, "a rule's condition ends with ':' before its actions");
	} else if (is_name && expects(expected, nexpected, "'when'")) {
		diag_hint(DIAG, "actions belong in a rule: when CONDITION: %s(...)", text);
	} else if (lx->prev_token == ':' && expects(expected, nexpected, "name") && nexpected == 1) {
		diag_hint(DIAG, "a rule needs at least one action after its ':'");
	} else if (unexpected[0] == '\'' && isalpha((unsigned char)unexpected[1]) &&
		   expects(expected, nexpected, "name")) {
		diag_hint(DIAG, "%s is a keyword and cannot be used as a name", unexpected);
	} else if (is_comparison(unexpected) && !expects(expected, nexpected, unexpected)) {
		diag_hint(DIAG, "comparisons do not chain; join two of them with 'and'");
	}
}

int parse_file(struct policy *p, const struct src_file *f, struct vec *items)
{
	struct lexer lx = { .policy = p, .file = f, .items = items };
	int errors_before = p->diag.errors;
	lexer_open(&lx);
	mcp_parse(&lx);
	lexer_close(&lx);
	return p->diag.errors - errors_before;
}
