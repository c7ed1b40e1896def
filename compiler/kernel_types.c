/* kernel_types.c — debug-type descriptions of the kernel types memcgc touches. */
#include "kernel_types.h"

#include <stdio.h>
#include <string.h>

/* ---- struct memcg_bpf_ops, one row per ABI (docs/kernel-abis.md) ---- */

static const kt_ops_member ops_v2[] = {
	{ "memcg_nr_pages_over_high", KT_UINT, 1, { KT_MEMCG }, { "memcg" } },
	{ "handle_cgroup_online",     KT_VOID, 1, { KT_MEMCG }, { "memcg" } },
	{ "handle_cgroup_offline",    KT_VOID, 1, { KT_MEMCG }, { "memcg" } },
};
static const kt_ops_member ops_v6[] = {      /* v3..v6 */
	{ "handle_cgroup_online",     KT_VOID, 1, { KT_MEMCG }, { "memcg" } },
	{ "handle_cgroup_offline",    KT_VOID, 1, { KT_MEMCG }, { "memcg" } },
	{ "below_low",                KT_BOOL, 1, { KT_MEMCG }, { "memcg" } },
	{ "below_min",                KT_BOOL, 1, { KT_MEMCG }, { "memcg" } },
	{ "get_high_delay_ms",        KT_UINT, 1, { KT_MEMCG }, { "memcg" } },
};
static const kt_ops_member ops_v7[] = {
	{ "handle_cgroup_online",  KT_VOID, 1, { KT_MEMCG }, { "memcg" } },
	{ "handle_cgroup_offline", KT_VOID, 1, { KT_MEMCG }, { "memcg" } },
	{ "below_low",       KT_BOOL, 3, { KT_MEMCG, KT_ULONG, KT_ULONG }, { "memcg", "elow", "usage" } },
	{ "below_min",       KT_BOOL, 3, { KT_MEMCG, KT_ULONG, KT_ULONG }, { "memcg", "emin", "usage" } },
	{ "memcg_charged",   KT_UINT, 2, { KT_MEMCG, KT_UINT }, { "memcg", "nr_pages" } },
	{ "memcg_uncharged", KT_VOID, 2, { KT_MEMCG, KT_UINT }, { "memcg", "nr_pages" } },
};

#define ROW(label, table) { label, sizeof table / sizeof table[0], table }
static const kt_ops_abi_info ops_abis[KT_OPS_ABI_COUNT] = {
	[KT_OPS_V2] = ROW("v2", ops_v2),
	[KT_OPS_V6] = ROW("v6", ops_v6),
	[KT_OPS_V7] = ROW("v7", ops_v7),
};
#undef ROW

const kt_ops_abi_info *kt_ops_abi(enum kt_ops_abi abi)
{
	return &ops_abis[abi];
}

const kt_ops_member *kt_ops_find(enum kt_ops_abi abi, const char *member)
{
	for (unsigned i = 0; i < ops_abis[abi].n; i++)
		if (strcmp(ops_abis[abi].members[i].name, member) == 0)
			return &ops_abis[abi].members[i];
	return NULL;
}

bool kt_ops_abi_by_name(const char *name, enum kt_ops_abi *abi)
{
	for (int i = 0; i < KT_OPS_ABI_COUNT; i++)
		if (strcmp(ops_abis[i].name, name) == 0) {
			*abi = (enum kt_ops_abi)i;
			return true;
		}
	return false;
}

/* ---- enum vm_event_item ---------------------------------------------------------- */

/* Local values are placeholders (the table index): numbering depends on the kernel's
 * config, and every use is a CO-RE enum-value relocation resolved by name at load. */
const char *const kt_known_events[] = {
	"PGSCAN_KSWAPD", "PGSCAN_DIRECT", "PGSCAN_KHUGEPAGED",
	"PGSTEAL_KSWAPD", "PGSTEAL_DIRECT", "PGSTEAL_KHUGEPAGED",
	"PGFAULT", "PGMAJFAULT", "PGREFILL", "PGACTIVATE", "PGDEACTIVATE",
	"PSWPIN", "PSWPOUT",
};
const unsigned kt_n_known_events = sizeof kt_known_events / sizeof kt_known_events[0];

LLVMValueRef kt_event_item(kernel_types *kt, const char *name)
{
	return lb_core_enum_value(kt->m, kt->vm_event_item, name);
}

LLVMValueRef kt_event_item_exists(kernel_types *kt, const char *name)
{
	return lb_core_enum_exists(kt->m, kt->vm_event_item, name);
}

/* ---- structs --------------------------------------------------------------------- */

static void define_tracepoint_types(kernel_types *kt)
{
	lb_module *m = kt->m;
	const lb_field entry[] = {       /* the 8-byte header of every trace event */
		{ "type", lb_int(m, "unsigned short", 16, false), 0 },
		{ "flags", lb_int(m, "unsigned char", 8, false), 2 },
		{ "preempt_count", lb_int(m, "unsigned char", 8, false), 3 },
		{ "pid", kt->s32, 4 },
	};
	kt->trace_entry = lb_struct(m, "trace_entry", entry, 4, 8);
	const lb_field event[] = {
		{ "ent", kt->trace_entry, 0 },
		{ "id", kt->u64, 8 },
		{ "item", kt->s32, 16 },
		{ "val", kt->ulong, 24 },
	};
	kt->memcg_rstat_events = lb_struct(m, "trace_event_raw_memcg_rstat_events", event, 4, 32);
}

/* mem_cgroup → css (embedded) → cgroup (pointer) → kn (pointer) → id. Only the first two
 * offsets (0 and 0) hold in real kernels; the others are relocated by name. */
static void define_memcg_types(kernel_types *kt)
{
	lb_module *m = kt->m;
	const lb_field kn[] = { { "id", kt->u64, 0 } };
	kt->kernfs_node = lb_struct(m, "kernfs_node", kn, 1, 0);
	const lb_field cgroup[] = { { "kn", lb_pointer(m, kt->kernfs_node), 0 } };
	kt->cgroup = lb_struct(m, "cgroup", cgroup, 1, 0);
	const lb_field css[] = { { "cgroup", lb_pointer(m, kt->cgroup), 0 } };
	kt->cgroup_subsys_state = lb_struct(m, "cgroup_subsys_state", css, 1, 0);
	const lb_field memcg[] = { { "css", kt->cgroup_subsys_state, 0 } };
	kt->mem_cgroup = lb_struct(m, "mem_cgroup", memcg, 1, 0);
	kt->mem_cgroup_ptr = lb_pointer(m, kt->mem_cgroup);
}

void kt_init(kernel_types *kt, lb_module *m)
{
	memset(kt, 0, sizeof *kt);
	kt->m = m;
	kt->u32 = lb_typedef(m, lb_int(m, "unsigned int", 32, false), "u32");
	kt->s32 = lb_int(m, "int", 32, true);
	kt->u64 = lb_typedef(m, lb_int(m, "unsigned long long", 64, false), "u64");
	kt->ulong = lb_int(m, "unsigned long", 64, false);
	kt->uint = lb_int(m, "unsigned int", 32, false);
	kt->boolean = lb_bool(m);
	define_tracepoint_types(kt);
	define_memcg_types(kt);
	kt->vm_event_item = lb_enum_open(m, "vm_event_item", 32, false);
	for (unsigned i = 0; i < kt_n_known_events; i++)
		lb_enum_add(kt->vm_event_item, kt_known_events[i], i);
}

lb_type kt_kind_type(kernel_types *kt, enum kt_kind kind)
{
	switch (kind) {
	case KT_BOOL:  return kt->boolean;
	case KT_UINT:  return kt->uint;
	case KT_ULONG: return kt->ulong;
	case KT_MEMCG: return kt->mem_cgroup_ptr;
	case KT_VOID:  break;
	}
	return lb_void(kt->m);
}

LLVMValueRef kt_tp_field(kernel_types *kt, LLVMValueRef ctx, const char *field)
{
	return lb_core_read(kt->m, ctx, kt->memcg_rstat_events, field);
}

LLVMValueRef kt_memcg_cgroup_id(kernel_types *kt, LLVMValueRef memcg)
{
	static const char *const path[] = { "css", "cgroup", "kn", "id" };
	return lb_core_read_path(kt->m, memcg, kt->mem_cgroup, path, 4);
}

/* ---- struct memcg_bpf_ops ------------------------------------------------------- */

static lb_type member_proto(kernel_types *kt, const kt_ops_member *mb)
{
	lb_type params[3];
	for (unsigned i = 0; i < mb->nparams; i++)
		params[i] = kt_kind_type(kt, mb->params[i]);
	return lb_func_proto(kt->m, kt_kind_type(kt, mb->ret), params, mb->nparams);
}

/* Every member is a function pointer, so the struct is 8 bytes per member. */
lb_type kt_memcg_ops_type(kernel_types *kt, enum kt_ops_abi abi)
{
	if (kt->ops[abi].ir)
		return kt->ops[abi];
	const kt_ops_abi_info *info = &ops_abis[abi];
	lb_field fields[8];
	for (unsigned i = 0; i < info->n; i++)
		fields[i] = (lb_field){ info->members[i].name,
			lb_pointer(kt->m, member_proto(kt, &info->members[i])), 8 * i };
	kt->ops[abi] = lb_struct(kt->m, "memcg_bpf_ops", fields, info->n, 8 * info->n);
	return kt->ops[abi];
}

LLVMValueRef kt_ops_program(kernel_types *kt, enum kt_ops_abi abi, const char *member,
			    const char *function_name, unsigned line)
{
	const kt_ops_member *mb = kt_ops_find(abi, member);
	if (!mb) {
		lb_fail(kt->m, "memcg_bpf_ops %s has no member '%s'", ops_abis[abi].name,
			member);
		return NULL;
	}
	char section[128];
	snprintf(section, sizeof section, "struct_ops/%s", member);
	const lb_param ctx = { "ctx", lb_pointer(kt->m, kt->u64) };
	return lb_program(kt->m, function_name, section, kt_kind_type(kt, mb->ret), &ctx, 1,
			  line);
}

LLVMValueRef kt_ops_arg(kernel_types *kt, enum kt_ops_abi abi, const char *member,
			unsigned index)
{
	const kt_ops_member *mb = kt_ops_find(abi, member);
	lb_type type = mb && index < mb->nparams ? kt_kind_type(kt, mb->params[index]) : kt->u64;
	return lb_ctx_arg(kt->m, lb_param_value(kt->m, 0), index, type);
}
