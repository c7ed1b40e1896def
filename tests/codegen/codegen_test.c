/* codegen_test.c — builds the test object with the LLVM-C layer and checks it on this
 * kernel with libbpf 1.5. Prints PASS/FAIL/SKIP lines (tests/run.py).
 *
 *   codegen-test emit SRC.mcp OUT.o [N]  build the object at -ON (default 2), twice: must match
 *   codegen-test abis SRC.mcp DIR        struct memcg_bpf_ops of each ABI, in BTF
 *   codegen-test btfext OBJ.o            func/line info and CO-RE relocations in .BTF.ext
 *   codegen-test load OBJ.o              load, attach, cgroup workload, test runs (root)
 *   codegen-test structops SRC.mcp       struct_ops link end to end on tcp_congestion_ops
 *   codegen-test errors SRC.mcp          mistakes in the layer's use give errors naming SRC
 *   codegen-test fatal SRC.mcp           provoke an LLVM fatal error (must name SRC)
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <bpf/bpf.h>
#include <bpf/btf.h>
#include <bpf/libbpf.h>
#include <gelf.h>

#include "test_object.h"

static int failures;

static void pass(const char *name) { printf("PASS %s\n", name); fflush(stdout); }

static void fail(const char *name, const char *fmt, ...)
{
	va_list ap;
	printf("FAIL %s: ", name);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	printf("\n");
	fflush(stdout);
	failures++;
}

/* ---- emit ---------------------------------------------------------------------- */

static int write_file(const char *path, const void *data, size_t len)
{
	FILE *f = fopen(path, "wb");
	if (!f)
		return -1;
	size_t done = fwrite(data, 1, len, f);
	return (fclose(f) == 0 && done == len) ? 0 : -1;
}

static int cmd_emit(const char *source, const char *out, enum lb_opt_level level_out)
{
	char err[1024];
	void *a = NULL, *b = NULL;
	size_t alen = 0, blen = 0;
	if (build_test_object(source, level_out, false, &a, &alen, err, sizeof err)) {
		fail("emit", "%s", err);
		return 1;
	}
	pass("emit");
	if (build_test_object(source, level_out, false, &b, &blen, err, sizeof err))
		fail("emit-twice-same-process", "%s", err);
	else if (alen != blen || memcmp(a, b, alen) != 0)
		fail("emit-twice-same-process", "two builds differ (%zu vs %zu bytes)", alen, blen);
	else
		pass("emit-twice-same-process");
	/* The O0 and O1 pipelines must also lower CO-RE and produce a loadable shape. */
	for (int level = LB_O0; level <= LB_O1; level++) {
		char name[32];
		void *c = NULL;
		size_t clen;
		snprintf(name, sizeof name, "emit-O%d", level - LB_O0);
		if (build_test_object(source, (enum lb_opt_level)level, false, &c, &clen, err,
				      sizeof err))
			fail(name, "%s", err);
		else
			pass(name);
		free(c);
	}
	if (write_file(out, a, alen))
		fail("emit-write", "cannot write %s: %s", out, strerror(errno));
	free(a);
	free(b);
	return failures != 0;
}

/* ---- fatal --------------------------------------------------------------------- */

/* Without the pass pipeline the CO-RE intrinsics reach instruction selection, which
 * reports a fatal error. The code-generation child prints it naming the input and exits
 * 70; the caller gets an error, not a dead process. Exit status: 0 if so. */
static int cmd_fatal(const char *source)
{
	char err[1024];
	void *data = NULL;
	size_t len;
	int rc = build_test_object(source, LB_O2, true, &data, &len, err, sizeof err);
	free(data);
	fprintf(stderr, "build: %s\n", rc ? err : "object emitted (no fatal error?)");
	return rc ? 0 : 1;
}

/* ---- in process ------------------------------------------------------------------ */

/* The object built without a child process (lb_options.in_process, as memcgc does):
 * written to OUT for run-codegen.sh to compare with the child's. */
static int cmd_emit_here(const char *source, const char *out)
{
	char err[1024];
	void *data = NULL;
	size_t len = 0;
	lb_options options = { .source_path = source, .in_process = true };
	if (build_test_object_with(&options, &data, &len, err, sizeof err)) {
		fail("emit-in-process", "%s", err);
		return 1;
	}
	pass("emit-in-process");
	if (write_file(out, data, len))
		fail("emit-in-process-write", "cannot write %s: %s", out, strerror(errno));
	free(data);
	return failures != 0;
}

/* In process, a fatal LLVM error (or, with SIGNAL, a crash) ends the process with
 * fatal_status (here 3) and a message; returning at all is the failure. */
static int cmd_fatal_here(const char *source, int signal)
{
	char err[1024];
	void *data = NULL;
	size_t len;
	lb_options options = { .source_path = source, .in_process = true, .fatal_status = 3,
			       .test_skip_pipeline = true, .test_signal = signal };
	int rc = build_test_object_with(&options, &data, &len, err, sizeof err);
	fprintf(stderr, "build returned %d: %s\n", rc, rc ? err : "object emitted");
	free(data);
	return 1;
}

/* A module optimised in process cannot be emitted again; the first output stands. */
static void check_emit_here_once(const char *source)
{
	lb_options options = { .source_path = source, .in_process = true };
	lb_module *m = lb_module_create(&options);
	kernel_types kt;
	kt_init(&kt, m);
	lb_license(m, "GPL");
	const lb_param ctx = { "ctx", lb_pointer(m, kt.memcg_rstat_events) };
	lb_program(m, "f", "tp/memcg/count_memcg_events", kt.s32, &ctx, 1, 6);
	LLVMBuildRet(m->ir, kt_tp_field(&kt, lb_param_value(m, 0), "item"));
	void *a = NULL, *b = NULL;
	size_t alen = 0, blen = 0;
	if (lb_emit_memory(m, &a, &alen))
		fail("emit-in-process-once", "first emission: %s", lb_error(m));
	else if (!lb_emit_memory(m, &b, &blen))
		fail("emit-in-process-once", "a second emission of the module succeeded");
	else if (!strstr(lb_error(m), "module already optimised in this process"))
		fail("emit-in-process-once", "error \"%s\"", lb_error(m));
	else
		pass("emit-in-process-once");
	free(a);
	free(b);
	lb_module_destroy(m);
}

/* ---- .BTF.ext ------------------------------------------------------------------ */

struct btf_ext_header {
	uint16_t magic;
	uint8_t version, flags;
	uint32_t hdr_len;
	uint32_t func_info_off, func_info_len;
	uint32_t line_info_off, line_info_len;
	uint32_t core_relo_off, core_relo_len;
};

enum { CORE_FIELD_BYTE_OFFSET = 0, CORE_ENUMVAL_EXISTS = 10, CORE_ENUMVAL_VALUE = 11 };

struct ext_counts {
	unsigned func_info, line_info, core_relo, byte_off, enumval;
	unsigned lines_in_file;           /* line info records naming the .mcp file */
	unsigned lines_from_source;       /* ... whose text is an .mcp line with the marker */
};

static Elf_Data *find_section(Elf *elf, const char *want)
{
	size_t shstrndx;
	if (elf_getshdrstrndx(elf, &shstrndx))
		return NULL;
	for (Elf_Scn *scn = NULL; (scn = elf_nextscn(elf, scn));) {
		GElf_Shdr sh;
		const char *name;
		if (gelf_getshdr(scn, &sh) && (name = elf_strptr(elf, shstrndx, sh.sh_name)) &&
		    strcmp(name, want) == 0)
			return elf_getdata(scn, NULL);
	}
	return NULL;
}

/* Walk one info block: rec_size, then {sec_name_off, num_info, records}... */
static void walk_info(const uint8_t *p, uint32_t len, const struct btf *btf, int kind,
		      struct ext_counts *c, const char *source_marker)
{
	if (len < 4)
		return;
	uint32_t rec_size = *(const uint32_t *)p;
	const uint8_t *at = p + 4, *end = p + len;
	while (at + 8 <= end) {
		uint32_t num = ((const uint32_t *)at)[1];
		at += 8;
		for (uint32_t i = 0; i < num && at + rec_size <= end; i++, at += rec_size) {
			const uint32_t *r = (const uint32_t *)at;
			if (kind == 0) {
				c->func_info++;
			} else if (kind == 1) {
				c->line_info++;
				const char *file = btf__str_by_offset(btf, r[1]);
				size_t flen = file ? strlen(file) : 0;
				if (flen >= 10 && strcmp(file + flen - 10, "pgscan.mcp") == 0)
					c->lines_in_file++;
				const char *text = btf__str_by_offset(btf, r[2]);
				if (text && strstr(text, source_marker))
					c->lines_from_source++;
			} else {
				c->core_relo++;
				c->byte_off += r[3] == CORE_FIELD_BYTE_OFFSET;
				c->enumval += r[3] == CORE_ENUMVAL_VALUE;
			}
		}
	}
}

static int cmd_btfext(const char *path)
{
	elf_version(EV_CURRENT);
	int fd = open(path, O_RDONLY);
	Elf *elf = fd >= 0 ? elf_begin(fd, ELF_C_READ, NULL) : NULL;
	struct btf *btf = btf__parse_elf(path, NULL);
	Elf_Data *ext = elf ? find_section(elf, ".BTF.ext") : NULL;
	if (!elf || !btf || !ext || ext->d_size < sizeof(struct btf_ext_header)) {
		fail("btf-ext", "%s: no readable .BTF/.BTF.ext", path);
		return 1;
	}
	const struct btf_ext_header *h = ext->d_buf;
	const uint8_t *base = (const uint8_t *)ext->d_buf + h->hdr_len;
	struct ext_counts c = { 0 };
	/* "pgscan[cg]" occurs only in the .mcp fixture's lines 7-9. */
	walk_info(base + h->func_info_off, h->func_info_len, btf, 0, &c, "pgscan[cg]");
	walk_info(base + h->line_info_off, h->line_info_len, btf, 1, &c, "pgscan[cg]");
	if (h->hdr_len >= sizeof *h)
		walk_info(base + h->core_relo_off, h->core_relo_len, btf, 2, &c, "");
	printf("  .BTF.ext: %u func_info, %u line_info (%u in pgscan.mcp, %u with pgscan[cg]), "
	       "%u CO-RE relocations (%u field byte offset, %u enum value)\n", c.func_info,
	       c.line_info, c.lines_in_file, c.lines_from_source, c.core_relo, c.byte_off,
	       c.enumval);
	/* 6 programs + the count_scan subprogram. */
	c.func_info == 7 ? pass("btf-ext-func-info")
		: fail("btf-ext-func-info", "%u records, expected 7", c.func_info);
	c.line_info > 0 && c.lines_in_file == c.line_info && c.lines_from_source > 0
		? pass("btf-ext-line-info")
		: fail("btf-ext-line-info", "%u records, %u in pgscan.mcp, %u with .mcp text",
		       c.line_info, c.lines_in_file, c.lines_from_source);
	/* count_scan (noinline, shared): 3 PGSCAN enum values, test_events: 1 (plus 2
	 * existence checks, not counted here); the tracepoint: 3 fields;
	 * 3 memcg chains (tp_btf, two struct_ops): css.cgroup (one access), kn, id. */
	c.enumval == 4 && c.byte_off == 3 + 3 * 3 ? pass("btf-ext-core-relos")
		: fail("btf-ext-core-relos", "%u enum value, %u byte offset relocations",
		       c.enumval, c.byte_off);
	btf__free(btf);
	elf_end(elf);
	close(fd);
	return failures != 0;
}

/* ---- memcg_bpf_ops ABIs ------------------------------------------------------------ */

/* Each ABI's struct in BTF: 8 bytes per member, member names in table order, only
 * handle_cgroup_online initialised (one relocation in .rel.struct_ops.link). */
static void check_ops_abi(enum kt_ops_abi abi, const char *source, const char *dir)
{
	const kt_ops_abi_info *info = kt_ops_abi(abi);
	char name[64], path[512], err[1024];
	snprintf(name, sizeof name, "memcg-bpf-ops-%s", info->name);
	snprintf(path, sizeof path, "%s/ops-%s.o", dir, info->name);
	void *data = NULL;
	size_t len;
	if (build_ops_object(abi, source, &data, &len, err, sizeof err)) {
		fail(name, "%s", err);
		return;
	}
	int wrote = write_file(path, data, len);
	free(data);
	struct btf *btf = wrote ? NULL : btf__parse_elf(path, NULL);
	int id = btf ? btf__find_by_name_kind(btf, "memcg_bpf_ops", BTF_KIND_STRUCT) : -1;
	if (id <= 0) {
		fail(name, "no struct memcg_bpf_ops in the BTF of %s", path);
		btf__free(btf);
		return;
	}
	const struct btf_type *t = btf__type_by_id(btf, id);
	const struct btf_member *mb = btf_members(t);
	bool ok = t->size == 8 * info->n && btf_vlen(t) == info->n;
	for (unsigned i = 0; ok && i < info->n; i++)
		ok = strcmp(btf__name_by_offset(btf, mb[i].name_off), info->members[i].name) == 0 &&
		     mb[i].offset == 64 * i;
	ok ? pass(name) : fail(name, "struct memcg_bpf_ops does not match the %s table", info->name);
	btf__free(btf);
	unlink(path);
}

static int cmd_abis(const char *source, const char *dir)
{
	for (int abi = 0; abi < KT_OPS_ABI_COUNT; abi++)
		check_ops_abi((enum kt_ops_abi)abi, source, dir);
	return failures != 0;
}

/* ---- errors name the source -------------------------------------------------------- */

typedef void (*mistake_fn)(lb_module *m, kernel_types *kt);

static void duplicate_map(lb_module *m, kernel_types *kt)
{
	const lb_map_spec spec = { "dup", LB_MAP_HASH, kt->u64, kt->u64, 8, 0, 1 };
	lb_map(m, &spec);
	lb_map(m, &spec);
}

static void unknown_ops_member(lb_module *m, kernel_types *kt)
{
	kt_ops_program(kt, KT_OPS_V7, "get_high_delay_ms", "f", 1);  /* v6 only */
	(void)m;
}

static void unknown_core_member(lb_module *m, kernel_types *kt)
{
	const lb_param ctx = { "ctx", lb_pointer(m, kt->memcg_rstat_events) };
	lb_program(m, "f", "tp/memcg/count_memcg_events", kt->s32, &ctx, 1, 1);
	kt_tp_field(kt, lb_param_value(m, 0), "nr_pages");
	LLVMBuildRet(m->ir, LLVMConstInt(m->i32, 0, 0));
}

static void enum_after_finalize(lb_module *m, kernel_types *kt)
{
	const lb_param ctx = { "ctx", lb_pointer(m, kt->u64) };
	lb_program(m, "f", "syscall", kt->s32, &ctx, 1, 1);
	LLVMValueRef ret = LLVMBuildRet(m->ir, LLVMConstInt(m->i32, 0, 0));
	lb_finalize(m);
	LLVMPositionBuilderBefore(m->ir, ret);
	kt_event_item(kt, "PGLAZYFREE");
}

static void overlapping_members(lb_module *m, kernel_types *kt)
{
	const lb_field fields[] = { { "a", kt->u64, 0 }, { "b", kt->u32, 4 } };
	lb_struct(m, "bad", fields, 2, 0);
}

static void check_errors(const char *source)
{
	static const struct { const char *name; mistake_fn make; const char *want; } cases[] = {
		{ "error-duplicate-map", duplicate_map, "global 'dup' defined twice" },
		{ "error-ops-member-of-other-abi", unknown_ops_member,
		  "memcg_bpf_ops v7 has no member 'get_high_delay_ms'" },
		{ "error-unknown-kernel-member", unknown_core_member,
		  "struct trace_event_raw_memcg_rstat_events has no member 'nr_pages'" },
		{ "error-enum-after-finalize", enum_after_finalize,
		  "enumerator PGLAZYFREE used after lb_finalize" },
		{ "error-struct-overlap", overlapping_members,
		  "struct bad: member 'b' at 4 overlaps the one before" },
	};
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		lb_options options = { .source_path = source };
		lb_module *m = lb_module_create(&options);
		kernel_types kt;
		kt_init(&kt, m);
		cases[i].make(m, &kt);
		void *data = NULL;
		size_t len;
		char want[512];
		snprintf(want, sizeof want, "%s: codegen: %s", source, cases[i].want);
		int rc = lb_emit_memory(m, &data, &len);
		if (rc == 0)
			fail(cases[i].name, "emitted an object");
		else if (strcmp(lb_error(m), want) != 0)
			fail(cases[i].name, "error \"%s\", want \"%s\"", lb_error(m), want);
		else
			pass(cases[i].name);
		free(data);
		lb_module_destroy(m);
	}
}

/* ---- one module, emitted several ways ---------------------------------------------- */

/* The pipeline runs in a child, so one module can give its optimised IR (CO-RE lowered)
 * and then its object twice, identical. */
static void check_emit_same_module(const char *source)
{
	lb_options options = { .source_path = source };
	lb_module *m = lb_module_create(&options);
	kernel_types kt;
	kt_init(&kt, m);
	lb_license(m, "GPL");
	const lb_param ctx = { "ctx", lb_pointer(m, kt.memcg_rstat_events) };
	lb_program(m, "f", "tp/memcg/count_memcg_events", kt.s32, &ctx, 1, 6);
	LLVMValueRef item = kt_tp_field(&kt, lb_param_value(m, 0), "item");
	LLVMBuildRet(m->ir, item);
	char *ir = NULL;
	void *a = NULL, *b = NULL;
	size_t alen = 0, blen = 0;
	if (lb_emit_ir(m, &ir) || lb_emit_memory(m, &a, &alen) || lb_emit_memory(m, &b, &blen))
		fail("emit-same-module", "%s", lb_error(m));
	else if (strstr(ir, "@llvm.preserve.struct.access.index") ||
		 !strstr(ir, "section \"tp/memcg/count_memcg_events\""))
		fail("emit-same-module", "CO-RE access not lowered in the optimised IR");
	else if (alen != blen || memcmp(a, b, alen))
		fail("emit-same-module", "two emissions of one module differ");
	else
		pass("emit-same-module");
	free(ir);
	free(a);
	free(b);
	lb_module_destroy(m);
}

int run_load_tests(const char *path);          /* load_test.c */
int run_struct_ops_host_test(const char *source);

int main(int argc, char **argv)
{
	setvbuf(stdout, NULL, _IOLBF, 0);
	if ((argc == 4 || argc == 5) && strcmp(argv[1], "emit") == 0) {
		int level = argc == 5 ? atoi(argv[4]) : 2;
		return cmd_emit(argv[2], argv[3], (enum lb_opt_level)(LB_O0 + level));
	}
	if (argc == 4 && strcmp(argv[1], "abis") == 0)
		return cmd_abis(argv[2], argv[3]);
	if (argc == 3 && strcmp(argv[1], "fatal") == 0)
		return cmd_fatal(argv[2]);
	if (argc == 3 && strcmp(argv[1], "fatal-here") == 0)
		return cmd_fatal_here(argv[2], 0);
	if (argc == 3 && strcmp(argv[1], "crash-here") == 0)
		return cmd_fatal_here(argv[2], SIGSEGV);
	if (argc == 4 && strcmp(argv[1], "emit-here") == 0)
		return cmd_emit_here(argv[2], argv[3]);
	if (argc == 3 && strcmp(argv[1], "once-here") == 0) {
		check_emit_here_once(argv[2]);
		return failures != 0;
	}
	if (argc == 3 && strcmp(argv[1], "errors") == 0) {
		check_emit_same_module(argv[2]);
		check_errors(argv[2]);
		return failures != 0;
	}
	if (argc == 3 && strcmp(argv[1], "btfext") == 0)
		return cmd_btfext(argv[2]);
	if (argc == 3 && strcmp(argv[1], "load") == 0)
		return run_load_tests(argv[2]);
	if (argc == 3 && strcmp(argv[1], "structops") == 0)
		return run_struct_ops_host_test(argv[2]);
	fprintf(stderr, "usage: %s emit SRC OUT [0-2] | emit-here SRC OUT | abis SRC DIR | btfext OBJ | load OBJ | structops SRC | errors SRC | once-here SRC | fatal SRC | fatal-here SRC | crash-here SRC\n", argv[0]);
	return 2;
}
