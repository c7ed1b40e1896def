/* memory.pressure as a source: pressure() and pressure_full() read the growth of the
 * `total=` counter (microseconds of stall) of the `some` and `full` lines of each bound
 * cgroup's memory.pressure (cgroup v2 with PSI). memcg-run reads it every --period, with
 * either event source, and feeds the growth to the object's counters through its test
 * entry (TEST_EVENT, with the pressure items of compiler/signals.h), so a counter's rate is
 * microseconds of stall per second. A policy without pressure() reads no such file. */
#ifndef MEMCGC_PSI_H
#define MEMCGC_PSI_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "poll.h"

struct run;
struct pressure_item;

enum { PSI_LINES = 2 };
/* memory.pressure is read whole if shorter than this (the kernel writes two lines of
 * about 70 bytes). */
#define PSI_FILE_MAX 65536

struct psi_source {
	int nitems;                     /* 0: the policy reads no pressure */
	const struct pressure_item *items[PSI_LINES];   /* the lines its counters read */
	int wants[POLL_CGROUPS];        /* bound cgroup s has a pressure counter */
	struct {
		uint64_t id;            /* the cgroup last read at this slot (0: none yet) */
		uint64_t last[PSI_LINES];
	} slots[POLL_CGROUPS];
};

/* The `total=` of memory.pressure's line `line` ("some", "full") in text[0..len): 0, or -1
 * with *why ("no `some` line", "a total of more than 64 bits", ...). */
int psi_parse(const char *text, size_t len, const char *line, uint64_t *total, const char **why);

/* The whole of `name` under the directory dirfd, allocated, its length in *len; NULL with
 * errno set (EFBIG at PSI_FILE_MAX bytes or more). */
char *psi_read_file(int dirfd, const char *name, size_t *len);

/* What a counter read as `last` and now `now` grew by: 0 when it went backwards. */
uint64_t psi_growth(uint64_t last, uint64_t now);

/* The pressure lines the policy's counters read, and a first read of each bound cgroup that
 * has a pressure counter. 0, or -1 with one line naming the file and the rule in *why
 * (allocated; NULL when out of memory). */
int psi_open(struct psi_source *s, const struct run *r, char **why);

/* Reads each bound cgroup's memory.pressure and feeds what its totals grew by. */
void psi_tick(struct psi_source *s, struct run *r, uint64_t now_ns);

/* "memory.pressure polled every 100 ms (pressure <- some total=)", for the start lines. */
void psi_describe(const struct psi_source *s, double period, FILE *out);

#endif
