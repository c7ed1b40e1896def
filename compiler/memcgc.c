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
#include "metadata.h"

#ifndef MEMCGC_STDLIB_DIR
#define MEMCGC_STDLIB_DIR "/usr/local/share/memcgc/stdlib"
#endif
#define MEMCGC_VERSION "0.1"

enum emit { EMIT_OBJ, EMIT_AST, EMIT_META, EMIT_NONE };

struct options {
	const char *input, *output;
	enum emit emit;
	int werror;
	struct vec include_dirs;
};

static void usage(FILE *out)
{
	fputs("usage: memcgc [options] POLICY.mcp\n"
	      "\n"
	      "  -o FILE        write the BPF object to FILE (default: POLICY.o)\n"
	      "  --check        check the policy only; write nothing\n"
	      "  --emit=ast     print the checked syntax tree\n"
	      "  --emit=meta    print the metadata the object carries for memcg-run\n"
	      "  --emit=obj     write the BPF object (the default)\n"
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

static int parse_emit(struct options *o, const char *what)
{
	if (strcmp(what, "ast") == 0)
		o->emit = EMIT_AST;
	else if (strcmp(what, "meta") == 0)
		o->emit = EMIT_META;
	else if (strcmp(what, "obj") == 0)
		o->emit = EMIT_OBJ;
	else
		return -1;
	return 0;
}

/* The standard library of a source tree when the binary runs from its build directory
 * (build/memcgc or build/asan/memcgc -> stdlib/), else the installed one. */
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
		struct stat st;
		char real[PATH_MAX];
		const char *grammar = arena_printf(a, "%s/%s/grammar/parser.y", bin, up[i]);
		if (stat(grammar, &st) == 0 && realpath(dir, real))
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
	while ((c = getopt_long(argc, argv, "o:I:h", all, NULL)) != -1) {
		switch (c) {
		case 'o': o->output = optarg; break;
		case 'I': vec_push(a, &o->include_dirs, optarg); break;
		case 'h': usage(stdout); exit(0);
		case OPT_CHECK: o->emit = EMIT_NONE; break;
		case OPT_EMIT:
			if (parse_emit(o, optarg) != 0)
				return usage_error("unknown --emit kind '%s' (ast, meta, obj)", optarg);
			break;
		case OPT_VERSION: printf("memcgc %s\n", MEMCGC_VERSION); exit(0);
		default:
			return usage_error("unknown or incomplete option '%s'", argv[optind - 1]);
		}
	}
	if (optind != argc - 1)
		return usage_error("%s", optind >= argc ? "no policy file given"
							: "give one policy file");
	o->input = argv[optind];
	return 0;
}

int main(int argc, char **argv)
{
	struct options o = { .emit = EMIT_OBJ };
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
	if (rc == 0 && o.emit == EMIT_OBJ) {
		fprintf(stderr, "memcgc: error: %s: code generation is not part of this build yet; "
			"use --check or --emit=ast\n", o.input);
		rc = 2;
	}
	policy_free(&p);
	return rc;
}
