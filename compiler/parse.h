/* The parser's entry point: one file's text to a list of top-level items. */
#ifndef MEMCGC_PARSE_H
#define MEMCGC_PARSE_H

#include "ast.h"

struct item {
	enum decl_kind kind;
	void *decl;                     /* struct cgroup_decl *, ..., struct rule * */
	const char *import_path;        /* D_IMPORT: the string as written */
	struct span at;
};

/* Parses `f`, appending its items (struct item *) to `items` in source order. Syntax
 * errors are reported to p->diag; returns how many there were. */
int parse_file(struct policy *p, const struct src_file *f, struct vec *items);

#endif
