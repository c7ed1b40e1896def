/* The cgroup actuator: a policy's actions carried out through cgroup v2's own files
 * (memory.high, memory.low, memory.min), each write journalled first so that nothing
 * memcg-run changes stays changed after it, however it ends. */
#ifndef MEMCGC_ACTUATE_H
#define MEMCGC_ACTUATE_H

#include <stdint.h>
#include <stdio.h>

#include "reaction.h"

/* Where journals live: this, or $MEMCG_RUN_STATE_DIR (for tests). */
#define ACTUATE_STATE_DIR "/run/memcg-run"
/* memory.high is never lowered below this by over_high or high_delay. */
#define ACTUATE_FLOOR_BYTES (16LL << 20)
/* A file holding a value is written again when its target moved by at least this. */
#define ACTUATE_STEP_BYTES (1LL << 20)

enum { ACTUATE_KINDS = 4, ACTUATE_FILES = 64 };

/* The action kinds this actuator carries, in this order (report.c's hook kinds). */
extern const char *const actuate_kind_names[ACTUATE_KINDS];
/* What a kind becomes, for --explain and messages ("memory.high = memory.current - N"). */
const char *actuate_kind_effect(int kind);
int actuate_kind_index(const char *name);     /* -1 when not one of them */

/* A cgroup file memcg-run holds. */
struct actuated_file {
	char *path;                     /* CGROUP/memory.high, as journalled */
	char original[32];              /* as read before the first write ("max" or bytes) */
	char written[32];               /* the last value memcg-run wrote there */
	int held;                       /* it holds a value other than the original now */
	int abandoned;                  /* someone else changed it: left alone from then on */
};

struct actuator {
	char *journal;                  /* DIR/journal.PID, allocated */
	int fd;                         /* open, flock'ed while this process lives */
	long page_size;
	struct actuated_file files[ACTUATE_FILES];
	int nfiles;
	FILE *log;                      /* a line per write (NULL: none) */
	FILE *err;                      /* a line per problem (NULL: none) */
	/* Set by the caller while it acts on a rule's transition: its time (CLOCK_MONOTONIC
	 * ns; 0: none). Each write then adds the time from it to just after the write. */
	uint64_t cause_ns;
	struct reaction reaction;
};

/* Opens this process's journal in `dir` (created 0700 if missing): a file locked for as
 * long as the process lives. log and err start as NULL and stderr. 0, or -1 with a one-line reason naming the path in why. */
int actuate_open(struct actuator *a, const char *dir, char *why, size_t size);

/* Carries out what the actions of one cgroup ask now: values[k] is the value the hook of
 * kind k would return (0: the action is off), used[k] whether some action has kind k.
 * `dirfd` is the cgroup's directory, `path` its path (for the journal and messages).
 * Each file whose value changes is journalled, then written; one line per write goes to
 * a->log, one per problem to a->err (prefix before each). Returns how many problems
 * there were (a write refused, a value someone else changed). */
int actuate_cgroup(struct actuator *a, int dirfd, const char *path, const uint64_t *values,
		   const int *used, const char *prefix);

/* The cgroup at `path` was removed (and perhaps created again): the files memcg-run held
 * there are forgotten, the journal told so; the new cgroup's files are taken afresh. */
void actuate_forget(struct actuator *a, const char *path, const char *prefix);

/* Restores every file this run holds (a value someone else changed is reported and left
 * alone), and removes the journal, unless a file could not be read or written: then the
 * journal stays for --restore. Returns the number of such files. */
int actuate_close(struct actuator *a, FILE *out);

/* Restores from the journals in `dir` of runs that are gone (SIGKILL, a crash): each file
 * still holding what memcg-run wrote gets its original back; one that holds another value
 * is reported and left alone (let go: not reported again). A journal is removed when
 * nothing in it is left to do; one of a running memcg-run is left to it (reported).
 * One line per file or journal to out; how many journals there were in *journals (when
 * not NULL). Returns the number of files and journals left to do, -1 if dir cannot be read. */
int actuate_restore(const char *dir, FILE *out, int *journals);

/* The journal directory: $MEMCG_RUN_STATE_DIR, else ACTUATE_STATE_DIR. */
const char *actuate_state_dir(void);

#endif
