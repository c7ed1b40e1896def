#define _GNU_SOURCE    /* asprintf() */
#include "bind.h"

#include <dirent.h>
#include <fcntl.h>
#include <stdarg.h>
#include <unistd.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/vfs.h>

#include "lower.h"
#include "units.h"

#define DIR_FLAGS (O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC)
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

/* Depth-first search below directory `dfd` (named `dir`) for a directory named `name`:
 * its path, allocated, or NULL. Directories are opened relative to their parent. */
static char *find_dir(int dfd, const char *dir, const char *name, int depth)
{
	DIR *d = depth < 16 ? fdopendir(dfd) : NULL;
	struct dirent *de;
	char *found = NULL;
	if (!d)
		close(dfd);
	while (d && !found && (de = readdir(d))) {
		if (de->d_type != DT_DIR || de->d_name[0] == '.')
			continue;
		char *sub;
		if (asprintf(&sub, "%s/%s", dir, de->d_name) < 0)
			break;
		int subfd = -1;
		if (strcmp(de->d_name, name) == 0)
			found = sub, sub = NULL;
		else if ((subfd = openat(dirfd(d), de->d_name, DIR_FLAGS)) >= 0)
			found = find_dir(subfd, sub, name, depth + 1);
		free(sub);
	}
	if (d)
		closedir(d);
	return found;
}

/* The path PATH names: absolute, a systemd unit below the root, or under the root. */
static char *resolve(const char *root, const char *path)
{
	char *out = NULL;
	if (is_unit_name(path)) {
		int fd = open(root, DIR_FLAGS);
		return fd >= 0 ? find_dir(fd, root, path, 0) : NULL;
	}
	int n = path[0] == '/' ? asprintf(&out, "%s", path) : asprintf(&out, "%s/%s", root, path);
	return n < 0 ? NULL : out;
}

/* Why the open directory `fd` is not a cgroup of the memory controller's hierarchy the
 * binding uses (its cgroup files, memory.stat, are there on v1 and v2), or NULL. */
static const char *not_memory_cgroup(const struct binding *b, int fd)
{
	struct stat st;
	struct statfs fs;
	if (fstat(fd, &st) != 0 || !S_ISDIR(st.st_mode) || fstatfs(fd, &fs) != 0 ||
	    (fs.f_type != CGROUP2_SUPER_MAGIC && fs.f_type != CGROUP_SUPER_MAGIC))
		return "is not a cgroup directory";
	if (fs.f_type != (b->v1 ? CGROUP_SUPER_MAGIC : CGROUP2_SUPER_MAGIC))
		return b->v1 ? "is on the cgroup v2 hierarchy; this machine's memory controller is on "
			       "cgroup v1 (under " CGROUP1_MEMORY_ROOT ")" :
			       "is on the cgroup v1 hierarchy; memcg_bpf_ops attaches to cgroup v2 memory "
			       "cgroups (under " CGROUP2_ROOT ")";
	if (faccessat(fd, "memory.stat", F_OK, 0) != 0)
		return b->v1 ? "is on a cgroup v1 hierarchy without the memory controller (bind a cgroup "
			       "under " CGROUP1_MEMORY_ROOT ")" :
			       "does not have the memory controller (enable it in its parent's "
			       "cgroup.subtree_control)";
	return NULL;
}

static int bind_error(char **why, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static int bind_error(char **why, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	if (vasprintf(why, fmt, ap) < 0)
		*why = NULL;
	va_end(ap);
	return -1;
}

/* The open directory PATH names, or -1 with the reason in *why. */
static int open_cgroup(const struct binding *b, const struct meta_cgroup *c, const char *path,
		       char **why)
{
	int fd = open(path, DIR_FLAGS);
	if (fd < 0)
		return bind_error(why, errno == ENOENT ? "cgroup %s: %s does not exist (create it, or "
				  "bind another with --cgroup %s=PATH)" : "cgroup %s: %s: %s", c->name,
				  path, errno == ENOENT ? c->name : strerror(errno));
	const char *wrong = not_memory_cgroup(b, fd);
	if (wrong) {
		close(fd);
		return bind_error(why, "cgroup %s: %s %s", c->name, path, wrong);
	}
	return fd;
}

int bind_cgroup(struct binding *b, const struct meta_cgroup *c, const char *path, char **why)
{
	const char *root = b->v1 ? CGROUP1_MEMORY_ROOT : CGROUP2_ROOT;
	struct bound_cgroup *bc = &b->cgroups[c->slot];
	if (!path[0])
		return bind_error(why, "cgroup %s: the path is empty (give --cgroup %s=PATH; the root "
				  "cgroup is %s)", c->name, c->name, root);
	char *resolved = resolve(root, path);
	if (!resolved)
		return bind_error(why, is_unit_name(path) ? "cgroup %s: no systemd unit '%s' under %s" :
				  "cgroup %s: cannot resolve '%s' under %s", c->name, path, root);
	struct stat st;
	int fd = open_cgroup(b, c, resolved, why);
	if (fd < 0 || fstat(fd, &st) != 0) {
		if (fd >= 0)
			close(fd);
		free(resolved);
		return -1;
	}
	bind_release(bc);
	bc->decl = c;
	bc->path = resolved;
	bc->fd = fd;
	bc->id = st.st_ino;
	if (c->slot >= b->ncgroups)
		b->ncgroups = c->slot + 1;
	return 0;
}

int bind_recheck(struct binding *b, int slot)
{
	struct bound_cgroup *bc = &b->cgroups[slot];
	struct stat st;
	if (!bc->path || (stat(bc->path, &st) == 0 && st.st_ino == bc->id && !bc->gone))
		return BIND_SAME;
	int fd = open(bc->path, DIR_FLAGS);
	if (fd < 0 || not_memory_cgroup(b, fd) || fstat(fd, &st) != 0) {
		if (fd >= 0)
			close(fd);
		int was = bc->gone;
		bc->gone = 1;
		return was ? BIND_SAME : BIND_GONE;
	}
	close(bc->fd);
	bc->fd = fd;
	bc->id = st.st_ino;
	bc->gone = 0;
	return BIND_NEW;
}

/* The lock directory must be this user's and writable by nobody else. */
static int lock_dir_ok(void)
{
	struct stat st;
	mkdir(BIND_LOCK_DIR, 0755);
	return lstat(BIND_LOCK_DIR, &st) == 0 && S_ISDIR(st.st_mode) &&
	       (st.st_uid == 0 || st.st_uid == geteuid()) && !(st.st_mode & 022);
}

/* Another bound slot of this run on the same cgroup holds its lock already. */
static int locked_here(const struct binding *b, int slot)
{
	for (int s = 0; s < b->ncgroups; s++)
		if (s != slot && b->cgroups[s].locked && b->cgroups[s].id == b->cgroups[slot].id)
			return 1;
	return 0;
}

static int busy_error(const struct binding *b, const struct bound_cgroup *bc, int fd, const char *name,
		      char **why)
{
	char pid[32] = "";
	ssize_t n = pread(fd, pid, sizeof(pid) - 1, 0);
	pid[n > 0 ? strcspn(pid, "\n") : 0] = 0;
	return bind_error(why, "cgroup %s (%s) is already driven by memcg-run (pid %s, lock %s): "
			  "stop that one first%s", bc->decl->name, bc->path, pid[0] ? pid : "?", name,
			  b->hooks ? ", or give --allow-override where the kernel allows a second "
			  "memcg_bpf_ops below" : "");
}

/* Where the lock file is root's: held shared (a root run then sees it busy), or, if there
 * is none, no lock. */
static int shared_lock(const struct binding *b, struct bound_cgroup *bc, char *name, char **why)
{
	int fd = open(name, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	int rc = fd >= 0 && flock(fd, LOCK_SH | LOCK_NB) != 0 ? busy_error(b, bc, fd, name, why) : 0;
	if (fd >= 0 && rc == 0)
		bc->lock = fd, bc->locked = 1;
	else if (fd >= 0)
		close(fd);
	free(name);
	return rc;
}

int bind_lock(struct binding *b, int slot, char **why)
{
	struct bound_cgroup *bc = &b->cgroups[slot];
	char *name = NULL;
	if (bc->locked || locked_here(b, slot))
		return 0;
	if (!lock_dir_ok() || asprintf(&name, BIND_LOCK_DIR "/cgroup%d-%llu.lock", b->v1 ? 1 : 2,
				       (unsigned long long)bc->id) < 0)
		return bind_error(why, "cannot lock cgroup %s: " BIND_LOCK_DIR " is not a directory of "
				  "this user's that only it can write", bc->decl->name);
	int fd = open(name, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0644);
	if (fd < 0 && errno == EACCES)  /* a user with capabilities, not root: a shared lock on */
		return shared_lock(b, bc, name, why);      /* root's file, if there is one */
	if (fd >= 0 && flock(fd, LOCK_EX | LOCK_NB) == 0 && ftruncate(fd, 0) == 0 &&
	    dprintf(fd, "%d\n", (int)getpid()) > 0) {
		free(name);
		bc->lock = fd;
		bc->locked = 1;
		return 0;
	}
	int rc = fd >= 0 && errno == EWOULDBLOCK ? busy_error(b, bc, fd, name, why) :
		 bind_error(why, "cannot lock cgroup %s: %s: %s", bc->decl->name, name, strerror(errno));
	if (fd >= 0)
		close(fd);
	free(name);
	return rc;
}

void bind_release(struct bound_cgroup *bc)
{
	if (bc->path)
		close(bc->fd);
	free(bc->path);
	bc->path = NULL;
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

/* Every cgroup in the subtree of directory `dfd` (closed here), opened relative to it. */
static void walk(struct binding *b, int dfd, int slot, int depth)
{
	struct stat st;
	DIR *d = depth <= 64 && fstat(dfd, &st) == 0 ? fdopendir(dfd) : NULL;
	if (!d) {
		close(dfd);
		return;
	}
	add_id(b, st.st_ino, slot);
	struct dirent *de;
	while ((de = readdir(d))) {
		int sub = de->d_type == DT_DIR && de->d_name[0] != '.' ?
			  openat(dirfd(d), de->d_name, DIR_FLAGS) : -1;
		if (sub >= 0)
			walk(b, sub, slot, depth + 1);
	}
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
		if (b->cgroups[s].path && !b->cgroups[s].gone)
			walk(b, openat(b->cgroups[s].fd, ".", DIR_FLAGS), s, 0);
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
	if (!type_word(v.type) || strcmp(type_word(v.type), p->type) != 0) {
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
