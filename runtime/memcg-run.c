/* memcg-run: load a compiled memcgc policy, bind it to cgroups, attach it, show it working,
 * and detach it when told to stop.
 *
 *   open object -> read metadata -> probe kernel -> bind cgroups and parameters -> load
 *   -> fill the cgroup-id map -> attach tracepoint (and struct_ops links) -> status loop
 *   -> detach.
 * Every error is one line naming the thing and the fix; nothing stays loaded after one. */
#define _GNU_SOURCE    /* asprintf() */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <math.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "actions.h"
#include "attach.h"
#include "pin.h"
#include "bind.h"
#include "emit.h"
#include "meta.h"
#include "policy_object.h"
#include "probe.h"
#include "record.h"
#include "replay.h"
#include "report.h"
#include "run.h"
#include "transitions.h"

struct options {
	const char *object, *btf, *pin_dir, *unpin_dir, *actuator, *source, *record, *replay;
	const char *cgroups[META_MAX], *sets[META_MAX * 2], *compare, *compare_sets[META_MAX];
	int ncgroups, nsets, ncompare_sets;
	int inspect, probe, dry_run, json, quiet, explain, allow_override, verbose, restore;
	int nice_mode, nice;            /* --nice: NICE_DEFAULT, NICE_KEEP or NICE_GIVEN (nice) */
	double interval, duration, period, step;
};

enum { NICE_DEFAULT, NICE_KEEP, NICE_GIVEN };

static volatile sig_atomic_t stop;
static const int stop_signals[] = { SIGINT, SIGTERM, SIGHUP };

static void on_signal(int sig)
{
	(void)sig;
	stop = 1;
}

int run_fail(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	fputs("memcg-run: error: ", stderr);
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
	va_end(ap);
	return 1;
}

/* An error where libbpf had its say: its first line joins the error's, the rest is for -v. */
static int fail_libbpf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static int fail_libbpf(const char *fmt, ...)
{
	char said[256];
	va_list ap;
	va_start(ap, fmt);
	fputs("memcg-run: error: ", stderr);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	policy_object_libbpf_summary(said, sizeof(said));
	fprintf(stderr, "%s%s\n", said[0] ? "; libbpf: " : "", said);
	return 1;
}

/* -v: after an error, libbpf's warnings in full, indented. */
static void show_libbpf(int verbose)
{
	const char *log = policy_object_libbpf_log();
	for (; verbose && *log; log += strcspn(log, "\n") + (log[strcspn(log, "\n")] != 0))
		fprintf(stderr, "    %.*s\n", (int)strcspn(log, "\n"), log);
}

static void usage(FILE *out)
{
	fputs("usage: memcg-run [options] POLICY.o\n"
	      "       memcg-run --inspect POLICY.o\n"
	      "       memcg-run --probe [--btf FILE] [POLICY.o]\n"
	      "       memcg-run --unpin DIR\n"
	      "       memcg-run --restore\n"
	      "       memcg-run --record FILE [--step D] [--duration D] (--cgroup NAME=PATH... | POLICY.o)\n"
	      "       memcg-run --replay FILE [--cgroup NAME=RECORDED_NAME] [--set ...] [--json] POLICY.o\n"
	      "                 [--compare B.o [--compare-set NAME=VALUE]...]\n"
	      "\n"
	      "  --cgroup NAME=PATH   bind policy cgroup NAME (absolute path, path under the cgroup\n"
	      "                       root, or a systemd unit such as batch.slice)\n"
	      "  --set NAME=VALUE     set a parameter, with units as in the policy (100/s, 4MiB)\n"
	      "  --dry-run            count signals and evaluate rules, attach no hook\n"
	      "  --actuator=hooks|cgroup  carry out actions by memcg_bpf_ops hooks, or by writing\n"
	      "                       memory.high, memory.low, memory.min (cgroup v2; default:\n"
	      "                       hooks where the kernel has memcg_bpf_ops, else cgroup)\n"
	      "  --source=tracepoint|poll  count events with memcg:count_memcg_events, or by\n"
	      "                       polling memory.stat (cgroup v2; default: the tracepoint\n"
	      "                       where the kernel has it)\n"
	      "  --period D           how often memory.stat is polled and the cgroup actuator\n"
	      "                       writes (100ms)\n"
	      "  --nice N|keep        run at niceness N (-20 to 19), or as started (default: -20\n"
	      "                       with the cgroup actuator, else as started)\n"
	      "  --restore            put back the cgroup files a killed memcg-run left written\n"
	      "  --allow-override     let cgroups below an attachment attach their own ops\n"
	      "  --pin DIR            pin the policy's links and maps in DIR (on a BPF file system):\n"
	      "                       it stays attached after memcg-run exits\n"
	      "  --unpin DIR          remove a policy pinned with --pin DIR (detaches it)\n"
	      "  --interval D         status every D (default 1s)\n"
	      "  --duration D         stop after D\n"
	      "  --json               status as JSON Lines (docs/memcg-run.md)\n"
	      "  -q, --quiet          print status only when something changed\n"
	      "  -v, --verbose        after an error, what libbpf said in full\n"
	      "  --explain            one line each time an action turns on or off\n"
	      "  --record FILE        record the events of the cgroups (--cgroup NAME=PATH, or the\n"
	      "                       policy's) to FILE, in buckets of --step (10ms)\n"
	      "  --replay FILE        feed a recording through the policy: when its rules would\n"
	      "                       have turned on and off (--cgroup NAME=RECORDED_NAME)\n"
	      "  --compare B.o        with --replay: B side by side (--compare-set its parameters)\n"
	      "  --inspect            print the object's metadata, load nothing\n"
	      "  --probe              what this kernel offers; exit 0 if the object can run\n"
	      "  --btf FILE           probe a saved BTF file instead of this kernel\n"
	      "  -h, --help           this help\n"
	      "\n"
	      "Stops on SIGINT, SIGTERM or SIGHUP, detaching everything. See memcg-run(1).\n", out);
}

/* "1s", "500ms", "2m"... in seconds, with the compiler's duration units. */
static int parse_duration(const char *text, double *seconds)
{
	char *end;
	double n = strtod(text, &end);
	static const struct { const char *unit; double scale; } units[] = {
		{ "", 1 }, { "s", 1 }, { "ms", 1e-3 }, { "min", 60 }, { "m", 60 }, { "h", 3600 },
	};
	for (size_t i = 0; end != text && n >= 0 && i < sizeof(units) / sizeof(units[0]); i++) {
		if (strcmp(end, units[i].unit) == 0) {
			*seconds = n * units[i].scale;
			return 0;
		}
	}
	return -1;
}

/* --nice: "keep" or a whole number from -20 to 19. */
static int parse_nice(const char *text, struct options *o)
{
	char *end;
	errno = 0;
	long n = strtol(text, &end, 10);
	if (strcmp(text, "keep") == 0)
		o->nice_mode = NICE_KEEP;
	else if (end != text && !*end && !errno && n >= -20 && n <= 19)
		o->nice_mode = NICE_GIVEN, o->nice = (int)n;
	else
		return -1;
	return 0;
}

static int check_modes(struct options *o);
static int check_run(const struct options *o);

static int parse_args(int argc, char **argv, struct options *o)
{
	enum { O_CGROUP = 256, O_SET, O_DRY, O_OVERRIDE, O_INTERVAL, O_DURATION, O_JSON,
	       O_EXPLAIN, O_INSPECT, O_PROBE, O_BTF, O_PIN, O_UNPIN, O_ACTUATOR, O_PERIOD, O_RESTORE, O_SOURCE,
	       O_NICE, O_RECORD, O_REPLAY, O_STEP, O_COMPARE, O_COMPARE_SET };
	static const struct option longopts[] = {
		{ "cgroup", required_argument, NULL, O_CGROUP }, { "set", required_argument, NULL, O_SET },
		{ "dry-run", no_argument, NULL, O_DRY }, { "allow-override", no_argument, NULL, O_OVERRIDE },
		{ "interval", required_argument, NULL, O_INTERVAL },
		{ "duration", required_argument, NULL, O_DURATION }, { "json", no_argument, NULL, O_JSON },
		{ "quiet", no_argument, NULL, 'q' }, { "explain", no_argument, NULL, O_EXPLAIN },
		{ "verbose", no_argument, NULL, 'v' },
		{ "inspect", no_argument, NULL, O_INSPECT }, { "probe", no_argument, NULL, O_PROBE },
		{ "btf", required_argument, NULL, O_BTF }, { "help", no_argument, NULL, 'h' },
		{ "pin", required_argument, NULL, O_PIN }, { "unpin", required_argument, NULL, O_UNPIN },
		{ "actuator", required_argument, NULL, O_ACTUATOR },
		{ "source", required_argument, NULL, O_SOURCE },
		{ "period", required_argument, NULL, O_PERIOD }, { "restore", no_argument, NULL, O_RESTORE },
		{ "nice", required_argument, NULL, O_NICE },
		{ "record", required_argument, NULL, O_RECORD }, { "replay", required_argument, NULL, O_REPLAY },
		{ "step", required_argument, NULL, O_STEP },
		{ "compare", required_argument, NULL, O_COMPARE },
		{ "compare-set", required_argument, NULL, O_COMPARE_SET },
		{ NULL, 0, NULL, 0 },
	};
	o->interval = 1;
	o->period = 0.1;
	opterr = 0;
	int c;
	while ((c = getopt_long(argc, argv, "qvh", longopts, NULL)) != -1) {
		switch (c) {
		case O_CGROUP:
			if (o->ncgroups == META_MAX || !strchr(optarg, '='))
				return run_fail("--cgroup takes NAME=PATH, not '%s'", optarg);
			o->cgroups[o->ncgroups++] = optarg;
			break;
		case O_SET:
			if (o->nsets == META_MAX || !strchr(optarg, '='))
				return run_fail("--set takes NAME=VALUE, not '%s'", optarg);
			o->sets[o->nsets++] = optarg;
			break;
		case O_DRY: o->dry_run = 1; break;
		case O_OVERRIDE: o->allow_override = 1; break;
		case O_INTERVAL:
			if (parse_duration(optarg, &o->interval) || o->interval < 0.01)
				return run_fail("--interval takes a duration such as 1s or 500ms, not '%s'", optarg);
			break;
		case O_DURATION:
			if (parse_duration(optarg, &o->duration))
				return run_fail("--duration takes a duration such as 30s, not '%s'", optarg);
			break;
		case O_JSON: o->json = 1; break;
		case 'q': o->quiet = 1; break;
		case 'v': o->verbose = 1; break;
		case O_EXPLAIN: o->explain = 1; break;
		case O_INSPECT: o->inspect = 1; break;
		case O_PROBE: o->probe = 1; break;
		case O_BTF: o->btf = optarg; break;
		case O_PIN: o->pin_dir = optarg; break;
		case O_UNPIN: o->unpin_dir = optarg; break;
		case O_ACTUATOR:
			if (strcmp(optarg, "hooks") != 0 && strcmp(optarg, "cgroup") != 0)
				return run_fail("--actuator takes hooks or cgroup, not '%s'", optarg);
			o->actuator = optarg;
			break;
		case O_PERIOD:
			if (parse_duration(optarg, &o->period) || o->period < 0.01 || o->period > 60)
				return run_fail("--period takes a duration from 10ms to 60s, such as 100ms, not '%s'",
					    optarg);
			break;
		case O_RESTORE: o->restore = 1; break;
		case O_NICE:
			if (parse_nice(optarg, o) != 0)
				return run_fail("--nice takes a niceness from -20 to 19, or keep, not '%s'", optarg);
			break;
		case O_SOURCE:
			if (strcmp(optarg, "tracepoint") != 0 && strcmp(optarg, "poll") != 0)
				return run_fail("--source takes tracepoint or poll, not '%s'", optarg);
			o->source = optarg;
			break;
		case O_RECORD: o->record = optarg; break;
		case O_COMPARE: o->compare = optarg; break;
		case O_COMPARE_SET:
			if (o->ncompare_sets == META_MAX || !strchr(optarg, '='))
				return run_fail("--compare-set takes NAME=VALUE, not '%s'", optarg);
			o->compare_sets[o->ncompare_sets++] = optarg;
			break;
		case O_REPLAY: o->replay = optarg; break;
		case O_STEP:
			if (parse_duration(optarg, &o->step) || o->step < 0.001 || o->step > 60)
				return run_fail("--step takes a duration from 1ms to 60s, such as 10ms, not '%s'",
					    optarg);
			break;
		case 'h': usage(stdout); exit(0);
		default:
			return run_fail("unknown or incomplete option '%s' (see memcg-run --help)", argv[optind - 1]);
		}
	}
	if (optind < argc)
		o->object = argv[optind++];
	if (optind < argc)
		return run_fail("give one policy object, not '%s' too", argv[optind]);
	if (!o->object && !o->probe && !o->unpin_dir && !o->restore && !(o->record && o->ncgroups))
		return run_fail("no policy object given (see memcg-run --help)");
	return check_modes(o);
}

/* --record and --replay: what goes with them. */
static int check_modes(struct options *o)
{
	if (o->record && o->replay)
		return run_fail("--record and --replay are two runs: give one");
	if ((o->compare || o->ncompare_sets) && !o->replay)
		return run_fail("--compare and --compare-set go with --replay");
	if (o->ncompare_sets && !o->compare)
		return run_fail("--compare-set sets a parameter of the --compare object: give --compare "
				"B.o (it may be the same object)");
	if (o->step && !o->record)
		return run_fail("--step goes with --record (a replay steps as its recording did)");
	if (!o->step)
		o->step = 0.01;
	if ((o->record || o->replay) && (o->pin_dir || o->actuator || o->dry_run || o->source))
		return run_fail("--%s attaches nothing and acts on nothing: --pin, --actuator, --dry-run "
			    "and --source have no meaning with it", o->record ? "record" : "replay");
	if (o->record && o->nsets)
		return run_fail("--set has no meaning with --record (no policy is loaded): give it to "
				"--replay");
	if (!o->record && !o->replay)
		return check_run(o);
	return 0;
}

static int check_run(const struct options *o)
{
	if (o->restore && o->object)
		return run_fail("--restore takes no policy object: it restores from the journals in %s",
			    actuate_state_dir());
	if (o->actuator && o->dry_run)
		return run_fail("--actuator has no meaning with --dry-run (nothing is carried out)");
	if (o->btf && !o->probe)
		return run_fail("--btf goes with --probe");
	if (o->allow_override && o->dry_run)
		return run_fail("--allow-override has no meaning with --dry-run (no hook is attached)");
	return 0;
}

static double monotonic_s(void)
{
	return (double)clock_ns() / 1e9;
}

/* The value of NAME in a list of NAME=VALUE options (the last one wins), or NULL. */
static const char *option_value(const char *const *list, int n, const char *name)
{
	const char *value = NULL;
	for (int k = 0; k < n; k++) {
		size_t len = strcspn(list[k], "=");
		if (strlen(name) == len && strncmp(list[k], name, len) == 0)
			value = list[k] + len + 1;
	}
	return value;
}

/* The NAME of a NAME=VALUE option. */
static const char *option_name(const char *option, char *buf, size_t size)
{
	snprintf(buf, size, "%.*s", (int)strcspn(option, "="), option);
	return buf;
}

/* Binds every policy cgroup: --cgroup first, else the default path; each locked if
 * `lock`. */
static int bind_all(struct run *r, const struct options *o, int lock)
{
	char *why = NULL;
	for (int i = 0; i < r->meta.ncgroups; i++) {
		const struct meta_cgroup *c = &r->meta.cgroups[i];
		const char *path = option_value(o->cgroups, o->ncgroups, c->name);
		if (!path && c->default_path[0])
			path = c->default_path;
		if (!path)
			return run_fail("%s: cgroup %s is not bound: give --cgroup %s=PATH", o->object, c->name,
				    c->name);
		if (bind_cgroup(&r->bind, c, path, &why) != 0 ||
		    (lock && bind_lock(&r->bind, c->slot, &why) != 0)) {
			run_fail("%s", why ? why : "out of memory");
			free(why);
			return 1;
		}
	}
	for (int k = 0; k < o->ncgroups; k++) {
		int len = (int)strcspn(o->cgroups[k], "=");
		char *name = strndup(o->cgroups[k], (size_t)len);
		int known = name && meta_cgroup(&r->meta, name);
		free(name);
		if (!known)
			return run_fail("%s: the policy has no cgroup '%.*s'", o->object, len, o->cgroups[k]);
	}
	return 0;
}

/* `for` and `hold` times: the range compiler/check.c gives them. */
#define MAX_TIME_NS (86400 * 1000000000LL)

/* The range the compiler checks an expression against (compiler/check.c), in base units
 * (pages, ns), and the expression as the user knows it. 0 when nothing is checked. */
static int expr_range(const struct run *r, const struct meta_expr *e, int64_t *min, int64_t *max,
		      const char **too_small, const char **too_large, char *desc, size_t size)
{
	const struct meta_action *a = e->of_action ? &r->meta.actions[e->index] : NULL;
	const struct meta_rule *rule = &r->meta.rules[a ? a->rule : e->index];
	const struct action_kind *k = a ? action_find(a->kind) : NULL;
	if (a && strcmp(e->what, "value") == 0) {
		if (!k || (k->min == 0 && k->max == 0))
			return 0;
		snprintf(desc, size, "%s:%d: %s(%s) %s %s", rule->file, a->line, a->kind,
			 r->meta.cgroups[a->target].name, k->assign == ASSIGN_ADD ? "+=" : "=", a->value);
		*min = k->min, *max = k->max, *too_small = k->too_small, *too_large = k->too_large;
		return 1;
	}
	snprintf(desc, size, "%s:%d: %s %s", rule->file, a ? a->line : rule->line, e->what,
		 a ? a->hold : rule->for_);
	*min = 0, *max = MAX_TIME_NS;
	*too_small = *too_large = "times are 0s to 24h";
	return 1;
}

/* An expression's value in base units (as the hook computes it), with the unit to show
 * it in. */
static int64_t expr_amount(const struct meta_expr *e, int64_t value, double *shown,
			   const char **unit)
{
	int number = strcmp(e->type, "number") == 0, duration = strcmp(e->type, "duration") == 0;
	int64_t amount = number ? value / IR_NUMBER_SCALE : value;
	*shown = duration ? (double)amount / 1e6 : (double)amount;
	*unit = duration ? "ms" : "pages";
	return amount;
}

/* The first parameter an expression reads that --set sets, or NULL. */
static const struct meta_param *set_param(const struct run *r, const struct options *o,
					  uint64_t uses)
{
	for (int p = 0; p < r->meta.nparams && p < 64; p++)
		if ((uses >> p & 1) && option_value(o->sets, o->nsets, r->meta.params[p].name))
			return &r->meta.params[p];
	return NULL;
}

/* Every expression the compiler range-checked that reads a --set parameter is checked
 * again with the values set (parameters are checked by the compiler with their defaults). */
static int check_ranges(const struct run *r, const struct options *o)
{
	long page_size = sysconf(_SC_PAGESIZE);
	for (int i = 0; i < r->meta.nexprs; i++) {
		const struct meta_expr *e = &r->meta.exprs[i];
		struct range range;
		uint64_t uses;
		int rc = bind_eval(e->rpn, r->params, r->meta.nparams, page_size, &range, &uses);
		if (rc == -1)
			return run_fail("%s: metadata expression '%.80s' is malformed: rebuild it with this "
				    "memcgc", o->object, e->rpn);
		const struct meta_param *set = set_param(r, o, uses);
		const struct meta_rule *rule = &r->meta.rules[e->of_action ?
					       r->meta.actions[e->index].rule : e->index];
		if (rc == -2)
			return run_fail("%s%s%s%s%s%s:%d: the %s%s can overflow 64-bit arithmetic at run time",
				    set ? "--set " : "", set ? set->name : "", set ? "=" : "",
				    set ? option_value(o->sets, o->nsets, set->name) : "",
				    set ? ": " : "", rule->file, rule->line,
				    e->of_action ? "action's " : "rule's ",
				    strcmp(e->what, "cond") == 0 ? "condition" : e->what);
		int64_t min, max;
		double shown;
		const char *too_small, *too_large, *unit;
		char desc[600];
		if (!set || strcmp(e->what, "cond") == 0 ||
		    !expr_range(r, e, &min, &max, &too_small, &too_large, desc, sizeof(desc)))
			continue;
		int64_t amount = expr_amount(e, range.lo, &shown, &unit);
		if (amount < min || amount > max)
			return run_fail("--set %s=%s: %s is %.10g %s, out of range: %s", set->name,
				    option_value(o->sets, o->nsets, set->name), desc, shown, unit,
				    amount < min ? too_small : too_large);
	}
	return 0;
}

static int set_params(struct run *r, const struct options *o)
{
	char why[512];
	long page_size = sysconf(_SC_PAGESIZE);
	for (int i = 0; i < r->meta.nparams; i++) {
		const struct meta_param *p = &r->meta.params[i];
		int64_t encoded = strcmp(p->type, "size") == 0 ?
				  bind_size_pages(p->bytes, p->pages, page_size) : p->encoded;
		const char *text = option_value(o->sets, o->nsets, p->name);
		if (text && bind_param(p, text, page_size, &encoded, why, sizeof(why)) != 0)
			return run_fail("%s", why);
		r->params[i] = encoded;
		char var[80];
		snprintf(var, sizeof(var), "param_%s", p->name);
		if (policy_object_set_rodata(&r->po, var, (uint64_t)encoded) != 0)
			return run_fail("%s", r->po.error);
	}
	for (int k = 0; k < o->nsets; k++) {
		char name[64];
		if (!meta_param(&r->meta, option_name(o->sets[k], name, sizeof(name))))
			return run_fail("%s: the policy has no parameter '%s'", o->object, name);
	}
	if (check_ranges(r, o) != 0)
		return 1;
	return policy_object_set_rodata(&r->po, "page_size", (uint64_t)page_size) ? run_fail("%s", r->po.error) : 0;
}

/* The cgroup-id map follows the bound cgroups' subtrees. */
/* Each bound cgroup still at its path, else noted for the status (r->changes); one that
 * is there again is bound again, its hooks attached to it. */
static void recheck_cgroups(struct run *r)
{
	for (int s = 0; s < r->bind.ncgroups; s++) {
		int change = bind_recheck(&r->bind, s);
		if (change == BIND_SAME)
			continue;
		r->changes[s] = change;
		if (r->act_open) {
			char *prefix = NULL;
			if (asprintf(&prefix, "memcg-run: cgroup %s: ", r->bind.cgroups[s].decl->name) > 0)
				actuate_forget(&r->act, r->bind.cgroups[s].path, prefix);
			free(prefix);
		}
		if (change == BIND_NEW && r->nlinks && reattach_hooks(r, s, r->allow_override) != 0)
			fprintf(stderr, "memcg-run: cgroup %s (%s) is back, but its hooks could not be "
				"attached again: %s\n", r->bind.cgroups[s].decl->name, r->bind.cgroups[s].path,
				strerror(errno));
	}
}

static int sync_ids(struct run *r)
{
	int added, removed;
	recheck_cgroups(r);
	uint64_t old_ids[BIND_MAX_IDS];
	int old_n = r->bind.nids;
	memcpy(old_ids, r->bind.ids, sizeof(uint64_t) * (size_t)old_n);
	bind_scan(&r->bind, &added, &removed);
	int map = bpf_map__fd(policy_object_map(&r->po, "cgroup_slots"));
	for (int i = 0; i < r->bind.nids; i++)
		if (bpf_map_update_elem(map, &r->bind.ids[i], &r->bind.masks[i], BPF_ANY) != 0)
			return -1;
	for (int j = 0; j < old_n; j++) {
		int still = 0;
		for (int i = 0; i < r->bind.nids && !still; i++)
			still = r->bind.ids[i] == old_ids[j];
		if (!still)
			bpf_map_delete_elem(map, &old_ids[j]);
	}
	return 0;
}

/* What a run and --record both need: the privileges, and the tracepoint (`why`: for what). */
static int need_privileges(const struct run *r)
{
	return r->probe.privileged ? 0 :
	       run_fail("loading BPF programs needs root, or CAP_BPF, CAP_PERFMON and CAP_SYS_ADMIN "
			"(run memcg-run with sudo): %s", r->probe.privilege);
}

static int need_tracepoint(const struct run *r, const char *why)
{
	return r->probe.tracepoint ? 0 :
	       run_fail("this kernel has no memcg:count_memcg_events tracepoint (Linux 6.13 or "
			"later, or the memcgc test kernel)%s", why);
}

static int check_kernel(struct run *r, const struct options *o)
{
	char why[512];
	if (need_privileges(r) != 0)
		return 1;
	if (!r->probe.btf)
		return run_fail("this kernel has no BTF (/sys/kernel/btf/vmlinux): build it with "
			    "CONFIG_DEBUG_INFO_BTF=y");
	if (r->source == SOURCE_TRACEPOINT && need_tracepoint(r, "") != 0)
		return 1;
	if (r->source == SOURCE_POLL && !r->probe.cgroup2_memory)
		return run_fail("this machine has no cgroup v2 memory controller: the poll source reads "
			    "cgroup v2's memory.stat; give --source=tracepoint");
	if (o->dry_run)
		return 0;
	if (!r->probe.cgroup2_memory)
		return run_fail("this machine has no cgroup v2 memory controller: memcg_bpf_ops and the cgroup "
			    "actuator (memory.high, memory.low, memory.min) need cgroup v2; --dry-run works "
			    "on cgroup v1");
	if (r->actuator == RUN_CGROUP)
		return 0;
	if (probe_policy_hooks(&r->probe, &r->meta, why, sizeof(why)) != 0)
		return run_fail("%s (or --actuator=cgroup: cgroup files carry the actions out)", why);
	return 0;
}

/* The policy file a verifier log's FILE:LINE names (line info keeps only the base name). */
static const char *policy_file(const struct policy_meta *m, const char *base, int line)
{
	for (int i = 0; i < m->nrules; i++) {
		const char *file = m->rules[i].file, *slash = strrchr(file, '/');
		int here = m->rules[i].line == line;
		for (int a = 0; a < m->nactions && !here; a++)
			here = m->actions[a].rule == i && m->actions[a].line == line;
		if (here && strcmp(slash ? slash + 1 : file, base) == 0)
			return file;
	}
	return base;
}

/* A program the verifier rejected: one line with the policy line, then its last words. */
static int fail_verifier(const struct run *r)
{
	const struct verifier_rejection *v = &r->po.verifier;
	if (v->line)
		run_fail("%s: the kernel's verifier rejected program %s at %s:%d (%s): %s; memcgc made "
		     "code this kernel refuses: report it with the lines below", r->object, v->prog,
		     policy_file(&r->meta, v->file, v->line), v->line, v->text, v->reason);
	else
		run_fail("%s: the kernel's verifier rejected program %s: %s; no policy line (built "
		     "without memcgc -g): rebuild with -g to see it, and report it with the lines "
		     "below", r->object, v->prog, v->reason);
	fputs(v->tail, stderr);
	return 1;
}

/* Hooks where the kernel has memcg_bpf_ops, else cgroup files (cgroup v2); the tracepoint
 * where the kernel has it, else memory.stat. */
static int choose_actuator(struct run *r, const struct options *o)
{
	r->source = o->source ? (strcmp(o->source, "poll") == 0 ? SOURCE_POLL : SOURCE_TRACEPOINT) :
		    r->probe.tracepoint ? SOURCE_TRACEPOINT : SOURCE_POLL;
	r->period = o->period;
	r->actuator = o->actuator ? (strcmp(o->actuator, "cgroup") == 0 ? RUN_CGROUP : RUN_HOOKS) :
		      !r->probe.ops && r->probe.cgroup2_memory ? RUN_CGROUP : RUN_HOOKS;
	if (o->dry_run || !r->meta.nactions)
		r->actuator = RUN_HOOKS;        /* nothing is carried out */
	r->bind.hooks = !o->dry_run && r->meta.nactions && r->actuator == RUN_HOOKS;
	if (o->allow_override && r->actuator == RUN_CGROUP)
		return run_fail("--allow-override goes with the hooks: with the cgroup actuator two "
			    "memcg-run would write the same cgroup files");
	if (o->pin_dir && r->actuator == RUN_CGROUP)
		return run_fail("--pin keeps hooks attached after memcg-run exits; this kernel has no "
			    "memcg_bpf_ops, and the cgroup actuator acts only while memcg-run runs");
	return 0;
}

/* The cgroup actuator: what runs that are gone left written is restored first. */
static int open_actuator(struct run *r, const struct options *o)
{
	char why[600];
	const char *dir = actuate_state_dir();
	actuate_restore(dir, stdout, NULL);
	if (actuate_open(&r->act, dir, why, sizeof(why)) != 0)
		return run_fail("%s", why);
	r->act.log = !o->explain ? NULL : o->json ? stderr : stdout;
	r->act_open = 1;
	return 0;
}

/* The source of events: the poll source reads memory.stat, and its object is loaded
 * without the tracepoint program (which a kernel without the tracepoint refuses);
 * memory.pressure is read with either source, when the policy reads pressure. */
static int open_source(struct run *r)
{
	char why[600], *psi_why = NULL;
	if (psi_open(&r->psi, r, &psi_why) != 0) {
		run_fail("%s", psi_why ? psi_why : "out of memory");
		free(psi_why);
		return 1;
	}
	if (r->source != SOURCE_POLL)
		return 0;
	if (poll_open(&r->poll, r, why, sizeof(why)) != 0)
		return run_fail("%s", why);
	if (policy_object_skip_program(&r->po, "count_memcg_events") != 0)
		return run_fail("%s: the object has no count_memcg_events program", r->object);
	return 0;
}

/* The tracepoint source: count_memcg_events attached (tracefs mounted if need be). */
static int attach_tracepoint(struct run *r)
{
	if (r->source != SOURCE_TRACEPOINT)
		return 0;
	if (tracefs_ensure(&r->tracefs_mounted) != 0)
		return run_fail("cannot mount tracefs at /sys/kernel/tracing: %s", strerror(errno));
	struct bpf_program *tp = bpf_object__find_program_by_name(r->po.obj, "count_memcg_events");
	policy_object_libbpf_forget();
	r->tp_link = tp ? bpf_program__attach(tp) : NULL;
	if (!r->tp_link)
		return fail_libbpf("cannot attach to memcg:count_memcg_events: %s", strerror(errno));
	return 0;
}

static int load_and_attach(struct run *r, const struct options *o)
{
	char ops[16];
	int hooks = !o->dry_run && r->meta.nactions && r->actuator == RUN_HOOKS;
	snprintf(ops, sizeof(ops), "ops_%s", r->probe.abi);
	if (open_source(r) != 0)
		return 1;
	if (policy_object_load(&r->po, hooks ? ops : NULL) != 0)
		return r->po.verifier.rejected ? fail_verifier(r) : run_fail("%s", r->po.error);
	r->test_prog = policy_object_prog_fd(&r->po, "memcgc_test");
	char why_ring[600];
	if (transitions_open(r, why_ring, sizeof(why_ring)) != 0)
		return run_fail("%s", why_ring);
	if (sync_ids(r) != 0)
		return run_fail("%s: cannot fill the cgroup map: %s", o->object, strerror(errno));
	if (attach_tracepoint(r) != 0)
		return 1;
	if (!hooks)
		return r->actuator == RUN_CGROUP && !o->dry_run && r->meta.nactions ? open_actuator(r, o) : 0;
	size_t size = 512;      /* the reason names a bound cgroup's path, whole */
	for (int i = 0; i < r->bind.ncgroups; i++)
		size += r->bind.cgroups[i].path ? strlen(r->bind.cgroups[i].path) : 0;
	char *why = calloc(1, size);
	struct bpf_map *map = policy_object_map(&r->po, ops);
	int rc = !map || !why || attach_hooks(r, map, o->allow_override, why, (int)size) != 0 ?
		 run_fail("%s", !map ? "the object has no struct_ops map for this kernel's ABI" :
		      why ? why : "out of memory") : 0;
	free(why);
	return rc;
}

/* The niceness --nice asks for, or by default RUN_ACTUATOR_NICE when the cgroup actuator
 * runs: the default is only tried (a user without CAP_SYS_NICE is told, and runs on), a
 * niceness given must be had. */
static int set_priority(struct run *r, const struct options *o)
{
	int want = o->nice_mode == NICE_GIVEN ? o->nice : RUN_ACTUATOR_NICE;
	if (o->nice_mode == NICE_KEEP || (o->nice_mode == NICE_DEFAULT && !r->act_open))
		return 0;
	if (setpriority(PRIO_PROCESS, 0, want) != 0) {
		if (o->nice_mode == NICE_GIVEN)
			return run_fail("--nice %d: cannot set memcg-run's niceness: %s", want, strerror(errno));
		fprintf(stderr, "memcg-run: note: cannot raise its CPU priority to nice %d (%s): on a busy "
			"machine the cgroup files are written later (--nice keep: not tried)\n", want,
			strerror(errno));
		return 0;
	}
	r->nice_set = 1;
	r->nice = want;
	return 0;
}

/* The object and what its metadata holds. */
static void close_object(struct run *r)
{
	policy_object_close(&r->po);
	meta_free(&r->meta);
}

static void cleanup(struct run *r)
{
	if (r->act_open)
		actuate_close(&r->act, stdout);
	r->act_open = 0;
	if (r->pinned)
		printf("memcg-run: the policy stays attached, pinned in %s; remove it with "
		       "memcg-run --unpin %s\n", r->pinned, r->pinned);
	if (r->pinned && r->tp_link)
		bpf_link__disconnect(r->tp_link);   /* the pin keeps it attached */
	detach_hooks(r);
	transitions_close(r);
	bpf_link__destroy(r->tp_link);
	r->tp_link = NULL;
	tracefs_release(r->tracefs_mounted);
	close_object(r);
}

/* The action kinds targeted at cgroup `id`, by any policy cgroup bound to it: whether any. */
static int kinds_at(const struct run *r, uint64_t id, int *used)
{
	int any = 0;
	for (int i = 0; i < r->meta.nactions; i++) {
		const struct bound_cgroup *target = &r->bind.cgroups[r->meta.actions[i].target];
		int k = actuate_kind_index(r->meta.actions[i].kind);
		if (k >= 0 && target->path && target->id == id)
			used[k] = any = 1;
	}
	return any;
}

/* The cgroup actuator: each bound cgroup's files set to what its actions ask now (the
 * test entry answers as the hooks would); a cgroup bound under two names, once. */
static void actuate_all(struct run *r, double t, uint64_t now)
{
	for (int s = 0; s < r->bind.ncgroups; s++) {
		const struct bound_cgroup *bc = &r->bind.cgroups[s];
		uint64_t values[ACTUATE_KINDS] = { 0 };
		int used[ACTUATE_KINDS] = { 0 }, earlier = 0;
		for (int e = 0; e < s; e++)
			earlier |= r->bind.cgroups[e].path && r->bind.cgroups[e].id == bc->id;
		if (earlier || !bc->path || bc->gone || !kinds_at(r, bc->id, used))
			continue;
		for (int k = 0; k < ACTUATE_KINDS; k++)
			if (used[k])
				values[k] = report_hook_value(r, actuate_kind_names[k], bc->id, now);
		char *prefix = NULL;
		if (asprintf(&prefix, "[%7.1fs] %s: ", t, bc->decl->name) < 0)
			prefix = NULL;
		actuate_cgroup(&r->act, bc->fd, bc->path, values, used, prefix ? prefix : "");
		free(prefix);
	}
}

/* The transitions read since the last call: the cgroup files set at once, each write's
 * reaction time counted from the earliest of them; then the transitions' lines, then the
 * writes' (--explain), in that order. Whether the files were set. */
static int act_on_transitions(struct run *r)
{
	int acted = r->pending_ns && r->act_open;
	char *lines = NULL;
	size_t len = 0;
	FILE *log = r->act.log, *held = acted && log ? open_memstream(&lines, &len) : NULL;
	if (acted) {
		r->act.log = held ? held : log;
		r->act.cause_ns = r->pending_ns;
		actuate_all(r, monotonic_s() - r->started, clock_ns());
		r->act.cause_ns = 0;
		r->act.log = log;
	}
	r->pending_ns = 0;
	transitions_print(r);
	if (held && fclose(held) == 0 && lines)
		fputs(lines, log);
	free(lines);
	return acted;
}

/* Every --period: memory.stat's growth counted (poll source), memory.pressure's (when the
 * policy reads it), and the transitions there are acted on, then the cgroup files set
 * (the backstop for a transition the ring lost). */
static void every_period(struct run *r, double t)
{
	if (r->source == SOURCE_POLL)
		poll_tick(&r->poll, r, clock_ns());
	psi_tick(&r->psi, r, clock_ns());
	transitions_read(r);
	if (!act_on_transitions(r) && r->act_open)
		actuate_all(r, t, clock_ns());
}

/* Cgroups created or removed below a bound cgroup count (or stop counting) within a
 * second, whatever the status interval. */
#define RESCAN_S 0.5

static double earliest(double a, double b)
{
	return a < b ? a : b;
}

/* Until stopped: each wait ends at the next deadline (period, rescan, status, --duration)
 * or at once when a transition is written to the ring buffer or a signal comes (signals
 * are let in only while waiting, so none is missed between the check and the wait). */
static int run_loop(struct run *r, const struct options *o)
{
	sigset_t stops, waiting;
	sigemptyset(&stops);
	for (size_t i = 0; i < sizeof(stop_signals) / sizeof(stop_signals[0]); i++)
		sigaddset(&stops, stop_signals[i]);
	sigprocmask(SIG_BLOCK, &stops, &waiting);
	r->json = o->json;
	report_start(r, o->dry_run, o->json);
	double start = r->started = monotonic_s();
	double status = start + o->interval, rescan = start + RESCAN_S, period = start;
	double end = o->duration ? start + o->duration : HUGE_VAL;
	int periodic = r->act_open || r->source == SOURCE_POLL || r->psi.nitems, rc = 0;
	while (!rc) {
		double now = monotonic_s();
		if (periodic && now >= period) {
			every_period(r, now - start);
			period = now + o->period;
		}
		if (now >= rescan) {
			sync_ids(r);
			rescan = now + RESCAN_S;
		}
		if (stop || now >= status || now >= end) {
			sync_ids(r);
			report_tick(r, monotonic_s() - start, o->json, o->quiet, o->explain);
			if (stop || now >= end)
				break;
			status = now + o->interval;
			act_on_transitions(r);  /* the turns the status's evaluation made */
		}
		double wake = earliest(earliest(status, rescan), earliest(end, periodic ? period : HUGE_VAL));
		if (transitions_wait(r, wake - monotonic_s(), &waiting) < 0)
			rc = run_fail("%s: waiting on its ring buffer of transitions: %s", r->object, strerror(errno));
		act_on_transitions(r);
	}
	sigprocmask(SIG_SETMASK, &waiting, NULL);
	return rc;
}

/* Before anything is created: a signal only asks memcg-run to stop, which it does at the
 * next step, undoing what it made (a pin is made whole or not at all). */
static void catch_signals(void)
{
	struct sigaction sa = { .sa_handler = on_signal };
	for (size_t i = 0; i < sizeof(stop_signals) / sizeof(stop_signals[0]); i++)
		sigaction(stop_signals[i], &sa, NULL);
}

static int interrupted(void)
{
	return stop ? run_fail("stopped by a signal before the policy ran; nothing was left loaded") : 0;
}

/* --restore: the files of runs that are gone, from their journals. */
static int restore_journals(void)
{
	int journals;
	const char *dir = actuate_state_dir();
	int problems = actuate_restore(dir, stdout, &journals);
	if (problems < 0)
		return run_fail("cannot read the journals in %s: %s", dir, strerror(errno));
	if (!journals)
		printf("memcg-run: no journal of a stopped memcg-run in %s: nothing to restore\n", dir);
	return problems ? 1 : 0;
}

/* --record without a policy: each --cgroup NAME=PATH is a cgroup of its own. */
static int record_cgroups(struct run *r, const struct options *o)
{
	for (int k = 0; k < o->ncgroups; k++) {
		struct meta_cgroup *c = &r->meta.cgroups[k];
		size_t len = strcspn(o->cgroups[k], "=");
		if (len == 0 || len >= sizeof(c->name))
			return run_fail("--cgroup %s: a name of 1 to %zu characters before '='", o->cgroups[k],
				    sizeof(c->name) - 1);
		memcpy(c->name, o->cgroups[k], len);
		c->slot = k;
		if (meta_cgroup(&r->meta, c->name))
			return run_fail("--cgroup %s: cgroup %s is given twice", o->cgroups[k], c->name);
		r->meta.ncgroups = k + 1;
	}
	return 0;
}

/* --record's --cgroup NAME=/: the whole machine, the root of the memory hierarchy (its
 * events and every memcg's below). The options rewritten are allocated in `owned`. */
static int whole_machine(struct options *o, const char *root, char **owned)
{
	for (int k = 0; k < o->ncgroups; k++) {
		size_t len = strcspn(o->cgroups[k], "=");
		if (strcmp(o->cgroups[k] + len, "=/") != 0)
			continue;
		if (asprintf(&owned[k], "%.*s=%s", (int)len, o->cgroups[k], root) < 0)
			return run_fail("out of memory");
		o->cgroups[k] = owned[k];
	}
	return 0;
}

/* --record FILE: the cgroups bound (not locked: nothing is driven), then recorded. */
static int record_main(struct run *r, struct options *o)
{
	if (need_privileges(r) != 0 || need_tracepoint(r, ": --record counts events with it") != 0)
		return 1;
	r->bind.v1 = !r->probe.cgroup2_memory && r->probe.cgroup1_memory;
	char *owned[META_MAX] = { 0 };
	int rc = whole_machine(o, r->bind.v1 ? CGROUP1_MEMORY_ROOT : CGROUP2_ROOT, owned) ||
		 (!o->object && record_cgroups(r, o) != 0) || bind_all(r, o, 0) != 0 || interrupted() ||
		 record_run(r, o->record, o->duration, o->step, &stop);
	for (int k = 0; k < META_MAX; k++)
		free(owned[k]);
	return rc;
}

/* The object at `path` opened, its metadata read and checked: 0, or 1 after an error
 * line (nothing left open). */
static int open_policy(struct run *r, const char *path, int verbose)
{
	char why[512];
	r->object = path;
	if (policy_object_open(&r->po, path) != 0) {
		run_fail("%s", r->po.error);
		show_libbpf(verbose);
		return 1;
	}
	if (meta_parse(r->po.meta, &r->meta, why, sizeof(why)) != 0) {
		run_fail("%s: %s", path, why);
		close_object(r);
		return 1;
	}
	if (policy_object_check(&r->po, &r->meta) != 0) {
		run_fail("%s", r->po.error);
		close_object(r);
		return 1;
	}
	return 0;
}

/* --compare B.o: the second object, with --set and then --compare-set. */
static int open_compared(struct run *b, const struct options *o)
{
	static struct options ob;
	ob = *o;
	ob.object = o->compare;
	for (int k = 0; k < o->ncompare_sets && ob.nsets < META_MAX * 2; k++)
		ob.sets[ob.nsets++] = o->compare_sets[k];
	b->dry_run = 1;
	if (open_policy(b, o->compare, o->verbose) != 0)
		return 1;
	return set_params(b, &ob);
}

/* --replay FILE POLICY.o: the parameters set, then the recording fed through the object
 * (and the --compare one). */
static int replay_main(struct run *r, const struct options *o)
{
	static struct run b;
	struct run *runs[2] = { r, &b };
	r->dry_run = 1;
	if (set_params(r, o) != 0 || (o->compare && open_compared(&b, o) != 0)) {
		close_object(&b);
		return 1;
	}
	int rc = replay_run(runs, o->compare ? 2 : 1, o->replay, o->cgroups, o->ncgroups, o->json);
	close_object(&b);
	return rc;
}

int main(int argc, char **argv)
{
	catch_signals();
	setvbuf(stdout, NULL, _IOLBF, 0);
	struct options o = { 0 };
	if (parse_args(argc, argv, &o) != 0)
		return 2;
	static struct run r;
	if (o.object && open_policy(&r, o.object, o.verbose) != 0)
		return 1;
	if (o.unpin_dir)
		return unpin_policy(o.unpin_dir);
	if (o.restore)
		return restore_journals();
	if (o.inspect) {
		report_inspect(&r);
		close_object(&r);
		return 0;
	}
	if (o.replay) {
		int rc = replay_main(&r, &o);
		close_object(&r);
		return rc;
	}
	probe_kernel(o.btf, &r.probe);
	if (o.record) {
		int rc = record_main(&r, &o);
		for (int s = 0; s < r.bind.ncgroups; s++)
			bind_release(&r.bind.cgroups[s]);
		close_object(&r);
		return rc;
	}
	if (o.probe) {
		int ok = report_probe(&r, o.object != NULL, o.dry_run);
		close_object(&r);
		return ok ? 0 : 1;
	}
	r.dry_run = o.dry_run;
	r.allow_override = o.allow_override;
	r.bind.v1 = o.dry_run && !r.probe.cgroup2_memory && r.probe.cgroup1_memory;
	policy_object_libbpf_forget();
	int rc = choose_actuator(&r, &o) || check_kernel(&r, &o) || bind_all(&r, &o, !o.allow_override) || set_params(&r, &o) ||
		 interrupted() || load_and_attach(&r, &o) || set_priority(&r, &o) || interrupted();
	if (rc)
		show_libbpf(o.verbose);
	if (!rc && o.pin_dir)
		rc = pin_policy(&r, o.pin_dir);
	if (!rc)
		rc = run_loop(&r, &o);
	cleanup(&r);
	return rc;
}
