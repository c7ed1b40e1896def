#include "source.h"

#include <string.h>

const char *src_line(const struct src_file *f, int line, int *len)
{
	const char *p = f->text, *end = f->text + f->len;
	for (int n = 1; n < line && p < end; p++)
		if (*p == '\n')
			n++;
	const char *eol = memchr(p, '\n', (size_t)(end - p));
	*len = (int)((eol ? eol : end) - p);
	return p;
}

char *span_text(struct arena *a, struct span s)
{
	if (!s.file || s.line != s.end_line || s.end_col < s.col)
		return NULL;
	int len;
	const char *line = src_line(s.file, s.line, &len);
	if (s.end_col > len)
		return NULL;
	return arena_strndup(a, line + s.col - 1, (size_t)(s.end_col - s.col + 1));
}

static int before(int l1, int c1, int l2, int c2)
{
	return l1 < l2 || (l1 == l2 && c1 < c2);
}

struct span span_join(struct span a, struct span b)
{
	if (!a.file)
		return b;
	if (!b.file || a.file != b.file)
		return a;
	struct span s = a;
	if (before(b.line, b.col, a.line, a.col)) {
		s.line = b.line;
		s.col = b.col;
	}
	if (before(a.end_line, a.end_col, b.end_line, b.end_col)) {
		s.end_line = b.end_line;
		s.end_col = b.end_col;
	}
	return s;
}
