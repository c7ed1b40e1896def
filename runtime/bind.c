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

int64_t bind_size_pages(double bytes, double pages, long page_size)
{
	return llround(pages + ceil(bytes / (double)page_size));
}

int bind_param(const struct meta_param *p, const char *text, long page_size, int64_t *encoded,
	       char *why, int size)
{
	char *end;
	errno = 0;
	double number = strtod(text, &end);
	if (end == text || errno || !isfinite(number)) {
		snprintf(why, (size_t)size, "--set %s=%s: not a number", p->name, text);
		return -1;
	}
	while (*end == ' ')
		end++;
	int is_rate = *end == '/';
	const char *word = is_rate ? end + 1 : end;
	const struct unit *u = !*word ? NULL : is_rate ? rate_unit_find(word) : unit_find(word);
	if (*word && !u) {
		const char *alias = unit_alias(word);
		snprintf(why, (size_t)size, "--set %s=%s: unknown unit '%s'%s%s%s", p->name, text, word,
			 alias ? " (did you mean '" : "", alias ? alias : "", alias ? "'?)" : "");
		return -1;
	}
	struct value v = u ? unit_value(number, u, is_rate) : (struct value){ T_NUMBER, number, 0 };
	static const char *const types[] = { [T_NUMBER] = "number", [T_RATE] = "rate",
					     [T_SIZE] = "size", [T_DURATION] = "duration" };
	if (v.type > T_DURATION || strcmp(types[v.type], p->type) != 0) {
		snprintf(why, (size_t)size, "--set %s=%s: %s is a %s (default %s), not %s", p->name,
			 text, p->name, p->type, p->text, type_name(v.type));
		return -1;
	}
	if (v.type != T_NUMBER && (v.v < 0 || v.pages < 0)) {
		snprintf(why, (size_t)size, "--set %s=%s: cannot be negative", p->name, text);
		return -1;
	}
	switch (v.type) {
	case T_RATE: *encoded = llround(v.v * IR_RATE_SCALE); break;
	case T_NUMBER: *encoded = llround(v.v * IR_NUMBER_SCALE); break;
	case T_SIZE: *encoded = bind_size_pages(v.v, v.pages, page_size); break;
	default: *encoded = llround(v.v); break;
	}
	return 0;
}

/* a / b rounding toward zero, 0 when b is 0: BPF's division (compiler/emit.c sdiv). */
static int64_t div0(int64_t a, int64_t b)
{
	return b ? a / b : 0;
}

static int apply_op(const char *op, int64_t *stack, int *n)
{
	static const char *const ops[] = { "+", "-", "*", "/" };
	if (strcmp(op, "neg") == 0 && *n >= 1) {
		stack[*n - 1] = -stack[*n - 1];
		return 0;
	}
	for (int i = 0; i < 4 && *n >= 2; i++) {
		if (strcmp(op, ops[i]) != 0)
			continue;
		int64_t a = stack[*n - 2], b = stack[*n - 1];
		int64_t results[] = { a + b, a - b, div0(a * b, IR_NUMBER_SCALE),
				      div0(a * IR_NUMBER_SCALE, b) };
		stack[*n - 2] = results[i];
		(*n)--;
		return 0;
	}
	return -1;
}

int bind_eval(const char *rpn, const int64_t *params, int nparams, long page_size,
	      int64_t *value, uint64_t *uses)
{
	int64_t stack[32];
	int n = 0;
	char word[64];
	*uses = 0;
	for (const char *s = rpn; *s; s += strspn(s, " ")) {
		size_t len = strcspn(s, " ");
		snprintf(word, sizeof(word), "%.*s", (int)len, s);
		s += len;
		double bytes, pages;
		int index;
		if (n == 32)
			return -1;
		if (sscanf(word, "p%d", &index) == 1 && index >= 0 && index < nparams) {
			stack[n++] = params[index];
			*uses |= index < 64 ? 1ULL << index : 0;
		} else if (word[0] == 'k') {
			stack[n++] = strtoll(word + 1, NULL, 10);
		} else if (sscanf(word, "z%lf+%lf", &bytes, &pages) == 2) {
			stack[n++] = bind_size_pages(bytes, pages, page_size);
		} else if (apply_op(word, stack, &n) != 0) {
			return -1;
		}
	}
	if (n != 1)
		return -1;
	*value = stack[0];
	return 0;
}
