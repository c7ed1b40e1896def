/* Binding a policy to this machine: its cgroups to real cgroups (and their descendants),
 * its parameters to values, with the compiler's units. */
#ifndef MEMCGC_BIND_H
#define MEMCGC_BIND_H

#include <stdint.h>

#include "meta.h"
#include "units.h"

#define CGROUP2_ROOT "/sys/fs/cgroup"
#define CGROUP1_MEMORY_ROOT "/sys/fs/cgroup/memory"

enum { BIND_MAX_IDS = 4096 };

struct bound_cgroup {
	const struct meta_cgroup *decl;
	char *path;                     /* resolved directory (allocated), NULL when not bound */
	int fd;                         /* that directory, open while path is set */
	int gone;                       /* removed while bound: nothing at its path */
	int locked, lock;               /* this run holds the cgroup's lock file (fd lock) */
	uint64_t id;                    /* its cgroup id (kernfs inode) */
};

struct binding {
	struct bound_cgroup cgroups[META_MAX];
	int ncgroups;
	int v1;                         /* paths are in the cgroup v1 memory hierarchy */
	int hooks;                      /* the hooks carry the actions out (--allow-override applies) */
	/* the last scan: every bound cgroup and descendant, with its mask of policy cgroups */
	uint64_t ids[BIND_MAX_IDS], masks[BIND_MAX_IDS];
	int nids;
};

/* Resolves PATH for a policy cgroup: absolute, relative to the cgroup root (v2, or the v1
 * memory hierarchy when `v1`), or a systemd unit name (`batch.slice`) found under the
 * root; it must be a cgroup of the memory controller's hierarchy. The directory is kept
 * open: it is what is walked and attached to, whatever its path comes to name. 0, or -1
 * with a one-line reason naming the path and the fix in *why (allocated). */
int bind_cgroup(struct binding *b, const struct meta_cgroup *c, const char *path, char **why);

/* Whether bound cgroup `slot` is still the cgroup at its path: BIND_SAME; BIND_GONE, it
 * was removed (nothing, or no memory cgroup, at its path); BIND_NEW, a memory cgroup is
 * at its path again, and the binding now holds it (its directory and id). */
enum { BIND_SAME, BIND_GONE, BIND_NEW };
int bind_recheck(struct binding *b, int slot);

/* One memcg-run drives a cgroup: this run takes the cgroup's lock, a file under
 * BIND_LOCK_DIR named by its hierarchy and id, held (flock) while the process lives.
 * 0, or -1 with why naming the pid of the run that holds it. */
#define BIND_LOCK_DIR "/run/memcg-run"
int bind_lock(struct binding *b, int slot, char **why);

/* Closes a bound cgroup's directory and forgets its path. */
void bind_release(struct bound_cgroup *bc);

/* Walks every bound cgroup's subtree: fills ids/masks. Returns how many changed since
 * the last scan (in `added`/`removed` when not NULL). */
int bind_scan(struct binding *b, int *added, int *removed);

/* A size of `bytes` bytes plus `pages` pages, in pages of `page_size` bytes. */
int64_t bind_size_pages(int64_t bytes, int64_t pages, long page_size);

/* A parameter value as written on the command line ("100/s", "4MiB", "200 ms", "2"), in
 * its run-time encoding; sizes with the given page size. 0, or -1 with the reason. */
int bind_param(const struct meta_param *p, const char *text, long page_size, int64_t *encoded,
	       char *why, int size);

/* Evaluates an `expr` record's postfix text (docs/object-format.md) as the BPF code does,
 * with the parameters' encoded values and this machine's page size, to the range of values
 * it can take (one value when it reads no signal), with the check memcgc makes (units.h
 * range_apply). 0; -1 if it is malformed; -2 if a value it computes may not fit in 64
 * bits. `uses` gets a bit per parameter index below 64 that the expression reads. */
int bind_eval(const char *rpn, const int64_t *params, int nparams, long page_size,
	      struct range *value, uint64_t *uses);

#endif
