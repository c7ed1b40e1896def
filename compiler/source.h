/* Source files and positions in them. `struct span` is also the parser's location type,
 * so no file but the grammar's own needs bison's headers. */
#ifndef MEMCGC_SOURCE_H
#define MEMCGC_SOURCE_H

#include <stddef.h>

#include "arena.h"

struct src_file;

struct span {
	const struct src_file *file;
	int line, col;          /* first character, 1-based */
	int end_line, end_col;  /* last character, inclusive */
};

struct src_file {
	const char *path;       /* as the user or the import named it */
	const char *real;       /* canonical path: identity for imports */
	const char *text;       /* NUL-terminated contents */
	size_t len;
	const struct src_file *imported_from;  /* NULL for the main file */
	struct span import_site;
};

/* The text of line `line` (1-based) of `f`, without its newline; its length in *len. */
const char *src_line(const struct src_file *f, int line, int *len);
/* The source text a span covers when it lies on one line, else NULL. */
char *span_text(struct arena *a, struct span s);
/* The smallest span covering both. */
struct span span_join(struct span a, struct span b);

#endif
