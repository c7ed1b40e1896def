/* The metadata of a compiled policy (docs/object-format.md), read back from its text. */
#ifndef MEMCGC_META_H
#define MEMCGC_META_H

#include <stdint.h>

enum { META_MAX = 64, META_TEXT = 256, META_HOOKS = 3 };

/* The one format this reader understands (docs/object-format.md). */
#define META_FORMAT_LINE "memcgc-object 3"

struct meta_cgroup {
	int slot;
	char name[64];
	char default_path[META_TEXT];   /* "" when it must be bound */
};

struct meta_param {
	int index;
	char name[64];
	char type[16];                  /* rate, size, duration, number */
	int64_t encoded;
	double value;                   /* in base units; sizes: bytes, also in `bytes` */
	int64_t bytes, pages;
	char text[64];                  /* as written */
};

struct meta_counter {
	int index, cgroup;
	char signal[32];
	uint64_t window_ms, bucket_ms;
	char events[META_TEXT];         /* comma-separated */
};

struct meta_rule {
	int index, line;
	char file[META_TEXT], for_[64], text[META_TEXT];
};

/* A counter or parameter a rule's condition reads. */
struct meta_term {
	int rule, index;
	int is_param;                   /* index is a param's, else a counter's */
	char text[META_TEXT];           /* pgscan(high), threshold */
};

/* A constant expression in postfix, in the run-time encoding (`expr` records). */
struct meta_expr {
	int index;                      /* the rule's or action's */
	int of_action;                  /* an action's value or hold, else a rule's for or cond */
	char what[8];                   /* for, cond, value, hold */
	char type[16];
	char *rpn;                      /* allocated: conditions can be long */
};

struct meta_hook {
	char abi[8], member[48];
};

struct meta_action {
	int index, rule, line, target;
	char kind[32], value[64], hold[64];
	struct meta_hook hooks[META_HOOKS];
	int nhooks;
};

struct policy_meta {
	char name[64], source[META_TEXT];
	char source_hash[17];
	char abis[32];                  /* "v2 v6" or "none" */
	struct meta_cgroup cgroups[META_MAX];
	struct meta_param params[META_MAX];
	struct meta_counter counters[META_MAX * 4];
	struct meta_rule rules[META_MAX * 4];
	struct meta_action actions[META_MAX * 8];
	struct meta_term terms[META_MAX * 8];
	struct meta_expr exprs[META_MAX * 16];
	int ncgroups, nparams, ncounters, nrules, nactions, nterms, nexprs;
};

/* Parses the text; 0, or -1 with a message naming the line in `error`. */
int meta_parse(const char *text, struct policy_meta *m, char *error, int size);
/* Frees what meta_parse allocated (the expressions' text), after a failed parse too. */
void meta_free(struct policy_meta *m);

const struct meta_cgroup *meta_cgroup(const struct policy_meta *m, const char *name);
const struct meta_param *meta_param(const struct policy_meta *m, const char *name);
/* The member an action needs in an ABI ("v2", "v6", "v7"), or NULL. */
const char *meta_hook(const struct meta_action *a, const char *abi);

#endif
