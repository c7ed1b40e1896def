/* Parse-and-check time of the front end, in process: the median and minimum of N runs on
 * one policy file (reading it included). A policy the front end refuses (a generated one
 * past the kernel's limits) is still timed whole: "refused" says so. */
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "frontend.h"

static double now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

static int by_value(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return (x > y) - (x < y);
}

int main(int argc, char **argv)
{
	if (argc != 3) {
		fprintf(stderr, "usage: frontend_bench POLICY RUNS\n");
		return 2;
	}
	int runs = atoi(argv[2]);
	double *ms = calloc((size_t)runs, sizeof(double));
	int rules = 0, refused = 0;
	for (int i = 0; i < runs; i++) {
		struct policy p;
		policy_init(&p, i == 0 ? stderr : NULL);
		p.stdlib_dir = "stdlib";
		double t0 = now_ms();
		int rc = frontend_file(&p, argv[1]);
		ms[i] = now_ms() - t0;
		rules = p.rules.len;
		policy_free(&p);
		refused |= rc != 0;
	}
	qsort(ms, (size_t)runs, sizeof(double), by_value);
	printf("{\"bench\": \"frontend\", \"policy\": \"%s\", \"rules\": %d, \"runs\": %d, "
	       "\"median_ms\": %.3f, \"min_ms\": %.3f, \"max_ms\": %.3f, \"refused\": %s}\n",
	       argv[1], rules, runs, ms[runs / 2], ms[0], ms[runs - 1], refused ? "true" : "false");
	free(ms);
	return 0;
}
