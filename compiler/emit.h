/* Code generation: the policy IR to a BPF object, through compiler/llvm_bpf.h.
 *
 * The object (docs/codegen.md has the layout, docs/object-format.md the metadata):
 *   maps     cgroup_slots  hash   cgroup id -> mask of the policy cgroups it belongs to
 *            counters      array  one per ir_counter: 8 time buckets of event counts
 *            rule_states   array  one per rule: since when true, last active, times fired
 *            clock         array  the time rules were last evaluated
 *            transitions   ringbuf  a struct memcgc_transition each time a rule turns on or off
 *   .rodata  one u64 per parameter (run-time encoding), page_size
 *   programs count_memcg_events  tp/memcg/count_memcg_events: counts, then evaluates
 *            memcgc_test         syscall: the same logic on synthetic events and times
 *            <abi>_<member>      struct_ops/<member>: what each hook returns
 *   struct_ops  ops_<abi> for each ABI that offers every hook the policy needs
 *   .memcgc.meta  the metadata text
 */
#ifndef MEMCGC_EMIT_H
#define MEMCGC_EMIT_H

#include <stddef.h>

#include "lower.h"

enum emit_kind { EMIT_KIND_OBJECT, EMIT_KIND_LLVM };

struct emit_options {
	const char *output;             /* file to write */
	enum emit_kind kind;
	int opt_level;                  /* 0..2 */
	int debug_lines;                /* -g: line info points at the .mcp source */
};

/* The test entry point's context (struct memcgc_test in the object's BTF). */
enum test_op {
	TEST_EVENT = 0,                 /* count `val` events of kernel item `item` in cgroup_id */
	TEST_EVALUATE = 1,              /* evaluate every rule at `now` */
	TEST_OVER_HIGH = 2,             /* result: pages memcg_nr_pages_over_high would return */
	TEST_HIGH_DELAY = 3,            /* result: ms get_high_delay_ms would return */
	TEST_BELOW_LOW = 4,             /* result: below_low */
	TEST_BELOW_MIN = 5,             /* result: below_min */
};
struct memcgc_test {
	unsigned int op, pad;
	unsigned long long now, cgroup_id;
	long long item;
	unsigned long long val, result;
};

/* What the BPF code writes to the ring buffer `transitions` when a rule turns on or off
 * (docs/object-format.md). */
struct memcgc_transition {
	unsigned int rule;              /* the rule's index */
	unsigned int active;            /* 1: it turned on, 0: off */
	unsigned long long time_ns;     /* the evaluation's now: bpf_ktime_get_ns() (CLOCK_MONOTONIC),
					   or the test entry's `now` */
	unsigned long long fired;       /* the rule's fired count, this turn included */
};
/* The ring buffer's size in bytes (libbpf rounds it up to a power-of-2 multiple of the
 * page size): 682 records of 24 bytes (+ 8 of header each) before it is full. */
#define MEMCGC_RING_BYTES 16384

/* Writes the object; 0, or -1 after printing a one-line error naming the policy. */
int emit_policy(struct policy *p, const struct policy_ir *ir, const struct emit_options *o);

#endif
