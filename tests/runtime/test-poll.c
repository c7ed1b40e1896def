/* The memory.stat poll source's tables and arithmetic (runtime/poll.c): which memory.stat
 * key each signal's kernel items are read from, and what each bound cgroup is fed when
 * bound cgroups are nested. No kernel, no root. PASS/FAIL lines as tests/run.py reads. */
#include <stdio.h>
#include <string.h>

#include "poll.h"
#include "signals.h"

static int failures;

static void check(const char *name, int ok, const char *detail)
{
	if (ok)
		printf("PASS poll/%s\n", name);
	else
		printf("FAIL poll/%s: %s\n", name, detail), failures++;
}

/* Every kernel item of every signal of the language has a memory.stat key. */
static void test_signal_keys(void)
{
	char detail[256] = "";
	for (int i = 0; signal_at(i); i++)
		for (int e = 0; e < SIGNAL_MAX_EVENTS && signal_at(i)->events[e]; e++)
			if (!poll_stat_key(signal_at(i)->events[e]))
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

int main(void)
{
	test_signal_keys();
	test_nest();
	return failures ? 1 : 0;
}
