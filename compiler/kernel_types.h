/* kernel_types.h — the kernel types memcgc touches, as debug types (hence BTF and CO-RE).
 *
 * Only the members memcgc reads are declared, at their offsets in one real kernel;
 * libbpf relocates every access against the running kernel's BTF, matching structs,
 * members and enumerators by name. So a declared offset is a default, not a promise.
 *
 * The struct_ops type `struct memcg_bpf_ops` exists only in RFC kernels and changed
 * between versions; each ABI is one row of a table in kernel_types.c.
 */
#ifndef MEMCGC_KERNEL_TYPES_H
#define MEMCGC_KERNEL_TYPES_H

#include "llvm_bpf.h"

enum kt_ops_abi { KT_OPS_V2, KT_OPS_V6, KT_OPS_V7, KT_OPS_ABI_COUNT };

/* The value kinds that appear in memcg_bpf_ops signatures. */
enum kt_kind { KT_VOID, KT_BOOL, KT_UINT, KT_ULONG, KT_MEMCG };

typedef struct kt_ops_member {
	const char *name;
	enum kt_kind ret;
	unsigned nparams;
	enum kt_kind params[3];
	const char *param_names[3];
} kt_ops_member;

typedef struct kt_ops_abi_info {
	const char *name;              /* "v2", "v6", "v7" */
	unsigned n;
	const kt_ops_member *members;  /* in struct order */
} kt_ops_abi_info;

const kt_ops_abi_info *kt_ops_abi(enum kt_ops_abi abi);
const kt_ops_member *kt_ops_find(enum kt_ops_abi abi, const char *member); /* NULL if absent */
bool kt_ops_abi_by_name(const char *name, enum kt_ops_abi *abi);

/* The vm_event_item names memcgc knows; a policy may name others (kt_event_item). */
extern const char *const kt_known_events[];
extern const unsigned kt_n_known_events;

typedef struct kernel_types {
	lb_module *m;
	lb_type u32, s32, u64, ulong, uint, boolean;
	lb_type trace_entry;
	lb_type memcg_rstat_events;    /* struct trace_event_raw_memcg_rstat_events */
	lb_type kernfs_node, cgroup, cgroup_subsys_state, mem_cgroup;
	lb_type mem_cgroup_ptr;
	lb_enum *vm_event_item;
	lb_type ops[KT_OPS_ABI_COUNT]; /* struct memcg_bpf_ops, built on first use */
} kernel_types;

void kt_init(kernel_types *kt, lb_module *m);
lb_type kt_kind_type(kernel_types *kt, enum kt_kind kind);

/* The running kernel's value of `enum vm_event_item` NAME (i64), via CO-RE; names not
 * in kt_known_events are added to the enum. *_exists gives 1/0 instead. */
LLVMValueRef kt_event_item(kernel_types *kt, const char *name);
LLVMValueRef kt_event_item_exists(kernel_types *kt, const char *name);

/* ctx->NAME of the memcg:count_memcg_events tracepoint ("id", "item", "val"), via CO-RE. */
LLVMValueRef kt_tp_field(kernel_types *kt, LLVMValueRef ctx, const char *field);

/* memcg->css.cgroup->kn->id (the cgroup id a tracepoint reports), via CO-RE loads. */
LLVMValueRef kt_memcg_cgroup_id(kernel_types *kt, LLVMValueRef memcg);

/* struct memcg_bpf_ops of an ABI, and a program for one of its members: section
 * "struct_ops/<member>", one parameter `ctx` (the kernel passes the arguments as an
 * array of u64), returning the member's type. kt_ops_arg reads argument `index`. */
lb_type kt_memcg_ops_type(kernel_types *kt, enum kt_ops_abi abi);
LLVMValueRef kt_ops_program(kernel_types *kt, enum kt_ops_abi abi, const char *member,
			    const char *function_name, unsigned line);
LLVMValueRef kt_ops_arg(kernel_types *kt, enum kt_ops_abi abi, const char *member,
			unsigned index);

#endif
