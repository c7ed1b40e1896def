/* memcgc: compile a memory-priority policy. */
#include <getopt.h>
#include <libgen.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "frontend.h"
#include "emit.h"
#include "metadata.h"

#ifndef MEMCGC_STDLIB_DIR
#define MEMCGC_STDLIB_DIR "/usr/local/share/memcgc/stdlib"
#endif
#define MEMCGC_VERSION "0.1"

enum emit { EMIT_OBJ, EMIT_LLVM, EMIT_AST, EMIT_META, EMIT_NONE };

struct options {
	const char *input, *output;
	enum emit emit;
	int werror;
	int opt_level, debug_lines;
	struct vec include_dirs;
};

static void usage(FILE *out)
{
	fputs("usage: memcgc [options] POLICY.mcp\n"
	      "\n"
	      "  -o FILE        write the output to FILE (default: POLICY.o, or POLICY.ll)\n"
	      "  -O0, -O1, -O2  optimisation level of the BPF code (default -O2)\n"
	      "  -g             line info that points each instruction at its .mcp line\n"
	      "  --check        check the policy only; write nothing\n"
	      "  --emit=ast     print the checked syntax tree\n"
	      "  --emit=meta    print the metadata the object carries for memcg-run\n"
	      "  --emit=obj     write the BPF object (the default)\n"
	      "  --emit=llvm    write the optimised LLVM IR instead of the object\n"
	      "  -I DIR         look for imports in DIR too (after the importing file's own\n"
	      "                 directory, before the standard library)\n"
	      "  -Werror        treat warnings as errors\n"
	      "  --version      print the version\n"
	      "  -h, --help     print this help\n"
	      "\n"
	      "Exit status: 0 ok, 1 errors in the policy, 2 usage or internal failure.\n"
	      "See memcgc(1) and docs/language.md.\n", out);
}

static int usage_error(const char *fmt, const char *arg)
{
	fputs("memcgc: error: ", stderr);
	fprintf(stderr, fmt, arg);
	fputs("\nTry 'memcgc --help'.\n", stderr);
	return 2;
}

/* After getopt's '?': a short option is named by optopt (argv[optind - 1] is not its
 * word in the middle of `-x.mcp`, and is argv[0] when that is the first); a long option
 * is the whole word before optind. */
static int option_error(int argc, char **argv)
{
	char name[3] = { '-', (char)optopt, 0 };
	if (optopt > 0 && optopt < 128 && strchr("oIO", optopt))
		return usage_error("option '%s' needs a value", name);
	if (optopt > 0 && optopt < 128) {
		int rc = usage_error("unknown option '%s'", name);
		for (int i = 1; i < argc; i++)
			if (argv[i][0] == '-' && argv[i][1] == optopt && strlen(argv[i]) > 2)
				fprintf(stderr, "hint: for a file named '%s', write './%s'\n", argv[i], argv[i]);
		return rc;
	}
	return usage_error("unknown or incomplete option '%s'", optind > 1 ? argv[optind - 1] : "?");
}

static int parse_emit(struct options *o, const char *what)
{
	if (strcmp(what, "ast") == 0)
		o->emit = EMIT_AST;
	else if (strcmp(what, "meta") == 0)
		o->emit = EMIT_META;
	else if (strcmp(what, "obj") == 0)
		o->emit = EMIT_OBJ;
	else if (strcmp(what, "llvm") == 0)
		o->emit = EMIT_LLVM;
	else
		return -1;
	return 0;
}

/* The standard library: the first directory `stdlib` holding tiers.mcp one, then two
 * levels above the directory of the executable (build/memcgc and build/asan/memcgc find
 * the source tree's stdlib/), else the installed one. docs/memcgc.1 (FILES) says so. */
static const char *stdlib_dir(struct arena *a)
{
	static const char *const up[] = { "..", "../.." };
	char exe[PATH_MAX];
	ssize_t n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
	if (n <= 0)
		return MEMCGC_STDLIB_DIR;
	exe[n] = 0;
	const char *bin = dirname(exe);
	for (size_t i = 0; i < sizeof(up) / sizeof(up[0]); i++) {
		const char *dir = arena_printf(a, "%s/%s/stdlib", bin, up[i]);
		const char *tiers = arena_printf(a, "%s/tiers.mcp", dir);
		struct stat st;
		char real[PATH_MAX];
		if (stat(tiers, &st) == 0 && S_ISREG(st.st_mode) && realpath(dir, real))
			return arena_strdup(a, real);
	}
	return MEMCGC_STDLIB_DIR;
}

static int parse_args(int argc, char **argv, struct options *o, struct arena *a)
{
	enum { OPT_CHECK = 256, OPT_EMIT, OPT_VERSION };
	/* -Werror is spelled like the C compilers'; getopt would read it as -W error, so it
	 * is taken out before getopt sees the arguments. */
	int kept = 1;
	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "-Werror") == 0)
			o->werror = 1;
		else
			argv[kept++] = argv[i];
	}
	argc = kept;
	static const struct option all[] = {
		{ "check", no_argument, NULL, OPT_CHECK },
		{ "emit", required_argument, NULL, OPT_EMIT },
		{ "version", no_argument, NULL, OPT_VERSION },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	int c;
	opterr = 0;
	while ((c = getopt_long(argc, argv, "o:I:O:gh", all, NULL)) != -1) {
		switch (c) {
		case 'o': o->output = optarg; break;
		case 'g': o->debug_lines = 1; break;
		case 'O':
			if (strlen(optarg) != 1 || optarg[0] < '0' || optarg[0] > '2')
				return usage_error("unknown optimisation level '-O%s' (0, 1, 2)", optarg);
			o->opt_level = optarg[0] - '0';
			break;
		case 'I': vec_push(a, &o->include_dirs, optarg); break;
		case 'h': usage(stdout); exit(0);
		case OPT_CHECK: o->emit = EMIT_NONE; break;
		case OPT_EMIT:
			if (parse_emit(o, optarg) != 0)
				return usage_error("unknown --emit kind '%s' (ast, meta, llvm, obj)", optarg);
			break;
		case OPT_VERSION: printf("memcgc %s\n", MEMCGC_VERSION); exit(0);
		default:
			return option_error(argc, argv);
		}
	}
	if (optind != argc - 1)
		return usage_error("%s", optind >= argc ? "no policy file given"
							: "give one policy file");
	o->input = argv[optind];
	return 0;
}

/* POLICY.mcp -> POLICY.o (or .ll), next to the policy. */
static const char *default_output(struct arena *a, const char *input, enum emit emit)
{
	size_t len = strlen(input);
	if (len > 4 && strcmp(input + len - 4, ".mcp") == 0)
		len -= 4;
	return arena_printf(a, "%.*s.%s", (int)len, input, emit == EMIT_LLVM ? "ll" : "o");
}

/* Lowers and emits a checked policy: 0, or 2 after a message (an error here is never the
 * policy's fault, it was checked). */
static int compile(struct policy *p, const struct options *o)
{
	struct policy_ir ir;
	lower_policy(p, &ir);
	struct emit_options eo = {
		.output = o->output ? o->output : default_output(&p->arena, o->input, o->emit),
		.kind = o->emit == EMIT_LLVM ? EMIT_KIND_LLVM : EMIT_KIND_OBJECT,
		.opt_level = o->opt_level,
		.debug_lines = o->debug_lines,
	};
	return emit_policy(p, &ir, &eo) == 0 ? 0 : 2;
}

int main(int argc, char **argv)
{
	struct options o = { .emit = EMIT_OBJ, .opt_level = 2 };
	struct policy p;
	policy_init(&p, stderr);
	int rc = parse_args(argc, argv, &o, &p.arena);
	if (rc) {
		policy_free(&p);
		return rc;
	}
	p.include_dirs = o.include_dirs;
	p.stdlib_dir = stdlib_dir(&p.arena);
	p.diag.werror = o.werror;
	rc = frontend_file(&p, o.input);
	if (rc == 0 && o.emit == EMIT_AST)
		ast_dump(&p, stdout);
	if (rc == 0 && o.emit == EMIT_META) {
		struct policy_ir ir;
		lower_policy(&p, &ir);
		fputs(metadata_text(&p, &ir), stdout);
	}
	if (rc == 0 && (o.emit == EMIT_OBJ || o.emit == EMIT_LLVM))
		rc = compile(&p, &o);
	policy_free(&p);
	return rc;
}
