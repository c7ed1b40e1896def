#include "diag.h"

#include <limits.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

enum { MAX_ERRORS_SHOWN = 100 };

/* An error or warning with its notes and hints, rendered, waiting for diag_flush. */
struct diag_group {
	int file_rank, line, col;
	size_t seq;
	char *text;
	size_t len;
};

struct diag_pending {
	struct diag_group *groups;
	size_t n, cap;
	FILE *open;                     /* the last group's stream, still being written */
	const struct src_file **files;  /* the rank of a file: its index here */
	int nfiles;
	int stopped;                    /* the "too many errors" line is due */
};

static int file_rank(struct diag_pending *q, const struct src_file *f)
{
	if (!f)
		return INT_MAX;
	for (int i = 0; i < q->nfiles; i++)
		if (q->files[i] == f)
			return i;
	const struct src_file **files = realloc(q->files, sizeof(*files) * (size_t)(q->nfiles + 1));
	if (!files)
		return q->nfiles;
	q->files = files;
	q->files[q->nfiles] = f;
	return q->nfiles++;
}

static void close_group(struct diag_pending *q)
{
	if (q->open)
		fclose(q->open);
	q->open = NULL;
}

/* Where the next lines go: a new group for an error or a warning, else the open one. */
static FILE *group_stream(struct diag_sink *d, int new_group, struct span at)
{
	if (!d->pending)
		d->pending = calloc(1, sizeof(*d->pending));
	struct diag_pending *q = d->pending;
	if (!q || (!new_group && !q->open))
		return d->out;
	if (!new_group)
		return q->open;
	close_group(q);
	if (q->n == q->cap) {
		size_t cap = q->cap ? q->cap * 2 : 16;
		struct diag_group *g = realloc(q->groups, cap * sizeof(*g));
		if (!g)
			return d->out;
		q->groups = g;
		q->cap = cap;
	}
	struct diag_group *g = &q->groups[q->n];
	*g = (struct diag_group){ file_rank(q, at.file), at.line, at.col, q->n, NULL, 0 };
	q->open = open_memstream(&g->text, &g->len);
	if (!q->open)
		return d->out;
	q->n++;
	return q->open;
}

static int group_order(const void *pa, const void *pb)
{
	const struct diag_group *a = pa, *b = pb;
	int keys[][2] = { { a->file_rank, b->file_rank }, { a->line, b->line },
			  { a->col, b->col } };
	for (size_t i = 0; i < sizeof(keys) / sizeof(keys[0]); i++)
		if (keys[i][0] != keys[i][1])
			return keys[i][0] < keys[i][1] ? -1 : 1;
	return a->seq < b->seq ? -1 : a->seq > b->seq;
}

void diag_flush(struct diag_sink *d)
{
	struct diag_pending *q = d->pending;
	if (!q)
		return;
	close_group(q);
	qsort(q->groups, q->n, sizeof(*q->groups), group_order);
	for (size_t i = 0; i < q->n; i++) {
		if (d->out)
			fwrite(q->groups[i].text, 1, q->groups[i].len, d->out);
		free(q->groups[i].text);
	}
	if (d->out && q->stopped)
		fputs("memcgc: too many errors; stopping here\n", d->out);
	free(q->groups);
	free(q->files);
	free(q);
	d->pending = NULL;
}

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
	/* the error past the limit says so, after the others (muted() is already true for
	 * it) */
	if (d->out && counts && d->errors == MAX_ERRORS_SHOWN + 1) {
		group_stream(d, 0, at);
		if (d->pending)
			d->pending->stopped = 1;
	}
	if (muted(d))
		return;
	FILE *out = group_stream(d, level != DIAG_NOTE, at);
	if (level != DIAG_NOTE)
		print_import_chain(out, at.file);
	if (at.file)
		fprintf(out, "%s:%d:%d: ", at.file->path, at.line, at.col);
	fprintf(out, "%s: ", level_name[level]);
	vfprintf(out, fmt, ap);
	fputc('\n', out);
	if (at.file)
		print_snippet(out, at);
}

/* One line without a source position: PREFIX MESSAGE. */
static void print_line(struct diag_sink *d, FILE *out, const char *prefix, const char *fmt,
		       va_list ap)
{
	if (muted(d))
		return;
	fputs(prefix, out);
	vfprintf(out, fmt, ap);
	fputc('\n', out);
}

void diag_hint(struct diag_sink *d, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	if (!muted(d))
		print_line(d, group_stream(d, 0, (struct span){ 0 }), "hint: ", fmt, ap);
	va_end(ap);
}

void diag_error(struct diag_sink *d, const char *fmt, ...)
{
	d->errors++;
	d->hard_errors++;
	va_list ap;
	va_start(ap, fmt);
	diag_flush(d);          /* what came before it is printed before it */
	print_line(d, d->out, "memcgc: error: ", fmt, ap);
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
