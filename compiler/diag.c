#include "diag.h"

#include <stdarg.h>
#include <string.h>

enum { MAX_ERRORS_SHOWN = 100 };

static const char *level_name[] = {
	[DIAG_ERROR] = "error", [DIAG_WARNING] = "warning", [DIAG_NOTE] = "note",
};

static int muted(const struct diag_sink *d)
{
	return !d->out || d->errors > MAX_ERRORS_SHOWN;
}

static void print_import_chain(FILE *out, const struct src_file *f)
{
	const char *lead = "In file imported from";
	for (; f && f->imported_from; f = f->imported_from) {
		struct span at = f->import_site;
		fprintf(out, "%s %s:%d:%d:\n", lead, at.file->path, at.line, at.col);
		lead = "                 from";
	}
}

/* The source line, then a caret under the span's first column and `~` under the rest of
 * it on that line. Tabs are copied so that the caret lines up with the text above. */
static void print_snippet(FILE *out, struct span at)
{
	int len;
	const char *line = src_line(at.file, at.line, &len);
	if (len > 0 && line[len - 1] == '\r')         /* a CRLF line: not echoed as ^M */
		len--;
	int width = snprintf(NULL, 0, "%d", at.line);  /* from line 100000 on: wider */
	width = width < 5 ? 5 : width;
	fprintf(out, "%*d | %.*s\n%*s | ", width, at.line, len, line, width, "");
	int last = at.end_line == at.line ? at.end_col : len;
	if (last < at.col)
		last = at.col;
	for (int c = 1; c < at.col; c++)
		fputc(c <= len && line[c - 1] == '\t' ? '\t' : ' ', out);
	fputc('^', out);
	for (int c = at.col + 1; c <= last; c++)
		fputc('~', out);
	fputc('\n', out);
}

void diag_at(struct diag_sink *d, enum diag_level level, struct span at, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	diag_vat(d, level, at, fmt, ap);
	va_end(ap);
}

void diag_vat(struct diag_sink *d, enum diag_level level, struct span at, const char *fmt,
	      va_list ap)
{
	int counts = level == DIAG_ERROR || (level == DIAG_WARNING && d->werror);
	if (level == DIAG_ERROR)
		d->hard_errors++;
	if (counts)
		d->errors++;
	else if (level == DIAG_WARNING)
		d->warnings++;
	/* the error past the limit says so (muted() is already true for it) */
	if (d->out && counts && d->errors == MAX_ERRORS_SHOWN + 1)
		fputs("memcgc: too many errors; stopping here\n", d->out);
	if (muted(d))
		return;
	if (level != DIAG_NOTE)
		print_import_chain(d->out, at.file);
	if (at.file)
		fprintf(d->out, "%s:%d:%d: ", at.file->path, at.line, at.col);
	fprintf(d->out, "%s: ", level_name[level]);
	vfprintf(d->out, fmt, ap);
	fputc('\n', d->out);
	if (at.file)
		print_snippet(d->out, at);
}

/* One line without a source position: PREFIX MESSAGE. */
static void print_line(struct diag_sink *d, const char *prefix, const char *fmt, va_list ap)
{
	if (muted(d))
		return;
	fputs(prefix, d->out);
	vfprintf(d->out, fmt, ap);
	fputc('\n', d->out);
}

void diag_hint(struct diag_sink *d, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	print_line(d, "hint: ", fmt, ap);
	va_end(ap);
}

void diag_error(struct diag_sink *d, const char *fmt, ...)
{
	d->errors++;
	d->hard_errors++;
	va_list ap;
	va_start(ap, fmt);
	print_line(d, "memcgc: error: ", fmt, ap);
	va_end(ap);
}

/* Optimal string alignment distance, ignoring case; names are short, so the quadratic
 * table on the stack is fine (longer names are never typo candidates). */
static int edit_distance(const char *a, const char *b)
{
	enum { MAX = 40 };
	int la = (int)strlen(a), lb = (int)strlen(b);
	if (la >= MAX || lb >= MAX)
		return MAX;
	int t[MAX + 1][MAX + 1];
	for (int i = 0; i <= la; i++)
		t[i][0] = i;
	for (int j = 0; j <= lb; j++)
		t[0][j] = j;
	for (int i = 1; i <= la; i++) {
		for (int j = 1; j <= lb; j++) {
			int ca = a[i - 1] | 0x20, cb = b[j - 1] | 0x20;
			int best = t[i - 1][j - 1] + (ca != cb);
			if (t[i - 1][j] + 1 < best)
				best = t[i - 1][j] + 1;
			if (t[i][j - 1] + 1 < best)
				best = t[i][j - 1] + 1;
			if (i > 1 && j > 1 && ca == (b[j - 2] | 0x20) && (a[i - 2] | 0x20) == cb &&
			    t[i - 2][j - 2] + 1 < best)
				best = t[i - 2][j - 2] + 1;
			t[i][j] = best;
		}
	}
	return t[la][lb];
}

const char *closest_name(const char *name, const char *const *candidates, int n)
{
	const char *best = NULL;
	int best_distance = (int)strlen(name) / 4 + 1;  /* about one typo per four letters */
	if (best_distance > 3)
		best_distance = 3;
	for (int i = 0; i < n; i++) {
		int dist = edit_distance(name, candidates[i]);
		if (dist <= best_distance && strcmp(name, candidates[i]) != 0 &&
		    (!best || dist < best_distance)) {
			best = candidates[i];
			best_distance = dist;
		}
	}
	return best;
}
