/* The cgroup actuator's journal and restore (runtime/actuate.c) against a scratch
 * directory of fake cgroup files: no kernel, no root. PASS/FAIL lines as tests/run.py
 * reads them.
 *   test-actuate [SCRATCH]      (default: a new directory under /tmp, removed after) */
#define _GNU_SOURCE
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "actuate.h"

static char root[512], state[600], cg[600];
static int failures;
static long page;

static void check(const char *name, int ok, const char *detail)
{
	if (ok)
		printf("PASS actuate/%s\n", name);
	else
		printf("FAIL actuate/%s: %s\n", name, detail), failures++;
}

static void put_file(const char *name, const char *value)
{
	char path[700];
	snprintf(path, sizeof(path), "%s/%s", cg, name);
	FILE *f = fopen(path, "w");
	fprintf(f, "%s\n", value);
	fclose(f);
}

static const char *get_file(const char *name)
{
	static char bufs[4][64];
	static int next;
	char *buf = bufs[next++ % 4], path[700];
	snprintf(path, sizeof(path), "%s/%s", cg, name);
	FILE *f = fopen(path, "r");
	buf[0] = 0;
	if (f && fgets(buf, 64, f))
		buf[strcspn(buf, "\n")] = 0;
	if (f)
		fclose(f);
	return buf;
}

/* A fresh fake cgroup: 64 MiB in use, no limit, no protection; an empty state dir. */
static void fresh(void)
{
	char cmd[1400];
	snprintf(cmd, sizeof(cmd), "rm -rf '%s' '%s'", state, cg);
	if (system(cmd) != 0 || mkdir(cg, 0755) != 0)
		exit(2);
	put_file("memory.current", "67108864");
	put_file("memory.high", "max");
	put_file("memory.low", "0");
	put_file("memory.min", "0");
}

static int journal_lines(const struct actuator *a, const char *want)
{
	char buf[4096] = "";
	FILE *f = fopen(a->journal, "r");
	size_t n = f ? fread(buf, 1, sizeof(buf) - 1, f) : 0;
	buf[n] = 0;
	if (f)
		fclose(f);
	return strstr(buf, want) != NULL;
}

static int tick(struct actuator *a, int dirfd, uint64_t oh, uint64_t hd, uint64_t lo, uint64_t mi)
{
	uint64_t values[ACTUATE_KINDS] = { oh, hd, lo, mi };
	int used[ACTUATE_KINDS] = { 1, 1, 1, 1 };
	return actuate_cgroup(a, dirfd, cg, values, used, "  ");
}

static char detail[2048];
static int journals;

static void test_on_off(void)
{
	struct actuator a;
	fresh();
	int dirfd = open(cg, O_RDONLY | O_DIRECTORY);
	if (actuate_open(&a, state, detail, sizeof(detail)) != 0) {
		check("open", 0, detail);
		return;
	}
	check("open", access(a.journal, F_OK) == 0, "no journal file");
	a.log = a.err = NULL;      /* problems are counted; lines are not shown */
	int problems = tick(&a, dirfd, 4096, 0, 0, 0);   /* over_high 16 MiB: 64 - 16 = 48 MiB */
	snprintf(detail, sizeof(detail), "memory.high %s, want 50331648 (problems %d)", get_file("memory.high"), problems);
	check("over-high-on", strcmp(get_file("memory.high"), "50331648") == 0, detail);
	snprintf(detail, sizeof(detail), "journal %s lacks 'max 50331648 %s/memory.high'", a.journal, cg);
	char want[800];
	snprintf(want, sizeof(want), " max 50331648 %s/memory.high\n", cg);
	check("journalled", journal_lines(&a, want), detail);
	put_file("memory.current", "66584576");         /* usage moved by less than a step */
	tick(&a, dirfd, 4096, 0, 0, 0);
	check("step", strcmp(get_file("memory.high"), "50331648") == 0, get_file("memory.high"));
	put_file("memory.current", "33554432");         /* 32 MiB: 16 MiB, the floor */
	tick(&a, dirfd, 4096, 0, 0, 0);
	snprintf(detail, sizeof(detail), "memory.high %s, want the floor 16777216", get_file("memory.high"));
	check("floor", strcmp(get_file("memory.high"), "16777216") == 0, detail);
	tick(&a, dirfd, 0, 0, 1, 0);                    /* over_high off, protect_low on */
	snprintf(detail, sizeof(detail), "memory.high %s memory.low %s", get_file("memory.high"), get_file("memory.low"));
	check("over-high-off-restores", strcmp(get_file("memory.high"), "max") == 0, detail);
	check("protect-low-on", strcmp(get_file("memory.low"), "33554432") == 0, detail);
	put_file("memory.current", "10000");            /* rounded up to a page */
	tick(&a, dirfd, 0, 2000, 1, 0);
	snprintf(detail, sizeof(detail), "memory.high %s, want the floor (usage is below it)", get_file("memory.high"));
	check("high-delay-floor", strcmp(get_file("memory.high"), "16777216") == 0, detail);
	put_file("memory.current", "100663296");
	tick(&a, dirfd, 0, 2000, 1, 0);
	snprintf(detail, sizeof(detail), "memory.high %s: set once when it turns on", get_file("memory.high"));
	check("high-delay-once", strcmp(get_file("memory.high"), "16777216") == 0, detail);
	snprintf(detail, sizeof(detail), "memory.low %s, want 100663296 (raised as usage grows)", get_file("memory.low"));
	check("protect-low-raised", strcmp(get_file("memory.low"), "100663296") == 0, detail);
	put_file("memory.low", "12345");                /* someone else */
	problems = tick(&a, dirfd, 0, 2000, 1, 0);
	snprintf(detail, sizeof(detail), "memory.low %s, problems %d", get_file("memory.low"), problems);
	check("changed-meanwhile-left-alone", problems == 1 && strcmp(get_file("memory.low"), "12345") == 0, detail);
	problems = actuate_close(&a, NULL);
	snprintf(detail, sizeof(detail), "memory.high %s memory.low %s problems %d", get_file("memory.high"),
		 get_file("memory.low"), problems);
	check("close-restores", problems == 0 && strcmp(get_file("memory.high"), "max") == 0 &&
	      strcmp(get_file("memory.low"), "12345") == 0, detail);
	char journal[700];
	snprintf(journal, sizeof(journal), "%s/journal.%d", state, (int)getpid());
	check("close-removes-journal", access(journal, F_OK) != 0, journal);
	close(dirfd);
}

/* A child actuates and is killed: the journal restores; a changed file is reported. */
static void killed_run(const char *name, uint64_t oh, uint64_t mi)
{
	int ready[2];
	if (pipe(ready) != 0)
		exit(2);
	pid_t pid = fork();
	if (pid == 0) {
		struct actuator a;
		int dirfd = open(cg, O_RDONLY | O_DIRECTORY);
		if (actuate_open(&a, state, detail, sizeof(detail)) != 0)
			_exit(1);
		tick(&a, dirfd, oh, 0, 0, mi);
		if (write(ready[1], "x", 1) != 1)
			_exit(1);
		pause();
		_exit(0);
	}
	char c;
	close(ready[1]);
	if (read(ready[0], &c, 1) != 1)
		printf("FAIL actuate/child: it did not actuate\n"), failures++;
	close(ready[0]);
	/* while it runs, its journal is its own */
	char *out = NULL;
	size_t size = 0;
	FILE *mem = open_memstream(&out, &size);
	int problems = actuate_restore(state, mem, &journals);
	fclose(mem);
	snprintf(detail, sizeof(detail), "problems %d: %s", problems, out);
	check(name, problems == 1 && strstr(out, "belongs to a running memcg-run (memcg-run journal 1 pid"), detail);
	free(out);
	kill(pid, SIGKILL);
	waitpid(pid, NULL, 0);
}

static void test_sigkill(void)
{
	fresh();
	killed_run("restore-leaves-running", 4096, 1);
	snprintf(detail, sizeof(detail), "memory.high %s memory.min %s", get_file("memory.high"), get_file("memory.min"));
	check("killed-leaves-written", strcmp(get_file("memory.high"), "50331648") == 0 &&
	      strcmp(get_file("memory.min"), "67108864") == 0, detail);
	char *out = NULL;
	size_t size = 0;
	FILE *mem = open_memstream(&out, &size);
	int problems = actuate_restore(state, mem, &journals);
	fclose(mem);
	snprintf(detail, sizeof(detail), "problems %d, memory.high %s memory.min %s: %s", problems,
		 get_file("memory.high"), get_file("memory.min"), out);
	check("restore-after-sigkill", problems == 0 && strcmp(get_file("memory.high"), "max") == 0 &&
	      strcmp(get_file("memory.min"), "0") == 0 && strstr(out, "2 files, done, removed"), detail);
	free(out);

	fresh();
	killed_run("restore-leaves-running-2", 4096, 0);
	put_file("memory.high", "99999744");            /* someone else, after the kill */
	out = NULL;
	mem = open_memstream(&out, &size);
	problems = actuate_restore(state, mem, &journals);
	fclose(mem);
	snprintf(detail, sizeof(detail), "problems %d, memory.high %s: %s", problems, get_file("memory.high"), out);
	check("restore-reports-changed", problems == 0 && strcmp(get_file("memory.high"), "99999744") == 0 &&
	      strstr(out, "memory.high is 99999744, not the 50331648 memcg-run wrote: someone else changed it"), detail);
	free(out);
	out = NULL;
	mem = open_memstream(&out, &size);
	problems = actuate_restore(state, mem, &journals);
	fclose(mem);
	check("restore-lets-go", problems == 0 && journals == 0 && strcmp(get_file("memory.high"), "99999744") == 0, out);
	free(out);
}

/* A limit is never loosened, a protection never lowered, by the actuator. */
static void test_never_looser(void)
{
	struct actuator a;
	fresh();
	put_file("memory.high", "20971520");
	put_file("memory.min", "134217728");
	int dirfd = open(cg, O_RDONLY | O_DIRECTORY);
	if (actuate_open(&a, state, detail, sizeof(detail)) != 0) {
		check("never-looser", 0, detail);
		return;
	}
	int problems = tick(&a, dirfd, 1, 0, 0, 1);
	snprintf(detail, sizeof(detail), "memory.high %s memory.min %s problems %d", get_file("memory.high"),
		 get_file("memory.min"), problems);
	check("never-looser", problems == 0 && strcmp(get_file("memory.high"), "20971520") == 0 &&
	      strcmp(get_file("memory.min"), "134217728") == 0 && a.nfiles == 3 && !a.files[0].held &&
	      !a.files[1].held && !a.files[2].held, detail);
	actuate_close(&a, NULL);
	close(dirfd);
}

/* A cgroup removed (and perhaps created again): its files are forgotten, not restored. */
static void test_forget(void)
{
	struct actuator a;
	fresh();
	int dirfd = open(cg, O_RDONLY | O_DIRECTORY);
	if (actuate_open(&a, state, detail, sizeof(detail)) != 0) {
		check("forget", 0, detail);
		return;
	}
	tick(&a, dirfd, 4096, 0, 0, 0);
	put_file("memory.high", "max");                 /* a new cgroup at the path */
	actuate_forget(&a, cg, NULL);
	tick(&a, dirfd, 4096, 0, 0, 0);                 /* taken afresh: written again */
	int written = strcmp(get_file("memory.high"), "50331648") == 0;
	int problems = actuate_close(&a, NULL);
	snprintf(detail, sizeof(detail), "written again: %d, memory.high %s at close, problems %d",
		 written, get_file("memory.high"), problems);
	check("forget-takes-afresh", written && problems == 0 && strcmp(get_file("memory.high"), "max") == 0,
	      detail);
	close(dirfd);
}

static uint64_t monotonic_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ULL + (uint64_t)ts.tv_nsec;
}

/* Reaction times: a write made while a transition is the cause counts, from the cause to
 * after the write; one without a cause, or a call that writes nothing, does not. */
static void test_reaction(void)
{
	struct actuator a;
	fresh();
	int dirfd = open(cg, O_RDONLY | O_DIRECTORY);
	if (actuate_open(&a, state, detail, sizeof(detail)) != 0) {
		check("reaction-open", 0, detail);
		return;
	}
	a.log = a.err = NULL;
	tick(&a, dirfd, 4096, 0, 0, 0);                 /* a write, no cause */
	check("reaction-no-cause", a.reaction.count == 0, "a write without a transition counted");
	a.cause_ns = monotonic_ns() - 5000000;          /* a transition 5 ms ago */
	tick(&a, dirfd, 0, 0, 0, 0);                    /* over_high off: max written back */
	snprintf(detail, sizeof(detail), "%llu reactions, max %llu ns, median %llu ns; want 1, both >= 5 ms",
		 (unsigned long long)a.reaction.count, (unsigned long long)a.reaction.max_ns,
		 (unsigned long long)reaction_median(&a.reaction));
	check("reaction-counted", a.reaction.count == 1 && a.reaction.max_ns >= 5000000 &&
	      reaction_median(&a.reaction) == a.reaction.max_ns, detail);
	tick(&a, dirfd, 0, 0, 0, 0);                    /* nothing to write */
	check("reaction-no-write", a.reaction.count == 1, "a call that wrote nothing counted");
	a.cause_ns = monotonic_ns() + 1000000000;       /* a time ahead of the clock: 0, no wrap */
	tick(&a, dirfd, 4096, 0, 0, 0);
	snprintf(detail, sizeof(detail), "%llu reactions, max %llu ns", (unsigned long long)a.reaction.count,
		 (unsigned long long)a.reaction.max_ns);
	check("reaction-cause-ahead", a.reaction.count == 2 && a.reaction.max_ns < 1000000000, detail);
	actuate_close(&a, NULL);
	close(dirfd);
}

/* The reservoir: count and max exact however many; the median exact up to its size. */
static void test_reaction_reservoir(void)
{
	struct reaction r = { 0 };
	check("reservoir-empty", reaction_median(&r) == 0 && r.count == 0, "an empty reservoir has a median");
	for (uint64_t v = 9; v >= 1; v--)
		reaction_add(&r, v);
	snprintf(detail, sizeof(detail), "median %llu max %llu count %llu, want 5 9 9",
		 (unsigned long long)reaction_median(&r), (unsigned long long)r.max_ns,
		 (unsigned long long)r.count);
	check("reservoir-exact", reaction_median(&r) == 5 && r.max_ns == 9 && r.count == 9, detail);
	struct reaction big = { 0 };
	for (uint64_t i = 0; i < 100000; i++)     /* 0..99999 ns: median near 50000 */
		reaction_add(&big, (i * 7919) % 100000);
	uint64_t m = reaction_median(&big);
	snprintf(detail, sizeof(detail), "median %llu max %llu count %llu, want 25000..75000, 99999, 100000",
		 (unsigned long long)m, (unsigned long long)big.max_ns, (unsigned long long)big.count);
	check("reservoir-bounded", big.count == 100000 && big.max_ns == 99999 && m > 25000 && m < 75000,
	      detail);
}

int main(int argc, char **argv)
{
	page = sysconf(_SC_PAGESIZE);
	if (page != 4096) {
		printf("SKIP actuate: setup: the expected values assume 4 KiB pages (this machine: %ld)\n", page);
		return 0;
	}
	if (argc > 1)
		snprintf(root, sizeof(root), "%s", argv[1]), mkdir(root, 0700);
	else if (!mkdtemp(strcpy(root, "/tmp/test-actuate.XXXXXX")))
		return 2;
	snprintf(state, sizeof(state), "%s/state", root);
	snprintf(cg, sizeof(cg), "%s/cg", root);
	test_on_off();
	test_sigkill();
	test_never_looser();
	test_forget();
	test_reaction();
	test_reaction_reservoir();
	if (argc <= 1) {
		char cmd[600];
		snprintf(cmd, sizeof(cmd), "rm -rf '%s'", root);
		if (system(cmd) != 0)
			return 2;
	}
	return failures ? 1 : 0;
}
