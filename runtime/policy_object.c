#define _GNU_SOURCE    /* unshare() */
#include "policy_object.h"

#include <errno.h>
#include <sched.h>
#include <gelf.h>
#include <libelf.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>

#include <bpf/btf.h>
#include <bpf/libbpf.h>
#include <linux/bpf.h>

#include "emit.h"
#include "meta.h"

#define META_SECTION ".memcgc.meta"

static char no_error[] = "", no_memory[] = "out of memory (while reporting an error)";

static void drop_error(struct policy_object *po)
{
	if (po->error != no_error && po->error != no_memory)
		free(po->error);
	po->error = no_error;
}

/* po->error is "PATH: MESSAGE", as long as they are. */
static int fail(struct policy_object *po, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static int fail(struct policy_object *po, const char *fmt, ...)
{
	va_list ap;
	char *message = NULL, *error = NULL;
	va_start(ap, fmt);
	int n = vasprintf(&message, fmt, ap);
	va_end(ap);
	if (n < 0 || asprintf(&error, "%s: %s", po->path, message) < 0)
		error = NULL;
	free(message);
	drop_error(po);
	po->error = error ? error : no_memory;
	return -1;
}

/* An object bigger than this is not one memcgc made. */
#define MAX_OBJECT_SIZE (256u << 20)
#define MAX_OBJECT_TEXT "256 MiB at most"

/* The whole file, read once through one descriptor (what is checked is what is loaded). */
static int read_file(struct policy_object *po, const char *path)
{
	struct stat st = { 0 };
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
	if (fd < 0)
		return fail(po, "cannot read it: %s", strerror(errno));
	if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode) || (uint64_t)st.st_size > MAX_OBJECT_SIZE) {
		close(fd);
		return fail(po, "cannot read it: %s", !S_ISREG(st.st_mode) ? "not a regular file" :
			    "larger than any memcgc object (" MAX_OBJECT_TEXT ")");
	}
	po->image = malloc((size_t)st.st_size + 1);
	ssize_t got = po->image ? read(fd, po->image, (size_t)st.st_size + 1) : -1;
	int err = errno;
	close(fd);
	if (got != (ssize_t)st.st_size)
		return fail(po, "cannot read it: %s", got < 0 ? strerror(err) : "it changed while read");
	po->image_size = (size_t)st.st_size;
	return 0;
}

/* The bytes of one ELF section, with libelf (libbpf ignores sections it does not know),
 * NUL-terminated; NULL if there is none, or it holds a NUL. */
static char *read_section(const void *image, size_t size, const char *name)
{
	elf_version(EV_CURRENT);
	Elf *elf = elf_memory((char *)image, size);
	size_t shstrndx;
	char *out = NULL;
	if (elf && elf_kind(elf) == ELF_K_ELF && elf_getshdrstrndx(elf, &shstrndx) == 0) {
		for (Elf_Scn *scn = elf_nextscn(elf, NULL); scn && !out; scn = elf_nextscn(elf, scn)) {
			GElf_Shdr sh;
			const char *sname = gelf_getshdr(scn, &sh) ? elf_strptr(elf, shstrndx, sh.sh_name) : NULL;
			Elf_Data *data = sname && strcmp(sname, name) == 0 && sh.sh_type == SHT_PROGBITS ?
					 elf_getdata(scn, NULL) : NULL;
			if (data && data->d_buf && memchr(data->d_buf, 0, data->d_size) == NULL &&
			    (out = malloc(data->d_size + 1))) {
				memcpy(out, data->d_buf, data->d_size);
				out[data->d_size] = 0;
			}
		}
	}
	if (elf)
		elf_end(elf);
	return out;
}

/* libbpf's four names of a struct_ops section. */
static const char *const struct_ops_sections[] = {
	".struct_ops", ".struct_ops.link", "?.struct_ops", "?.struct_ops.link",
};

static int is_struct_ops_section(const char *name)
{
	for (size_t i = 0; i < sizeof(struct_ops_sections) / sizeof(struct_ops_sections[0]); i++)
		if (strcmp(name, struct_ops_sections[i]) == 0)
			return 1;
	return 0;
}

/* What struct_ops_fit reads of an ELF image: its BTF (parsed) and symbol table. */
struct elf_view {
	Elf *elf;
	size_t shstrndx;
	struct btf *btf;
	Elf_Data *symtab;
	size_t symstr;                  /* the symbol table's string section */
};

/* Whether `size` bytes at `offset` fit in a section of `section` bytes (no wrap). */
static int fits(uint64_t offset, uint64_t size, uint64_t section)
{
	return offset <= section && size <= section - offset;
}

/* Whether every ELF symbol named `name` has a value at which `size` bytes fit. */
static int symbols_fit(const struct elf_view *v, const char *name, uint64_t size, uint64_t section)
{
	GElf_Sym sym;
	for (int i = 0; v->symtab && gelf_getsym(v->symtab, i, &sym); i++) {
		const char *sname = elf_strptr(v->elf, v->symstr, sym.st_name);
		if (sname && strcmp(sname, name) == 0 && !fits(sym.st_value, size, section))
			return 0;
	}
	return 1;
}

/* libbpf 1.5 checks a struct_ops variable against its section in 32-bit arithmetic (the
 * sum of offset and size can wrap) and then copies from that offset: a crafted object made
 * it read far out of bounds (found by the fuzz-object suite). So before libbpf sees an
 * object, each variable of a struct_ops section must fit in the section at its BTF offset
 * and at the value of every ELF symbol of its name (libbpf takes the symbol's when the
 * section's BTF size is 0). */
static int struct_ops_fit(struct policy_object *po, const struct elf_view *v, const char *section,
			  size_t bytes)
{
	if (!v->btf)
		return fail(po, "has a struct_ops section (%s) but no BTF that can be read", section);
	int id = btf__find_by_name_kind(v->btf, section, BTF_KIND_DATASEC);
	const struct btf_type *sec = id > 0 ? btf__type_by_id(v->btf, (unsigned)id) : NULL;
	const struct btf_var_secinfo *vs = sec ? btf_var_secinfos(sec) : NULL;
	for (int i = 0; sec && i < btf_vlen(sec); i++, vs++) {
		const struct btf_type *var = btf__type_by_id(v->btf, vs->type);
		int type = btf__resolve_type(v->btf, vs->type);
		const struct btf_type *t = type > 0 ? btf__type_by_id(v->btf, (unsigned)type) : NULL;
		const char *name = var ? btf__name_by_offset(v->btf, var->name_off) : NULL;
		if (t && name && (!fits(vs->offset, t->size, bytes) || !symbols_fit(v, name, t->size, bytes)))
			return fail(po, "struct_ops variable %.64s (%u bytes) lies beyond its section %s "
				    "(%zu bytes)", name, t->size, section, bytes);
	}
	return 0;       /* a variable without a type or name: libbpf refuses it unread */
}

/* The BTF and the symbol table of an ELF image, into v (the last of each, as libbpf). */
static void view_elf(struct elf_view *v)
{
	Elf_Data *btf = NULL;
	for (Elf_Scn *scn = elf_nextscn(v->elf, NULL); scn; scn = elf_nextscn(v->elf, scn)) {
		GElf_Shdr sh;
		const char *name = gelf_getshdr(scn, &sh) ? elf_strptr(v->elf, v->shstrndx, sh.sh_name) : NULL;
		Elf_Data *data = name ? elf_getdata(scn, NULL) : NULL;
		if (data && strcmp(name, ".BTF") == 0)
			btf = data;
		else if (data && sh.sh_type == SHT_SYMTAB)
			v->symtab = data, v->symstr = sh.sh_link;
	}
	v->btf = btf && btf->d_buf ? btf__new(btf->d_buf, btf->d_size) : NULL;
}

/* The checks libbpf's own reading of the ELF needs first (struct_ops_fit). */
static int check_elf(struct policy_object *po, const void *image, size_t size)
{
	struct elf_view v = { 0 };
	elf_version(EV_CURRENT);
	v.elf = elf_memory((char *)image, size);
	int rc = 0;
	if (v.elf && elf_kind(v.elf) == ELF_K_ELF && elf_getshdrstrndx(v.elf, &v.shstrndx) == 0) {
		view_elf(&v);
		for (Elf_Scn *scn = elf_nextscn(v.elf, NULL); scn && !rc; scn = elf_nextscn(v.elf, scn)) {
			GElf_Shdr sh;
			const char *name = gelf_getshdr(scn, &sh) ? elf_strptr(v.elf, v.shstrndx, sh.sh_name) : NULL;
			Elf_Data *data = name && is_struct_ops_section(name) ? elf_getdata(scn, NULL) : NULL;
			if (data)
				rc = struct_ops_fit(po, &v, name, data->d_size);
		}
	}
	btf__free(v.btf);
	if (v.elf)
		elf_end(v.elf);
	return rc;      /* anything else wrong with the ELF: libbpf says what */
}

/* libbpf's warnings, without its notes (it notes every section it does not know, such as
 * the metadata's), are kept, not printed: an error is one line, with libbpf's first
 * warning in it; policy_object_libbpf_log() has them all (memcg-run -v prints them). */
enum { LIBBPF_LOG_MAX = 1 << 20 };
static struct { char *text; size_t len; } kept;

static int keep_warnings(enum libbpf_print_level level, const char *fmt, va_list ap)
{
	va_list copy;
	va_copy(copy, ap);
	int n = level == LIBBPF_WARN ? vsnprintf(NULL, 0, fmt, copy) : -1;
	va_end(copy);
	if (n <= 0 || (size_t)n > LIBBPF_LOG_MAX - kept.len)
		return 0;
	char *grown = realloc(kept.text, kept.len + (size_t)n + 1);
	if (!grown)
		return 0;
	kept.text = grown;
	vsnprintf(kept.text + kept.len, (size_t)n + 1, fmt, ap);
	kept.len += (size_t)n;
	return n;
}

const char *policy_object_libbpf_log(void)
{
	return kept.text ? kept.text : "";
}

void policy_object_libbpf_forget(void)
{
	free(kept.text);
	kept.text = NULL;
	kept.len = 0;
}

/* The line of libbpf's warnings that says what failed: the last one, but for its closing
 * "failed to load object", without "libbpf: "; at most 200 characters. "" if none. */
const char *policy_object_libbpf_summary(char *buf, size_t size)
{
	const char *t = policy_object_libbpf_log(), *best = NULL;
	int best_len = 0;
	for (const char *line = t; *line; line += strcspn(line, "\n") + (line[strcspn(line, "\n")] != 0)) {
		const char *text = strncmp(line, "libbpf: ", 8) == 0 ? line + 8 : line;
		int n = (int)strcspn(text, "\n");
		if (n && (strncmp(text, "failed to load object", 21) != 0 || !best))
			best = text, best_len = n;
	}
	snprintf(buf, size, "%.*s%s", best_len > 200 ? 200 : best_len, best ? best : "",
		 best_len > 200 ? "..." : "");
	return buf;
}

static const char *libbpf_said(char *buf, size_t size)
{
	char line[220];
	policy_object_libbpf_summary(line, sizeof(line));
	snprintf(buf, size, "%s%s", line[0] ? "; libbpf: " : "", line);
	return buf;
}

/* libbpf names an object after its file, up to the first '.'. */
static void object_name(const char *path, char *name, size_t size)
{
	const char *base = strrchr(path, '/') ? strrchr(path, '/') + 1 : path;
	snprintf(name, size, "%.*s", (int)strcspn(base, "."), base);
}

int policy_object_open(struct policy_object *po, const char *path)
{
	memset(po, 0, sizeof(*po));
	po->path = path;
	po->error = no_error;
	return read_file(po, path) ? -1 : policy_object_open_mem(po, path, po->image, po->image_size);
}

int policy_object_open_mem(struct policy_object *po, const char *path, const void *image,
			   size_t size)
{
	char name[64];
	libbpf_set_print(keep_warnings);
	po->path = path;
	if (!po->error)
		po->error = no_error;
	po->meta = read_section(image, size, META_SECTION);
	if (!po->meta)
		return fail(po, "not a memcgc object (no %s section)", META_SECTION);
	size_t first = strcspn(po->meta, "\n");
	if (first != strlen(META_FORMAT_LINE) || strncmp(po->meta, META_FORMAT_LINE, first) != 0)
		return fail(po, "made by an incompatible memcgc (metadata format '%.*s', this "
			    "memcg-run reads '" META_FORMAT_LINE "'): rebuild it with this memcgc",
			    (int)(first < 80 ? first : 80), po->meta);
	if (check_elf(po, image, size) != 0)
		return -1;
	object_name(path, name, sizeof(name));
	LIBBPF_OPTS(bpf_object_open_opts, opts, .object_name = name);
	policy_object_libbpf_forget();
	po->obj = bpf_object__open_mem(image, size, &opts);
	if (!po->obj) {
		int err = errno;
		char said[256];
		return fail(po, "libbpf cannot open it: %s%s", strerror(err), libbpf_said(said, sizeof(said)));
	}
	struct bpf_map *rodata = bpf_object__find_map_by_name(po->obj, ".rodata");
	if (rodata)
		po->rodata = bpf_map__initial_value(rodata, &po->rodata_size);
	return 0;
}

void policy_object_close(struct policy_object *po)
{
	bpf_object__close(po->obj);
	free(po->meta);
	free(po->image);
	drop_error(po);
	po->obj = NULL;
	po->meta = NULL;
	po->image = NULL;
}

/* What memcg-run and the BPF code take each map to be; `entries` is how many the metadata
 * needs (0: at least one), exactly that many when `exact`. */
struct map_shape {
	const char *name;
	enum bpf_map_type type;
	uint32_t key_size, value_size;
	int (*entries)(const struct policy_meta *m);
	int exact;
};

static int n_counters(const struct policy_meta *m) { return m->ncounters; }
static int n_rules(const struct policy_meta *m) { return m->nrules; }
static int n_one(const struct policy_meta *m) { (void)m; return 1; }
/* The ring buffer's bytes as libbpf makes them: MEMCGC_RING_BYTES (a power of 2) rounded
 * up to the page size; a larger one would be mapped into memcg-run for nothing. */
static int ring_bytes(const struct policy_meta *m)
{
	(void)m;
	long page = sysconf(_SC_PAGESIZE);
	return page > MEMCGC_RING_BYTES ? (int)page : MEMCGC_RING_BYTES;
}

static const struct map_shape map_shapes[] = {
	{ "cgroup_slots", BPF_MAP_TYPE_HASH, sizeof(uint64_t), sizeof(uint64_t), n_one, 0 },
	{ "counters", BPF_MAP_TYPE_ARRAY, sizeof(uint32_t), sizeof(struct counter_value), n_counters, 0 },
	{ "rule_states", BPF_MAP_TYPE_ARRAY, sizeof(uint32_t), sizeof(struct rule_state), n_rules, 0 },
	{ "clock", BPF_MAP_TYPE_ARRAY, sizeof(uint32_t), sizeof(uint64_t), n_one, 0 },
	{ "transitions", BPF_MAP_TYPE_RINGBUF, 0, 0, ring_bytes, 1 },
};

static const struct { const char *name; enum bpf_prog_type type; } prog_shapes[] = {
	{ "count_memcg_events", BPF_PROG_TYPE_TRACEPOINT },
	{ "memcgc_test", BPF_PROG_TYPE_SYSCALL },
};

static int check_map(struct policy_object *po, const struct map_shape *s, const struct policy_meta *m)
{
	struct bpf_map *map = bpf_object__find_map_by_name(po->obj, s->name);
	if (!map)
		return fail(po, "has no map '%s': not a memcgc object", s->name);
	uint32_t want = (uint32_t)s->entries(m);
	if (bpf_map__type(map) != s->type || bpf_map__key_size(map) != s->key_size ||
	    bpf_map__value_size(map) != s->value_size || bpf_map__max_entries(map) < want ||
	    (s->exact && bpf_map__max_entries(map) != want))
		return fail(po, "map '%s' is not what memcgc makes (type %d, key %u, value %u bytes, "
			    "%u entries; want type %d, key %u, value %u, %s %u)", s->name,
			    (int)bpf_map__type(map), bpf_map__key_size(map), bpf_map__value_size(map),
			    bpf_map__max_entries(map), (int)s->type, s->key_size, s->value_size,
			    s->exact ? "exactly" : "at least", want);
	return 0;
}

int policy_object_check(struct policy_object *po, const struct policy_meta *m)
{
	for (size_t i = 0; i < sizeof(map_shapes) / sizeof(map_shapes[0]); i++)
		if (check_map(po, &map_shapes[i], m) != 0)
			return -1;
	for (size_t i = 0; i < sizeof(prog_shapes) / sizeof(prog_shapes[0]); i++) {
		struct bpf_program *p = bpf_object__find_program_by_name(po->obj, prog_shapes[i].name);
		if (!p || bpf_program__type(p) != prog_shapes[i].type)
			return fail(po, "has no %s program '%s': not a memcgc object",
				    libbpf_bpf_prog_type_str(prog_shapes[i].type), prog_shapes[i].name);
	}
	return 0;
}

int policy_object_set_rodata(struct policy_object *po, const char *var, uint64_t value)
{
	struct btf *btf = bpf_object__btf(po->obj);
	int sec = btf ? btf__find_by_name_kind(btf, ".rodata", BTF_KIND_DATASEC) : -1;
	if (sec < 0 || !po->rodata)
		return fail(po, "has no .rodata for '%s'", var);
	const struct btf_type *t = btf__type_by_id(btf, (unsigned)sec);
	const struct btf_var_secinfo *vs = btf_var_secinfos(t);
	for (unsigned i = 0; i < btf_vlen(t); i++, vs++) {
		const struct btf_type *v = btf__type_by_id(btf, vs->type);
		if (strcmp(btf__name_by_offset(btf, v->name_off), var) != 0)
			continue;
		if (vs->size != sizeof(value) || vs->offset + sizeof(value) > po->rodata_size)
			return fail(po, "'%s' is not a 64-bit variable", var);
		memcpy((char *)po->rodata + vs->offset, &value, sizeof(value));
		return 0;
	}
	return fail(po, "has no variable '%s'", var);
}

/* The verifier's log of a rejected program (the kernel keeps the tail of a long log). */
enum { LOG_SIZE = 1 << 20, MAX_PROGS = 32, TAIL_LINES = 8 };

/* The start of each of the last `n` lines of `log`, oldest first; returns how many. */
static int last_lines(const char *log, const char **lines, int n)
{
	int count = 0;
	const char *end = log + strlen(log);
	while (end > log && end[-1] == '\n')
		end--;
	for (const char *p = end; p > log && count < n; ) {
		const char *start = p;
		while (start > log && start[-1] != '\n')
			start--;
		lines[count++] = start;
		p = start > log ? start - 1 : log;
	}
	for (int i = 0; i < count / 2; i++) {
		const char *t = lines[i];
		lines[i] = lines[count - 1 - i];
		lines[count - 1 - i] = t;
	}
	return count;
}

/* "; TEXT @ FILE:LINE", the verifier's note of the source line an instruction comes from. */
static void read_source_line(struct verifier_rejection *v, const char *line, int len)
{
	char buf[600];
	snprintf(buf, sizeof(buf), "%.*s", len, line);
	char *at = strstr(buf, " @ "), *colon = at ? strrchr(at, ':') : NULL;
	if (strncmp(buf, "; ", 2) != 0 || !colon)
		return;
	*at = *colon = 0;
	snprintf(v->text, sizeof(v->text), "%.*s", (int)sizeof(v->text) - 1, buf + 2);
	snprintf(v->file, sizeof(v->file), "%.*s", (int)sizeof(v->file) - 1, at + 3);
	v->line = atoi(colon + 1);
}

static void read_rejection(struct verifier_rejection *v, const char *prog, const char *log)
{
	memset(v, 0, sizeof(*v));
	v->rejected = true;
	snprintf(v->prog, sizeof(v->prog), "%s", prog);
	for (const char *p = log; *p; p += strcspn(p, "\n") + (p[strcspn(p, "\n")] ? 1 : 0))
		read_source_line(v, p, (int)strcspn(p, "\n"));
	const char *lines[TAIL_LINES];
	int n = last_lines(log, lines, TAIL_LINES), len = 0;
	int reason = n - 1;             /* the verifier ends with "processed N insns ..." */
	while (reason > 0 && strncmp(lines[reason], "processed ", 10) == 0)
		reason--;
	if (n)
		snprintf(v->reason, sizeof(v->reason), "%.*s", (int)strcspn(lines[reason], "\n"),
			 lines[reason]);
	for (int i = 0; i < n && len < (int)sizeof(v->tail); i++)
		len += snprintf(v->tail + len, sizeof(v->tail) - (size_t)len, "    %.*s\n",
				(int)strcspn(lines[i], "\n"), lines[i]);
}

/* With a log buffer of its own, a program is loaded without a log, and only if the
 * verifier rejects it is it loaded again with log level 1 into the buffer. */
static void give_logs(struct policy_object *po, char **logs)
{
	struct bpf_program *prog;
	int i = 0;
	bpf_object__for_each_program(prog, po->obj) {
		if (i == MAX_PROGS)
			break;
		logs[i] = calloc(1, LOG_SIZE);
		if (logs[i])
			bpf_program__set_log_buf(prog, logs[i], LOG_SIZE);
		i++;
	}
}

/* Reads the first non-empty log (the rejected program's) into po->verifier; frees them. */
static void take_logs(struct policy_object *po, char **logs)
{
	struct bpf_program *prog;
	int i = 0;
	memset(&po->verifier, 0, sizeof(po->verifier));
	bpf_object__for_each_program(prog, po->obj) {
		if (i == MAX_PROGS)
			break;
		if (logs[i] && logs[i][0] && !po->verifier.rejected)
			read_rejection(&po->verifier, bpf_program__name(prog), logs[i]);
		bpf_program__set_log_buf(prog, NULL, 0);
		free(logs[i++]);
	}
}

int policy_object_skip_program(struct policy_object *po, const char *name)
{
	struct bpf_program *prog = bpf_object__find_program_by_name(po->obj, name);
	return prog ? bpf_program__set_autoload(prog, false) : -1;
}

int policy_object_load(struct policy_object *po, const char *ops_map)
{
	struct bpf_map *map;
	bpf_object__for_each_map(map, po->obj)
		if (bpf_map__type(map) == BPF_MAP_TYPE_STRUCT_OPS)
			bpf_map__set_autocreate(map, ops_map && strcmp(bpf_map__name(map), ops_map) == 0);
	char *logs[MAX_PROGS] = { 0 };
	give_logs(po, logs);
	policy_object_libbpf_forget();
	int err = bpf_object__load(po->obj);
	take_logs(po, logs);
	char said[256];
	if (err && po->verifier.rejected)
		return fail(po, "the kernel's verifier rejected program %s at %s:%d: %s",
			    po->verifier.prog, po->verifier.file, po->verifier.line, po->verifier.reason);
	if (err)
		return fail(po, "loading failed: %s%s", strerror(-err), libbpf_said(said, sizeof(said)));
	return 0;
}

#define TRACEFS "/sys/kernel/tracing"

/* When tracefs is not mounted (or not readable by this user), this process mounts it in a
 * mount namespace of its own: nobody else sees it, and it goes with the process however
 * that ends (even SIGKILL). */
int tracefs_ensure(bool *mounted_here)
{
	*mounted_here = false;
	if (access(TRACEFS "/events", F_OK) == 0)
		return 0;
	/* in a chroot "/" is no mount point (EINVAL): /sys, where tracefs goes, is made private */
	if (unshare(CLONE_NEWNS) != 0 || (mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) != 0 &&
					  mount(NULL, "/sys", NULL, MS_REC | MS_PRIVATE, NULL) != 0) ||
	    mount("tracefs", TRACEFS, "tracefs", 0, NULL) != 0)
		return -1;
	*mounted_here = true;
	return 0;
}

void tracefs_release(bool mounted_here)
{
	if (mounted_here)
		umount2(TRACEFS, MNT_DETACH);
}

struct bpf_map *policy_object_map(struct policy_object *po, const char *name)
{
	return bpf_object__find_map_by_name(po->obj, name);
}

int policy_object_prog_fd(struct policy_object *po, const char *name)
{
	struct bpf_program *prog = bpf_object__find_program_by_name(po->obj, name);
	return prog ? bpf_program__fd(prog) : -1;
}
