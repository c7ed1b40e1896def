/* Diagnostics: `FILE:LINE:COL: error: MESSAGE`, the source line, a caret and underline under
 * the span, then any note or hint lines. Rendered here and nowhere else. */
#ifndef MEMCGC_DIAG_H
#define MEMCGC_DIAG_H

#include <stdarg.h>
#include <stdio.h>

#include "source.h"

enum diag_level { DIAG_ERROR, DIAG_WARNING, DIAG_NOTE };

struct diag_sink {
	FILE *out;              /* NULL: count only */
	int errors, warnings;
	int hard_errors;        /* errors that are not promoted warnings */
	int werror;             /* warnings count as errors */
	struct diag_pending *pending;   /* printed by diag_flush, in source order */
};

#define DIAG_FMT(a, b) __attribute__((format(printf, a, b)))

void diag_at(struct diag_sink *d, enum diag_level level, struct span at, const char *fmt, ...)
	DIAG_FMT(4, 5);
void diag_vat(struct diag_sink *d, enum diag_level level, struct span at, const char *fmt,
	      va_list ap);
#define error_at(d, at, ...)   diag_at(d, DIAG_ERROR, at, __VA_ARGS__)
#define warning_at(d, at, ...) diag_at(d, DIAG_WARNING, at, __VA_ARGS__)
#define note_at(d, at, ...)    diag_at(d, DIAG_NOTE, at, __VA_ARGS__)
/* A `hint:` line for the diagnostic just reported. */
void diag_hint(struct diag_sink *d, const char *fmt, ...) DIAG_FMT(2, 3);
/* An error with no source position: `memcgc: error: MESSAGE`. */
void diag_error(struct diag_sink *d, const char *fmt, ...) DIAG_FMT(2, 3);

/* Prints the diagnostics held so far, sorted by file (in the order files were first
 * reported on), line and column; notes and hints stay with theirs. */
void diag_flush(struct diag_sink *d);

/* The closest candidate to `name` (by edit distance, small enough to be a likely typo),
 * or NULL. */
const char *closest_name(const char *name, const char *const *candidates, int n);

#endif
