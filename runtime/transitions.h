/* The object's ring buffer `transitions`: a record each time a rule turns on or off, read
 * as soon as the BPF code writes it (libbpf's ring_buffer, its epoll descriptor waited on
 * by the main loop). The main loop acts on r->pending_ns first, then prints the records'
 * lines (transitions_print): printing reads the policy's values, and the cgroup files
 * are not kept waiting for it. */
#ifndef MEMCGC_TRANSITIONS_H
#define MEMCGC_TRANSITIONS_H

#include <signal.h>

struct run;

/* 0, or -1 with a one-line reason in why. */
int transitions_open(struct run *r, char *why, size_t size);

/* Waits up to timeout_s seconds for records, with the signals outside `mask` let in (a
 * signal ends the wait: epoll_pwait), then reads every record there is. Returns how many
 * there were, or -1 when the wait failed other than by a signal. */
int transitions_wait(struct run *r, double timeout_s, const sigset_t *mask);

/* Reads the records there are, without waiting. */
void transitions_read(struct run *r);

/* Prints the line of each record read and not yet printed, in the order read. */
void transitions_print(struct run *r);

void transitions_close(struct run *r);

#endif
