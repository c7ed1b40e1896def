/* The state of one memcg-run invocation, shared by its parts. */
#ifndef MEMCGC_RUN_H
#define MEMCGC_RUN_H

#include <stdbool.h>
#include <stdint.h>

#include "actuate.h"
#include "bind.h"
#include "meta.h"
#include "policy_object.h"
#include "poll.h"
#include "psi.h"
#include "probe.h"

struct bpf_link;
struct ring_buffer;
struct turn;

enum { RUN_HOOKS, RUN_CGROUP };
enum { SOURCE_TRACEPOINT, SOURCE_POLL };

/* The niceness memcg-run takes when it carries actions out through cgroup files (unless
 * --nice says otherwise): a transition's write waits for a CPU, often behind the very
 * tasks the policy throttles (docs/memcg-run.md, "Reaction time"). */
enum { RUN_ACTUATOR_NICE = -20 };

struct run {
	const char *object;
	struct policy_object po;
	struct policy_meta meta;
	struct kernel_probe probe;
	struct binding bind;
	struct bpf_link *tp_link;
	bool tracefs_mounted;
	int dry_run, allow_override;
	int64_t params[META_MAX];       /* each parameter as loaded, in the run-time encoding */
	int test_prog;                  /* the object's syscall test entry */
	int hook_links[META_MAX];       /* struct_ops link fds, one per target cgroup */
	int hook_slots[META_MAX];       /* the policy cgroup of each */
	struct bpf_map *ops_map;        /* the struct_ops map attached, or NULL */
	int changes[META_MAX];          /* BIND_GONE or BIND_NEW since the last status */
	int nlinks;
	const char *pinned;             /* --pin DIR, once pinned */
	int actuator;                   /* RUN_HOOKS or RUN_CGROUP: what carries out actions */
	int nice_set, nice;             /* the niceness memcg-run set itself to (--nice) */
	int act_open;                   /* act holds a journal */
	struct actuator act;            /* the cgroup actuator (actuate.h) */
	int source;                     /* SOURCE_TRACEPOINT or SOURCE_POLL: what counts events */
	struct poll_source poll;        /* the memory.stat poller (poll.h) */
	struct psi_source psi;          /* the memory.pressure poller (psi.h), either source */
	double period;                  /* --period, in seconds */
	struct ring_buffer *ring;       /* the object's transitions (transitions.h) */
	uint64_t pending_ns;            /* the earliest transition read, not yet acted on (0: none) */
	uint64_t ring_records, ring_bad;  /* records read; records refused (not what memcgc writes) */
	struct turn *turns;             /* records read, their lines not printed yet (transitions.c) */
	size_t nturns, turns_size;
	double started;                 /* when the main loop started (CLOCK_MONOTONIC s) */
	int json;                       /* --json */
	/* what the last status showed, to print only changes (-q, --explain) */
	uint64_t shown_hooks[META_MAX][4];
	int shown_active[META_MAX * 4];
	int shown_once;
};

/* An error: the one line `memcg-run: error: MESSAGE` on standard error; returns 1. */
int run_fail(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

#endif
