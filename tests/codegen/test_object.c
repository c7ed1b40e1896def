/* test_object.c — a BPF object built by hand with compiler/llvm_bpf.h, shaped like what
 * memcgc will emit for a small policy (tests/codegen/pgscan.mcp):
 *
 *   maps      pgscan    hash          u64 cgroup id -> { u64 pgscan; u64 last_ns; }
 *             btf_ids   hash          u64 cgroup id -> u64 events (seen via tp_btf)
 *             totals    percpu array  u32 0 -> u64 events seen by the tracepoint program
 *             recent    LRU hash      u64 cgroup id -> u64 (declared only: map types)
 *             config    array         u32 -> u64 (declared only: map types)
 *   .rodata   scan_weight (u64, 1), protected_cgroup (u64, 0)
 *   programs  count_memcg_events  tp/memcg/count_memcg_events   CO-RE reads, enum values
 *             memcg_events_btf    tp_btf/count_memcg_events     memcg->css.cgroup->kn->id
 *             test_count          syscall                       same logic, synthetic input
 *             test_events         syscall                       enum names added at run time
 *             policy_delay        struct_ops/get_high_delay_ms  (v6)
 *             policy_below_low    struct_ops/below_low          (v6)
 *   struct_ops memcgc_ops (v6, .struct_ops.link): only the two members above set
 *   .memcgc.meta  a metadata blob
 *
 * count_scan(cgid, item, val, now) is the shared logic, a static noinline subprogram.
 */
#include "test_object.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kernel_types.h"

/* Lines of tests/codegen/pgscan.mcp the code points at. */
enum { L_PARAM = 4, L_MAP = 5, L_EVENT = 6, L_ADD = 7, L_LAST = 8, L_DELAY = 9, L_PROTECT = 10 };

struct test_object {
	lb_module *m;
	kernel_types kt;
	lb_type u32, u64, s32, value_t, input_t;
	LLVMValueRef pgscan, btf_ids, totals, recent, config;
	LLVMValueRef scan_weight, protected_cgroup;
	LLVMValueRef count_scan;
};

static LLVMValueRef u64c(struct test_object *t, uint64_t v)
{
	return LLVMConstInt(t->m->i64, v, 0);
}

static void declare_data(struct test_object *t)
{
	lb_module *m = t->m;
	t->u32 = t->kt.u32;
	t->u64 = t->kt.u64;
	t->s32 = t->kt.s32;
	const lb_field value[] = { { "pgscan", t->u64, LB_NEXT }, { "last_ns", t->u64, LB_NEXT } };
	t->value_t = lb_struct(m, "pgscan_value", value, 2, 0);
	const lb_field input[] = {     /* must match struct test_input in codegen_test.c */
		{ "now_ns", t->u64, LB_NEXT }, { "cgroup_id", t->u64, LB_NEXT },
		{ "item", t->s32, LB_NEXT }, { "pad", t->u32, LB_NEXT },
		{ "count", t->u64, LB_NEXT }, { "result", t->u64, LB_NEXT },
	};
	t->input_t = lb_struct(m, "memcgc_test_input", input, 6, 0);

	const lb_map_spec maps[] = {
		{ "pgscan", LB_MAP_HASH, t->u64, t->value_t, 1024, 0, L_MAP },
		{ "btf_ids", LB_MAP_HASH, t->u64, t->u64, 1024, 0, L_MAP },
		{ "totals", LB_MAP_PERCPU_ARRAY, t->u32, t->u64, 1, 0, L_MAP },
		{ "recent", LB_MAP_LRU_HASH, t->u64, t->u64, 256, 0, L_MAP },
		{ "config", LB_MAP_ARRAY, t->u32, t->u64, 4, 0, L_MAP },
	};
	LLVMValueRef *slots[] = { &t->pgscan, &t->btf_ids, &t->totals, &t->recent, &t->config };
	for (unsigned i = 0; i < 5; i++)
		*slots[i] = lb_map(m, &maps[i]);

	t->scan_weight = lb_rodata(m, "scan_weight", t->u64, u64c(t, 1), L_PARAM);
	t->protected_cgroup = lb_rodata(m, "protected_cgroup", t->u64, u64c(t, 0), L_PROTECT);
	static const char meta[] = "memcgc-meta v1\npolicy=pgscan\nabi=v6\n";
	lb_data_section(m, "memcgc_meta", ".memcgc.meta", meta, sizeof meta - 1);
	lb_license(m, "GPL");
}

/* *p += v atomically, returning the new value. */
static LLVMValueRef atomic_add(struct test_object *t, LLVMValueRef p, LLVMValueRef v)
{
	LLVMValueRef old = LLVMBuildAtomicRMW(t->m->ir, LLVMAtomicRMWBinOpAdd, p, v,
					      LLVMAtomicOrderingMonotonic, 0);
	return LLVMBuildAdd(t->m->ir, old, v, "new");
}

/* The value of map[key], inserting `fresh` (zeroed stack) first if absent; NULL if the
 * map is full. */
static LLVMValueRef lookup_or_insert(struct test_object *t, LLVMValueRef map,
				     LLVMValueRef key, lb_type value_t)
{
	lb_module *m = t->m;
	LLVMValueRef found = lb_map_lookup(m, map, key);
	LLVMBasicBlockRef here = LLVMGetInsertBlock(m->ir);
	LLVMBasicBlockRef insert = lb_block(m, "insert"), done = lb_block(m, "have_value");
	LLVMBuildCondBr(m->ir, LLVMBuildIsNull(m->ir, found, "absent"), insert, done);

	LLVMPositionBuilderAtEnd(m->ir, insert);
	LLVMValueRef fresh = lb_stack(m, value_t, "fresh");
	lb_map_update(m, map, key, fresh, LB_BPF_NOEXIST);
	LLVMValueRef again = lb_map_lookup(m, map, key);
	LLVMBuildBr(m->ir, done);

	LLVMPositionBuilderAtEnd(m->ir, done);
	LLVMValueRef value = LLVMBuildPhi(m->ir, m->ptr, "value");
	LLVMValueRef incoming[] = { found, again };
	LLVMBasicBlockRef from[] = { here, insert };
	LLVMAddIncoming(value, incoming, from, 2);
	return value;
}

/* u64 count_scan(u64 cgid, int item, u64 val, u64 now): for the three PGSCAN_* items,
 * pgscan[cgid].pgscan += val * scan_weight, last_ns = now; returns the new total, else 0. */
static void define_count_scan(struct test_object *t)
{
	lb_module *m = t->m;
	const lb_param params[] = {
		{ "cgid", t->u64 }, { "item", t->s32 }, { "val", t->u64 }, { "now", t->u64 },
	};
	t->count_scan = lb_subprogram(m, "count_scan", t->u64, params, 4, L_EVENT, true);
	LLVMValueRef item = LLVMBuildSExt(m->ir, lb_param_value(m, 1), m->i64, "item64");

	lb_set_location(m, L_EVENT, 14);
	static const char *const scans[] = { "PGSCAN_KSWAPD", "PGSCAN_DIRECT", "PGSCAN_KHUGEPAGED" };
	LLVMValueRef is_scan = NULL;
	for (unsigned i = 0; i < 3; i++) {
		LLVMValueRef eq = LLVMBuildICmp(m->ir, LLVMIntEQ, item,
						kt_event_item(&t->kt, scans[i]), scans[i]);
		is_scan = is_scan ? LLVMBuildOr(m->ir, is_scan, eq, "is_scan") : eq;
	}
	LLVMBasicBlockRef count = lb_block(m, "count"), skip = lb_block(m, "skip");
	LLVMBuildCondBr(m->ir, is_scan, count, skip);

	LLVMPositionBuilderAtEnd(m->ir, skip);
	LLVMBuildRet(m->ir, u64c(t, 0));

	LLVMPositionBuilderAtEnd(m->ir, count);
	lb_set_location(m, L_ADD, 5);
	LLVMValueRef key = lb_stack(m, t->u64, "key");
	lb_store(m, lb_param_value(m, 0), key, 8);
	LLVMValueRef value = lookup_or_insert(t, t->pgscan, key, t->value_t);
	LLVMBasicBlockRef add = lb_block(m, "add");
	LLVMBuildCondBr(m->ir, LLVMBuildIsNull(m->ir, value, "full"), skip, add);

	LLVMPositionBuilderAtEnd(m->ir, add);
	lb_set_location(m, L_ADD, 23);
	LLVMValueRef weight = lb_load_rodata(m, t->scan_weight, t->u64);
	LLVMValueRef inc = LLVMBuildMul(m->ir, lb_param_value(m, 2), weight, "inc");
	LLVMValueRef total = atomic_add(t, lb_field_ptr(m, value, t->value_t, "pgscan"), inc);
	lb_set_location(m, L_LAST, 5);
	lb_store(m, lb_param_value(m, 3), lb_field_ptr(m, value, t->value_t, "last_ns"), 8);
	LLVMBuildRet(m->ir, total);
}

/* tp/memcg/count_memcg_events: CO-RE reads of the raw event, then the shared logic. */
static void define_tracepoint_program(struct test_object *t)
{
	lb_module *m = t->m;
	const lb_param ctx = { "ctx", lb_pointer(m, t->kt.memcg_rstat_events) };
	lb_program(m, "count_memcg_events", "tp/memcg/count_memcg_events", t->s32, &ctx, 1,
		   L_EVENT);
	LLVMValueRef c = lb_param_value(m, 0);
	lb_set_location(m, L_EVENT, 10);
	LLVMValueRef cgid = kt_tp_field(&t->kt, c, "id");
	LLVMValueRef item = kt_tp_field(&t->kt, c, "item");
	LLVMValueRef val = kt_tp_field(&t->kt, c, "val");
	LLVMValueRef args[] = { cgid, item, val, lb_ktime_get_ns(m) };
	lb_call(m, t->count_scan, args, 4);

	LLVMValueRef zero = lb_stack(m, t->u32, "zero");
	LLVMValueRef slot = lb_map_lookup(m, t->totals, zero);
	LLVMBasicBlockRef bump = lb_block(m, "bump"), out = lb_block(m, "out");
	LLVMBuildCondBr(m->ir, LLVMBuildIsNull(m->ir, slot, "no_slot"), out, bump);
	LLVMPositionBuilderAtEnd(m->ir, bump);
	LLVMValueRef n = lb_load(m, t->u64, slot, "n");
	lb_store(m, LLVMBuildAdd(m->ir, n, u64c(t, 1), "n1"), slot, 8);  /* per-CPU: plain add */
	LLVMBuildBr(m->ir, out);
	LLVMPositionBuilderAtEnd(m->ir, out);
	LLVMBuildRet(m->ir, LLVMConstInt(m->i32, 0, 0));
}

/* tp_btf/count_memcg_events: the memcg pointer is a BTF-typed argument, read with the
 * same load chain a struct_ops program uses: memcg->css.cgroup->kn->id. */
static void define_btf_program(struct test_object *t)
{
	lb_module *m = t->m;
	const lb_param ctx = { "ctx", lb_pointer(m, t->u64) };
	lb_program(m, "memcg_events_btf", "tp_btf/count_memcg_events", t->s32, &ctx, 1, L_EVENT);
	LLVMValueRef memcg = lb_ctx_arg(m, lb_param_value(m, 0), 0, t->kt.mem_cgroup_ptr);
	LLVMValueRef key = lb_stack(m, t->u64, "key");
	lb_store(m, kt_memcg_cgroup_id(&t->kt, memcg), key, 8);
	LLVMValueRef count = lookup_or_insert(t, t->btf_ids, key, t->u64);
	LLVMBasicBlockRef add = lb_block(m, "add"), out = lb_block(m, "out");
	LLVMBuildCondBr(m->ir, LLVMBuildIsNull(m->ir, count, "full"), out, add);
	LLVMPositionBuilderAtEnd(m->ir, add);
	atomic_add(t, count, u64c(t, 1));
	LLVMBuildBr(m->ir, out);
	LLVMPositionBuilderAtEnd(m->ir, out);
	LLVMBuildRet(m->ir, LLVMConstInt(m->i32, 0, 0));
}

/* syscall: the test entry point, run with BPF_PROG_TEST_RUN; ctx is memcgc_test_input. */
static void define_syscall_program(struct test_object *t)
{
	lb_module *m = t->m;
	const lb_param ctx = { "ctx", lb_pointer(m, t->input_t) };
	lb_program(m, "test_count", "syscall", t->s32, &ctx, 1, L_EVENT);
	LLVMValueRef in = lb_param_value(m, 0);
	static const char *const fields[] = { "cgroup_id", "item", "count", "now_ns" };
	LLVMValueRef args[4];
	for (unsigned i = 0; i < 4; i++) {
		int k = lb_member_index(t->input_t, fields[i]);
		args[i] = lb_load(m, lb_member_type(t->input_t, (unsigned)k),
				  lb_field_ptr(m, in, t->input_t, fields[i]), fields[i]);
	}
	LLVMValueRef result = lb_call(m, t->count_scan, args, 4);
	lb_store(m, result, lb_field_ptr(m, in, t->input_t, "result"), 8);
	LLVMBuildRet(m->ir, LLVMBuildTrunc(m->ir, result, m->i32, "ret"));
}

/* syscall test_events: enumerators a policy names at run time (not in kt_known_events):
 * returns exists(PGSCAN_ANON) + 2 * exists(MEMCGC_NO_SUCH_EVENT), result = PGSCAN_ANON. */
static void define_event_names_program(struct test_object *t)
{
	lb_module *m = t->m;
	const lb_param ctx = { "ctx", lb_pointer(m, t->input_t) };
	lb_program(m, "test_events", "syscall", t->s32, &ctx, 1, L_EVENT);
	LLVMValueRef anon = kt_event_item_exists(&t->kt, "PGSCAN_ANON");
	LLVMValueRef bogus = kt_event_item_exists(&t->kt, "MEMCGC_NO_SUCH_EVENT");
	LLVMValueRef sum = LLVMBuildAdd(m->ir, anon, LLVMBuildShl(m->ir, bogus, u64c(t, 1), ""),
					"exists");
	lb_store(m, kt_event_item(&t->kt, "PGSCAN_ANON"),
		 lb_field_ptr(m, lb_param_value(m, 0), t->input_t, "result"), 8);
	LLVMBuildRet(m->ir, LLVMBuildTrunc(m->ir, sum, m->i32, "ret"));
}

/* Two v6 members; the struct_ops map leaves the other three NULL. */
static void define_struct_ops(struct test_object *t)
{
	lb_module *m = t->m;
	kernel_types *kt = &t->kt;
	LLVMValueRef delay = kt_ops_program(kt, KT_OPS_V6, "get_high_delay_ms", "policy_delay",
					    L_DELAY);
	LLVMValueRef key = lb_stack(m, t->u64, "key");
	lb_store(m, kt_memcg_cgroup_id(kt, kt_ops_arg(kt, KT_OPS_V6, "get_high_delay_ms", 0)),
		 key, 8);
	LLVMValueRef v = lb_map_lookup(m, t->pgscan, key);
	LLVMValueRef ms = LLVMBuildSelect(m->ir, LLVMBuildIsNull(m->ir, v, "quiet"),
					  LLVMConstInt(m->i32, 0, 0), LLVMConstInt(m->i32, 10, 0),
					  "ms");
	LLVMBuildRet(m->ir, ms);

	LLVMValueRef below_low = kt_ops_program(kt, KT_OPS_V6, "below_low", "policy_below_low",
						L_PROTECT);
	LLVMValueRef id = kt_memcg_cgroup_id(kt, kt_ops_arg(kt, KT_OPS_V6, "below_low", 0));
	LLVMValueRef want = lb_load_rodata(m, t->protected_cgroup, t->u64);
	LLVMValueRef yes = LLVMBuildICmp(m->ir, LLVMIntEQ, id, want, "protected");
	LLVMBuildRet(m->ir, LLVMBuildZExt(m->ir, yes, m->i8, "bool"));

	const lb_ops_init init[] = {
		{ "get_high_delay_ms", delay }, { "below_low", below_low },
	};
	lb_struct_ops(m, "memcgc_ops", kt_memcg_ops_type(kt, KT_OPS_V6), init, 2, true, L_DELAY);
}

int build_test_object(const char *source, enum lb_opt_level opt, bool skip_pipeline,
		      void **data, size_t *len, char *error, size_t error_size)
{
	lb_options options = { .source_path = source, .opt = opt,
			       .test_skip_pipeline = skip_pipeline };
	return build_test_object_with(&options, data, len, error, error_size);
}

int build_test_object_with(const lb_options *options, void **data, size_t *len, char *error,
			   size_t error_size)
{
	struct test_object t = { .m = lb_module_create(options) };
	if (!t.m) {
		snprintf(error, error_size, "cannot create the LLVM module");
		return -1;
	}
	kt_init(&t.kt, t.m);
	declare_data(&t);
	define_count_scan(&t);
	define_tracepoint_program(&t);
	define_btf_program(&t);
	define_syscall_program(&t);
	define_event_names_program(&t);
	define_struct_ops(&t);
	int rc = lb_finalize(t.m);
	if (!rc && getenv("CODEGEN_TEST_PRINT_IR")) {
		char *ir = lb_print_ir(t.m);
		fputs(ir, stderr);
		LLVMDisposeMessage(ir);
	}
	if (!rc)
		rc = lb_emit_memory(t.m, data, len);
	if (rc)
		snprintf(error, error_size, "%s", lb_error(t.m));
	lb_module_destroy(t.m);
	return rc;
}

/* A minimal object per memcg_bpf_ops ABI: one program for handle_cgroup_online (in
 * every ABI) and the struct_ops map with only that member set. */
int build_ops_object(enum kt_ops_abi abi, const char *source, void **data, size_t *len,
		     char *error, size_t error_size)
{
	lb_options options = { .source_path = source, .opt = LB_O2 };
	lb_module *m = lb_module_create(&options);
	if (!m) {
		snprintf(error, error_size, "cannot create the LLVM module");
		return -1;
	}
	kernel_types kt;
	kt_init(&kt, m);
	lb_license(m, "GPL");
	LLVMValueRef online = kt_ops_program(&kt, abi, "handle_cgroup_online", "on_online", 1);
	LLVMBuildRetVoid(m->ir);
	const lb_ops_init init[] = { { "handle_cgroup_online", online } };
	lb_struct_ops(m, "ops", kt_memcg_ops_type(&kt, abi), init, 1, true, 1);
	int rc = lb_emit_memory(m, data, len);
	if (rc)
		snprintf(error, error_size, "%s", lb_error(m));
	lb_module_destroy(m);
	return rc;
}

/* struct tcp_congestion_ops: a struct_ops type this host has, to run the struct_ops
 * path end to end (BPF_F_LINK map, members set to programs and data, trusted pointer
 * argument read with CO-RE) where memcg_bpf_ops cannot be tested. Registers a congestion
 * control named cc_name (at most 15 characters) while the link lives. */
int build_tcp_ops_object(const char *source, const char *cc_name, void **data, size_t *len,
			 char *error, size_t error_size)
{
	lb_options options = { .source_path = source };
	lb_module *m = lb_module_create(&options);
	if (!m) {
		snprintf(error, error_size, "cannot create the LLVM module");
		return -1;
	}
	lb_type s32 = lb_int(m, "int", 32, true), u32 = lb_int(m, "unsigned int", 32, false);
	lb_type u64 = lb_int(m, "unsigned long long", 64, false);
	const lb_field sock_fields[] = { { "sk_rcvbuf", s32, 0 } };  /* relocated by name */
	lb_type sock = lb_struct(m, "sock", sock_fields, 1, 0);
	lb_type sock_ptr = lb_pointer(m, sock);
	lb_license(m, "GPL");

	const lb_param ctx = { "ctx", lb_pointer(m, u64) };
	LLVMValueRef ssthresh = lb_program(m, "memcgc_ssthresh", "struct_ops/ssthresh", u32,
					   &ctx, 1, 1);
	LLVMValueRef sk = lb_ctx_arg(m, lb_param_value(m, 0), 0, sock_ptr);
	LLVMValueRef rcvbuf = lb_core_read(m, sk, sock, "sk_rcvbuf");
	LLVMValueRef positive = LLVMBuildICmp(m->ir, LLVMIntSGT, rcvbuf,
					      LLVMConstInt(m->i32, 0, 0), "positive");
	LLVMBuildRet(m->ir, LLVMBuildSelect(m->ir, positive, LLVMConstInt(m->i32, 4, 0),
					    LLVMConstInt(m->i32, 2, 0), "ssthresh"));
	LLVMValueRef cong_avoid = lb_program(m, "memcgc_cong_avoid", "struct_ops/cong_avoid",
					     lb_void(m), &ctx, 1, 2);
	LLVMBuildRetVoid(m->ir);
	LLVMValueRef undo = lb_program(m, "memcgc_undo_cwnd", "struct_ops/undo_cwnd", u32,
				       &ctx, 1, 3);
	LLVMBuildRet(m->ir, LLVMConstInt(m->i32, 10, 0));

	lb_type sk_fn = lb_func_proto(m, u32, &sock_ptr, 1);
	lb_type avoid_params[] = { sock_ptr, u32, u32 };
	lb_type avoid_fn = lb_func_proto(m, lb_void(m), avoid_params, 3);
	lb_type name16 = lb_array(m, lb_int(m, "char", 8, true), 16);
	const lb_field ops_fields[] = {          /* a subset, matched to the kernel's by name */
		{ "ssthresh", lb_pointer(m, sk_fn), LB_NEXT },
		{ "cong_avoid", lb_pointer(m, avoid_fn), LB_NEXT },
		{ "undo_cwnd", lb_pointer(m, sk_fn), LB_NEXT },
		{ "name", name16, LB_NEXT },
	};
	lb_type ops = lb_struct(m, "tcp_congestion_ops", ops_fields, 4, 0);
	char name[16] = { 0 };
	snprintf(name, sizeof name, "%s", cc_name);
	const lb_ops_init init[] = {
		{ "ssthresh", ssthresh }, { "cong_avoid", cong_avoid }, { "undo_cwnd", undo },
		{ "name", LLVMConstStringInContext2(m->ctx, name, sizeof name, 1) },
	};
	lb_struct_ops(m, "memcgc_tcp", ops, init, 4, true, 1);
	int rc = lb_emit_memory(m, data, len);
	if (rc)
		snprintf(error, error_size, "%s", lb_error(m));
	lb_module_destroy(m);
	return rc;
}
