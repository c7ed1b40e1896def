/* A compiled policy object opened with libbpf: its metadata, its parameters in .rodata,
 * its maps, and loading it with or without the struct_ops side. Shared by memcg-run and
 * the semantics tests. */
#ifndef MEMCGC_POLICY_OBJECT_H
#define MEMCGC_POLICY_OBJECT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct bpf_object;
struct bpf_map;
struct policy_meta;

/* The values of the maps memcg-run reads (compiler/emit.c declare_types; 8 buckets as
 * IR_BUCKETS): an object's maps are checked to hold exactly these before any is read. */
struct counter_value {
	uint64_t epoch[8], count[8];
};
struct rule_state {
	uint64_t true_since, last_active, fired, active;
};

/* A program the kernel's verifier rejected at load: from the tail of its log. */
struct verifier_rejection {
	bool rejected;
	char prog[64];
	char file[256];                 /* the last "; TEXT @ FILE:LINE" line before the error, */
	int line;                       /* as the object's BTF line info says (0: built without */
	char text[256];                 /* memcgc -g), and the source text */
	char reason[256];               /* the verifier's last word: "invalid write to stack ..." */
	char tail[2048];                /* its last lines, each indented by four spaces */
};

struct policy_object {
	struct bpf_object *obj;
	const char *path;
	char *meta;                     /* the .memcgc.meta text, NUL-terminated */
	void *rodata;                   /* .rodata's initial value, writable before load */
	size_t rodata_size;
	void *image;                    /* the file's bytes, as read once */
	size_t image_size;
	char *error;                    /* "PATH: MESSAGE" (or ""), whatever their length */
	struct verifier_rejection verifier;     /* set when loading failed in the verifier */
};

/* Opens `path` (nothing is loaded into the kernel yet). 0, or -1 with po->error set. */
int policy_object_open(struct policy_object *po, const char *path);
/* The same for an object already in memory (`image` stays the caller's, and must live
 * until close); `path` names it in messages. Used by the fuzz harness. */
int policy_object_open_mem(struct policy_object *po, const char *path, const void *image,
			   size_t size);
void policy_object_close(struct policy_object *po);

/* Checks the object against its metadata before anything is read from it or loaded: each
 * map memcg-run uses has the type, key and value sizes it reads, and an entry for every
 * counter and rule the metadata names; the programs it attaches or runs are there with
 * their types. 0, or -1 with po->error naming the map or program. */
int policy_object_check(struct policy_object *po, const struct policy_meta *m);

/* Sets a u64 .rodata variable (a parameter `param_NAME`, or `page_size`) before load. */
int policy_object_set_rodata(struct policy_object *po, const char *var, uint64_t value);

/* Leaves program `name` out of the load (the tracepoint program, on a kernel without the
 * tracepoint). 0, or -1 when the object has no such program. */
int policy_object_skip_program(struct policy_object *po, const char *name);

/* Loads the programs and maps; of the struct_ops maps only the one named `ops_map` is
 * created (NULL: none, as a kernel without memcg_bpf_ops cannot create them), and only
 * its programs are loaded. 0, or -1 with po->error set (one line) and, when the verifier
 * rejected a program, po->verifier too. */
int policy_object_load(struct policy_object *po, const char *ops_map);

/* tracefs must be mounted for libbpf to attach a tracepoint; where it is not, it is
 * mounted in a private mount namespace of this process, so the system stays as found.
 * *mounted_here says whether this call mounted it. */
int tracefs_ensure(bool *mounted_here);
void tracefs_release(bool mounted_here);

/* What libbpf warned since the last open, load or forget (its first line is in the error
 * of a failure); forget starts again. libbpf's output is never printed by itself. */
const char *policy_object_libbpf_log(void);
void policy_object_libbpf_forget(void);
/* The line of them that says what failed, into buf (at most 200 characters); "" if none. */
const char *policy_object_libbpf_summary(char *buf, size_t size);

struct bpf_map *policy_object_map(struct policy_object *po, const char *name);
int policy_object_prog_fd(struct policy_object *po, const char *name);

#endif
