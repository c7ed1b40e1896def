// SPDX-License-Identifier: GPL-2.0
/*
 * toucher: a small memory toucher for the memcg tests.
 *
 *   toucher [--cgroup DIR] MB            touch MB of anonymous memory, exit
 *   toucher [--cgroup DIR] MB --hold     touch, then sleep until killed
 *   toucher [--cgroup DIR] --rate SEC    map/touch/unmap 4 MB chunks for SEC
 *                                        seconds, report the MB/s
 * --cgroup moves the process into DIR first. Prints one line:
 *   done MB=<n> secs=<elapsed> end=<CLOCK_MONOTONIC at the end>
 * (with --hold: "holding MB=<n> ..." and keeps running).
 */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static void touch(char *p, size_t len, long page)
{
	for (size_t off = 0; off < len; off += page)
		p[off] = (char)(off / page) | 1;
}

static void join_cgroup(const char *dir)
{
	char path[4096], pid[32];
	int fd, n;

	snprintf(path, sizeof(path), "%s/cgroup.procs", dir);
	fd = open(path, O_WRONLY);
	n = snprintf(pid, sizeof(pid), "%d\n", getpid());
	if (fd < 0 || write(fd, pid, n) != n) {
		perror(path);
		exit(1);
	}
	close(fd);
}

int main(int argc, char **argv)
{
	long page = sysconf(_SC_PAGESIZE);
	double start, rate_secs = 0;
	long mb = 0;
	int hold = 0;

	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--cgroup") && i + 1 < argc)
			join_cgroup(argv[++i]);
		else if (!strcmp(argv[i], "--hold"))
			hold = 1;
		else if (!strcmp(argv[i], "--rate") && i + 1 < argc)
			rate_secs = atof(argv[++i]);
		else
			mb = atol(argv[i]);
	}
	start = now();
	if (rate_secs > 0) {
		size_t chunk = 4 << 20;
		long chunks = 0;

		while (now() - start < rate_secs) {
			char *p = mmap(NULL, chunk, PROT_READ | PROT_WRITE,
				       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
			if (p == MAP_FAILED) {
				perror("mmap");
				return 1;
			}
			touch(p, chunk, page);
			munmap(p, chunk);
			chunks++;
		}
		printf("rate MB=%ld secs=%.3f mb_per_s=%.1f\n", chunks * 4,
		       now() - start, chunks * 4 / (now() - start));
		return 0;
	}
	if (mb <= 0) {
		fprintf(stderr, "usage: toucher [--cgroup DIR] MB [--hold] | --rate SEC\n");
		return 1;
	}
	size_t len = (size_t)mb << 20;
	char *p = mmap(NULL, len, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (p == MAP_FAILED) {
		perror("mmap");
		return 1;
	}
	touch(p, len, page);
	double end = now();
	printf("%s MB=%ld secs=%.3f end=%.3f\n", hold ? "holding" : "done", mb,
	       end - start, end);
	fflush(stdout);
	while (hold)
		pause();
	return 0;
}
