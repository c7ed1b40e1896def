/* The policy IR: what a compiled policy keeps and computes, in the units its BPF code and
 * memcg-run use. Made from a checked policy by lower_policy() (lower.c); read by the code
 * generator and written into the object's metadata (metadata.c). */
#ifndef MEMCGC_LOWER_H
#define MEMCGC_LOWER_H

#include <stdint.h>

#include "ast.h"

enum { IR_MAX_CGROUPS = 64 };   /* a cgroup id maps to a 64-bit mask of policy cgroups */

/* Encodings of values at run time (rodata parameters, metadata, BPF arithmetic). */
#define IR_RATE_SCALE   1000    /* rates: milli-events per second */
#define IR_NUMBER_SCALE 1000    /* plain numbers: thousandths */
/* (struct value holds constants in these encodings already: see types.h) */
/* sizes: pages (memcg-run converts bytes with the running kernel's page size);
 * durations: nanoseconds. */

/* One counter the tracepoint program keeps: the events of one signal in one policy
 * cgroup (and its descendants), over one window. Rules that read the same signal of the
 * same cgroup over the same window share it. */
struct ir_counter {
	int index;
	int cgroup;
	const char *signal;             /* "pgscan", or "event" for event(cg, NAME) */
	const char *events[SIGNAL_MAX_EVENTS];  /* kernel enumerator names, NULL-padded */
	int nevents;
	uint64_t window_ms;
	uint64_t bucket_ms;             /* window_ms / IR_BUCKETS */
	struct span at;                 /* the first rule that reads it (line info of -g) */
};
enum { IR_BUCKETS = 8 };

struct ir_action {
	int index;
	int rule;
	const struct action *ast;       /* kind, target, value and hold expressions */
	int target;                     /* policy cgroup slot */
	struct span at;
};

struct ir_rule {
	int index;
	const struct rule *ast;
	const char *text;               /* the `when` line as written */
	int first_action, nactions;
};

struct policy_ir {
	const struct policy *policy;
	uint64_t source_hash;           /* FNV-1a 64 over every file's text, in load order */
	struct vec counters;            /* struct ir_counter * */
	struct vec rules;               /* struct ir_rule * */
	struct vec actions;             /* struct ir_action * */
	unsigned abis;                  /* bit per enum abi: ABIs that offer every hook used */
	unsigned actions_used;          /* bit per action kind index (action_at) */
};

/* Lowers a checked, error-free policy. */
void lower_policy(struct policy *p, struct policy_ir *ir);
/* The index of an action kind in the action table. */
int action_index(const struct action_kind *k);
/* A constant's default in its run-time encoding (see above); sizes with 4 KiB pages. */
int64_t ir_encode(struct value v);

#endif
