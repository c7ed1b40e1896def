#include "load.h"

#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "parse.h"

enum { MAX_POLICY_FILE = 16 << 20 };
enum { MAX_IMPORT_DEPTH = 100 };        /* files importing one another, the main one first */

void policy_init(struct policy *p, FILE *diag_out)
{
	memset(p, 0, sizeof(*p));
	p->diag.out = diag_out;
	p->imports_allowed = 1;
	p->default_hold_ns = 1000000000;
}

void policy_free(struct policy *p)
{
	diag_flush(&p->diag);
	arena_free(&p->arena);
}

/* Reads the rest of f into the arena, at most MAX_POLICY_FILE bytes: regular files,
 * pipes, /dev/stdin and /proc files alike (the size stat gives is not trusted). */
static char *read_stream(struct arena *a, FILE *f, size_t *len)
{
	size_t cap = 65536, n = 0;
	char *buf = malloc(cap), *grown;
	while (buf) {
		n += fread(buf + n, 1, cap - n, f);
		if (n < cap || cap > MAX_POLICY_FILE)
			break;
		grown = realloc(buf, cap * 2);
		if (!grown)
			free(buf);
		buf = grown;
		cap *= 2;
	}
	int err = !buf ? ENOMEM : ferror(f) ? EIO : n > MAX_POLICY_FILE ? EFBIG : 0;
	char *text = err ? NULL : arena_alloc(a, n + 1);
	if (text)
		memcpy(text, buf, n);
	free(buf);
	*len = n;
	errno = err;
	return text;
}

/* Reads a whole file (`-`: standard input) into the arena; NULL with errno set on
 * failure. A directory is refused. */
static char *read_file(struct arena *a, const char *path, size_t *len)
{
	struct stat st;
	int is_stdin = strcmp(path, "-") == 0;
	FILE *f = is_stdin ? stdin : fopen(path, "rb");
	if (!f)
		return NULL;
	if (fstat(fileno(f), &st) == 0 && S_ISDIR(st.st_mode)) {
		if (!is_stdin)
			fclose(f);
		errno = EISDIR;
		return NULL;
	}
	char *text = read_stream(a, f, len);
	int err = errno;
	if (!is_stdin)
		fclose(f);
	errno = err;
	return text;
}

static const char *base_name(struct arena *a, const char *path)
{
	const char *slash = strrchr(path, '/');
	const char *base = slash ? slash + 1 : path;
	size_t len = strlen(base);
	if (len > 4 && strcmp(base + len - 4, ".mcp") == 0)
		len -= 4;
	return arena_strndup(a, base, len);
}

static struct src_file *new_file(struct policy *p, const char *path, const char *real,
				 const char *text, size_t len)
{
	struct src_file *f = arena_alloc(&p->arena, sizeof(*f));
	f->path = path;
	f->real = real;
	if (len >= 3 && memcmp(text, "\xef\xbb\xbf", 3) == 0) {  /* a UTF-8 BOM: not the text's */
		text += 3;
		len -= 3;
	}
	f->text = text;
	f->len = len;
	vec_push(&p->arena, &p->files, f);
	return f;
}

/* The chain of files being read, innermost last: a file already on it is a cycle. */
struct chain {
	const struct src_file *file;
	const struct chain *outer;
	int depth;                      /* the main file: 1 */
};

static void load_items(struct policy *p, struct src_file *f, const struct chain *outer);

static void add_decl(struct policy *p, const struct item *it)
{
	static const size_t where[] = {
		[D_CGROUP] = offsetof(struct policy, cgroups),
		[D_PARAM] = offsetof(struct policy, params),
		[D_DEFINE] = offsetof(struct policy, defines),
		[D_RULE] = offsetof(struct policy, rules),
	};
	vec_push(&p->arena, (struct vec *)((char *)p + where[it->kind]), it->decl);
}

static int is_file(const char *path)
{
	struct stat st;
	return stat(path, &st) == 0 && S_ISREG(st.st_mode);
}

/* Where `import "name"` in file `from` points: the importing file's directory, then each
 * -I directory, then the standard library. NULL when none has it. */
static const char *find_import(struct policy *p, const struct src_file *from, const char *name)
{
	if (name[0] == '/')
		return is_file(name) ? name : NULL;
	const char *slash = strrchr(from->path, '/');
	const char *path = slash ? arena_printf(&p->arena, "%.*s/%s", (int)(slash - from->path),
						from->path, name)
				 : name;
	if (is_file(path))
		return path;
	for (int i = 0; i < p->include_dirs.len; i++) {
		path = arena_printf(&p->arena, "%s/%s", (const char *)p->include_dirs.items[i], name);
		if (is_file(path))
			return path;
	}
	if (p->stdlib_dir) {
		path = arena_printf(&p->arena, "%s/%s", p->stdlib_dir, name);
		if (is_file(path))
			return path;
	}
	return NULL;
}

static void report_cycle(struct policy *p, const struct item *it, const char *real,
			 const struct chain *c)
{
	char trail[1024] = "";
	int len = 0;
	const struct chain *start = c;
	while (start && strcmp(start->file->real, real) != 0)
		start = start->outer;
	/* print from the file that is imported again down to the importer */
	const struct src_file *stack[64];
	int n = 0;
	for (const struct chain *k = c; k && n < 64; k = k->outer) {
		stack[n++] = k->file;
		if (k == start)
			break;
	}
	for (int i = n - 1; i >= 0; i--)
		len += snprintf(trail + len, sizeof(trail) - (size_t)len, "%s -> ", stack[i]->path);
	snprintf(trail + len, sizeof(trail) - (size_t)len, "%s", it->import_path);
	error_at(&p->diag, it->at, "import cycle: %s", trail);
}

static int on_chain(const struct chain *c, const char *real)
{
	for (; c; c = c->outer)
		if (strcmp(c->file->real, real) == 0)
			return 1;
	return 0;
}

static int already_loaded(const struct policy *p, const char *real)
{
	for (int i = 0; i < p->files.len; i++)
		if (strcmp(((const struct src_file *)p->files.items[i])->real, real) == 0)
			return 1;
	return 0;
}

static void load_import(struct policy *p, const struct item *it, const struct src_file *from,
			const struct chain *c)
{
	if (!p->imports_allowed) {
		error_at(&p->diag, it->at, "imports are not available here");
		return;
	}
	const char *path = find_import(p, from, it->import_path);
	if (!path) {
		error_at(&p->diag, it->at, "cannot find '%s'", it->import_path);
		diag_hint(&p->diag, "imports are looked up next to the importing file, then in "
			  "each -I directory, then in the standard library (%s)",
			  p->stdlib_dir ? p->stdlib_dir : "none");
		return;
	}
	char real[PATH_MAX];
	if (!realpath(path, real))
		snprintf(real, sizeof(real), "%s", path);
	if (on_chain(c, real)) {
		report_cycle(p, it, real, c);
		return;
	}
	if (already_loaded(p, real))
		return;
	if (c->depth >= MAX_IMPORT_DEPTH) {
		error_at(&p->diag, it->at, "imports are nested too deeply: more than %d files, each "
			 "imported by the one before", MAX_IMPORT_DEPTH);
		return;
	}
	size_t len;
	char *text = read_file(&p->arena, path, &len);
	if (!text) {
		error_at(&p->diag, it->at, "cannot read '%s': %s", path, strerror(errno));
		return;
	}
	struct src_file *f = new_file(p, path, arena_strdup(&p->arena, real), text, len);
	f->imported_from = from;
	f->import_site = it->at;
	load_items(p, f, c);
}

static void load_items(struct policy *p, struct src_file *f, const struct chain *outer)
{
	struct chain here = { f, outer, outer ? outer->depth + 1 : 1 };
	struct vec items = { 0 };
	parse_file(p, f, &items);
	for (int i = 0; i < items.len; i++) {
		const struct item *it = items.items[i];
		if (it->kind == D_IMPORT)
			load_import(p, it, f, &here);
		else
			add_decl(p, it);
	}
}

int load_policy_file(struct policy *p, const char *path)
{
	size_t len;
	char *text = read_file(&p->arena, path, &len);
	if (!text) {
		diag_error(&p->diag, "cannot read '%s': %s", path, strerror(errno));
		return -1;
	}
	char real[PATH_MAX];
	if (!realpath(path, real))
		snprintf(real, sizeof(real), "%s", path);
	p->name = base_name(&p->arena, path);
	load_items(p, new_file(p, path, arena_strdup(&p->arena, real), text, len), NULL);
	return 0;
}

void load_policy_text(struct policy *p, const char *name, const char *text, size_t len)
{
	char *copy = arena_strndup(&p->arena, text, len);
	p->name = base_name(&p->arena, name);
	load_items(p, new_file(p, name, name, copy, len), NULL);
}
