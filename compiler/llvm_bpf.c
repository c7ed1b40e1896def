/* llvm_bpf.c — building BPF objects with the LLVM C API (see llvm_bpf.h). */
#define _POSIX_C_SOURCE 200809L   /* fork, pipe, waitpid, strsignal, sigaction */
#define _DEFAULT_SOURCE           /* sigaltstack, SA_ONSTACK */
#include "llvm_bpf.h"

#include <errno.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <llvm-c/Analysis.h>
#include <llvm-c/ErrorHandling.h>
#include <llvm-c/Target.h>
#include <llvm-c/Transforms/PassBuilder.h>

/* DWARF constants the C API takes as plain numbers. */
enum {
	DW_TAG_enumeration_type = 0x04,
	DW_TAG_structure_type = 0x13,
	DW_TAG_const_type = 0x26,
	DW_TAG_volatile_type = 0x35,
	DW_ATE_boolean = 0x02,
	DW_ATE_signed = 0x05,
	DW_ATE_signed_char = 0x06,
	DW_ATE_unsigned = 0x07,
	DW_ATE_unsigned_char = 0x08,
};

/* Exit status after an LLVM fatal error (EX_SOFTWARE: an internal error). */
enum { LB_FATAL_EXIT = 70 };

struct lb_struct_info {
	const char *name;
	unsigned n;
	const char **names;
	lb_type *types;
	uint64_t *offsets;
	unsigned *gep;               /* IR element number of each debug member */
};

struct lb_enum {
	lb_module *m;
	char *name;
	unsigned bits;
	bool is_signed;
	lb_type type;                /* di: the temporary node until lb_finalize */
	unsigned n, cap;
	char **names;
	int64_t *values;
};

/* ---- errors ---------------------------------------------------------------------- */

static const char *fatal_source = "(no input)";
static int fatal_status = LB_FATAL_EXIT;   /* the emitting module's, see lb_options */

/* LLVM calls this, then exit(1), on a fatal error: name the input, never abort silently. */
static void on_llvm_fatal(const char *reason)
{
	fprintf(stderr, "memcgc: %s: internal error in LLVM code generation: %s\n",
		fatal_source, reason);
	fflush(stderr);
	_exit(fatal_status);
}

void lb_fail(lb_module *m, const char *fmt, ...)
{
	if (m->error[0])
		return;                      /* keep the first error: it is the cause */
	int len = snprintf(m->error, sizeof m->error, "%s: codegen: ", m->opt.source_path);
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(m->error + len, sizeof m->error - (size_t)len, fmt, ap);
	va_end(ap);
}

/* Errors reported by LLVM passes (e.g. the BPF backend refusing a construct) arrive
 * here; without a handler LLVM would print them and exit. */
static void on_llvm_diagnostic(LLVMDiagnosticInfoRef info, void *data)
{
	lb_module *m = data;
	char *text = LLVMGetDiagInfoDescription(info);
	switch (LLVMGetDiagInfoSeverity(info)) {
	case LLVMDSError:
		m->diag_errors++;
		lb_fail(m, "LLVM: %s", text);
		break;
	case LLVMDSWarning:
		fprintf(stderr, "%s: warning (LLVM): %s\n", m->opt.source_path, text);
		break;
	default:
		break;
	}
	LLVMDisposeMessage(text);
}

const char *lb_error(const lb_module *m)
{
	return m->error[0] ? m->error : "no error";
}

static void *owned_alloc(lb_module *m, size_t size)
{
	void *p = calloc(1, size);
	void **list = realloc(m->owned, (m->n_owned + 1) * sizeof *list);
	if (!p || !list) {
		fprintf(stderr, "memcgc: out of memory\n");
		exit(1);
	}
	m->owned = list;
	m->owned[m->n_owned++] = p;
	return p;
}

static char *owned_strdup(lb_module *m, const char *s)
{
	char *copy = owned_alloc(m, strlen(s) + 1);
	return strcpy(copy, s);
}

/* ---- module ---------------------------------------------------------------------- */

static LLVMTargetMachineRef create_bpf_target_machine(const char *cpu)
{
	LLVMInitializeBPFTargetInfo();
	LLVMInitializeBPFTarget();
	LLVMInitializeBPFTargetMC();
	LLVMInitializeBPFAsmPrinter();
	LLVMTargetRef target;
	char *msg = NULL;
	if (LLVMGetTargetFromTriple("bpfel", &target, &msg)) {
		fprintf(stderr, "memcgc: LLVM has no BPF target: %s\n", msg);
		LLVMDisposeMessage(msg);
		return NULL;
	}
	/* Never LLVMCodeGenLevelNone: CO-RE offsets would not be folded into the loads. */
	return LLVMCreateTargetMachine(target, "bpfel", cpu, "", LLVMCodeGenLevelDefault,
				       LLVMRelocDefault, LLVMCodeModelDefault);
}

static void add_module_flag(lb_module *m, const char *key, unsigned value)
{
	LLVMMetadataRef md = LLVMValueAsMetadata(LLVMConstInt(m->i32, value, 0));
	LLVMAddModuleFlag(m->mod, LLVMModuleFlagBehaviorWarning, key, strlen(key), md);
}

/* The compile unit is named by the source path as given (no cwd, no checksum), so the
 * object does not depend on where the compiler ran. The backend reads line text for
 * BTF line info from directory/file. */
static void create_compile_unit(lb_module *m)
{
	const char *path = m->opt.source_path;
	const char *slash = strrchr(path, '/');
	const char *base = slash ? slash + 1 : path;
	const char *dir = slash ? path : ".";
	size_t dir_len = slash ? (size_t)(slash - path) : 1;
	if (slash == path)
		dir_len = 1;                 /* "/x.mcp": directory "/" */
	m->file = LLVMDIBuilderCreateFile(m->di, base, strlen(base), dir, dir_len);
	m->cu = LLVMDIBuilderCreateCompileUnit(m->di, LLVMDWARFSourceLanguageC11, m->file,
		"memcgc", 6, 1, "", 0, 0, "", 0, LLVMDWARFEmissionFull, 0, 0, 0, "", 0, "", 0);
	add_module_flag(m, "Dwarf Version", 5);
	add_module_flag(m, "Debug Info Version", LLVMDebugMetadataVersion());
}

lb_module *lb_module_create(const lb_options *opt)
{
	lb_module *m = calloc(1, sizeof *m);
	if (!m)
		return NULL;
	m->opt = *opt;
	if (!m->opt.source_path)
		m->opt.source_path = "(memory)";
	if (!m->opt.cpu)
		m->opt.cpu = "v3";
	m->opt.source_path = strdup(m->opt.source_path);
	m->opt.cpu = strdup(m->opt.cpu);
	/* Process-wide in LLVM: names the most recently created module's source. */
	static bool handler_installed;
	fatal_source = m->opt.source_path;
	if (!handler_installed)
		LLVMInstallFatalErrorHandler(on_llvm_fatal);
	handler_installed = true;

	m->tm = create_bpf_target_machine(m->opt.cpu);
	if (!m->tm) {
		lb_module_destroy(m);
		return NULL;
	}
	m->ctx = LLVMContextCreate();
	LLVMContextSetDiagnosticHandler(m->ctx, on_llvm_diagnostic, m);
	m->mod = LLVMModuleCreateWithNameInContext(m->opt.source_path, m->ctx);
	LLVMSetSourceFileName(m->mod, m->opt.source_path, strlen(m->opt.source_path));
	LLVMSetTarget(m->mod, "bpfel");
	/* Before any IR: types get their BPF sizes and alignments (i64 aligned to 8). */
	LLVMTargetDataRef layout = LLVMCreateTargetDataLayout(m->tm);
	LLVMSetModuleDataLayout(m->mod, layout);
	LLVMDisposeTargetData(layout);

	m->ir = LLVMCreateBuilderInContext(m->ctx);
	m->di = LLVMCreateDIBuilder(m->mod);
	m->i8 = LLVMInt8TypeInContext(m->ctx);
	m->i32 = LLVMInt32TypeInContext(m->ctx);
	m->i64 = LLVMInt64TypeInContext(m->ctx);
	m->ptr = LLVMPointerTypeInContext(m->ctx, 0);
	m->void_ty = LLVMVoidTypeInContext(m->ctx);
	create_compile_unit(m);
	return m;
}

void lb_module_destroy(lb_module *m)
{
	if (!m)
		return;
	for (size_t i = 0; i < m->n_enums; i++) {
		lb_enum *e = m->enums[i];
		for (unsigned k = 0; k < e->n; k++)
			free(e->names[k]);
		free(e->names);
		free(e->values);
		free(e->name);
		free(e);
	}
	free(m->enums);
	for (size_t i = 0; i < m->n_owned; i++)
		free(m->owned[i]);
	free(m->owned);
	if (m->di)
		LLVMDisposeDIBuilder(m->di);
	if (m->ir)
		LLVMDisposeBuilder(m->ir);
	if (m->mod)
		LLVMDisposeModule(m->mod);
	if (m->ctx)
		LLVMContextDispose(m->ctx);
	if (m->tm)
		LLVMDisposeTargetMachine(m->tm);
	if (fatal_source == m->opt.source_path)
		fatal_source = "(no input)";
	free((char *)m->opt.source_path);
	free((char *)m->opt.cpu);
	free(m);
}

/* ---- types ----------------------------------------------------------------------- */

lb_type lb_void(lb_module *m)
{
	return (lb_type){ .ir = m->void_ty, .di = NULL, .size = 0, .align = 1 };
}

lb_type lb_int(lb_module *m, const char *c_name, unsigned bits, bool is_signed)
{
	unsigned encoding = bits == 8 ? (is_signed ? DW_ATE_signed_char : DW_ATE_unsigned_char)
				      : (is_signed ? DW_ATE_signed : DW_ATE_unsigned);
	return (lb_type){
		.ir = LLVMIntTypeInContext(m->ctx, bits),
		.di = LLVMDIBuilderCreateBasicType(m->di, c_name, strlen(c_name), bits,
						   encoding, LLVMDIFlagZero),
		.size = bits / 8, .align = bits / 8, .is_signed = is_signed,
	};
}

/* Stored as a byte, as in C; functions returning it zero-extend. */
lb_type lb_bool(lb_module *m)
{
	return (lb_type){
		.ir = m->i8,
		.di = LLVMDIBuilderCreateBasicType(m->di, "_Bool", 5, 8, DW_ATE_boolean,
						   LLVMDIFlagZero),
		.size = 1, .align = 1,
	};
}

lb_type lb_typedef(lb_module *m, lb_type base, const char *name)
{
	lb_type t = base;
	t.di = LLVMDIBuilderCreateTypedef(m->di, base.di, name, strlen(name), m->file, 0,
					  m->file, 0);
	return t;
}

lb_type lb_pointer(lb_module *m, lb_type pointee)
{
	lb_type *target = owned_alloc(m, sizeof *target);
	*target = pointee;
	return (lb_type){
		.ir = m->ptr,
		.di = LLVMDIBuilderCreatePointerType(m->di, pointee.di, 64, 0, 0, NULL, 0),
		.size = 8, .align = 8, .pointee = target,
	};
}

lb_type lb_array(lb_module *m, lb_type elem, uint64_t count)
{
	LLVMMetadataRef range = LLVMDIBuilderGetOrCreateSubrange(m->di, 0, (int64_t)count);
	return (lb_type){
		.ir = LLVMArrayType2(elem.ir, count),
		.di = LLVMDIBuilderCreateArrayType(m->di, elem.size * count * 8, elem.align * 8,
						   elem.di, &range, 1),
		.size = elem.size * count, .align = elem.align,
	};
}

/* C order: `const volatile T` is const(volatile(T)) in DWARF and BTF. */
lb_type lb_qualified(lb_module *m, lb_type base, unsigned qualifiers)
{
	lb_type t = base;
	if (qualifiers & LB_VOLATILE)
		t.di = LLVMDIBuilderCreateQualifiedType(m->di, DW_TAG_volatile_type, t.di);
	if (qualifiers & LB_CONST)
		t.di = LLVMDIBuilderCreateQualifiedType(m->di, DW_TAG_const_type, t.di);
	return t;
}

lb_type lb_func_proto(lb_module *m, lb_type ret, const lb_type *params, unsigned n)
{
	LLVMMetadataRef di_types[1 + n];
	LLVMTypeRef ir_types[n + 1];
	di_types[0] = ret.di;                        /* NULL: void */
	for (unsigned i = 0; i < n; i++) {
		di_types[1 + i] = params[i].di;
		ir_types[i] = params[i].ir;
	}
	return (lb_type){
		.ir = LLVMFunctionType(ret.ir, ir_types, n, 0),
		.di = LLVMDIBuilderCreateSubroutineType(m->di, m->file, di_types, 1 + n,
							LLVMDIFlagPrototyped),
		.size = 0, .align = 1,
	};
}

static uint64_t align_up(uint64_t x, uint64_t a)
{
	return a ? (x + a - 1) / a * a : x;
}

/* IR body of a struct: fields at their offsets, byte arrays for the gaps. Unpacked when
 * LLVM's natural layout gives exactly these offsets (the usual case: better code for
 * whole-struct copies), packed otherwise. */
static LLVMTypeRef struct_ir_body(lb_module *m, const char *name, lb_struct_info *info,
				  uint64_t size)
{
	LLVMTypeRef elems[2 * info->n + 1];
	unsigned count = 0;
	uint64_t at = 0;
	for (unsigned i = 0; i < info->n; i++) {
		if (info->offsets[i] > at)
			elems[count++] = LLVMArrayType2(m->i8, info->offsets[i] - at);
		info->gep[i] = count;
		elems[count++] = info->types[i].ir;
		at = info->offsets[i] + info->types[i].size;
	}
	if (size > at)
		elems[count++] = LLVMArrayType2(m->i8, size - at);

	char ir_name[256];
	snprintf(ir_name, sizeof ir_name, "struct.%s", name && *name ? name : "anon");
	LLVMTypeRef st = LLVMStructCreateNamed(m->ctx, ir_name);
	LLVMStructSetBody(st, elems, count, 0);
	LLVMTargetDataRef dl = LLVMGetModuleDataLayout(m->mod);
	bool natural = LLVMABISizeOfType(dl, st) == size;
	for (unsigned i = 0; natural && i < info->n; i++)
		natural = LLVMOffsetOfElement(dl, st, info->gep[i]) == info->offsets[i];
	if (!natural) {
		st = LLVMStructCreateNamed(m->ctx, ir_name);
		LLVMStructSetBody(st, elems, count, 1);
	}
	return st;
}

lb_type lb_struct(lb_module *m, const char *name, const lb_field *fields, unsigned n,
		  uint64_t size)
{
	lb_struct_info *info = owned_alloc(m, sizeof *info);
	info->name = owned_strdup(m, name ? name : "");
	info->n = n;
	info->names = owned_alloc(m, (n + 1) * sizeof *info->names);
	info->types = owned_alloc(m, (n + 1) * sizeof *info->types);
	info->offsets = owned_alloc(m, (n + 1) * sizeof *info->offsets);
	info->gep = owned_alloc(m, (n + 1) * sizeof *info->gep);

	uint64_t at = 0;
	uint32_t align = 1;
	for (unsigned i = 0; i < n; i++) {
		uint64_t off = fields[i].offset;
		if (off == LB_NEXT)
			off = align_up(at, fields[i].type.align);
		if (off < at)                /* no unions or reordering: the IR body needs order */
			lb_fail(m, "struct %s: member '%s' at %llu overlaps the one before",
				info->name, fields[i].name, (unsigned long long)off);
		info->names[i] = owned_strdup(m, fields[i].name);
		info->types[i] = fields[i].type;
		info->offsets[i] = off;
		at = off + fields[i].type.size;
		if (fields[i].type.align > align)
			align = fields[i].type.align;
	}
	if (size == 0)
		size = align_up(at, align);
	if (size < at)
		lb_fail(m, "struct %s: size %llu is smaller than its members", info->name,
			(unsigned long long)size);

	/* Members name their struct as scope: a temporary node first, replaced below. */
	LLVMMetadataRef members[n + 1];
	LLVMMetadataRef st_di = LLVMDIBuilderCreateReplaceableCompositeType(m->di, DW_TAG_structure_type,
		info->name, strlen(info->name), m->file, m->file, 0, 0, size * 8, align * 8,
		LLVMDIFlagZero, NULL, 0);
	for (unsigned i = 0; i < n; i++) {
		lb_type ft = info->types[i];
		members[i] = LLVMDIBuilderCreateMemberType(m->di, st_di, info->names[i],
			strlen(info->names[i]), m->file, 0, ft.size * 8, ft.align * 8,
			info->offsets[i] * 8, LLVMDIFlagZero, ft.di);
	}
	LLVMMetadataRef real = LLVMDIBuilderCreateStructType(m->di, m->file, info->name,
		strlen(info->name), m->file, 0, size * 8, align * 8, LLVMDIFlagZero, NULL,
		members, n, 0, NULL, NULL, 0);
	LLVMMetadataReplaceAllUsesWith(st_di, real);

	return (lb_type){
		.ir = struct_ir_body(m, name, info, size),
		.di = real, .size = size, .align = align, .st = info,
	};
}

int lb_member_index(lb_type st, const char *member)
{
	if (!st.st)
		return -1;
	for (unsigned i = 0; i < st.st->n; i++)
		if (strcmp(st.st->names[i], member) == 0)
			return (int)i;
	return -1;
}

lb_type lb_member_type(lb_type st, unsigned index)
{
	return st.st->types[index];
}

/* ---- open enums ------------------------------------------------------------------ */

lb_enum *lb_enum_open(lb_module *m, const char *name, unsigned bits, bool is_signed)
{
	lb_enum *e = calloc(1, sizeof *e);
	lb_enum **list = realloc(m->enums, (m->n_enums + 1) * sizeof *list);
	if (!e || !list) {
		fprintf(stderr, "memcgc: out of memory\n");
		exit(1);
	}
	m->enums = list;
	m->enums[m->n_enums++] = e;
	e->m = m;
	e->name = strdup(name);
	e->bits = bits;
	e->is_signed = is_signed;
	e->type = (lb_type){
		.ir = LLVMIntTypeInContext(m->ctx, bits),
		.di = LLVMDIBuilderCreateReplaceableCompositeType(m->di, DW_TAG_enumeration_type,
			name, strlen(name), m->file, m->file, 0, 0, bits, bits, LLVMDIFlagZero,
			NULL, 0),
		.size = bits / 8, .align = bits / 8, .is_signed = is_signed,
	};
	return e;
}

bool lb_enum_lookup(const lb_enum *e, const char *name, int64_t *value)
{
	for (unsigned i = 0; i < e->n; i++)
		if (strcmp(e->names[i], name) == 0) {
			if (value)
				*value = e->values[i];
			return true;
		}
	return false;
}

int64_t lb_enum_add(lb_enum *e, const char *name, int64_t value)
{
	int64_t existing;
	if (lb_enum_lookup(e, name, &existing))
		return existing;
	if (e->n == e->cap) {
		e->cap = e->cap ? 2 * e->cap : 16;
		e->names = realloc(e->names, e->cap * sizeof *e->names);
		e->values = realloc(e->values, e->cap * sizeof *e->values);
		if (!e->names || !e->values) {
			fprintf(stderr, "memcgc: out of memory\n");
			exit(1);
		}
	}
	e->names[e->n] = strdup(name);
	e->values[e->n] = value;
	e->n++;
	return value;
}

lb_type lb_enum_type(const lb_enum *e)
{
	return e->type;
}

static int64_t enum_next_value(const lb_enum *e)
{
	int64_t next = 0;
	for (unsigned i = 0; i < e->n; i++)
		if (e->values[i] >= next)
			next = e->values[i] + 1;
	return next;
}

/* Replace the temporary node by the enum with every enumerator added so far. */
static void close_enum(lb_module *m, lb_enum *e)
{
	LLVMMetadataRef items[e->n + 1];
	for (unsigned i = 0; i < e->n; i++)
		items[i] = LLVMDIBuilderCreateEnumerator(m->di, e->names[i], strlen(e->names[i]),
							 e->values[i], !e->is_signed);
	LLVMMetadataRef base = lb_int(m, e->is_signed ? "int" : "unsigned int", e->bits,
				      e->is_signed).di;
	LLVMMetadataRef real = LLVMDIBuilderCreateEnumerationType(m->di, m->file, e->name,
		strlen(e->name), m->file, 0, e->bits, e->bits, items, e->n, base);
	LLVMMetadataReplaceAllUsesWith(e->type.di, real);
	e->type.di = real;
}

/* ---- globals --------------------------------------------------------------------- */

static void attach_global_debug_info(lb_module *m, LLVMValueRef g, const char *name,
				     LLVMMetadataRef di_type, unsigned line, bool local)
{
	LLVMMetadataRef expr = LLVMDIBuilderCreateExpression(m->di, NULL, 0);
	LLVMMetadataRef gve = LLVMDIBuilderCreateGlobalVariableExpression(m->di, m->cu, name,
		strlen(name), "", 0, m->file, line, di_type, local, expr, NULL, 0);
	LLVMGlobalSetMetadata(g, LLVMGetMDKindIDInContext(m->ctx, "dbg", 3), gve);
}

/* Globals and functions share one symbol namespace; LLVM would quietly rename a clash
 * (a map "x" next to a program "x" would become "x.1"), so refuse it instead. */
static bool symbol_taken(lb_module *m, const char *name)
{
	return LLVMGetNamedGlobal(m->mod, name) || LLVMGetNamedFunction(m->mod, name);
}

static LLVMValueRef add_global(lb_module *m, const char *name, LLVMTypeRef type,
			       LLVMValueRef init, const char *section, unsigned align)
{
	if (symbol_taken(m, name)) {
		lb_fail(m, "global '%s' defined twice", name);
		return NULL;
	}
	LLVMValueRef g = LLVMAddGlobal(m->mod, type, name);
	LLVMSetInitializer(g, init ? init : LLVMConstNull(type));
	if (section)
		LLVMSetSection(g, section);
	LLVMSetAlignment(g, align);
	return g;
}

/* A member `int (*name)[value]`: libbpf reads the number from the array length. */
static lb_field map_number(lb_module *m, const char *name, uint64_t value)
{
	lb_type int_t = lb_int(m, "int", 32, true);
	return (lb_field){ name, lb_pointer(m, lb_array(m, int_t, value)), LB_NEXT };
}

LLVMValueRef lb_map(lb_module *m, const lb_map_spec *spec)
{
	lb_field fields[5];
	unsigned n = 0;
	fields[n++] = map_number(m, "type", spec->type);
	fields[n++] = map_number(m, "max_entries", spec->max_entries);
	if (spec->map_flags)
		fields[n++] = map_number(m, "map_flags", spec->map_flags);
	if (spec->key.ir)       /* a ring buffer has neither */
		fields[n++] = (lb_field){ "key", lb_pointer(m, spec->key), LB_NEXT };
	if (spec->value.ir)
		fields[n++] = (lb_field){ "value", lb_pointer(m, spec->value), LB_NEXT };
	lb_type def = lb_struct(m, "", fields, n, 0);

	LLVMValueRef g = add_global(m, spec->name, def.ir, NULL, ".maps", 8);
	if (!g)
		return NULL;
	/* Without its debug info libbpf finds no DATASEC '.maps'. */
	attach_global_debug_info(m, g, spec->name, def.di, spec->line, false);
	return g;
}

LLVMValueRef lb_rodata(lb_module *m, const char *name, lb_type type, LLVMValueRef init,
		       unsigned line)
{
	LLVMValueRef g = add_global(m, name, type.ir, init, ".rodata", type.align);
	if (!g)
		return NULL;
	LLVMSetGlobalConstant(g, 1);
	lb_type cv = lb_qualified(m, type, LB_CONST | LB_VOLATILE);
	attach_global_debug_info(m, g, name, cv.di, line, false);
	return g;
}

/* Volatile, so the optimiser cannot fold the compile-time initialiser: the loader
 * rewrites .rodata before load and the verifier then sees the real constant. */
LLVMValueRef lb_load_rodata(lb_module *m, LLVMValueRef global, lb_type type)
{
	LLVMValueRef v = lb_load(m, type, global, LLVMGetValueName(global));
	LLVMSetVolatile(v, 1);
	return v;
}

LLVMValueRef lb_data_section(lb_module *m, const char *symbol, const char *section,
			     const void *bytes, size_t len)
{
	LLVMValueRef init = LLVMConstStringInContext2(m->ctx, bytes, len, 1);
	LLVMValueRef g = add_global(m, symbol, LLVMTypeOf(init), init, section, 1);
	if (g)
		LLVMSetGlobalConstant(g, 1);
	return g;
}

void lb_license(lb_module *m, const char *license)
{
	size_t len = strlen(license) + 1;
	LLVMValueRef init = LLVMConstStringInContext2(m->ctx, license, len - 1, 0);
	LLVMValueRef g = add_global(m, "LICENSE", LLVMTypeOf(init), init, "license", 1);
	if (g)
		attach_global_debug_info(m, g, "LICENSE",
			lb_array(m, lb_int(m, "char", 8, true), len).di, 0, false);
}

LLVMValueRef lb_struct_ops(lb_module *m, const char *name, lb_type ops,
			   const lb_ops_init *init, unsigned n, bool link, unsigned line)
{
	if (!ops.st) {
		lb_fail(m, "struct_ops '%s': the ops type is not a struct", name);
		return NULL;
	}
	unsigned count = LLVMCountStructElementTypes(ops.ir);
	LLVMValueRef values[count + 1];
	for (unsigned i = 0; i < count; i++)
		values[i] = LLVMConstNull(LLVMStructGetTypeAtIndex(ops.ir, i));
	for (unsigned i = 0; i < n; i++) {
		int k = lb_member_index(ops, init[i].member);
		if (k < 0) {
			lb_fail(m, "struct %s has no member '%s'", ops.st ? ops.st->name : "?",
				  init[i].member);
			return NULL;
		}
		values[ops.st->gep[k]] = init[i].value;
	}
	LLVMValueRef value = LLVMConstNamedStruct(ops.ir, values, count);
	LLVMValueRef g = add_global(m, name, ops.ir, value,
				    link ? ".struct_ops.link" : ".struct_ops", 8);
	if (g)
		attach_global_debug_info(m, g, name, ops.di, line, false);
	return g;
}

/* ---- functions ------------------------------------------------------------------- */

static void add_fn_attr(lb_module *m, LLVMValueRef fn, unsigned index, const char *attr)
{
	unsigned kind = LLVMGetEnumAttributeKindForName(attr, strlen(attr));
	LLVMAddAttributeAtIndex(fn, index, LLVMCreateEnumAttribute(m->ctx, kind, 0));
}

static LLVMValueRef begin_function(lb_module *m, const char *name, const char *section,
				   lb_type ret, const lb_param *params, unsigned n,
				   unsigned line, bool local, bool noinline)
{
	if (symbol_taken(m, name)) {
		lb_fail(m, "function '%s' defined twice", name);
		return NULL;
	}
	if (m->finalized) {                 /* debug info is finished: no new subprograms */
		lb_fail(m, "function '%s' started after lb_finalize", name);
		return NULL;
	}
	lb_type types[n + 1];
	for (unsigned i = 0; i < n; i++)
		types[i] = params[i].type;
	lb_type proto = lb_func_proto(m, ret, types, n);
	LLVMValueRef fn = LLVMAddFunction(m->mod, name, proto.ir);
	LLVMSetLinkage(fn, local ? LLVMInternalLinkage : LLVMExternalLinkage);
	if (section)
		LLVMSetSection(fn, section);
	add_fn_attr(m, fn, LLVMAttributeFunctionIndex, "nounwind"); /* else .eh_frame */
	if (noinline)
		add_fn_attr(m, fn, LLVMAttributeFunctionIndex, "noinline");
	if (ret.di && ret.size && ret.size < 8 && LLVMGetTypeKind(ret.ir) == LLVMIntegerTypeKind)
		add_fn_attr(m, fn, LLVMAttributeReturnIndex, ret.is_signed ? "signext" : "zeroext");

	LLVMMetadataRef sp = LLVMDIBuilderCreateFunction(m->di, m->file, name, strlen(name),
		name, strlen(name), m->file, line, proto.di, local, 1, line,
		LLVMDIFlagPrototyped, 1);
	LLVMSetSubprogram(fn, sp);
	for (unsigned i = 0; i < n; i++) {
		LLVMValueRef arg = LLVMGetParam(fn, i);
		LLVMSetValueName2(arg, params[i].name, strlen(params[i].name));
		/* Kept in the subprogram's retained nodes: BTF takes parameter names from them. */
		LLVMDIBuilderCreateParameterVariable(m->di, sp, params[i].name,
			strlen(params[i].name), i + 1, m->file, line, params[i].type.di, 1,
			LLVMDIFlagZero);
	}
	m->function = fn;
	m->scope = sp;
	LLVMPositionBuilderAtEnd(m->ir, LLVMAppendBasicBlockInContext(m->ctx, fn, "entry"));
	lb_set_location(m, line, 0);
	return fn;
}

LLVMValueRef lb_program(lb_module *m, const char *name, const char *section, lb_type ret,
			const lb_param *params, unsigned n, unsigned line)
{
	return begin_function(m, name, section, ret, params, n, line, false, false);
}

LLVMValueRef lb_subprogram(lb_module *m, const char *name, lb_type ret,
			   const lb_param *params, unsigned n, unsigned line, bool noinline)
{
	return begin_function(m, name, NULL, ret, params, n, line, true, noinline);
}

void lb_resume(lb_module *m, LLVMValueRef function, LLVMBasicBlockRef block)
{
	m->function = function;
	m->scope = LLVMGetSubprogram(function);
	LLVMPositionBuilderAtEnd(m->ir, block);
}

LLVMValueRef lb_param_value(lb_module *m, unsigned index)
{
	return LLVMGetParam(m->function, index);
}

LLVMBasicBlockRef lb_block(lb_module *m, const char *name)
{
	return LLVMAppendBasicBlockInContext(m->ctx, m->function, name);
}

void lb_set_location(lb_module *m, unsigned line, unsigned col)
{
	LLVMSetCurrentDebugLocation2(m->ir,
		LLVMDIBuilderCreateDebugLocation(m->ctx, line, col, m->scope, NULL));
}

void lb_attach_location(lb_module *m, LLVMValueRef inst, unsigned line, unsigned col)
{
	LLVMInstructionSetDebugLoc(inst,
		LLVMDIBuilderCreateDebugLocation(m->ctx, line, col, m->scope, NULL));
}

/* The slot is allocated in the entry block (one fixed stack offset for the verifier)
 * and zeroed where it is asked for, so helpers never read uninitialised stack (padding
 * included) and paths that do not use the slot do not pay for the zeroing. */
LLVMValueRef lb_stack(lb_module *m, lb_type type, const char *name)
{
	LLVMBasicBlockRef here = LLVMGetInsertBlock(m->ir);
	LLVMBasicBlockRef entry = LLVMGetEntryBasicBlock(m->function);
	LLVMValueRef first = LLVMGetFirstInstruction(entry);
	if (first)
		LLVMPositionBuilderBefore(m->ir, first);
	else
		LLVMPositionBuilderAtEnd(m->ir, entry);
	LLVMValueRef slot = LLVMBuildAlloca(m->ir, type.ir, name);
	LLVMSetAlignment(slot, type.align);
	LLVMPositionBuilderAtEnd(m->ir, here);
	LLVMBuildMemSet(m->ir, slot, LLVMConstInt(m->i8, 0, 0),
			LLVMConstInt(m->i64, type.size, 0), type.align);
	return slot;
}

LLVMValueRef lb_load(lb_module *m, lb_type type, LLVMValueRef ptr, const char *name)
{
	LLVMValueRef v = LLVMBuildLoad2(m->ir, type.ir, ptr, name ? name : "");
	LLVMSetAlignment(v, type.align);
	return v;
}

void lb_store(lb_module *m, LLVMValueRef value, LLVMValueRef ptr, uint32_t align)
{
	LLVMSetAlignment(LLVMBuildStore(m->ir, value, ptr), align);
}

LLVMValueRef lb_field_ptr(lb_module *m, LLVMValueRef base, lb_type st, const char *member)
{
	int index = lb_member_index(st, member);
	if (index < 0) {
		lb_fail(m, "struct %s has no member '%s'", st.st ? st.st->name : "?", member);
		return LLVMGetUndef(m->ptr);
	}
	return LLVMBuildStructGEP2(m->ir, st.ir, base, st.st->gep[index], member);
}

LLVMValueRef lb_call(lb_module *m, LLVMValueRef function, LLVMValueRef *args, unsigned n)
{
	LLVMTypeRef type = LLVMGlobalGetValueType(function);
	bool is_void = LLVMGetTypeKind(LLVMGetReturnType(type)) == LLVMVoidTypeKind;
	return LLVMBuildCall2(m->ir, type, function, args, n, is_void ? "" : "call");
}

LLVMValueRef lb_ctx_arg(lb_module *m, LLVMValueRef ctx, unsigned index, lb_type type)
{
	LLVMValueRef offset = LLVMConstInt(m->i64, index, 0);
	LLVMValueRef slot = LLVMBuildGEP2(m->ir, m->i64, ctx, &offset, 1, "arg");
	bool is_pointer = LLVMGetTypeKind(type.ir) == LLVMPointerTypeKind;
	LLVMValueRef v = LLVMBuildLoad2(m->ir, is_pointer ? m->ptr : m->i64, slot, "arg");
	LLVMSetAlignment(v, 8);
	if (!is_pointer && type.size < 8)
		v = LLVMBuildTrunc(m->ir, v, type.ir, "arg");
	return v;
}

/* ---- helpers --------------------------------------------------------------------- */

/* Signatures by id. Kinds: 'p' pointer, 'q' 64-bit integer, 'i' 32-bit integer. */
static const struct helper_sig {
	enum lb_helper id;
	char ret;
	const char *args;
	bool varargs;
} helper_sigs[] = {
	{ LB_HELPER_MAP_LOOKUP_ELEM,      'p', "pp",   false },
	{ LB_HELPER_MAP_UPDATE_ELEM,      'q', "pppq", false },
	{ LB_HELPER_MAP_DELETE_ELEM,      'q', "pp",   false },
	{ LB_HELPER_KTIME_GET_NS,         'q', "",     false },
	{ LB_HELPER_TRACE_PRINTK,         'q', "pi",   true  },
	{ LB_HELPER_GET_SMP_PROCESSOR_ID, 'q', "",     false },
	{ LB_HELPER_GET_CURRENT_PID_TGID, 'q', "",     false },
	{ LB_HELPER_GET_CURRENT_CGROUP_ID,'q', "",     false },
	{ LB_HELPER_KTIME_GET_BOOT_NS,    'q', "",     false },
	{ LB_HELPER_RINGBUF_OUTPUT,       'q', "ppqq", false },
};

static LLVMTypeRef kind_type(lb_module *m, char kind)
{
	return kind == 'p' ? m->ptr : kind == 'i' ? m->i32 : m->i64;
}

LLVMValueRef lb_helper(lb_module *m, enum lb_helper id, LLVMValueRef *args, unsigned n)
{
	const struct helper_sig *sig = NULL;
	for (size_t i = 0; i < sizeof helper_sigs / sizeof *helper_sigs; i++)
		if (helper_sigs[i].id == id)
			sig = &helper_sigs[i];
	if (!sig) {
		lb_fail(m, "helper %d has no signature in llvm_bpf.c", (int)id);
		return LLVMGetUndef(m->i64);
	}
	unsigned nparams = (unsigned)strlen(sig->args);
	LLVMTypeRef params[8];
	for (unsigned i = 0; i < nparams; i++)
		params[i] = kind_type(m, sig->args[i]);
	LLVMTypeRef type = LLVMFunctionType(kind_type(m, sig->ret), params, nparams,
					    sig->varargs);
	/* A helper is a call to its id as an address; the backend emits `call ID`. */
	LLVMValueRef callee = LLVMConstIntToPtr(LLVMConstInt(m->i64, id, 0), m->ptr);
	return LLVMBuildCall2(m->ir, type, callee, args, n, "");
}

LLVMValueRef lb_map_lookup(lb_module *m, LLVMValueRef map, LLVMValueRef key_ptr)
{
	LLVMValueRef args[] = { map, key_ptr };
	return lb_helper(m, LB_HELPER_MAP_LOOKUP_ELEM, args, 2);
}

LLVMValueRef lb_map_update(lb_module *m, LLVMValueRef map, LLVMValueRef key_ptr,
			   LLVMValueRef value_ptr, uint64_t flags)
{
	LLVMValueRef args[] = { map, key_ptr, value_ptr, LLVMConstInt(m->i64, flags, 0) };
	return lb_helper(m, LB_HELPER_MAP_UPDATE_ELEM, args, 4);
}

LLVMValueRef lb_map_delete(lb_module *m, LLVMValueRef map, LLVMValueRef key_ptr)
{
	LLVMValueRef args[] = { map, key_ptr };
	return lb_helper(m, LB_HELPER_MAP_DELETE_ELEM, args, 2);
}

LLVMValueRef lb_ktime_get_ns(lb_module *m)
{
	return lb_helper(m, LB_HELPER_KTIME_GET_NS, NULL, 0);
}

/* ---- CO-RE ----------------------------------------------------------------------- */

static LLVMValueRef intrinsic(lb_module *m, const char *name, LLVMTypeRef *overloads,
			      size_t n)
{
	unsigned id = LLVMLookupIntrinsicID(name, strlen(name));
	return LLVMGetIntrinsicDeclaration(m->mod, id, overloads, n);
}

/* The metadata that tells the BPF backend which debug type a CO-RE access is about. */
static void set_access_type(lb_module *m, LLVMValueRef call, LLVMMetadataRef type)
{
	unsigned kind = LLVMGetMDKindIDInContext(m->ctx, "llvm.preserve.access.index", 26);
	LLVMSetMetadata(call, kind, LLVMMetadataAsValue(m->ctx, type));
}

LLVMValueRef lb_core_field_ptr(lb_module *m, LLVMValueRef base, lb_type st,
			       const char *member, lb_type *member_type)
{
	int index = lb_member_index(st, member);
	if (index < 0) {
		lb_fail(m, "struct %s has no member '%s'", st.st ? st.st->name : "?", member);
		if (member_type)           /* something loadable, so callers need not check */
			*member_type = (lb_type){ .ir = m->i64, .size = 8, .align = 8 };
		return LLVMGetUndef(m->ptr);
	}
	LLVMTypeRef overloads[] = { m->ptr, m->ptr };
	LLVMValueRef fn = intrinsic(m, "llvm.preserve.struct.access.index", overloads, 2);
	LLVMValueRef args[] = {
		base,
		LLVMConstInt(m->i32, st.st->gep[index], 0),   /* IR element */
		LLVMConstInt(m->i32, (unsigned)index, 0),      /* debug member */
	};
	LLVMValueRef call = LLVMBuildCall2(m->ir, LLVMGlobalGetValueType(fn), fn, args, 3,
					   member);
	/* Mandatory with opaque pointers: the struct the access walks into. */
	unsigned kind = LLVMGetEnumAttributeKindForName("elementtype", 11);
	LLVMAddCallSiteAttribute(call, 1, LLVMCreateTypeAttribute(m->ctx, kind, st.ir));
	set_access_type(m, call, st.di);
	if (member_type)
		*member_type = lb_member_type(st, (unsigned)index);
	return call;
}

LLVMValueRef lb_core_read(lb_module *m, LLVMValueRef base, lb_type st, const char *member)
{
	lb_type type;
	LLVMValueRef p = lb_core_field_ptr(m, base, st, member, &type);
	return lb_load(m, type, p, member);
}

LLVMValueRef lb_core_read_path(lb_module *m, LLVMValueRef base, lb_type st,
			       const char *const *path, unsigned n)
{
	LLVMValueRef at = base;
	lb_type cur = st;
	for (unsigned i = 0; i < n; i++) {
		lb_type type;
		LLVMValueRef p = lb_core_field_ptr(m, at, cur, path[i], &type);
		if (i + 1 == n)
			return lb_load(m, type, p, path[i]);
		if (type.st) {                      /* embedded struct: enter it */
			at = p;
			cur = type;
		} else if (type.pointee && type.pointee->st) {
			at = lb_load(m, type, p, path[i]);  /* pointer to struct: follow it */
			cur = *type.pointee;
		} else {
			lb_fail(m, "'%s' is neither a struct nor a pointer to one", path[i]);
			return LLVMGetUndef(m->i64);
		}
	}
	return at;
}

static LLVMValueRef core_enum(lb_module *m, lb_enum *e, const char *name, uint64_t kind)
{
	int64_t value;
	if (!lb_enum_lookup(e, name, &value)) {
		if (m->finalized) {             /* the enum's debug type is already closed */
			lb_fail(m, "enumerator %s used after lb_finalize", name);
			return LLVMGetUndef(m->i64);
		}
		value = lb_enum_add(e, name, enum_next_value(e));
	}
	char text[256];
	snprintf(text, sizeof text, "%s:%lld", name, (long long)value);
	LLVMValueRef str_init = LLVMConstStringInContext2(m->ctx, text, strlen(text), 0);
	LLVMValueRef str = LLVMAddGlobal(m->mod, LLVMTypeOf(str_init), ".core.enum");
	LLVMSetInitializer(str, str_init);
	LLVMSetGlobalConstant(str, 1);
	LLVMSetLinkage(str, LLVMPrivateLinkage);
	LLVMSetUnnamedAddress(str, LLVMGlobalUnnamedAddr);

	LLVMValueRef fn = intrinsic(m, "llvm.bpf.preserve.enum.value", NULL, 0);
	LLVMValueRef args[] = {
		LLVMConstInt(m->i32, m->core_seq++, 0),   /* keeps equal calls apart */
		str,
		LLVMConstInt(m->i64, kind, 0),
	};
	LLVMValueRef call = LLVMBuildCall2(m->ir, LLVMGlobalGetValueType(fn), fn, args, 3,
					   name);
	set_access_type(m, call, e->type.di);
	return call;
}

enum { BPF_ENUMVAL_EXISTS = 0, BPF_ENUMVAL_VALUE = 1 };

LLVMValueRef lb_core_enum_value(lb_module *m, lb_enum *e, const char *name)
{
	return core_enum(m, e, name, BPF_ENUMVAL_VALUE);
}

LLVMValueRef lb_core_enum_exists(lb_module *m, lb_enum *e, const char *name)
{
	return core_enum(m, e, name, BPF_ENUMVAL_EXISTS);
}

/* ---- output ---------------------------------------------------------------------- */

int lb_finalize(lb_module *m)
{
	if (m->finalized)
		return m->error[0] ? -1 : 0;
	m->finalized = true;
	for (size_t i = 0; i < m->n_enums; i++)
		close_enum(m, m->enums[i]);
	LLVMDIBuilderFinalize(m->di);
	char *msg = NULL;
	if (LLVMVerifyModule(m->mod, LLVMReturnStatusAction, &msg)) {
		lb_fail(m, "invalid LLVM IR (a bug in memcgc): %s", msg);
		LLVMDisposeMessage(msg);
		return -1;
	}
	LLVMDisposeMessage(msg);
	return m->error[0] ? -1 : 0;
}

/* ---- pipeline and code generation, in a child process ------------------------------
 *
 * LLVM 19's BPF backend caches the globals it creates for CO-RE accesses in a static,
 * process-wide map (BPFAbstractMemberAccess::GEPGlobals) keyed by type and access path.
 * After the first module is destroyed those entries dangle, and a second module with
 * the same access (same kernel type and member) crashes inside the pass. So the pass
 * pipeline and code generation run in a forked child that sends back the bytes: the
 * parent process never runs a BPF pass and can build any number of modules. It also
 * keeps a fatal error in code generation from taking the caller down with it.
 */

enum output_kind { OUTPUT_OBJECT, OUTPUT_IR };
enum { CHILD_OK = 0, CHILD_ERROR = 1 };

static int run_pipeline(lb_module *m)
{
	static const char *const pipelines[] = {
		[LB_O_DEFAULT] = "default<O2>",
		[LB_O0] = "default<O0>", [LB_O1] = "default<O1>", [LB_O2] = "default<O2>",
	};
	if (m->opt.test_signal)
		raise(m->opt.test_signal);
	if (m->opt.test_skip_pipeline)
		return 0;
	if ((unsigned)m->opt.opt > LB_O2) {
		lb_fail(m, "no optimisation level %d", (int)m->opt.opt);
		return -1;
	}
	LLVMPassBuilderOptionsRef options = LLVMCreatePassBuilderOptions();
	/* BPF has no vector registers and memcgc's IR no loops: these passes could only
	 * spend time (the objects are byte-identical without them). */
	LLVMPassBuilderOptionsSetLoopVectorization(options, 0);
	LLVMPassBuilderOptionsSetSLPVectorization(options, 0);
	LLVMPassBuilderOptionsSetLoopInterleaving(options, 0);
	LLVMPassBuilderOptionsSetLoopUnrolling(options, 0);
	LLVMPassBuilderOptionsSetCallGraphProfile(options, 0);
	LLVMErrorRef err = LLVMRunPasses(m->mod, pipelines[m->opt.opt], m->tm, options);
	LLVMDisposePassBuilderOptions(options);
	if (err) {
		char *msg = LLVMGetErrorMessage(err);
		lb_fail(m, "pass pipeline failed: %s", msg);
		LLVMDisposeErrorMessage(msg);
		return -1;
	}
	return m->diag_errors ? -1 : 0;
}

/* Child side: produce the output into an LLVM buffer (or an error in m->error). */
static LLVMMemoryBufferRef produce(lb_module *m, enum output_kind kind)
{
	if (run_pipeline(m))
		return NULL;
	if (kind == OUTPUT_IR) {
		char *text = LLVMPrintModuleToString(m->mod);
		LLVMMemoryBufferRef buf = LLVMCreateMemoryBufferWithMemoryRangeCopy(text,
			strlen(text), "ir");
		LLVMDisposeMessage(text);
		return buf;
	}
	char *msg = NULL;
	LLVMMemoryBufferRef buf = NULL;
	if (LLVMTargetMachineEmitToMemoryBuffer(m->tm, m->mod, LLVMObjectFile, &msg, &buf)) {
		lb_fail(m, "BPF code generation failed: %s", msg);
		LLVMDisposeMessage(msg);
		return NULL;
	}
	if (m->diag_errors) {
		LLVMDisposeMemoryBuffer(buf);
		return NULL;
	}
	return buf;
}

static int write_all(int fd, const void *data, size_t len)
{
	const char *p = data;
	while (len) {
		ssize_t n = write(fd, p, len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return -1;
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

/* Message: u32 status, u64 length, bytes (the output, or the error text). */
static void __attribute__((noreturn)) child_main(lb_module *m, enum output_kind kind, int fd)
{
	LLVMMemoryBufferRef buf = produce(m, kind);
	uint32_t status = buf ? CHILD_OK : CHILD_ERROR;
	const char *bytes = buf ? LLVMGetBufferStart(buf) : m->error;
	uint64_t len = buf ? LLVMGetBufferSize(buf) : strlen(m->error);
	int rc = write_all(fd, &status, sizeof status) || write_all(fd, &len, sizeof len) ||
		 write_all(fd, bytes, len);
	_exit(rc ? 1 : 0);
}

static int read_all(int fd, void *data, size_t len)
{
	char *p = data;
	while (len) {
		ssize_t n = read(fd, p, len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return -1;
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

static int receive(lb_module *m, int fd, void **data, size_t *len)
{
	uint32_t status;
	uint64_t n;
	if (read_all(fd, &status, sizeof status) || read_all(fd, &n, sizeof n))
		return -1;
	char *bytes = malloc(n + 1);
	if (!bytes || read_all(fd, bytes, n)) {
		free(bytes);
		return -1;
	}
	bytes[n] = 0;
	if (status != CHILD_OK) {            /* the child's m->error, already prefixed */
		if (!m->error[0])
			snprintf(m->error, sizeof m->error, "%s", bytes);
		free(bytes);
		return 1;
	}
	*data = bytes;
	*len = n;
	return 0;
}

static int produce_in_child(lb_module *m, enum output_kind kind, void **data, size_t *len)
{
	if (lb_finalize(m))
		return -1;
	int fds[2];
	if (pipe(fds)) {
		lb_fail(m, "pipe: %s", strerror(errno));
		return -1;
	}
	fflush(NULL);                        /* or the child would print buffered output again */
	pid_t pid = fork();
	if (pid < 0) {
		lb_fail(m, "fork: %s", strerror(errno));
		close(fds[0]);
		close(fds[1]);
		return -1;
	}
	if (pid == 0) {
		close(fds[0]);
		child_main(m, kind, fds[1]);
	}
	close(fds[1]);
	int got = receive(m, fds[0], data, len);
	close(fds[0]);
	int status = 0;
	pid_t reaped;
	while ((reaped = waitpid(pid, &status, 0)) < 0 && errno == EINTR)
		;
	if (reaped < 0)
		status = 0;          /* reaped elsewhere (SIGCHLD ignored): trust the message */
	if (got == 0 && WIFEXITED(status) && WEXITSTATUS(status) == 0)
		return 0;
	if (got == 0)
		free(*data);
	if (got < 0 && WIFEXITED(status))
		lb_fail(m, "LLVM code generation exited with status %d%s", WEXITSTATUS(status),
			WEXITSTATUS(status) == LB_FATAL_EXIT ? " (fatal LLVM error, see above)" : "");
	else if (got < 0 && WIFSIGNALED(status))
		lb_fail(m, "LLVM code generation crashed (%s)", strsignal(WTERMSIG(status)));
	else if (got < 0)
		lb_fail(m, "LLVM code generation sent no result");
	return -1;
}

/* ---- pipeline and code generation in this process (lb_options.in_process) ----------
 *
 * No fork: the child would fault in again every page of LLVM's code and data that the
 * parent had touched, which was a third of memcgc's compile time. Allowed once per
 * process (the BPF backend's cache above) and once per module (the pipeline changes it);
 * later requests run in a child as usual, or fail for a module already used. A fatal
 * LLVM error or a crash (signal) prints a message naming the source and exits with the
 * module's fatal_status. */

static bool passes_ran_here;            /* a BPF pass ran in this process */

static const struct { int sig; const char *text; } crash_signals[] = {
	{ SIGSEGV, "segmentation fault\n" }, { SIGBUS, "bus error\n" },
	{ SIGILL, "illegal instruction\n" }, { SIGFPE, "arithmetic exception\n" },
	{ SIGABRT, "aborted\n" },
};
enum { NCRASH = sizeof crash_signals / sizeof crash_signals[0] };

static void write_str(const char *s)
{
	ssize_t ignored = write(STDERR_FILENO, s, strlen(s));
	(void)ignored;
}

/* Async-signal-safe: write(2) and _exit only. */
static void on_crash(int sig)
{
	write_str("memcgc: ");
	write_str(fatal_source);
	write_str(": internal error in LLVM code generation: ");
	for (int i = 0; i < NCRASH; i++)
		if (crash_signals[i].sig == sig)
			write_str(crash_signals[i].text);
	_exit(fatal_status);
}

/* Handlers for the crash signals, on their own stack (a stack overflow is a SIGSEGV
 * too); `old` receives what to restore. */
static void catch_crashes(struct sigaction old[NCRASH], stack_t *old_stack)
{
	static char alt[64 * 1024];
	stack_t st = { .ss_sp = alt, .ss_size = sizeof alt };
	sigaltstack(&st, old_stack);
	struct sigaction sa = { .sa_handler = on_crash, .sa_flags = SA_ONSTACK | SA_RESETHAND };
	sigemptyset(&sa.sa_mask);
	for (int i = 0; i < NCRASH; i++)
		sigaction(crash_signals[i].sig, &sa, &old[i]);
}

static void release_crashes(const struct sigaction old[NCRASH], const stack_t *old_stack)
{
	for (int i = 0; i < NCRASH; i++)
		sigaction(crash_signals[i].sig, &old[i], NULL);
	sigaltstack(old_stack, NULL);
}

static int produce_here(lb_module *m, enum output_kind kind, void **data, size_t *len)
{
	if (lb_finalize(m))
		return -1;
	passes_ran_here = true;
	m->used_here = true;
	struct sigaction old[NCRASH];
	stack_t old_stack;
	fatal_source = m->opt.source_path;
	fatal_status = m->opt.fatal_status ? m->opt.fatal_status : LB_FATAL_EXIT;
	catch_crashes(old, &old_stack);
	LLVMMemoryBufferRef buf = produce(m, kind);
	release_crashes(old, &old_stack);
	fatal_status = LB_FATAL_EXIT;
	if (!buf)
		return -1;
	*len = LLVMGetBufferSize(buf);
	char *bytes = malloc(*len + 1);
	if (bytes) {
		memcpy(bytes, LLVMGetBufferStart(buf), *len);
		bytes[*len] = 0;
	}
	LLVMDisposeMemoryBuffer(buf);
	if (!bytes)
		lb_fail(m, "out of memory");
	*data = bytes;
	return bytes ? 0 : -1;
}

static int produce_output(lb_module *m, enum output_kind kind, void **data, size_t *len)
{
	if (m->used_here) {
		lb_fail(m, "module already optimised in this process; emit it once");
		return -1;
	}
	if (m->opt.in_process && !passes_ran_here)
		return produce_here(m, kind, data, len);
	return produce_in_child(m, kind, data, len);
}

int lb_emit_memory(lb_module *m, void **data, size_t *len)
{
	return produce_output(m, OUTPUT_OBJECT, data, len);
}

int lb_emit_ir(lb_module *m, char **text)
{
	size_t len;
	return produce_output(m, OUTPUT_IR, (void **)text, &len);
}

/* Written beside the target and renamed into place: a failed build never leaves a
 * truncated object where a loader could pick it up. */
int lb_emit_file(lb_module *m, const char *path)
{
	void *data;
	size_t len;
	if (lb_emit_memory(m, &data, &len))
		return -1;
	char tmp[4096];
	snprintf(tmp, sizeof tmp, "%s.tmp.%ld", path, (long)getpid());
	FILE *f = fopen(tmp, "wb");
	int ok = f && fwrite(data, 1, len, f) == len;
	if (f && fclose(f))
		ok = 0;
	free(data);
	if (!ok || rename(tmp, path)) {
		lb_fail(m, "cannot write %s: %s", path, strerror(errno));
		unlink(tmp);
		return -1;
	}
	return 0;
}

char *lb_print_ir(lb_module *m)
{
	return LLVMPrintModuleToString(m->mod);
}
