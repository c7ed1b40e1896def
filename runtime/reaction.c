#include "reaction.h"

#include <stdlib.h>
#include <string.h>

/* xorshift64: enough to choose which sample a new one replaces. */
static uint64_t next_random(uint64_t *seed)
{
	uint64_t x = *seed ? *seed : 0x9e3779b97f4a7c15ULL;
	x ^= x << 13;
	x ^= x >> 7;
	x ^= x << 17;
	return *seed = x;
}

void reaction_add(struct reaction *r, uint64_t ns)
{
	if (ns > r->max_ns)
		r->max_ns = ns;
	if (r->count < REACTION_SAMPLES) {
		r->samples[r->count++] = ns;
		return;
	}
	if (r->count < UINT64_MAX)      /* never reached; the count does not wrap */
		r->count++;
	uint64_t i = next_random(&r->seed) % r->count;
	if (i < REACTION_SAMPLES)
		r->samples[i] = ns;
}

static int by_value(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
	return x < y ? -1 : x > y;
}

uint64_t reaction_median(const struct reaction *r)
{
	uint64_t sorted[REACTION_SAMPLES];
	size_t n = r->count < REACTION_SAMPLES ? (size_t)r->count : REACTION_SAMPLES;
	if (!n)
		return 0;
	memcpy(sorted, r->samples, n * sizeof(sorted[0]));
	qsort(sorted, n, sizeof(sorted[0]), by_value);
	return sorted[(n - 1) / 2];
}
