/* Reaction times (a rule's transition -> the cgroup file written): how many, their median
 * and their maximum, in a bounded reservoir of samples, whatever the number measured. */
#ifndef MEMCGC_REACTION_H
#define MEMCGC_REACTION_H

#include <stdint.h>
#include <time.h>

/* Now on CLOCK_MONOTONIC, in ns: the clock bpf_ktime_get_ns() reads, so a transition's
 * time_ns and memcg-run's own times compare (the one clock every part of memcg-run uses). */
static inline uint64_t clock_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ULL + (uint64_t)ts.tv_nsec;
}

/* Up to this many samples are kept: the median is exact up to it, then that of a uniform
 * sample of all of them (reservoir sampling); count and max are always exact. */
enum { REACTION_SAMPLES = 256 };

struct reaction {
	uint64_t count, max_ns;
	uint64_t samples[REACTION_SAMPLES];
	uint64_t seed;                  /* the reservoir's pseudo-random choices */
};

/* A reaction of `ns` nanoseconds. */
void reaction_add(struct reaction *r, uint64_t ns);
/* The median of the kept samples (the lower middle one of an even number); 0 if none. */
uint64_t reaction_median(const struct reaction *r);

#endif
