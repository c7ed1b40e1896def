/* memcg-run --record FILE: every memcg event item of the bound cgroups (each with its
 * descendants) counted by a tracepoint program of memcg-run's own and written in buckets
 * of --step, in the format of record_format.h (docs/record-format.md). */
#ifndef MEMCGC_RECORD_H
#define MEMCGC_RECORD_H

#include <signal.h>

struct run;

/* Records r's bound cgroups into `file` (created, or truncated) until `duration` seconds
 * (0: until *stop), in buckets of `step` seconds. 0, or 1 after one error line. */
int record_run(struct run *r, const char *file, double duration, double step,
	       volatile sig_atomic_t *stop);

#endif
