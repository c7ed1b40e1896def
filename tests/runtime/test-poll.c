/* The memory.stat poll source's tables and arithmetic (runtime/poll.c): which memory.stat
 * key each signal's kernel items are read from, and what each bound cgroup is fed when
 * bound cgroups are nested; the memory.pressure reader (runtime/psi.c) against fake files,
 * hostile ones included. No kernel, no root. PASS/FAIL lines as tests/run.py reads. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "poll.h"
#include "psi.h"
#include "run.h"
#include "signals.h"

static int failures;

static void check(const char *name, int ok, const char *detail)
{
	if (ok)
		printf("PASS poll/%s\n", name);
	else
		printf("FAIL poll/%s: %s\n", name, detail), failures++;
}

/* Every kernel item of every event signal of the language has a memory.stat key; every
 * pressure signal's item is memcg-run's own. */
static void test_signal_keys(void)
{
	char detail[256] = "";
	for (int i = 0; signal_at(i); i++)
		for (int e = 0; e < SIGNAL_MAX_EVENTS && signal_at(i)->events[e]; e++)
			if (signal_at(i)->pressure ?
			    !pressure_item_find(signal_at(i)->events[e]) ||
			    strcmp(pressure_item_find(signal_at(i)->events[e])->line, signal_at(i)->pressure) :
			    !poll_stat_key(signal_at(i)->events[e]))
				snprintf(detail, sizeof(detail), "signal %s: %s has no key", signal_at(i)->name,
					 signal_at(i)->events[e]);
	check("every-signal-has-a-key", !detail[0], detail);
	int n;
	const char *const *items = vm_event_names(&n);
	detail[0] = 0;
	for (int i = 0; i < n; i++)
		if (!poll_stat_key(items[i]) && strcmp(items[i], "PGPGIN") != 0 && strcmp(items[i], "PGPGOUT") != 0)
			snprintf(detail, sizeof(detail), "%s (a memcg-counted item) has no key", items[i]);
	check("every-memcg-item-has-a-key", !detail[0], detail);
	check("pgfault-key", poll_stat_key("PGFAULT") && strcmp(poll_stat_key("PGFAULT"), "pgfault") == 0, "PGFAULT");
	check("pgscan-key", poll_stat_key("PGSCAN_DIRECT") &&
	      strcmp(poll_stat_key("PGSCAN_DIRECT"), "pgscan_direct") == 0, "PGSCAN_DIRECT");
	check("swpin-key", poll_stat_key("PSWPIN") && strcmp(poll_stat_key("PSWPIN"), "pswpin") == 0, "PSWPIN");
	check("pgpgin-none", poll_stat_key("PGPGIN") == NULL, "PGPGIN has a key: v2's memory.stat has none");
}

static void nest_case(const char *name, int n, const uint64_t *masks, const uint64_t *delta,
		      const uint64_t *want)
{
	uint64_t feed[8];
	char detail[256] = "";
	poll_nest(n, masks, delta, feed);
	for (int i = 0; i < n; i++)
		if (feed[i] != want[i])
			snprintf(detail, sizeof(detail), "cgroup %d fed %llu, want %llu", i,
				 (unsigned long long)feed[i], (unsigned long long)want[i]);
	check(name, !detail[0], detail);
}

static void test_nest(void)
{
	/* siblings: each its own delta */
	nest_case("nest-siblings", 2, (const uint64_t[]){ 1, 2 }, (const uint64_t[]){ 10, 20 },
		  (const uint64_t[]){ 10, 20 });
	/* parent (slot 0) with child (slot 1): the child's events count in both, so the parent
	 * is fed only what is not the child's */
	nest_case("nest-parent-child", 2, (const uint64_t[]){ 1, 3 }, (const uint64_t[]){ 100, 30 },
		  (const uint64_t[]){ 70, 30 });
	/* three levels, and a second child */
	nest_case("nest-three-levels", 4, (const uint64_t[]){ 1, 3, 7, 9 },
		  (const uint64_t[]){ 100, 50, 20, 10 }, (const uint64_t[]){ 40, 30, 20, 10 });
	/* read at slightly different times: never below 0 */
	nest_case("nest-never-negative", 2, (const uint64_t[]){ 1, 3 }, (const uint64_t[]){ 5, 8 },
		  (const uint64_t[]){ 0, 8 });
}

/* memory.pressure */

static const char typical[] =
	"some avg10=0.00 avg60=1.50 avg300=0.20 total=12345\n"
	"full avg10=0.00 avg60=0.00 avg300=0.00 total=678\n";

static void parse_case(const char *name, const char *text, const char *line, int want_rc,
		       uint64_t want, const char *want_why)
{
	uint64_t total = 0;
	const char *why = "";
	char detail[256];
	int rc = psi_parse(text, strlen(text), line, &total, &why);
	snprintf(detail, sizeof(detail), "rc %d total %llu why '%s'", rc, (unsigned long long)total,
		 rc ? why : "");
	check(name, rc == want_rc && (rc ? strstr(why, want_why) != NULL : total == want), detail);
}

static void test_psi_parse(void)
{
	parse_case("psi-some", typical, "some", 0, 12345, NULL);
	parse_case("psi-full", typical, "full", 0, 678, NULL);
	parse_case("psi-no-newline", "some total=7", "some", 0, 7, NULL);
	parse_case("psi-line-prefix", "something total=5\nsome total=9\n", "some", 0, 9, NULL);
	parse_case("psi-word-prefix", "some xtotal=5 total=11\n", "some", 0, 11, NULL);
	parse_case("psi-max", "some total=18446744073709551615\n", "some", 0, UINT64_MAX, NULL);
	parse_case("psi-overflow", "some total=18446744073709551616\n", "some", -1, 0, "64 bits");
	parse_case("psi-overflow-long", "some total=999999999999999999999999999999\n", "some", -1, 0,
		   "64 bits");
	parse_case("psi-missing-total", "some avg10=0.00 avg60=0.00\n", "some", -1, 0, "no total=");
	parse_case("psi-empty-total", "some total=\n", "some", -1, 0, "no total=");
	parse_case("psi-negative-total", "some total=-5\n", "some", -1, 0, "not a number");
	parse_case("psi-junk-total", "some total=12ab\n", "some", -1, 0, "not a number");
	parse_case("psi-missing-full", "some total=1\n", "full", -1, 0, "lacks the line");
	parse_case("psi-empty", "", "some", -1, 0, "lacks the line");
	/* the line's end is the newline: a total on the next line is not this line's */
	parse_case("psi-total-next-line", "some avg10=0\ntotal=5\n", "some", -1, 0, "no total=");
	size_t n = 200000;
	char *lng = malloc(n + 64);
	if (!lng)
		return;
	strcpy(lng, "some ");
	for (size_t i = 5; i < n; i++)
		lng[i] = i % 11 == 10 ? ' ' : 'x';
	strcpy(lng + n, " total=42\nfull total=1\n");
	parse_case("psi-long-line", lng, "some", 0, 42, NULL);
	free(lng);
	check("psi-growth", psi_growth(100, 150) == 50, "100 -> 150");
	check("psi-growth-backwards", psi_growth(150, 100) == 0, "150 -> 100 is no growth");
}

/* A directory with memory.pressure holding `text` (NULL: none), open. */
static int fake_cgroup(char *dir, const char *text, size_t len)
{
	strcpy(dir, "/tmp/memcgc-psi-XXXXXX");
	if (!mkdtemp(dir))
		return -1;
	int fd = open(dir, O_RDONLY | O_DIRECTORY);
	int file = text ? openat(fd, "memory.pressure", O_WRONLY | O_CREAT, 0600) : -1;
	if (file >= 0) {
		if (write(file, text, len) != (ssize_t)len)
			perror("write");
		close(file);
	}
	return fd;
}

static void remove_fake(int fd, const char *dir)
{
	unlinkat(fd, "memory.pressure", 0);
	close(fd);
	rmdir(dir);
}

static void test_psi_read(void)
{
	char dir[64];
	size_t len = 0, n = PSI_FILE_MAX - 1;
	char *big = malloc(PSI_FILE_MAX + 1), *text;
	if (!big)
		return;
	memset(big, ' ', PSI_FILE_MAX + 1);
	memcpy(big, "some", 4);
	memcpy(big + n - 8, "total=3\n", 8);
	int fd = fake_cgroup(dir, big, n);
	text = psi_read_file(fd, "memory.pressure", &len);
	uint64_t total = 0;
	const char *why;
	check("psi-read-grows", text && len == n && psi_parse(text, len, "some", &total, &why) == 0 &&
	      total == 3, "a file of PSI_FILE_MAX - 1 bytes read whole");
	free(text);
	remove_fake(fd, dir);
	fd = fake_cgroup(dir, big, PSI_FILE_MAX + 1);
	errno = 0;
	text = psi_read_file(fd, "memory.pressure", &len);
	check("psi-read-too-long", !text && errno == EFBIG, "a file of PSI_FILE_MAX + 1 bytes");
	free(text);
	remove_fake(fd, dir);
	free(big);
	fd = fake_cgroup(dir, NULL, 0);
	errno = 0;
	text = psi_read_file(fd, "memory.pressure", &len);
	check("psi-read-missing", !text && errno == ENOENT, "no memory.pressure (cgroup v1)");
	remove_fake(fd, dir);
}

/* A run of `policy.mcp` with cgroup `web` bound to dir (fd), its rule at line 4 reading
 * counter 0 of signal `signal`. */
static void fake_run(struct run *r, const char *signal, const char *events, int fd, char *dir)
{
	memset(r, 0, sizeof(*r));
	r->object = "policy.o";
	r->meta.ncgroups = 1;
	strcpy(r->meta.cgroups[0].name, "web");
	r->meta.ncounters = 1;
	strcpy(r->meta.counters[0].signal, signal);
	strcpy(r->meta.counters[0].events, events);
	r->meta.nrules = 1;
	r->meta.rules[0].line = 4;
	strcpy(r->meta.rules[0].file, "policy.mcp");
	r->meta.nterms = 1;
	snprintf(r->meta.terms[0].text, META_TEXT, "%s(web) over 2s", signal);
	r->bind.ncgroups = 1;
	r->bind.cgroups[0] = (struct bound_cgroup){ .decl = &r->meta.cgroups[0], .path = dir, .fd = fd };
}

static void test_psi_open(void)
{
	static struct run r;
	struct psi_source s;
	char dir[64], want[200], *why = NULL;
	int fd = fake_cgroup(dir, NULL, 0);
	fake_run(&r, "pressure", "PSI_SOME", fd, dir);
	snprintf(want, sizeof(want), "policy.mcp:4: pressure(web) over 2s reads %s/memory.pressure: "
		 "No such file or directory (pressure needs cgroup v2", dir);
	int rc = psi_open(&s, &r, &why);
	check("psi-open-missing-file", rc == -1 && why && strncmp(why, want, strlen(want)) == 0,
	      why ? why : "no message");
	free(why);
	why = NULL;
	remove_fake(fd, dir);
	fd = fake_cgroup(dir, "some total=1\n", 13);
	fake_run(&r, "pressure_full", "PSI_FULL", fd, dir);
	rc = psi_open(&s, &r, &why);
	check("psi-open-missing-full", rc == -1 && why && strstr(why, "it lacks the line the signal reads (some or full)"),
	      why ? why : "no message");
	free(why);
	why = NULL;
	fake_run(&r, "pressure", "PSI_SOME", fd, dir);
	rc = psi_open(&s, &r, &why);
	check("psi-open-ok", rc == 0 && s.nitems == 1 && s.wants[0], why ? why : "failed");
	free(why);
	why = NULL;
	remove_fake(fd, dir);
	/* no pressure counter: no file is read (the cgroup's directory is not even open) */
	fake_run(&r, "pgscan", "PGSCAN_KSWAPD,PGSCAN_DIRECT,PGSCAN_KHUGEPAGED", -1, "/nonexistent");
	rc = psi_open(&s, &r, &why);
	check("psi-open-no-pressure", rc == 0 && s.nitems == 0, why ? why : "read a file");
	free(why);
}

int main(void)
{
	test_signal_keys();
	test_nest();
	test_psi_parse();
	test_psi_read();
	test_psi_open();
	return failures ? 1 : 0;
}
