#include "bind.h"

#include <dirent.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/vfs.h>

#include "lower.h"
#include "units.h"

#define CGROUP_SUPER_MAGIC 0x27e0eb
#define CGROUP2_SUPER_MAGIC 0x63677270

static int is_unit_name(const char *s)
{
	static const char *const suffixes[] = { ".slice", ".service", ".scope" };
	size_t len = strlen(s);
	for (size_t i = 0; i < sizeof(suffixes) / sizeof(suffixes[0]); i++) {
		size_t n = strlen(suffixes[i]);
		if (!strchr(s, '/') && len > n && strcmp(s + len - n, suffixes[i]) == 0)
			return 1;
	}
	return 0;
}

/* Depth-first search for a directory named `name` below `dir`. */
static int find_dir(const char *dir, const char *name, char *out, size_t size, int depth)
{
	DIR *d = depth < 16 ? opendir(dir) : NULL;
	struct dirent *de;
	int found = 0;
	while (d && !found && (de = readdir(d))) {
		if (de->d_type != DT_DIR || de->d_name[0] == '.')
			continue;
		char sub[1024];
		snprintf(sub, sizeof(sub), "%s/%s", dir, de->d_name);
		if (strcmp(de->d_name, name) == 0) {
			size_t len = strlen(sub);
			if (len < size) {       /* a longer path cannot be bound: keep looking */
				memcpy(out, sub, len + 1);
				found = 1;
			}
		} else {
			found = find_dir(sub, name, out, size, depth + 1);
		}
	}
	if (d)
		closedir(d);
	return found;
}

int bind_cgroup(struct binding *b, const struct meta_cgroup *c, const char *path, char *why,
		int size)
{
	const char *root = b->v1 ? CGROUP1_MEMORY_ROOT : CGROUP2_ROOT;
	struct bound_cgroup *bc = &b->cgroups[c->slot];
	bc->decl = c;
	if (c->slot >= b->ncgroups)
		b->ncgroups = c->slot + 1;
	if (is_unit_name(path)) {
		if (!find_dir(root, path, bc->path, sizeof(bc->path), 0)) {
			snprintf(why, (size_t)size, "cgroup %s: no systemd unit '%s' under %s", c->name,
				 path, root);
			return -1;
		}
	} else if (path[0] == '/') {
		snprintf(bc->path, sizeof(bc->path), "%s", path);
	} else {
		snprintf(bc->path, sizeof(bc->path), "%s/%s", root, path);
	}
	struct stat st;
	struct statfs fs;
	if (stat(bc->path, &st) != 0) {
		snprintf(why, (size_t)size, "cgroup %s: %s does not exist (create it, or bind another "
			 "with --cgroup %s=PATH)", c->name, bc->path, c->name);
		return -1;
	}
	if (!S_ISDIR(st.st_mode) || statfs(bc->path, &fs) != 0 ||
	    (fs.f_type != CGROUP2_SUPER_MAGIC && fs.f_type != CGROUP_SUPER_MAGIC)) {
		snprintf(why, (size_t)size, "cgroup %s: %s is not a cgroup directory", c->name, bc->path);
		return -1;
	}
	if (fs.f_type != (b->v1 ? CGROUP_SUPER_MAGIC : CGROUP2_SUPER_MAGIC)) {
		snprintf(why, (size_t)size, "cgroup %s: %s is on the cgroup %s hierarchy; %s", c->name,
			 bc->path, b->v1 ? "v2" : "v1",
			 b->v1 ? "this machine's memory controller is on cgroup v1 (under "
				 CGROUP1_MEMORY_ROOT ")" :
				 "memcg_bpf_ops attaches to cgroup v2 memory cgroups (under "
				 CGROUP2_ROOT ")");
		return -1;
	}
	bc->id = st.st_ino;
	return 0;
}

static int find_id(const struct binding *b, uint64_t id)
{
	for (int i = 0; i < b->nids; i++)
		if (b->ids[i] == id)
			return i;
	return -1;
}

static void add_id(struct binding *b, uint64_t id, int slot)
{
	int i = find_id(b, id);
	if (i < 0 && b->nids < BIND_MAX_IDS) {
		i = b->nids++;
		b->ids[i] = id;
		b->masks[i] = 0;
	}
	if (i >= 0)
		b->masks[i] |= 1ULL << slot;
}

static void walk(struct binding *b, const char *dir, int slot, int depth)
{
	struct stat st;
	if (depth > 64 || stat(dir, &st) != 0)
		return;
	add_id(b, st.st_ino, slot);
	DIR *d = opendir(dir);
	struct dirent *de;
	while (d && (de = readdir(d))) {
		if (de->d_type != DT_DIR || de->d_name[0] == '.')
			continue;
		char sub[1024];
		snprintf(sub, sizeof(sub), "%s/%s", dir, de->d_name);
		walk(b, sub, slot, depth + 1);
	}
	if (d)
		closedir(d);
}

int bind_scan(struct binding *b, int *added, int *removed)
{
	static struct binding old;
	memcpy(old.ids, b->ids, sizeof(b->ids));
	memcpy(old.masks, b->masks, sizeof(b->masks));
	old.nids = b->nids;
	b->nids = 0;
	for (int s = 0; s < b->ncgroups; s++)
		if (b->cgroups[s].path[0])
			walk(b, b->cgroups[s].path, s, 0);
	int add = 0, del = 0;
	for (int i = 0; i < b->nids; i++) {
		int j = find_id(&old, b->ids[i]);
		add += j < 0 || old.masks[j] != b->masks[i];
	}
	for (int j = 0; j < old.nids; j++)
		del += find_id(b, old.ids[j]) < 0;
	if (added)
		*added = add;
	if (removed)
		*removed = del;
	return add + del;
}

int64_t bind_size_pages(int64_t bytes, int64_t pages, long page_size)
{
	return pages + (bytes + page_size - 1) / page_size;
}

/* A size in pages of this machine, or -1 when it does not fit (units.h range_of_size). */
static int size_pages(int64_t bytes, int64_t pages, long page_size, int64_t *out)
{
	struct range r;
	if (range_of_size(bytes, pages, &r) != 0)
		return -1;
	*out = bind_size_pages(bytes, pages, page_size);
	return 0;
}

int bind_param(const struct meta_param *p, const char *text, long page_size, int64_t *encoded,
	       char *why, int size)
{
	struct value v;
	const char *reason, *word;
	if (quantity_parse(text, &v, &reason, &word) != 0) {
		const char *alias = word ? unit_alias(word) : NULL;
		if (word)
			snprintf(why, (size_t)size, "--set %s=%s: unknown unit '%s'%s%s%s", p->name, text,
				 word, alias ? " (did you mean '" : "", alias ? alias : "",
				 alias ? "'?)" : "");
		else
			snprintf(why, (size_t)size, "--set %s=%s: %s", p->name, text, reason);
		return -1;
	}
	static const char *const types[] = { [T_NUMBER] = "number", [T_RATE] = "rate",
					     [T_SIZE] = "size", [T_DURATION] = "duration" };
	if (v.type > T_DURATION || strcmp(types[v.type], p->type) != 0) {
		snprintf(why, (size_t)size, "--set %s=%s: %s is a %s (default %s), not %s", p->name,
			 text, p->name, p->type, p->text, type_name(v.type));
		return -1;
	}
	*encoded = v.v;
	if (v.type == T_SIZE && size_pages(v.v, v.pages, page_size, encoded) != 0) {
		snprintf(why, (size_t)size, "--set %s=%s: out of range: a size is at most "
			 "9223372036854775807 B or pages", p->name, text);
		return -1;
	}
	return 0;
}

/* An operator token: + - * / neg (range_apply), c (a comparison, `and`, `or`: 0 or 1),
 * ! (`not`). */
static int range_token_op(const char *op, struct range *stack, int *n)
{
	static const struct { const char *word; char op; int arity; } ops[] = {
		{ "+", '+', 2 }, { "-", '-', 2 }, { "*", '*', 2 }, { "/", '/', 2 }, { "neg", 'n', 1 },
		{ "c", 'c', 2 }, { "!", '!', 1 },
	};
	for (size_t i = 0; i < sizeof(ops) / sizeof(ops[0]); i++) {
		if (strcmp(op, ops[i].word) != 0)
			continue;
		if (*n < ops[i].arity)
			return -1;
		struct range a = stack[*n - ops[i].arity], b = stack[*n - 1], r = { 0, 1 };
		if (ops[i].op != 'c' && ops[i].op != '!' && range_apply(ops[i].op, a, b, &r) != 0)
			return -2;
		*n -= ops[i].arity - 1;
		stack[*n - 1] = r;
		return 0;
	}
	return -1;
}

/* One token of an `expr` record, pushed as the range of values it stands for; the ops go
 * through range_apply (units.h), the check memcgc makes. 0, -1 malformed, -2 overflow. */
static int range_token(const char *word, const int64_t *params, int nparams, long page_size,
		       struct range *stack, int *n, uint64_t *uses)
{
	long long bytes, pages;
	int index;
	if (sscanf(word, "p%d", &index) == 1 && index >= 0 && index < nparams) {
		stack[(*n)++] = (struct range){ params[index], params[index] };
		*uses |= index < 64 ? 1ULL << index : 0;
	} else if (word[0] == 'k') {
		int64_t k = strtoll(word + 1, NULL, 10);
		stack[(*n)++] = (struct range){ k, k };
	} else if (sscanf(word, "z%lld+%lld", &bytes, &pages) == 2) {
		int64_t v;
		if (size_pages(bytes, pages, page_size, &v) != 0)
			return -2;
		stack[(*n)++] = (struct range){ v, v };
	} else if (strcmp(word, "s") == 0) {
		stack[(*n)++] = (struct range){ 0, SIGNAL_MAX_RATE };
	} else {
		return range_token_op(word, stack, n);
	}
	return 0;
}

int bind_eval(const char *rpn, const int64_t *params, int nparams, long page_size,
	      struct range *value, uint64_t *uses)
{
	struct range *stack = malloc(sizeof(*stack) * (strlen(rpn) / 2 + 1));  /* >= tokens */
	int n = 0, rc = stack ? 0 : -1;
	*uses = 0;
	for (const char *s = rpn; *s && rc == 0; s += strspn(s, " ")) {
		size_t len = strcspn(s, " ");
		char word[48];
		if (len >= sizeof(word)) {
			rc = -1;
			break;
		}
		memcpy(word, s, len);
		word[len] = 0;
		s += len;
		rc = range_token(word, params, nparams, page_size, stack, &n, uses);
	}
	if (rc == 0 && n != 1)
		rc = -1;
	if (rc == 0)
		*value = stack[0];
	free(stack);
	return rc;
}
