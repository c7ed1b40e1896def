/* Unit tests of the front end's tables and passes, through its C interface. Each test
 * prints PASS or FAIL (tests/run.py counts them). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ast.h"
#include "frontend.h"
#include "units.h"

static int failures;
static const char *current;
static char *diag;            /* the diagnostics of the last compile_diag(); run() frees them */
static size_t diag_size;

/* Whether some line of the diagnostics starts with `want` (a position and a message). */
static int diag_has(const char *want)
{
	for (const char *l = diag; l && *l; l = strchr(l, '\n') ? strchr(l, '\n') + 1 : "")
		if (strncmp(l, want, strlen(want)) == 0)
			return 1;
	return 0;
}

/* How many lines of the diagnostics contain `what`. */
static int diag_count(const char *what)
{
	int n = 0;
	for (const char *l = diag; l && (l = strstr(l, what)); l += strlen(what))
		n++;
	return n;
}

#define CHECK(cond) do {                                                             \
	if (!(cond)) {                                                               \
		printf("FAIL %s: %s (line %d)\n", current, #cond, __LINE__);         \
		failures++;                                                          \
		return;                                                              \
	}                                                                            \
} while (0)

/* A diagnostic line that starts with `want`; on failure the first lines reported. */
#define CHECK_DIAG(want) do {                                                       \
	if (!diag_has(want)) {                                                       \
		printf("FAIL %s: no diagnostic '%s' (line %d); reported:\n", current,  \
		       want, __LINE__);                                              \
		int shown_ = 0;                                                      \
		for (const char *l_ = diag; l_ && *l_ && shown_ < 6; shown_++) {    \
			const char *e_ = strchr(l_, '\n');                           \
			int n_ = e_ ? (int)(e_ - l_) : (int)strlen(l_);              \
			printf("  %.*s\n", n_ > 160 ? 160 : n_, l_);                \
			l_ = e_ ? e_ + 1 : "";                                       \
		}                                                                    \
		failures++;                                                          \
		return;                                                              \
	}                                                                            \
} while (0)

static void run(const char *name, void (*fn)(void))
{
	int before = failures;
	current = name;
	fn();
	free(diag);
	diag = NULL;
	if (failures == before)
		printf("PASS %s\n", name);
}

/* Compiles `text` quietly; the caller frees the policy. */
static int compile(struct policy *p, const char *text)
{
	policy_init(p, NULL);
	p->imports_allowed = 0;
	return frontend_text(p, "unit.mcp", text, strlen(text));
}

/* The same, named `name`, with its diagnostics kept in `diag` (rendered as memcgc prints
 * them: `FILE:LINE:COL: error: MESSAGE`, the source line, a caret, hints). */
static int compile_diag(struct policy *p, const char *name, const char *text, size_t len)
{
	free(diag);
	diag = NULL;
	FILE *out = open_memstream(&diag, &diag_size);
	policy_init(p, out);
	p->imports_allowed = 0;
	int rc = frontend_text(p, name, text, len);
	fclose(out);
	p->diag.out = NULL;
	return rc;
}

static struct rule *rule_at(struct policy *p, int i) { return p->rules.items[i]; }
static struct action *action_of(struct rule *r, int i) { return r->actions.items[i]; }

/* The first signal in a tree, depth first. */
static const struct node *first_signal(const struct node *n)
{
	if (!n)
		return NULL;
	if (n->kind == N_SIGNAL)
		return n;
	const struct node *s = first_signal(n->a);
	return s ? s : first_signal(n->b);
}

static void test_units(void)
{
	CHECK(unit_find("MiB")->scale == 1024.0 * 1024);
	CHECK(unit_find("pages")->pages);
	CHECK(!unit_find("MB"));
	CHECK(strcmp(unit_alias("MB"), "MiB") == 0);
	struct value v = unit_value(6000, rate_unit_find("min"), 1);
	CHECK(v.type == T_RATE && v.v == 100000);      /* milli-events per second */
	v = unit_value(1, rate_unit_find("ms"), 1);
	CHECK(v.v == 1000000);
	v = unit_value(200, unit_find("ms"), 0);
	CHECK(v.type == T_DURATION && v.v == 200e6);
	char buf[64];
	CHECK(strcmp(value_str((struct value){ T_SIZE, 4 << 20, 0 }, buf, sizeof(buf)), "4 MiB") == 0);
	CHECK(strcmp(value_str((struct value){ T_DURATION, 1500000000, 0 }, buf, sizeof(buf)), "1500ms") == 0);
	CHECK(strcmp(value_str((struct value){ T_SIZE, 0, 1024 }, buf, sizeof(buf)), "1024 pages") == 0);
}

/* A percent is a share of time: 10,000 us of stall per second, in milli-us/s. */
static void test_percent(void)
{
	struct value v;
	const char *why, *word;
	char buf[64];
	CHECK(quantity_parse("5%", &v, &why, &word) == 0 && v.type == T_SHARE && v.v == 50000000);
	CHECK(quantity_parse("0.0000001%", &v, &why, &word) == 0 && v.v == 1);
	CHECK(quantity_parse("100%", &v, &why, &word) == 0 && v.v == 1000000000);
	CHECK(quantity_parse("100.0000001%", &v, &why, &word) == -1 && strstr(why, "0% to 100%"));
	CHECK(quantity_parse("99999999999999%", &v, &why, &word) == -1 && strstr(why, "0% to 100%"));
	CHECK(quantity_parse("0.00000001%", &v, &why, &word) != 0 && strstr(why, "7 decimals"));
	CHECK(quantity_parse("5/%", &v, &why, &word) == -1 && strcmp(why, "unknown unit") == 0);
	CHECK(strcmp(value_str((struct value){ T_SHARE, 25000000, 0 }, buf, sizeof(buf)), "2.5%") == 0);
	CHECK(strcmp(value_str((struct value){ T_SHARE, 1, 0 }, buf, sizeof(buf)), "0.0000001%") == 0);
	CHECK(share_in_range(0) && share_in_range(1000000000) && !share_in_range(1000000001) &&
	      !share_in_range(-1));
	CHECK(strcmp(type_word(T_SHARE), "share") == 0 && !type_word(T_CGROUP));
}

static void test_closest_name(void)
{
	const char *names[] = { "pgscan", "pgsteal", "pgfault", "pgmajfault" };
	CHECK(strcmp(closest_name("pgscn", names, 4), "pgscan") == 0);
	CHECK(strcmp(closest_name("PGFAULT", names, 4), "pgfault") == 0);
	CHECK(strcmp(closest_name("pgstael", names, 4), "pgsteal") == 0);  /* transposition */
	CHECK(closest_name("memory", names, 4) == NULL);
	CHECK(closest_name("pgscan", names, 4) == NULL);  /* exact: nothing to suggest */
}

static void test_rfc_demo(void)
{
	struct policy p;
	int rc = compile(&p, "cgroup high\ncgroup low\n"
			     "when pgscan(high) > 100/s:\n    over_high(low) += 1024 pages for 1s\n");
	CHECK(rc == 0 && p.rules.len == 1 && p.cgroups.len == 2);
	struct rule *r = rule_at(&p, 0);
	CHECK(r->cond->type == T_BOOL && r->cond->op == OP_GT);
	const struct node *s = first_signal(r->cond);
	CHECK(s && strcmp(s->signal->name, "pgscan") == 0 && s->cgroup->index == 0);
	CHECK(s->window_ns == 1e9);
	CHECK(r->cond->b->value.type == T_RATE && r->cond->b->value.v == 100000);
	struct action *a = action_of(r, 0);
	CHECK(strcmp(a->kind->name, "over_high") == 0 && a->target->index == 1);
	CHECK(a->value->value.pages == 1024 && a->hold_ns == 1e9);
	CHECK(a->kind->hook[ABI_V2] && !a->kind->hook[ABI_V6]);
	policy_free(&p);
}

static void test_windows_and_times(void)
{
	struct policy p;
	int rc = compile(&p, "cgroup a\nparam h = 3s\n"
			     "when pgscan(a) over 5s > 1/s for 2s: protect_low(a) hold h\n");
	CHECK(rc == 0);
	struct rule *r = rule_at(&p, 0);
	CHECK(first_signal(r->cond)->window_ns == 5e9);
	CHECK(r->for_ns == 2e9 && action_of(r, 0)->hold_ns == 3e9);
	policy_free(&p);
}

static void test_define_copies(void)
{
	struct policy p;
	int rc = compile(&p, "cgroup a\ndefine s(cg) = pgscan(cg)\n"
			     "when s(a) over 5s > 1/s and s(a) > 1/s: protect_low(a)\n");
	CHECK(rc == 0);
	struct node *cond = rule_at(&p, 0)->cond;
	const struct node *left = first_signal(cond->a), *right = first_signal(cond->b);
	CHECK(left != right);
	CHECK(left->window_ns == 5e9 && right->window_ns == 1e9);
	CHECK(left->expanded_from && strcmp(left->expanded_from->name, "s") == 0);
	policy_free(&p);
}

static void test_params(void)
{
	struct policy p;
	int rc = compile(&p, "cgroup a\ncgroup b\nparam t = 6000/min\nparam boost = 2 * 4 MiB\n"
			     "when pgscan(a) > t: over_high(b) += boost\n");
	CHECK(rc == 0 && p.params.len == 2);
	struct param_decl *t = p.params.items[0], *boost = p.params.items[1];
	CHECK(t->value.type == T_RATE && t->value.v == 100000 && t->used);
	CHECK(boost->value.type == T_SIZE && boost->value.v == 8 << 20 && boost->index == 1);
	policy_free(&p);
}

static void test_errors_counted(void)
{
	struct policy p;
	/* a syntax error stops before names are looked up: the one error is the parser's */
	const char *t1 = "cgroup a\nwhen pgscn(a) > 1: protect_lo(a)\nwhen x: y(\n";
	int rc = compile_diag(&p, "unit.mcp", t1, strlen(t1));
	int errors = p.diag.errors;
	policy_free(&p);
	CHECK(rc == 1 && errors == 1);
	CHECK_DIAG("unit.mcp:3:11: error: syntax error: unexpected end of file, expected ')'");
	CHECK(diag_count(": error: ") == 1 && diag_count("pgscn") == 0);
	/* two name errors, each at its own position, each with its hint */
	const char *t2 = "cgroup a\nwhen pgscn(a) > 1/s: protect_lo(a)\n";
	rc = compile_diag(&p, "unit.mcp", t2, strlen(t2));
	errors = p.diag.errors;
	policy_free(&p);
	CHECK(rc == 1 && errors == 2);
	CHECK_DIAG("unit.mcp:2:6: error: unknown signal or define 'pgscn'");
	CHECK_DIAG("unit.mcp:2:22: error: unknown action 'protect_lo'");
	CHECK_DIAG("hint: did you mean 'pgscan'?");
	CHECK_DIAG("hint: did you mean 'protect_low'?");
	CHECK(strstr(diag, "'pgscn'") < strstr(diag, "'protect_lo'"));   /* in source order */
	CHECK(diag_count(": error: ") == 2);
}

static void test_empty_and_binary(void)
{
	struct policy p;
	CHECK(compile(&p, "") == 0 && p.rules.len == 0);
	policy_free(&p);
	int rc = compile_diag(&p, "nul.mcp", "cgroup a\0\0when", 14);
	policy_free(&p);
	CHECK(rc == 1);
	CHECK_DIAG("nul.mcp:1:9: error: unexpected byte 0x00");
	CHECK_DIAG("nul.mcp:1:10: error: unexpected byte 0x00");
}

static void test_deep_nesting(void)
{
	enum { DEPTH = 100000 };
	char *text = malloc(DEPTH * 2 + 64);
	strcpy(text, "cgroup a\nwhen ");
	size_t n = strlen(text);
	memset(text + n, '(', DEPTH);
	strcpy(text + n + DEPTH, "pgscan(a) > 1/s: protect_low(a)\n");
	struct policy p;
	int rc = compile_diag(&p, "unit.mcp", text, strlen(text));  /* reported, not a crash */
	policy_free(&p);
	free(text);
	CHECK(rc == 1);
	CHECK_DIAG("unit.mcp:2:10002: error: the policy is nested too deeply");
}

static void test_expansion_limit(void)
{
	/* each define doubles its argument's size: 2^40 nodes if nothing stopped it */
	char text[4096] = "cgroup a\ndefine d0(x) = x + x\n";
	for (int i = 1; i < 40; i++)
		sprintf(text + strlen(text), "define d%d(x) = d%d(x) + d%d(x)\n", i, i - 1, i - 1);
	strcat(text, "when d39(pgscan(a)) > 1/s: protect_low(a)\n");
	struct policy p;
	int rc = compile_diag(&p, "unit.mcp", text, strlen(text));
	policy_free(&p);
	CHECK(rc == 1);
	/* at the use: define bodies are expanded only where they are used */
	CHECK_DIAG("unit.mcp:42:6: error: the expansion of defines is too large (over 1000000 nodes)");
	CHECK(diag_count(": error: ") == 1);
}

static void test_many_rules(void)
{
	enum { RULES = 5000 };
	size_t cap = RULES * 80 + 100, len = 0;
	char *text = malloc(cap);
	len += (size_t)sprintf(text, "cgroup high\ncgroup low\n");
	for (int i = 0; i < RULES; i++)
		len += (size_t)sprintf(text + len, "when pgscan(high) > %d/s: high_delay(low) = %dms\n",
				       i + 1, 11 + i % 1989);
	struct policy p;
	int rc = compile(&p, text);
	free(text);
	int rules = p.rules.len, last = rules ? rule_at(&p, rules - 1)->index : -1;
	policy_free(&p);
	/* read and numbered in full, then refused: 5000 signal terms are past the 600 the
	 * kernel's verifier can take (check.c, MAX_SIGNAL_TERMS) */
	CHECK(rc == 1 && rules == RULES && last == RULES - 1);
}

int main(void)
{
	setvbuf(stdout, NULL, _IOLBF, 0);
	run("unit/units", test_units);
	run("unit/percent", test_percent);
	run("unit/closest-name", test_closest_name);
	run("unit/rfc-demo", test_rfc_demo);
	run("unit/windows-and-times", test_windows_and_times);
	run("unit/define-copies", test_define_copies);
	run("unit/params", test_params);
	run("unit/errors-counted", test_errors_counted);
	run("unit/empty-and-binary", test_empty_and_binary);
	run("unit/deep-nesting", test_deep_nesting);
	run("unit/expansion-limit", test_expansion_limit);
	run("unit/many-rules", test_many_rules);
	return failures ? 1 : 0;
}
