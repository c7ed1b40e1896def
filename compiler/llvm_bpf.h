/* llvm_bpf.h — a small layer over the LLVM C API for building BPF objects.
 *
 * One lb_module is one BPF ELF object in the making. It owns the LLVM context, module,
 * IR builder, debug-info builder and BPF target machine, and knows the conventions
 * libbpf and the kernel expect:
 *   - debug info is what becomes .BTF / .BTF.ext (types, func info, line info, CO-RE
 *     relocations), so every type here is an lb_type: an IR type *and* a debug type;
 *   - maps are BTF-defined globals in ".maps"; parameters are `const volatile` globals
 *     in ".rodata" that the loader sets before load;
 *   - programs are functions in a named section, helpers are called by id;
 *   - CO-RE field reads and enum values go through the BPF backend's intrinsics, which
 *     the optimisation pipeline must lower before code generation.
 * The usual order: lb_module_create, types/maps/programs, lb_finalize (optional),
 * lb_emit_file or lb_emit_memory (runs the pipeline, then the BPF backend), destroy.
 *
 * Errors: functions returning int give 0 on success and -1 on failure with a message
 * naming the source in lb_error(). An LLVM fatal error prints a message naming the
 * source and exits with status 70 (in process: lb_options.fatal_status, and a crash
 * signal too); it never aborts silently.
 */
#ifndef MEMCGC_LLVM_BPF_H
#define MEMCGC_LLVM_BPF_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <llvm-c/Core.h>
#include <llvm-c/DebugInfo.h>
#include <llvm-c/TargetMachine.h>

/* ---- module ------------------------------------------------------------------- */

/* Pass pipeline default<On>. A zeroed lb_options means LB_O2. */
enum lb_opt_level { LB_O_DEFAULT, LB_O0, LB_O1, LB_O2 };

typedef struct lb_options {
	const char *source_path;   /* the .mcp file: names the compile unit, errors, line info */
	const char *cpu;           /* BPF CPU: NULL means "v3" (32-bit jumps, atomics) */
	enum lb_opt_level opt;     /* LB_O_DEFAULT (0) is LB_O2 */
	/* Run the pipeline and the backend in this process, not in a forked child: faster
	 * (see llvm_bpf.c), for a process that emits one module and ends. A fatal LLVM error
	 * or a crash then ends the process (message naming the source, fatal_status); only
	 * the first emission in a process can run here, later ones use a child. */
	bool in_process;
	int fatal_status;          /* exit status after a fatal error here; 0 means 70 */
	/* Tests of the fatal-error path only: emit without the pass pipeline, which leaves
	 * CO-RE intrinsics unlowered and makes instruction selection fail. */
	bool test_skip_pipeline;
	int test_signal;           /* Tests of the crash path: raise it where passes would run */
} lb_options;

typedef struct lb_struct_info lb_struct_info;
typedef struct lb_enum lb_enum;

/* A type as both IR and debug info (the IR type of every pointer is `ptr`). */
typedef struct lb_type {
	LLVMTypeRef ir;
	LLVMMetadataRef di;          /* NULL for `void` */
	uint64_t size;               /* bytes */
	uint32_t align;              /* bytes */
	bool is_signed;              /* integers and enums */
	const lb_struct_info *st;
	const struct lb_type *pointee;  /* set for pointers made by lb_pointer */
} lb_type;

typedef struct lb_module {
	/* For callers: build IR with `ir` at its current position, use the IR types. */
	LLVMContextRef ctx;
	LLVMModuleRef mod;
	LLVMBuilderRef ir;           /* instruction builder, positioned by lb_program etc. */
	LLVMTypeRef i8, i32, i64, ptr, void_ty;
	LLVMValueRef function;       /* the function being built */
	lb_options opt;

	/* Private to llvm_bpf.c. */
	LLVMDIBuilderRef di;
	LLVMTargetMachineRef tm;
	LLVMMetadataRef file, cu;
	LLVMMetadataRef scope;       /* DISubprogram of the function being built */
	char error[1024];
	int diag_errors;             /* LLVM diagnostics of severity error seen */
	unsigned core_seq;           /* sequence number of CO-RE enum-value calls */
	bool finalized;
	bool used_here;              /* optimised in this process (in_process) */
	void **owned;                /* allocations freed by lb_module_destroy */
	size_t n_owned;
	lb_enum **enums;             /* open enums, closed by lb_finalize */
	size_t n_enums;
} lb_module;

lb_module *lb_module_create(const lb_options *opt);   /* NULL (message on stderr) on failure */
void lb_module_destroy(lb_module *m);
const char *lb_error(const lb_module *m);
/* Record an error (the first one is kept), prefixed with the source path. */
void lb_fail(lb_module *m, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* ---- debug-typed types ----------------------------------------------------------- */

lb_type lb_void(lb_module *m);
lb_type lb_int(lb_module *m, const char *c_name, unsigned bits, bool is_signed);
lb_type lb_bool(lb_module *m);
lb_type lb_typedef(lb_module *m, lb_type base, const char *name);
lb_type lb_pointer(lb_module *m, lb_type pointee);   /* pointee lb_void() gives void * */
lb_type lb_array(lb_module *m, lb_type elem, uint64_t count);
enum { LB_CONST = 1, LB_VOLATILE = 2 };
lb_type lb_qualified(lb_module *m, lb_type base, unsigned qualifiers);
lb_type lb_func_proto(lb_module *m, lb_type ret, const lb_type *params, unsigned n);

typedef struct lb_field {
	const char *name;
	lb_type type;
	uint64_t offset;             /* bytes; LB_NEXT: right after the previous field, aligned */
} lb_field;
#define LB_NEXT UINT64_MAX

/* A struct with explicit offsets (kernel layouts) or natural ones (LB_NEXT). size 0
 * means "end of the last field, rounded to the alignment". Padding becomes byte arrays
 * in the IR type, so IR member numbers differ from debug member numbers: the struct
 * info keeps both. */
lb_type lb_struct(lb_module *m, const char *name, const lb_field *fields, unsigned n,
		  uint64_t size);
int lb_member_index(lb_type st, const char *member);       /* -1 if absent */
lb_type lb_member_type(lb_type st, unsigned index);

/* Enums whose enumerators may be added until lb_finalize (a policy can name any
 * vm_event_item); until then uses refer to a temporary node that finalize replaces. */
lb_enum *lb_enum_open(lb_module *m, const char *name, unsigned bits, bool is_signed);
int64_t lb_enum_add(lb_enum *e, const char *name, int64_t value); /* returns the value */
bool lb_enum_lookup(const lb_enum *e, const char *name, int64_t *value);
lb_type lb_enum_type(const lb_enum *e);

/* ---- globals -------------------------------------------------------------------- */

enum lb_map_type {               /* values of enum bpf_map_type */
	LB_MAP_HASH = 1,
	LB_MAP_ARRAY = 2,
	LB_MAP_PERCPU_HASH = 5,
	LB_MAP_PERCPU_ARRAY = 6,
	LB_MAP_LRU_HASH = 9,
	LB_MAP_LRU_PERCPU_HASH = 10,
	LB_MAP_RINGBUF = 27,         /* no key or value: give them as (lb_type){ 0 } */
};

typedef struct lb_map_spec {
	const char *name;
	enum lb_map_type type;
	lb_type key, value;
	uint32_t max_entries;
	uint32_t map_flags;          /* 0: no map_flags member at all */
	unsigned line;               /* .mcp line that declared it, 0 if none */
} lb_map_spec;

LLVMValueRef lb_map(lb_module *m, const lb_map_spec *spec);

/* A `const volatile` parameter in .rodata, set by the loader before load. */
LLVMValueRef lb_rodata(lb_module *m, const char *name, lb_type type, LLVMValueRef init,
		       unsigned line);
LLVMValueRef lb_load_rodata(lb_module *m, LLVMValueRef global, lb_type type);

/* Bytes in a section of their own (no BTF, ignored by libbpf), e.g. ".memcgc.meta". */
LLVMValueRef lb_data_section(lb_module *m, const char *symbol, const char *section,
			     const void *bytes, size_t len);

void lb_license(lb_module *m, const char *license);

/* A struct_ops map: a global of the ops struct initialised with program functions
 * (or, for data members such as a name, a constant of the member's IR type). Members
 * not listed stay zero/NULL. link: ".struct_ops.link" (BPF_F_LINK) else ".struct_ops". */
typedef struct lb_ops_init {
	const char *member;
	LLVMValueRef value;
} lb_ops_init;

LLVMValueRef lb_struct_ops(lb_module *m, const char *name, lb_type ops,
			   const lb_ops_init *init, unsigned n, bool link, unsigned line);

/* ---- functions ------------------------------------------------------------------ */

typedef struct lb_param {
	const char *name;
	lb_type type;
} lb_param;

/* A program: global function in `section` (e.g. "tp/memcg/count_memcg_events",
 * "struct_ops/below_low", "syscall"). A subprogram: static function in .text, callable
 * from programs. Both leave the builder at the start of the entry block with the
 * function's line as current location; NULL (and lb_error) if the name is taken or the
 * module is finalized. */
LLVMValueRef lb_program(lb_module *m, const char *name, const char *section, lb_type ret,
			const lb_param *params, unsigned n, unsigned line);
LLVMValueRef lb_subprogram(lb_module *m, const char *name, lb_type ret,
			   const lb_param *params, unsigned n, unsigned line, bool noinline);
/* Switch the builder back to a function started earlier (at the end of its current block). */
void lb_resume(lb_module *m, LLVMValueRef function, LLVMBasicBlockRef block);
LLVMValueRef lb_param_value(lb_module *m, unsigned index);
LLVMBasicBlockRef lb_block(lb_module *m, const char *name);  /* new block in the function */

/* Source locations (.mcp line/column) for instructions: set the current one for all
 * that follow, or attach one to a single instruction. */
void lb_set_location(lb_module *m, unsigned line, unsigned col);
void lb_attach_location(lb_module *m, LLVMValueRef inst, unsigned line, unsigned col);

/* A stack slot, allocated in the entry block and zeroed at the current position. */
LLVMValueRef lb_stack(lb_module *m, lb_type type, const char *name);
LLVMValueRef lb_load(lb_module *m, lb_type type, LLVMValueRef ptr, const char *name);
void lb_store(lb_module *m, LLVMValueRef value, LLVMValueRef ptr, uint32_t align);
/* Address of a member of one of our own structs (map values, test inputs): a plain
 * GEP, no relocation. For kernel structs use lb_core_field_ptr. */
LLVMValueRef lb_field_ptr(lb_module *m, LLVMValueRef base, lb_type st, const char *member);
LLVMValueRef lb_call(lb_module *m, LLVMValueRef function, LLVMValueRef *args, unsigned n);
/* Argument `index` of a tracing-style context (tp_btf, struct_ops): the kernel passes
 * arguments as an array of u64; narrower types are truncated after the 8-byte load. */
LLVMValueRef lb_ctx_arg(lb_module *m, LLVMValueRef ctx, unsigned index, lb_type type);

/* ---- helpers by id ---------------------------------------------------------------- */

enum lb_helper {                 /* values of enum bpf_func_id */
	LB_HELPER_MAP_LOOKUP_ELEM = 1,
	LB_HELPER_MAP_UPDATE_ELEM = 2,
	LB_HELPER_MAP_DELETE_ELEM = 3,
	LB_HELPER_KTIME_GET_NS = 5,
	LB_HELPER_TRACE_PRINTK = 6,
	LB_HELPER_GET_SMP_PROCESSOR_ID = 8,
	LB_HELPER_GET_CURRENT_PID_TGID = 14,
	LB_HELPER_GET_CURRENT_CGROUP_ID = 80,
	LB_HELPER_KTIME_GET_BOOT_NS = 125,
	LB_HELPER_RINGBUF_OUTPUT = 130,
};
enum { LB_RB_NO_WAKEUP = 1, LB_RB_FORCE_WAKEUP = 2 };            /* ringbuf output flags */
enum { LB_BPF_ANY = 0, LB_BPF_NOEXIST = 1, LB_BPF_EXIST = 2 };   /* map update flags */

LLVMValueRef lb_helper(lb_module *m, enum lb_helper id, LLVMValueRef *args, unsigned n);
LLVMValueRef lb_map_lookup(lb_module *m, LLVMValueRef map, LLVMValueRef key_ptr);
LLVMValueRef lb_map_update(lb_module *m, LLVMValueRef map, LLVMValueRef key_ptr,
			   LLVMValueRef value_ptr, uint64_t flags);
LLVMValueRef lb_map_delete(lb_module *m, LLVMValueRef map, LLVMValueRef key_ptr);
LLVMValueRef lb_ktime_get_ns(lb_module *m);

/* ---- CO-RE ---------------------------------------------------------------------- */

/* Address of base->member, relocated by libbpf against the running kernel's BTF. */
LLVMValueRef lb_core_field_ptr(lb_module *m, LLVMValueRef base, lb_type st,
			       const char *member, lb_type *member_type);
/* Load of base->member (scalar or pointer). */
LLVMValueRef lb_core_read(lb_module *m, LLVMValueRef base, lb_type st, const char *member);
/* Follow a path of members: embedded structs are entered, pointers to structs are
 * loaded and followed, the last member is loaded. {"css","cgroup","kn","id"} reads
 * memcg->css.cgroup->kn->id. */
LLVMValueRef lb_core_read_path(lb_module *m, LLVMValueRef base, lb_type st,
			       const char *const *path, unsigned n);
/* The running kernel's value of an enumerator (i64), or 1/0 for whether the running
 * kernel has it. A name the enum lacks is added with the next free local value (the
 * local value only matters if libbpf cannot relocate). */
LLVMValueRef lb_core_enum_value(lb_module *m, lb_enum *e, const char *name);
LLVMValueRef lb_core_enum_exists(lb_module *m, lb_enum *e, const char *name);

/* ---- output --------------------------------------------------------------------- */

int lb_finalize(lb_module *m);    /* close enums, finish debug info, verify the IR */

/* Finalize, run default<On> with the BPF target machine, emit the ELF object. The
 * pipeline and the backend run in a forked child (LLVM's BPF backend keeps per-process
 * state that breaks a second module, see llvm_bpf.c); the module is left unchanged, so
 * these may be called more than once and give the same bytes. With in_process (see
 * lb_options) the first call runs here and uses the module up: later calls fail. */
int lb_emit_memory(lb_module *m, void **data, size_t *len);   /* free() *data */
int lb_emit_file(lb_module *m, const char *path);  /* via a temporary file + rename */
int lb_emit_ir(lb_module *m, char **text);       /* IR after the pipeline; free() */
char *lb_print_ir(lb_module *m);                 /* IR as built; LLVMDisposeMessage */

#endif
