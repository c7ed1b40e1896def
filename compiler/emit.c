/* Code generation: the policy IR to a BPF object (see emit.h for the object's shape).
 *
 * All run-time values are i64 in the encodings of lower.h: rates in milli-events per
 * second, sizes in pages, durations in ns, numbers in thousandths. The BPF CPU (v3) has
 * no signed division, so sdiv() builds one from unsigned division. */
#include "emit.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kernel_types.h"
#include "llvm_bpf.h"
#include "metadata.h"
#include "units.h"

#define BPF_F_NO_PREALLOC 1U            /* uapi map flag */
#define TICK_NS 10000000ULL             /* rules are evaluated at most every 10 ms */
#define NS_PER_MS 1000000ULL
#define MAX_DELAY_MS 2000               /* the kernel clamps to 2 s */
#define MAX_PAGES 0xffffffffULL         /* memcg_nr_pages_over_high returns unsigned int */
/* A policy of at most this many counters is "small": the event path looks the counter
 * up once, counts through that pointer and evaluates the rules inline, the counter's sum
 * computed once for all rules. Larger policies call counter_add, counter_sum and
 * eval_rules (bpf-to-bpf calls): with two or more counters inline, the pointers outgrow
 * BPF's four callee-saved registers and the spills made the tracepoint program larger
 * (stdlib/tiers.mcp, examples/tour.mcp; docs/codegen.md has the figures). */
#define SMALL_COUNTERS 1

struct emitter {
	struct policy *p;
	const struct policy_ir *ir;
	const struct emit_options *o;
	lb_module *m;
	kernel_types kt;
	LLVMBuilderRef b;
	lb_type u32, u64, s64, counter_t, state_t, clock_t, test_t, transition_t;
	LLVMValueRef cgroup_slots, counters, rule_states, clock, transitions;
	LLVMValueRef *params, page_size;
	LLVMValueRef counter_add, counter_sum, eval_rules, maybe_eval;
	LLVMValueRef *events;           /* each counter's sum, in the rules being built */
	bool small;                     /* see SMALL_COUNTERS */
	bool cache_events;              /* building a rule condition: keep sums in events */
	LLVMValueRef hook[8];           /* per action kind index */
	LLVMValueRef now;               /* in the function being built */
	LLVMValueRef key_slot, key_function;  /* see lookup_u32 */
	LLVMValueRef cond_slot, cond_function;  /* see in_order */
	LLVMValueRef record_slot, record_function;  /* see gen_transition */
	LLVMValueRef *counter, counter_function;  /* see hoist_counters */
};

static LLVMValueRef c64(struct emitter *e, long long v)
{
	return LLVMConstInt(e->m->i64, (unsigned long long)v, 1);
}

static void at_line(struct emitter *e, struct span at)
{
	if (e->o->debug_lines && at.file == e->p->files.items[0])
		lb_set_location(e->m, (unsigned)at.line, (unsigned)at.col);
}

/* Blocks: `if (cond) { then } ` with the builder left in the block after it. */
static LLVMBasicBlockRef begin_if(struct emitter *e, LLVMValueRef cond, const char *name)
{
	LLVMBasicBlockRef then = lb_block(e->m, name), after = lb_block(e->m, "endif");
	LLVMBuildCondBr(e->b, cond, then, after);
	LLVMPositionBuilderAtEnd(e->b, then);
	return after;
}

static void end_if(struct emitter *e, LLVMBasicBlockRef after)
{
	if (!LLVMGetBasicBlockTerminator(LLVMGetInsertBlock(e->b)))
		LLVMBuildBr(e->b, after);
	LLVMPositionBuilderAtEnd(e->b, after);
}

/* A map value for a u32 key, or NULL. One stack slot per function holds every key, so
 * that a policy of many rules does not grow the stack. */
static LLVMValueRef lookup_u32(struct emitter *e, LLVMValueRef map, LLVMValueRef index)
{
	if (e->key_function != e->m->function) {
		e->key_slot = lb_stack(e->m, e->u32, "key");
		e->key_function = e->m->function;
	}
	lb_store(e->m, LLVMBuildTrunc(e->b, index, e->m->i32, ""), e->key_slot, 4);
	return lb_map_lookup(e->m, map, e->key_slot);
}

static LLVMValueRef field(struct emitter *e, LLVMValueRef base, lb_type st, const char *name)
{
	return lb_field_ptr(e->m, base, st, name);
}

static LLVMValueRef load64(struct emitter *e, LLVMValueRef ptr, const char *name)
{
	return lb_load(e->m, e->u64, ptr, name);
}

static LLVMValueRef select64(struct emitter *e, LLVMValueRef c, LLVMValueRef a, LLVMValueRef b)
{
	return LLVMBuildSelect(e->b, c, a, b, "");
}

/* Branch-free conditions. BPF has no set-on-compare instruction: an i1 comparison becomes
 * a jump over a move, and the verifier walks both sides of each, with registers that
 * differ (0 and 1), so a condition of n comparisons cost it 2^n paths. Here each
 * comparison is a 0/1 i64 computed with arithmetic, conditions combine with `&` and `|`,
 * and a rule branches once, on the whole condition: the verifier's cost grows linearly
 * with the condition. llvm.bpf.passthrough (an identity the optimisers do not see
 * through, dropped by the BPF backend before instruction selection) keeps LLVM from
 * folding the arithmetic back into a comparison. */
static LLVMValueRef opaque(struct emitter *e, LLVMValueRef v)
{
	static unsigned seq;
	LLVMTypeRef types[] = { e->m->i64, e->m->i64 };
	unsigned id = LLVMLookupIntrinsicID("llvm.bpf.passthrough", strlen("llvm.bpf.passthrough"));
	LLVMValueRef fn = LLVMGetIntrinsicDeclaration(e->m->mod, id, types, 2);
	LLVMTypeRef fty = LLVMIntrinsicGetType(e->m->ctx, id, types, 2);
	LLVMValueRef args[] = { LLVMConstInt(e->m->i32, seq++, 0), v };
	return LLVMBuildCall2(e->b, fty, fn, args, 2, "");
}

/* The sign bit of v as 0 or 1 (opaque on both sides of the shift: LLVM would make a
 * comparison and a select of it). */
static LLVMValueRef sign_bit(struct emitter *e, LLVMValueRef v)
{
	return opaque(e, LLVMBuildLShr(e->b, opaque(e, v), c64(e, 63), ""));
}

/* a < b, signed, for any a and b (the subtraction may wrap; its sign is corrected). */
static LLVMValueRef less_signed(struct emitter *e, LLVMValueRef a, LLVMValueRef b)
{
	LLVMValueRef d = LLVMBuildSub(e->b, a, b, "");
	LLVMValueRef wrapped = LLVMBuildAnd(e->b, LLVMBuildXor(e->b, a, b, ""),
					    LLVMBuildXor(e->b, d, a, ""), "");
	return sign_bit(e, LLVMBuildXor(e->b, d, wrapped, ""));
}

/* a < b, unsigned: the borrow out of a - b. */
static LLVMValueRef less_unsigned(struct emitter *e, LLVMValueRef a, LLVMValueRef b)
{
	LLVMValueRef not_a = LLVMBuildNot(e->b, a, "");
	LLVMValueRef borrow = LLVMBuildOr(e->b, LLVMBuildAnd(e->b, not_a, b, ""),
					  LLVMBuildAnd(e->b, LLVMBuildOr(e->b, not_a, b, ""),
						       LLVMBuildSub(e->b, a, b, ""), ""), "");
	return sign_bit(e, borrow);
}

/* a != b */
static LLVMValueRef differ(struct emitter *e, LLVMValueRef a, LLVMValueRef b)
{
	LLVMValueRef x = LLVMBuildXor(e->b, a, b, "");
	return sign_bit(e, LLVMBuildOr(e->b, x, LLVMBuildNeg(e->b, x, ""), ""));
}

static LLVMValueRef flip(struct emitter *e, LLVMValueRef bit)
{
	return LLVMBuildXor(e->b, bit, c64(e, 1), "");
}

/* a OP b as 0 or 1, for the comparison operators. */
static LLVMValueRef compare(struct emitter *e, enum op op, LLVMValueRef a, LLVMValueRef b)
{
	switch (op) {
	case OP_LT: return less_signed(e, a, b);
	case OP_GT: return less_signed(e, b, a);
	case OP_LE: return flip(e, less_signed(e, b, a));
	case OP_GE: return flip(e, less_signed(e, a, b));
	case OP_EQ: return flip(e, differ(e, a, b));
	default: return differ(e, a, b);
	}
}

/* v, through a volatile stack slot: a condition's terms are then computed in the order
 * they are written, each joined to the ones before it before the next signal is summed.
 * Left to themselves, LLVM's optimisers and instruction scheduler gathered the terms of a
 * long chain to join them at its end, every one live, and spilled, until then: 50 terms
 * exceeded BPF's 512-byte stack. One slot per function. */
static LLVMValueRef in_order(struct emitter *e, LLVMValueRef v)
{
	if (e->cond_function != e->m->function) {
		e->cond_slot = lb_stack(e->m, e->u64, "cond");
		e->cond_function = e->m->function;
	}
	LLVMValueRef store = LLVMBuildStore(e->b, v, e->cond_slot);
	LLVMSetVolatile(store, 1);
	LLVMSetAlignment(store, 8);
	LLVMValueRef load = LLVMBuildLoad2(e->b, e->m->i64, e->cond_slot, "cond");
	LLVMSetVolatile(load, 1);
	LLVMSetAlignment(load, 8);
	return load;
}

/* a / b for signed values, rounding toward zero; 0 when b is 0 (as BPF division is).
 * Without a branch (a select per sign was a jump each): |x| = (x ^ m) - m with m the
 * sign mask of x, and the quotient's sign put back the same way. */
static LLVMValueRef sdiv(struct emitter *e, LLVMValueRef a, LLVMValueRef b)
{
	LLVMValueRef ma = LLVMBuildNeg(e->b, sign_bit(e, a), ""), mb = LLVMBuildNeg(e->b, sign_bit(e, b), "");
	LLVMValueRef ua = LLVMBuildSub(e->b, LLVMBuildXor(e->b, a, ma, ""), ma, "");
	LLVMValueRef ub = LLVMBuildSub(e->b, LLVMBuildXor(e->b, b, mb, ""), mb, "");
	LLVMValueRef q = LLVMBuildUDiv(e->b, ua, ub, "");
	LLVMValueRef m = LLVMBuildXor(e->b, ma, mb, "");
	return LLVMBuildSub(e->b, LLVMBuildXor(e->b, q, m, ""), m, "");
}

/* min(v, most), unsigned, without a branch. */
static LLVMValueRef clamp_unsigned(struct emitter *e, LLVMValueRef v, LLVMValueRef most)
{
	LLVMValueRef below = less_unsigned(e, v, most);     /* 1: keep v */
	LLVMValueRef mask = LLVMBuildNeg(e->b, below, "");
	return LLVMBuildAdd(e->b, most, LLVMBuildAnd(e->b, LLVMBuildSub(e->b, v, most, ""), mask, ""), "");
}

/* Data */

static void declare_types(struct emitter *e)
{
	lb_module *m = e->m;
	e->u32 = e->kt.u32;
	e->u64 = e->kt.u64;
	e->s64 = lb_int(m, "long long", 64, true);
	lb_type buckets = lb_array(m, e->u64, IR_BUCKETS);
	const lb_field counter[] = { { "epoch", buckets, LB_NEXT }, { "count", buckets, LB_NEXT } };
	e->counter_t = lb_struct(m, "memcgc_counter", counter, 2, 0);
	const lb_field state[] = {
		{ "true_since", e->u64, LB_NEXT }, { "last_active", e->u64, LB_NEXT },
		{ "fired", e->u64, LB_NEXT }, { "active", e->u64, LB_NEXT },
	};
	e->state_t = lb_struct(m, "memcgc_rule_state", state, 4, 0);
	const lb_field clock[] = { { "last_eval", e->u64, LB_NEXT } };
	e->clock_t = lb_struct(m, "memcgc_clock", clock, 1, 0);
	const lb_field test[] = {   /* struct memcgc_test in emit.h */
		{ "op", e->u32, LB_NEXT }, { "pad", e->u32, LB_NEXT }, { "now", e->u64, LB_NEXT },
		{ "cgroup_id", e->u64, LB_NEXT }, { "item", e->s64, LB_NEXT },
		{ "val", e->u64, LB_NEXT }, { "result", e->u64, LB_NEXT },
	};
	e->test_t = lb_struct(m, "memcgc_test", test, 7, 0);
	const lb_field transition[] = {   /* struct memcgc_transition in emit.h */
		{ "rule", e->u32, LB_NEXT }, { "active", e->u32, LB_NEXT },
		{ "time_ns", e->u64, LB_NEXT }, { "fired", e->u64, LB_NEXT },
	};
	e->transition_t = lb_struct(m, "memcgc_transition", transition, 4, 0);
}

static unsigned at_least_one(int n)
{
	return n > 0 ? (unsigned)n : 1;
}

static void declare_data(struct emitter *e)
{
	lb_module *m = e->m;
	struct policy *p = e->p;
	const lb_map_spec maps[] = {
		/* not preallocated: 65536 possible cgroups, a few dozen bound in practice */
		{ "cgroup_slots", LB_MAP_HASH, e->u64, e->u64, 65536, BPF_F_NO_PREALLOC, 0 },
		{ "counters", LB_MAP_ARRAY, e->u32, e->counter_t, at_least_one(e->ir->counters.len), 0, 0 },
		{ "rule_states", LB_MAP_ARRAY, e->u32, e->state_t, at_least_one(e->ir->rules.len), 0, 0 },
		{ "clock", LB_MAP_ARRAY, e->u32, e->clock_t, 1, 0, 0 },
		{ "transitions", LB_MAP_RINGBUF, { 0 }, { 0 }, MEMCGC_RING_BYTES, 0, 0 },
	};
	LLVMValueRef *slots[] = { &e->cgroup_slots, &e->counters, &e->rule_states, &e->clock,
				  &e->transitions };
	for (unsigned i = 0; i < sizeof(maps) / sizeof(maps[0]); i++)
		*slots[i] = lb_map(m, &maps[i]);

	e->params = arena_alloc(&p->arena, sizeof(LLVMValueRef) * at_least_one(p->params.len));
	for (int i = 0; i < p->params.len; i++) {
		const struct param_decl *d = p->params.items[i];
		const char *name = arena_printf(&p->arena, "param_%s", d->name);
		e->params[i] = lb_rodata(m, name, e->s64, c64(e, ir_encode(d->value)),
					 (unsigned)d->at.line);
	}
	e->page_size = lb_rodata(m, "page_size", e->u64, c64(e, 4096), 0);
	const char *meta = metadata_text(p, e->ir);
	lb_data_section(m, "memcgc_meta", METADATA_SECTION, meta, strlen(meta));
	lb_license(m, "GPL");
}

/* Counters */

/* Non-null pointers to every counter, valid in the current function from here on; a
 * failed lookup (impossible: the keys are in range) branches to `bail`. Looking them up
 * once keeps one pointer per counter live instead of a lookup per use, and the verifier
 * sees no NULL path past this point. */
static void hoist_counters(struct emitter *e, LLVMBasicBlockRef bail)
{
	for (int i = 0; i < e->ir->counters.len; i++) {
		LLVMValueRef c = lookup_u32(e, e->counters, c64(e, i));
		LLVMBasicBlockRef next = lb_block(e->m, "counter");
		LLVMBuildCondBr(e->b, LLVMBuildIsNull(e->b, c, "absent"), bail, next);
		LLVMPositionBuilderAtEnd(e->b, next);
		e->counter[i] = c;
	}
	e->counter_function = e->m->function;
}

static bool counters_hoisted(const struct emitter *e)
{
	return e->counter_function == e->m->function;
}

static LLVMValueRef bucket_ns(struct emitter *e, const struct ir_counter *c)
{
	return c64(e, (long long)(c->bucket_ms * NS_PER_MS));
}

/* Adds val to counter c's bucket for now (c non-null): a bucket of an older epoch is
 * restarted; racing CPUs may lose a few events there. */
static void gen_counter_add(struct emitter *e, LLVMValueRef c, LLVMValueRef bucket,
			    LLVMValueRef val, LLVMValueRef now)
{
	lb_module *m = e->m;
	LLVMValueRef epoch = LLVMBuildUDiv(e->b, now, bucket, "epoch");
	LLVMValueRef slot = LLVMBuildAnd(e->b, epoch, c64(e, IR_BUCKETS - 1), "slot");
	LLVMValueRef ep = LLVMBuildGEP2(e->b, m->i64, field(e, c, e->counter_t, "epoch"), &slot, 1, "");
	LLVMValueRef cp = LLVMBuildGEP2(e->b, m->i64, field(e, c, e->counter_t, "count"), &slot, 1, "");
	LLVMValueRef stale = LLVMBuildICmp(e->b, LLVMIntNE, load64(e, ep, "seen"), epoch, "stale");
	LLVMBasicBlockRef restart = lb_block(m, "restart"), add = lb_block(m, "same_bucket");
	LLVMBasicBlockRef after = lb_block(m, "added");
	LLVMBuildCondBr(e->b, stale, restart, add);
	LLVMPositionBuilderAtEnd(e->b, restart);
	lb_store(m, epoch, ep, 8);
	lb_store(m, val, cp, 8);
	LLVMBuildBr(e->b, after);
	LLVMPositionBuilderAtEnd(e->b, add);
	LLVMBuildAtomicRMW(e->b, LLVMAtomicRMWBinOpAdd, cp, val, LLVMAtomicOrderingMonotonic, 0);
	LLVMBuildBr(e->b, after);
	LLVMPositionBuilderAtEnd(e->b, after);
}

/* cond ? total + *p : total, with the load under the branch (as the hand-written C has
 * it): with a select, the verifier met a known 0 on one side and walked on twice. */
static LLVMValueRef add_if(struct emitter *e, LLVMValueRef cond, LLVMValueRef total,
			   LLVMValueRef p)
{
	LLVMBasicBlockRef from = LLVMGetInsertBlock(e->b);
	LLVMBasicBlockRef add = lb_block(e->m, "young"), next = lb_block(e->m, "next");
	LLVMBuildCondBr(e->b, cond, add, next);
	LLVMPositionBuilderAtEnd(e->b, add);
	LLVMValueRef sum = LLVMBuildAdd(e->b, total, load64(e, p, "n"), "");
	LLVMBuildBr(e->b, next);
	LLVMPositionBuilderAtEnd(e->b, next);
	LLVMValueRef phi = LLVMBuildPhi(e->b, e->m->i64, "total");
	LLVMValueRef values[] = { total, sum };
	LLVMBasicBlockRef blocks[] = { from, add };
	LLVMAddIncoming(phi, values, blocks, 2);
	return phi;
}

/* Events in counter c's buckets younger than the window (IR_BUCKETS buckets, the current
 * one included), c non-null. runtime/report.c mirrors this arithmetic. */
static LLVMValueRef gen_counter_sum(struct emitter *e, LLVMValueRef c, LLVMValueRef bucket,
				    LLVMValueRef now)
{
	lb_module *m = e->m;
	LLVMValueRef now_epoch = LLVMBuildUDiv(e->b, now, bucket, "");
	LLVMValueRef total = c64(e, 0);
	for (int i = 0; i < IR_BUCKETS; i++) {
		LLVMValueRef idx = c64(e, i);
		LLVMValueRef ep = LLVMBuildGEP2(e->b, m->i64, field(e, c, e->counter_t, "epoch"), &idx, 1, "");
		LLVMValueRef cp = LLVMBuildGEP2(e->b, m->i64, field(e, c, e->counter_t, "count"), &idx, 1, "");
		LLVMValueRef age = LLVMBuildSub(e->b, now_epoch, load64(e, ep, "epoch"), "age");
		LLVMValueRef young = LLVMBuildICmp(e->b, LLVMIntULT, age, c64(e, IR_BUCKETS), "young");
		total = add_if(e, young, total, cp);
	}
	return total;
}

/* void counter_add(u32 index, u64 val, u64 now, u64 bucket_ns): for large policies. */
static void define_counter_add(struct emitter *e)
{
	lb_module *m = e->m;
	const lb_param params[] = {
		{ "index", e->u64 }, { "val", e->u64 }, { "now", e->u64 }, { "bucket_ns", e->u64 },
	};
	e->counter_add = lb_subprogram(m, "counter_add", lb_void(m), params, 4, 0, false);
	LLVMValueRef c = lookup_u32(e, e->counters, lb_param_value(m, 0));
	LLVMBasicBlockRef after = begin_if(e, LLVMBuildIsNotNull(e->b, c, "found"), "add");
	gen_counter_add(e, c, lb_param_value(m, 3), lb_param_value(m, 1), lb_param_value(m, 2));
	end_if(e, after);
	LLVMBuildRetVoid(e->b);
}

/* u64 counter_sum(u32 index, u64 now, u64 bucket_ns): for large policies; 0 if absent. */
static void define_counter_sum(struct emitter *e)
{
	lb_module *m = e->m;
	const lb_param params[] = { { "index", e->u64 }, { "now", e->u64 }, { "bucket_ns", e->u64 } };
	e->counter_sum = lb_subprogram(m, "counter_sum", e->u64, params, 3, 0, false);
	LLVMValueRef c = lookup_u32(e, e->counters, lb_param_value(m, 0));
	LLVMBasicBlockRef none = lb_block(m, "none"), sum = lb_block(m, "sum");
	LLVMBuildCondBr(e->b, LLVMBuildIsNull(e->b, c, "absent"), none, sum);
	LLVMPositionBuilderAtEnd(e->b, none);
	LLVMBuildRet(e->b, c64(e, 0));
	LLVMPositionBuilderAtEnd(e->b, sum);
	LLVMBuildRet(e->b, gen_counter_sum(e, c, lb_param_value(m, 2), lb_param_value(m, 1)));
}

/* Events in counter c's window at e->now: through the hoisted pointer (once for every
 * rule condition, see gen_rule), else by counter_sum. */
static LLVMValueRef counter_events(struct emitter *e, const struct ir_counter *c)
{
	if (!counters_hoisted(e)) {
		LLVMValueRef args[] = { c64(e, c->index), e->now, bucket_ns(e, c) };
		return lb_call(e->m, e->counter_sum, args, 3);
	}
	if (e->events[c->index])
		return e->events[c->index];
	LLVMValueRef sum = gen_counter_sum(e, e->counter[c->index], bucket_ns(e, c), e->now);
	if (e->cache_events)
		e->events[c->index] = sum;
	return sum;
}

/* Expressions */

static LLVMValueRef gen_expr(struct emitter *e, const struct node *n);

static LLVMValueRef gen_size_literal(struct emitter *e, struct value v)
{
	LLVMValueRef page = lb_load_rodata(e->m, e->page_size, e->u64);
	LLVMValueRef bytes = c64(e, v.v);
	LLVMValueRef pages = LLVMBuildUDiv(e->b, LLVMBuildAdd(e->b, bytes, LLVMBuildSub(e->b, page,
					   c64(e, 1), ""), ""), page, "pages");
	return LLVMBuildAdd(e->b, pages, c64(e, v.pages), "");
}

static LLVMValueRef gen_signal(struct emitter *e, const struct node *n)
{
	const struct ir_counter *c = e->ir->counters.items[n->counter];
	LLVMValueRef events = counter_events(e, c);
	/* events per window -> milli-events per second: events * 10^6 / window in ms, the
	 * fraction reduced first (a 1 s window is one multiply by 1000, no divide). The events
	 * are clamped to SIGNAL_MAX_EVENTS_PER_S (units.h), which check.c's ranges assume. */
	uint64_t num = 1000 * 1000, den = c->bucket_ms * IR_BUCKETS, g = gcd_u64(num, den);
	LLVMValueRef most = c64(e, (long long)((uint64_t)SIGNAL_MAX_EVENTS_PER_S * den / 1000));
	events = clamp_unsigned(e, events, most);
	LLVMValueRef rate = LLVMBuildMul(e->b, events, c64(e, (long long)(num / g)), "rate");
	rate = den == g ? rate : LLVMBuildUDiv(e->b, rate, c64(e, (long long)(den / g)), "rate");
	return in_order(e, rate);       /* a term's arithmetic starts here, not earlier */
}

static LLVMValueRef gen_binary(struct emitter *e, const struct node *n)
{
	LLVMValueRef a = gen_expr(e, n->a), b = gen_expr(e, n->b);
	switch (n->op) {
	case OP_ADD: return LLVMBuildAdd(e->b, a, b, "");
	case OP_SUB: return LLVMBuildSub(e->b, a, b, "");
	case OP_MUL:   /* one side is a number in thousandths */
		return sdiv(e, LLVMBuildMul(e->b, a, b, ""), c64(e, IR_NUMBER_SCALE));
	case OP_DIV:
		return sdiv(e, LLVMBuildMul(e->b, a, c64(e, IR_NUMBER_SCALE), ""), b);
	case OP_AND: return in_order(e, LLVMBuildAnd(e->b, a, b, ""));  /* 0 or 1 */
	case OP_OR: return in_order(e, LLVMBuildOr(e->b, a, b, ""));
	default: return compare(e, n->op, a, b);
	}
}

/* The value of an expression: i64 in its type's encoding; a condition is 0 or 1. */
static LLVMValueRef gen_expr(struct emitter *e, const struct node *n)
{
	switch (n->kind) {
	case N_QUANTITY:
		if (n->value.type == T_SIZE)
			return gen_size_literal(e, n->value);
		return c64(e, ir_encode(n->value));
	case N_PARAM:
		return lb_load_rodata(e->m, e->params[n->param->index], e->s64);
	case N_SIGNAL:
		return gen_signal(e, n);
	case N_OVER:
		return gen_expr(e, n->a);
	case N_UNARY:
		return n->op == OP_NOT ? flip(e, gen_expr(e, n->a))
				       : LLVMBuildNeg(e->b, gen_expr(e, n->a), "");
	case N_BINARY:
		return gen_binary(e, n);
	default:
		lb_fail(e->m, "internal error: unexpected expression kind %d", n->kind);
		return c64(e, 0);
	}
}

/* A duration expression in ns; a missing one is `none_ns`. */
static LLVMValueRef gen_time(struct emitter *e, const struct node *n, int64_t none_ns)
{
	return n ? gen_expr(e, n) : c64(e, none_ns);
}

/* Rules */

/* A struct memcgc_transition (emit.h) of rule r to the ring buffer, waking its reader: transitions
 * are rare, and user space acts on them at once. One stack slot per function, each field
 * written before the helper reads it; a full ring drops the record (memcg-run's periodic
 * evaluation stays the backstop). */
static void gen_transition(struct emitter *e, const struct ir_rule *r, int active,
			   LLVMValueRef fired)
{
	if (e->record_function != e->m->function) {
		e->record_slot = lb_stack(e->m, e->transition_t, "transition");
		e->record_function = e->m->function;
	}
	LLVMValueRef t = e->record_slot;
	lb_store(e->m, LLVMConstInt(e->m->i32, (unsigned)r->index, 0), field(e, t, e->transition_t, "rule"), 4);
	lb_store(e->m, LLVMConstInt(e->m->i32, (unsigned)active, 0), field(e, t, e->transition_t, "active"), 4);
	lb_store(e->m, e->now, field(e, t, e->transition_t, "time_ns"), 8);
	lb_store(e->m, fired, field(e, t, e->transition_t, "fired"), 8);
	LLVMValueRef args[] = { e->transitions, t, c64(e, (long long)e->transition_t.size),
				c64(e, LB_RB_FORCE_WAKEUP) };
	lb_helper(e->m, LB_HELPER_RINGBUF_OUTPUT, args, 4);
}

/* A rule's state after evaluating its condition at `now`: true_since is when the
 * condition last became true (0 while false); the rule is active once it has been true
 * for its `for` time, and last_active says when it last was. A turn on or off is written
 * to the ring buffer before the state says so: a reader that sees the new state in the
 * map finds the record already there. Rules follow one another
 * in one line of blocks (a failed state lookup, impossible with keys in range, goes to
 * `bail`), so a counter's sum computed for one rule's condition serves the next ones. */
static void gen_rule(struct emitter *e, const struct ir_rule *r, LLVMBasicBlockRef bail)
{
	const struct rule *rule = r->ast;
	at_line(e, rule->at);
	LLVMValueRef st = lookup_u32(e, e->rule_states, c64(e, r->index));
	LLVMBasicBlockRef found = lb_block(e->m, "rule"), after = lb_block(e->m, "rule_end");
	LLVMBuildCondBr(e->b, LLVMBuildIsNull(e->b, st, "absent"), bail, found);
	LLVMPositionBuilderAtEnd(e->b, found);
	e->cache_events = true;
	LLVMValueRef cond = LLVMBuildICmp(e->b, LLVMIntNE, gen_expr(e, rule->cond), c64(e, 0), "");
	e->cache_events = false;
	LLVMValueRef since_p = field(e, st, e->state_t, "true_since");
	LLVMValueRef active_p = field(e, st, e->state_t, "active");
	LLVMValueRef fired_p = field(e, st, e->state_t, "fired");
	LLVMBasicBlockRef yes = lb_block(e->m, "true"), no = lb_block(e->m, "false");
	LLVMBuildCondBr(e->b, cond, yes, no);

	LLVMPositionBuilderAtEnd(e->b, no);
	LLVMBasicBlockRef off = begin_if(e, LLVMBuildICmp(e->b, LLVMIntNE, load64(e, active_p, "was"),
							  c64(e, 0), ""), "turns_off");
	gen_transition(e, r, 0, load64(e, fired_p, "fired"));
	end_if(e, off);
	lb_store(e->m, c64(e, 0), since_p, 8);
	lb_store(e->m, c64(e, 0), active_p, 8);
	LLVMBuildBr(e->b, after);

	LLVMPositionBuilderAtEnd(e->b, yes);
	LLVMValueRef since = load64(e, since_p, "since");
	LLVMValueRef fresh = LLVMBuildICmp(e->b, LLVMIntEQ, since, c64(e, 0), "");
	since = select64(e, fresh, e->now, since);
	lb_store(e->m, since, since_p, 8);
	LLVMValueRef held = LLVMBuildICmp(e->b, LLVMIntUGE, LLVMBuildSub(e->b, e->now, since, ""),
					  gen_time(e, rule->for_, 0), "held");
	LLVMBasicBlockRef fire = begin_if(e, held, "active");
	LLVMValueRef was = load64(e, active_p, "was_active");
	LLVMValueRef rising = LLVMBuildICmp(e->b, LLVMIntEQ, was, c64(e, 0), "");
	LLVMValueRef fired = LLVMBuildAdd(e->b, load64(e, fired_p, "fired"),
					  LLVMBuildZExt(e->b, rising, e->m->i64, ""), "");
	LLVMBasicBlockRef on = begin_if(e, rising, "turns_on");
	gen_transition(e, r, 1, fired);
	end_if(e, on);
	lb_store(e->m, fired, fired_p, 8);
	lb_store(e->m, c64(e, 1), active_p, 8);
	lb_store(e->m, e->now, field(e, st, e->state_t, "last_active"), 8);
	end_if(e, fire);
	end_if(e, after);
}

/* Every rule at e->now, in the current function; in a small policy the counters are
 * looked up (unless they already are) and summed first. The builder ends after the rules. */
static void gen_rules(struct emitter *e)
{
	LLVMBasicBlockRef done = lb_block(e->m, "rules_done");
	if (e->small && !counters_hoisted(e))
		hoist_counters(e, done);
	memset(e->events, 0, sizeof(LLVMValueRef) * at_least_one(e->ir->counters.len));
	for (int i = 0; i < e->ir->rules.len; i++)
		gen_rule(e, e->ir->rules.items[i], done);
	LLVMBuildBr(e->b, done);
	LLVMPositionBuilderAtEnd(e->b, done);
}

/* void eval_rules(u64 now) */
static void define_eval_rules(struct emitter *e)
{
	const lb_param params[] = { { "now", e->u64 } };
	e->eval_rules = lb_subprogram(e->m, "eval_rules", lb_void(e->m), params, 1, 0, true);
	e->now = lb_param_value(e->m, 0);
	gen_rules(e);
	LLVMBuildRetVoid(e->b);
}

/* The rules at now, at most once a tick (any time goes back too): inline, or through
 * eval_rules. */
static void gen_maybe_eval(struct emitter *e, LLVMValueRef now, bool inline_rules)
{
	LLVMValueRef c = lookup_u32(e, e->clock, c64(e, 0));
	LLVMBasicBlockRef after = begin_if(e, LLVMBuildIsNotNull(e->b, c, "found"), "clock");
	LLVMValueRef last_p = field(e, c, e->clock_t, "last_eval");
	LLVMValueRef since = LLVMBuildSub(e->b, now, load64(e, last_p, "last"), "since");
	LLVMValueRef due = LLVMBuildICmp(e->b, LLVMIntUGE, since, c64(e, TICK_NS), "due");
	LLVMBasicBlockRef eval = begin_if(e, due, "due");
	lb_store(e->m, now, last_p, 8);
	if (inline_rules) {
		e->now = now;
		gen_rules(e);
	} else {
		lb_call(e->m, e->eval_rules, &now, 1);
	}
	end_if(e, eval);
	end_if(e, after);
}

/* void maybe_eval(u64 now), for the hooks */
static void define_maybe_eval(struct emitter *e)
{
	const lb_param params[] = { { "now", e->u64 } };
	e->maybe_eval = lb_subprogram(e->m, "maybe_eval", lb_void(e->m), params, 1, 0, false);
	gen_maybe_eval(e, lb_param_value(e->m, 0), false);
	LLVMBuildRetVoid(e->b);
}

/* Events */

/* item == the kernel's value of `name` (0 or 1, without a branch: see compare), computed
 * where it is needed: kept for all counters, the values outgrew the stack. A pressure
 * item (signals.h) is memcgc's own constant, which only memcg-run feeds. */
static LLVMValueRef item_is(struct emitter *e, LLVMValueRef item, const char *name)
{
	const struct pressure_item *psi = pressure_item_find(name);
	return compare(e, OP_EQ, item, psi ? c64(e, psi->value) : kt_event_item(&e->kt, name));
}

/* (item == E1 || item == E2 ...) for a counter's kernel items. */
static LLVMValueRef item_matches(struct emitter *e, LLVMValueRef item, const struct ir_counter *c)
{
	LLVMValueRef any = item_is(e, item, c->events[0]);
	for (int i = 1; i < c->nevents; i++)
		any = LLVMBuildOr(e->b, any, item_is(e, item, c->events[i]), "");
	return in_order(e, any);
}

/* Adds the event to counter c if the cgroup is in c's policy cgroup and the item is c's. */
static void gen_count(struct emitter *e, const struct ir_counter *c, LLVMValueRef mask,
		      LLVMValueRef match, LLVMValueRef val, LLVMValueRef now)
{
	at_line(e, c->at);
	LLVMValueRef bit = LLVMBuildAnd(e->b, LLVMBuildLShr(e->b, mask, c64(e, c->cgroup), ""),
					c64(e, 1), "");
	LLVMValueRef hit = LLVMBuildICmp(e->b, LLVMIntNE, LLVMBuildAnd(e->b, bit, match, ""),
					 c64(e, 0), "hit");
	LLVMBasicBlockRef after = begin_if(e, hit, "count");
	if (e->small) {
		gen_counter_add(e, e->counter[c->index], bucket_ns(e, c), val, now);
	} else {
		LLVMValueRef args[] = { c64(e, c->index), val, now, bucket_ns(e, c) };
		lb_call(e->m, e->counter_add, args, 4);
	}
	end_if(e, after);
}

/* An event (cgroup_id, item, val; now, 0 for "read the clock"), in the current function:
 * add it to every counter of a matching item in a policy cgroup the cgroup belongs to,
 * then evaluate the rules if a tick has passed. Events of items no counter reads end
 * before any map lookup, and the clock is read only for events in policy cgroups: this
 * runs for every memcg event on the machine. */
static void gen_event(struct emitter *e, LLVMValueRef id, LLVMValueRef item, LLVMValueRef val,
		      LLVMValueRef given)
{
	lb_module *m = e->m;
	int n = e->ir->counters.len;
	LLVMValueRef any = c64(e, 0);
	if (n > 0)   /* -g: the event path is the first signal's rule (a counter's: its own) */
		at_line(e, ((const struct ir_counter *)e->ir->counters.items[0])->at);
	for (int i = 0; i < n; i++)
		any = in_order(e, LLVMBuildOr(e->b, any, item_matches(e, item, e->ir->counters.items[i]), ""));
	LLVMBasicBlockRef done = lb_block(m, "event_done");
	LLVMBasicBlockRef wanted = lb_block(m, "wanted");
	LLVMBuildCondBr(e->b, LLVMBuildICmp(e->b, LLVMIntNE, any, c64(e, 0), ""), wanted, done);
	LLVMPositionBuilderAtEnd(e->b, wanted);
	LLVMValueRef key = lb_stack(m, e->u64, "id");
	lb_store(m, id, key, 8);
	LLVMValueRef maskp = lb_map_lookup(m, e->cgroup_slots, key);
	LLVMBasicBlockRef ours = lb_block(m, "ours");
	LLVMBuildCondBr(e->b, LLVMBuildIsNull(e->b, maskp, "not_ours"), done, ours);
	LLVMPositionBuilderAtEnd(e->b, ours);
	LLVMValueRef mask = load64(e, maskp, "mask");
	LLVMValueRef now = lb_stack(m, e->u64, "now");
	lb_store(m, given, now, 8);
	LLVMBasicBlockRef clock = begin_if(e, LLVMBuildICmp(e->b, LLVMIntEQ, given, c64(e, 0), ""),
					   "read_clock");
	lb_store(m, lb_ktime_get_ns(m), now, 8);
	end_if(e, clock);
	now = load64(e, now, "now");
	if (e->small)
		hoist_counters(e, done);
	for (int i = 0; i < n; i++)
		gen_count(e, e->ir->counters.items[i], mask, item_matches(e, item, e->ir->counters.items[i]),
			  val, now);
	gen_maybe_eval(e, now, e->small);
	LLVMBuildBr(e->b, done);
	LLVMPositionBuilderAtEnd(e->b, done);
}

/* Hooks */

/* The value one action contributes, in the hook's unit (pages, ms, or 1), at least 0. */
static LLVMValueRef action_amount(struct emitter *e, const struct action *a)
{
	if (!a->value)
		return c64(e, 1);
	LLVMValueRef v = gen_expr(e, a->value);
	if (a->value->type == T_NUMBER)         /* a bare number of pages, in thousandths */
		v = sdiv(e, v, c64(e, IR_NUMBER_SCALE));
	if (a->kind->value_type == T_DURATION)
		v = sdiv(e, v, c64(e, NS_PER_MS));
	LLVMValueRef keep = LLVMBuildSub(e->b, sign_bit(e, v), c64(e, 1), "");  /* v < 0: 0 */
	return LLVMBuildAnd(e->b, v, keep, "");
}

/* acc combined with v, without a branch (v is 0 when the action is not in force). */
static LLVMValueRef combine(struct emitter *e, enum combine how, LLVMValueRef acc, LLVMValueRef v)
{
	switch (how) {
	case COMBINE_SUM: return LLVMBuildAdd(e->b, acc, v, "");
	case COMBINE_MAX:
		return LLVMBuildAdd(e->b, acc, LLVMBuildMul(e->b, LLVMBuildSub(e->b, v, acc, ""),
							    less_unsigned(e, acc, v), ""), "");
	default: return LLVMBuildOr(e->b, acc, v, "");
	}
}

/* 1 when action ia is in force on a cgroup of `mask`: its target is among them and its
 * rule was active within its hold time. A failed state lookup (impossible: keys are in
 * range) returns 0 from the hook. */
static LLVMValueRef in_force(struct emitter *e, const struct ir_action *ia, LLVMValueRef mask,
			     LLVMBasicBlockRef none)
{
	LLVMValueRef bit = LLVMBuildAnd(e->b, LLVMBuildLShr(e->b, mask, c64(e, ia->target), ""),
					c64(e, 1), "");
	LLVMValueRef st = lookup_u32(e, e->rule_states, c64(e, ia->rule));
	LLVMBasicBlockRef have = lb_block(e->m, "state");
	LLVMBuildCondBr(e->b, LLVMBuildIsNull(e->b, st, ""), none, have);
	LLVMPositionBuilderAtEnd(e->b, have);
	LLVMValueRef last = load64(e, field(e, st, e->state_t, "last_active"), "last_active");
	LLVMValueRef hold = gen_time(e, ia->ast->hold, e->p->default_hold_ns);
	LLVMValueRef late = less_unsigned(e, hold, LLVMBuildSub(e->b, e->now, last, ""));
	LLVMValueRef on = LLVMBuildAnd(e->b, differ(e, last, c64(e, 0)), flip(e, late), "");
	return in_order(e, LLVMBuildAnd(e->b, bit, on, "in_force"));
}

/* u64 hook_<kind>(u64 cgroup_id, u64 now): what the kernel is told for a memcg. Every
 * action adds its part without a branch (a branch per action made the verifier walk every
 * subset of them). */
static void define_hook(struct emitter *e, const struct action_kind *k)
{
	lb_module *m = e->m;
	const lb_param params[] = { { "cgroup_id", e->u64 }, { "now", e->u64 } };
	const char *name = arena_printf(&e->p->arena, "hook_%s", k->name);
	LLVMValueRef fn = lb_subprogram(m, name, e->u64, params, 2, 0, true);
	e->hook[action_index(k)] = fn;
	e->now = lb_param_value(m, 1);
	lb_call(m, e->maybe_eval, &e->now, 1);
	LLVMValueRef key = lb_stack(m, e->u64, "id");
	lb_store(m, lb_param_value(m, 0), key, 8);
	LLVMValueRef maskp = lb_map_lookup(m, e->cgroup_slots, key);
	LLVMBasicBlockRef none = lb_block(m, "not_ours"), ours = lb_block(m, "ours");
	LLVMBuildCondBr(e->b, LLVMBuildIsNull(e->b, maskp, ""), none, ours);
	LLVMPositionBuilderAtEnd(e->b, none);
	LLVMBuildRet(e->b, c64(e, 0));
	LLVMPositionBuilderAtEnd(e->b, ours);
	LLVMValueRef mask = load64(e, maskp, "mask");
	LLVMValueRef acc = c64(e, 0);
	for (int i = 0; i < e->ir->actions.len; i++) {
		const struct ir_action *ia = e->ir->actions.items[i];
		if (ia->ast->kind != k)
			continue;
		at_line(e, ia->at);
		LLVMValueRef on = in_force(e, ia, mask, none);
		LLVMValueRef part = LLVMBuildMul(e->b, action_amount(e, ia->ast), on, "");
		acc = in_order(e, combine(e, k->combine, acc, part));
	}
	if (k->combine == COMBINE_SUM)
		acc = clamp_unsigned(e, acc, c64(e, MAX_PAGES));
	if (k->value_type == T_DURATION)
		acc = clamp_unsigned(e, acc, c64(e, MAX_DELAY_MS));
	LLVMBuildRet(e->b, acc);
}

/* Programs */

static void define_tracepoint(struct emitter *e)
{
	lb_module *m = e->m;
	const lb_param ctx = { "ctx", lb_pointer(m, e->kt.memcg_rstat_events) };
	lb_program(m, "count_memcg_events", "tp/memcg/count_memcg_events", e->kt.s32, &ctx, 1, 0);
	LLVMValueRef c = lb_param_value(m, 0);
	LLVMValueRef item = LLVMBuildSExt(e->b, kt_tp_field(&e->kt, c, "item"), m->i64, "item");
	gen_event(e, kt_tp_field(&e->kt, c, "id"), item, kt_tp_field(&e->kt, c, "val"),
		  c64(e, 0) /* read the clock if the event counts */);
	/* For a tracepoint, the kernel records the event for perf only if the BPF programs
	 * attached to it return non-zero (trace_call_bpf() in perf_trace_run_bpf_submit(),
	 * kernel/events/core.c): 0 would drop every event for every perf user on the machine. */
	LLVMBuildRet(e->b, LLVMConstInt(m->i32, 1, 0));
}

/* syscall memcgc_test: BPF_PROG_TEST_RUN's way in, see struct memcgc_test. */
static void define_test_entry(struct emitter *e)
{
	lb_module *m = e->m;
	const lb_param ctx = { "ctx", lb_pointer(m, e->test_t) };
	lb_program(m, "memcgc_test", "syscall", e->kt.s32, &ctx, 1, 0);
	LLVMValueRef in = lb_param_value(m, 0);
	LLVMValueRef op = lb_load(m, e->u32, field(e, in, e->test_t, "op"), "op");
	LLVMValueRef now = load64(e, field(e, in, e->test_t, "now"), "now");
	LLVMValueRef id = load64(e, field(e, in, e->test_t, "cgroup_id"), "cgroup_id");
	LLVMValueRef result_p = field(e, in, e->test_t, "result");
	LLVMBasicBlockRef out = lb_block(m, "out");
	LLVMValueRef sw = LLVMBuildSwitch(e->b, op, out, 6);

	LLVMBasicBlockRef event = lb_block(m, "event");
	LLVMAddCase(sw, LLVMConstInt(m->i32, TEST_EVENT, 0), event);
	LLVMPositionBuilderAtEnd(e->b, event);
	gen_event(e, id, lb_load(m, e->s64, field(e, in, e->test_t, "item"), "item"),
		  load64(e, field(e, in, e->test_t, "val"), "val"), now);
	LLVMBuildBr(e->b, out);

	LLVMBasicBlockRef eval = lb_block(m, "evaluate");
	LLVMAddCase(sw, LLVMConstInt(m->i32, TEST_EVALUATE, 0), eval);
	LLVMPositionBuilderAtEnd(e->b, eval);
	lb_call(m, e->eval_rules, &now, 1);
	LLVMBuildBr(e->b, out);

	static const struct { enum test_op op; const char *action; } queries[] = {
		{ TEST_OVER_HIGH, "over_high" }, { TEST_HIGH_DELAY, "high_delay" },
		{ TEST_BELOW_LOW, "protect_low" }, { TEST_BELOW_MIN, "protect_min" },
	};
	for (size_t i = 0; i < sizeof(queries) / sizeof(queries[0]); i++) {
		LLVMValueRef hook = e->hook[action_index(action_find(queries[i].action))];
		if (!hook)
			continue;
		LLVMBasicBlockRef q = lb_block(m, queries[i].action);
		LLVMAddCase(sw, LLVMConstInt(m->i32, queries[i].op, 0), q);
		LLVMPositionBuilderAtEnd(e->b, q);
		LLVMValueRef hargs[] = { id, now };
		lb_store(m, lb_call(m, hook, hargs, 2), result_p, 8);
		LLVMBuildBr(e->b, out);
	}
	LLVMPositionBuilderAtEnd(e->b, out);
	LLVMBuildRet(e->b, LLVMConstInt(m->i32, 0, 0));
}

/* One struct_ops map per ABI that offers every hook the policy needs. */
static void define_struct_ops(struct emitter *e, enum abi abi)
{
	lb_module *m = e->m;
	enum kt_ops_abi kabi = (enum kt_ops_abi)abi;   /* same order: v2, v6, v7 */
	lb_ops_init init[NABI * 2];
	unsigned n = 0;
	for (int i = 0; action_at(i); i++) {
		const struct action_kind *k = action_at(i);
		if (!(e->ir->actions_used & (1u << i)) || !k->hook[abi])
			continue;
		const char *member = k->hook[abi];
		const kt_ops_member *info = kt_ops_find(kabi, member);
		const char *name = arena_printf(&e->p->arena, "%s_%s", abis[abi].name, member);
		LLVMValueRef prog = kt_ops_program(&e->kt, kabi, member, name, 0);
		LLVMValueRef memcg = kt_ops_arg(&e->kt, kabi, member, 0);
		LLVMValueRef args[] = { kt_memcg_cgroup_id(&e->kt, memcg), lb_ktime_get_ns(m) };
		LLVMValueRef v = lb_call(m, e->hook[i], args, 2);
		if (info->ret == KT_BOOL)
			v = LLVMBuildZExt(e->b, LLVMBuildICmp(e->b, LLVMIntNE, v, c64(e, 0), ""), m->i8, "");
		else
			v = LLVMBuildTrunc(e->b, v, m->i32, "");
		LLVMBuildRet(e->b, v);
		init[n++] = (lb_ops_init){ member, prog };
	}
	const char *name = arena_printf(&e->p->arena, "ops_%s", abis[abi].name);
	lb_struct_ops(m, name, kt_memcg_ops_type(&e->kt, kabi), init, n, true, 0);
}

static void build(struct emitter *e)
{
	kt_init(&e->kt, e->m);
	e->b = e->m->ir;
	declare_types(e);
	declare_data(e);
	int n = at_least_one(e->ir->counters.len);
	e->counter = arena_alloc(&e->p->arena, sizeof(LLVMValueRef) * n);
	e->events = arena_alloc(&e->p->arena, sizeof(LLVMValueRef) * n);
	e->small = e->ir->counters.len <= SMALL_COUNTERS;
	define_counter_sum(e);          /* also for functions that do not hoist the counters */
	if (!e->small)
		define_counter_add(e);
	define_eval_rules(e);
	define_maybe_eval(e);
	for (int i = 0; action_at(i); i++)
		if (e->ir->actions_used & (1u << i))
			define_hook(e, action_at(i));
	define_tracepoint(e);
	define_test_entry(e);
	for (int abi = 0; abi < NABI && e->ir->actions_used; abi++)
		if (e->ir->abis & (1u << abi))
			define_struct_ops(e, (enum abi)abi);
}

static int write_llvm(struct emitter *e, const char *path)
{
	char *text;
	if (lb_emit_ir(e->m, &text) != 0)
		return -1;
	FILE *f = strcmp(path, "-") == 0 ? stdout : fopen(path, "w");
	int rc = f && fputs(text, f) >= 0 ? 0 : -1;
	if (f && f != stdout && fclose(f) != 0)
		rc = -1;
	if (rc)
		lb_fail(e->m, "cannot write '%s'", path);
	free(text);
	return rc;
}

int emit_policy(struct policy *p, const struct policy_ir *ir, const struct emit_options *o)
{
	static const enum lb_opt_level levels[] = { LB_O0, LB_O1, LB_O2 };
	const struct src_file *main = p->files.items[0];
	/* memcgc emits one module and exits: no child process; an LLVM failure ends memcgc
	 * with status 2 and a message naming the policy (memcgc(1)). */
	lb_options options = { .source_path = main->path, .opt = levels[o->opt_level],
			       .in_process = true, .fatal_status = 2 };
	struct emitter e = { .p = p, .ir = ir, .o = o, .m = lb_module_create(&options) };
	if (!e.m) {
		fprintf(stderr, "memcgc: error: %s: cannot set up LLVM's BPF target\n", main->path);
		return -1;
	}
	build(&e);
	int rc = lb_finalize(e.m);
	if (rc == 0)
		rc = o->kind == EMIT_KIND_LLVM ? write_llvm(&e, o->output) : lb_emit_file(e.m, o->output);
	if (rc)
		fprintf(stderr, "memcgc: error: %s\n", lb_error(e.m));
	lb_module_destroy(e.m);
	return rc;
}
