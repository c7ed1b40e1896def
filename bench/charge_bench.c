/* charge_bench: the cost of charging anonymous pages to the caller's memory cgroup.
 *
 *   charge_bench MB ROUNDS      prints "PAGES NS_PER_PAGE"
 *
 * ROUNDS times: maps MB of private anonymous memory, writes one byte to every page (a
 * page fault that allocates a page and charges it to the memcg) and unmaps it (the pages
 * are uncharged). The time is per page faulted in and freed again, so it includes the
 * fault, the zeroing, the charge and the uncharge (and one mmap/munmap per MB pages);
 * comparing runs with and without a policy gives the policy's cost on that path. (The
 * test kernel has no madvise(2), and no transparent huge pages: every charge is of
 * 4 KiB pages.)
 */
#include <stdio.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

static double now_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e9 + ts.tv_nsec;
}

int main(int argc, char **argv)
{
	if (argc != 3 || atol(argv[1]) <= 0 || atol(argv[2]) <= 0) {
		fprintf(stderr, "usage: charge_bench MB ROUNDS\n");
		return 2;
	}
	size_t page = (size_t)sysconf(_SC_PAGESIZE);
	size_t len = (size_t)atol(argv[1]) << 20;
	long rounds = atol(argv[2]);
	double start = now_ns();
	for (long r = 0; r < rounds; r++) {
		char *buf = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS,
				 -1, 0);
		if (buf == MAP_FAILED) {
			perror("charge_bench: mmap");
			return 1;
		}
		for (size_t off = 0; off < len; off += page)
			buf[off] = 1;
		munmap(buf, len);
	}
	double pages = (double)rounds * (double)(len / page);
	printf("%.0f %.1f\n", pages, (now_ns() - start) / pages);
	return 0;
}
