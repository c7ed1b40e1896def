#include "transitions.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>

#include <bpf/libbpf.h>

#include "emit.h"
#include "reaction.h"
#include "report.h"
#include "run.h"

/* Records read at most per wait: a ring the BPF code never stops filling cannot keep the
 * main loop from its status, rescan and signals. */
#define READ_AT_MOST 4096

/* A record read and kept until it is printed (transitions_print), with when it was read. */
struct turn {
	struct memcgc_transition t;
	uint64_t read_ns;
};

/* Keeps a turn to print after the files are set; printed at once if it cannot be kept. */
static void keep_turn(struct run *r, const struct memcgc_transition *t, uint64_t now)
{
	if (r->nturns == r->turns_size) {
		size_t size = r->turns_size ? r->turns_size * 2 : 16;
		struct turn *more = size <= READ_AT_MOST ? realloc(r->turns, size * sizeof(*more)) : NULL;
		if (!more) {
			report_transition(r, t, now);
			return;
		}
		r->turns = more;
		r->turns_size = size;
	}
	r->turns[r->nturns++] = (struct turn){ *t, now };
}

/* One record: checked (the object may be anyone's), kept to print, and the earliest
 * transition not yet acted on kept in r->pending_ns. */
static int on_record(void *ctx, void *data, size_t size)
{
	struct run *r = ctx;
	struct memcgc_transition t;
	if (size >= sizeof(t))
		memcpy(&t, data, sizeof(t));
	if (size < sizeof(t) || t.rule >= (unsigned)r->meta.nrules || t.active > 1) {
		if (!r->ring_bad++)
			fprintf(stderr, "memcg-run: %s: ignored a record of its ring buffer that memcgc "
				"does not write (%zu bytes); others like it are ignored silently\n",
				r->object, size);
		return 0;
	}
	uint64_t at = t.time_ns ? t.time_ns : 1;        /* 0 is "none" */
	if (!r->pending_ns || at < r->pending_ns)
		r->pending_ns = at;
	r->ring_records++;
	keep_turn(r, &t, clock_ns());
	return 0;
}

void transitions_print(struct run *r)
{
	for (size_t i = 0; i < r->nturns; i++)
		report_transition(r, &r->turns[i].t, r->turns[i].read_ns);
	r->nturns = 0;
}

int transitions_open(struct run *r, char *why, size_t size)
{
	struct bpf_map *map = policy_object_map(&r->po, "transitions");
	int fd = map ? bpf_map__fd(map) : -1;
	r->ring = fd >= 0 ? ring_buffer__new(fd, on_record, r, NULL) : NULL;
	if (!r->ring) {
		snprintf(why, size, "%s: cannot read its ring buffer of transitions: %s", r->object,
			 strerror(errno));
		return -1;
	}
	return 0;
}

int transitions_wait(struct run *r, double timeout_s, const sigset_t *mask)
{
	struct epoll_event ev;
	double ms = ceil(timeout_s * 1000);
	int n = epoll_pwait(ring_buffer__epoll_fd(r->ring), &ev, 1,
			    ms <= 0 ? 0 : ms > 60000 ? 60000 : (int)ms, mask);
	if (n < 0)
		return errno == EINTR ? 0 : -1;
	n = ring_buffer__consume_n(r->ring, READ_AT_MOST);
	return n < 0 ? -1 : n;
}

void transitions_read(struct run *r)
{
	if (r->ring)
		ring_buffer__consume_n(r->ring, READ_AT_MOST);
}

void transitions_close(struct run *r)
{
	transitions_print(r);
	ring_buffer__free(r->ring);
	r->ring = NULL;
	free(r->turns);
	r->turns = NULL;
	r->nturns = r->turns_size = 0;
}
