#include "report.h"

#include <stdio.h>
#include <string.h>
#include <time.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "actions.h"
#include "emit.h"
#include "signals.h"
#include "units.h"
#include "transitions.h"

/* Action kinds as the hooks name them, with the test entry's query for each. */
static const struct { const char *kind, *unit; enum test_op op; } hook_kinds[] = {
	{ "over_high", "pages", TEST_OVER_HIGH }, { "high_delay", "ms", TEST_HIGH_DELAY },
	{ "protect_low", "", TEST_BELOW_LOW }, { "protect_min", "", TEST_BELOW_MIN },
};
enum { NKINDS = sizeof(hook_kinds) / sizeof(hook_kinds[0]) };

void report_inspect(const struct run *r)
{
	const struct policy_meta *m = &r->meta;
	printf("policy %s (from %s, source hash %s)\n", m->name, m->source, m->source_hash);
	printf("runs on: %s\n", strcmp(m->abis, "none") == 0 ?
	       "no kernel ABI offers every hook it needs" : m->abis);
	for (int i = 0; i < m->ncgroups; i++)
		printf("cgroup %s: %s\n", m->cgroups[i].name,
		       m->cgroups[i].default_path[0] ? m->cgroups[i].default_path : "(bind with --cgroup)");
	for (int i = 0; i < m->nparams; i++)
		printf("param %s: %s = %s\n", m->params[i].name, m->params[i].type, m->params[i].text);
	for (int i = 0; i < m->nrules; i++) {
		const struct meta_rule *rule = &m->rules[i];
		printf("rule %d, %s:%d: %s\n", i, rule->file, rule->line, rule->text);
		for (int a = 0; a < m->nactions; a++) {
			const struct meta_action *act = &m->actions[a];
			if (act->rule != i)
				continue;
			const struct action_kind *k = action_find(act->kind);
			const char *op = !k || k->assign == ASSIGN_NONE ? "" :
					 k->assign == ASSIGN_ADD ? " += " : " = ";
			printf("    line %d: %s(%s)%s%s hold %s ->", act->line, act->kind,
			       m->cgroups[act->target].name, op, act->value, act->hold);
			for (int h = 0; h < act->nhooks; h++)
				printf(" %s:%s", act->hooks[h].abi, act->hooks[h].member);
			printf("\n");
		}
	}
}

static const char *yes(int v)
{
	return v ? "yes" : "no";
}

int report_probe(const struct run *r, int have_object, int dry_run)
{
	const struct kernel_probe *k = &r->probe;
	printf("BTF                        %s (%s)\n", yes(k->btf), k->btf_path);
	printf("memcg:count_memcg_events   %s%s\n", yes(k->tracepoint),
	       k->live && k->tracepoint && !k->tracefs_event ? " (tracefs will be mounted)" : "");
	if (k->live) {
		printf("cgroup v2 memory           %s\n", yes(k->cgroup2_memory));
		printf("cgroup v1 memory           %s\n", yes(k->cgroup1_memory));
		printf("privileges                 %s\n", k->privilege);
	}
	if (k->ops)
		printf("memcg_bpf_ops              yes, ABI %s (%s); attach by %s\n", k->abi, k->members,
		       strcmp(k->abi, "v7") == 0 ? "target_fd + BPF_F_CGROUP_FD" :
		       "link_create.cgroup.relative_fd");
	else
		printf("memcg_bpf_ops              no\n");
	if (k->live)
		printf("default actuator, source   %s, %s\n", k->ops ? "hooks" : k->cgroup2_memory ?
		       "cgroup files" : "none (both need cgroup v2)", k->tracepoint ? "tracepoint" :
		       k->cgroup2_memory ? "memory.stat poll" : "none");
	if (!have_object)
		return k->btf && k->tracepoint && k->ops;
	char why[512];
	/* events: the tracepoint, or memory.stat polled (cgroup v2, the live machine only) */
	int poll = !k->tracepoint && k->live && k->cgroup2_memory;
	int base = k->btf && (k->tracepoint || poll) && (!k->live || k->privileged);
	const char *no_source = "no memcg:count_memcg_events tracepoint (and no cgroup v2 memory "
				"for the poll source)";
	if (dry_run) {
		int ok = base && (!k->live || k->cgroup2_memory || k->cgroup1_memory);
		printf("object %s (dry run): %s%s%s%s\n", r->object, ok ? "can run" : "cannot run",
		       ok ? "" : ": ", ok ? "" : !k->btf ? "no BTF" : !k->tracepoint && !poll ?
		       no_source : !k->privileged ? k->privilege : "no cgroup memory controller",
		       ok && poll ? ", events from memory.stat (no tracepoint here)" : "");
		return ok;
	}
	int hooks = probe_policy_hooks(k, &r->meta, why, sizeof(why)) == 0;
	if (!k->ops && k->live && k->cgroup2_memory && base) {
		printf("object %s: can run, through cgroup files (no memcg_bpf_ops here)%s\n", r->object,
		       poll ? ", events from memory.stat (no tracepoint here)" : "");
		return 1;
	}
	if (hooks && k->live && !k->cgroup2_memory)
		snprintf(why, sizeof(why), "no cgroup v2 memory controller (memcg_bpf_ops attaches to "
			 "cgroup v2)");
	else if (hooks && !base)
		snprintf(why, sizeof(why), "%s", !k->btf ? "no BTF" : !k->tracepoint && !poll ?
			 no_source : k->privilege);
	else if (hooks)
		why[0] = 0;
	int ok = base && hooks && (!k->live || k->cgroup2_memory);
	printf("object %s: %s%s%s%s\n", r->object, ok ? "can run" : "cannot run",
	       why[0] ? ": " : "", why, !ok && k->live && !k->ops && !k->cgroup2_memory ?
	       "; the cgroup actuator needs cgroup v2 (--dry-run works here)" : "");
	return ok;
}

void report_start(const struct run *r, int dry_run, int json)
{
	if (json)
		return;
	printf("memcg-run: policy %s from %s, %s%s%s\n", r->meta.name, r->object,
	       dry_run ? "dry run: signals counted and rules evaluated, no hook attached" :
	       "attached", r->act_open ? " through cgroup files, journal " : "",
	       r->act_open ? r->act.journal : "");
	for (int i = 0; i < r->bind.ncgroups; i++)
		printf("memcg-run: cgroup %s = %s\n", r->bind.cgroups[i].decl->name, r->bind.cgroups[i].path);
	if (r->source == SOURCE_POLL)
		poll_describe(&r->poll, r->period, stdout);
	else
		printf("memcg-run: source: the memcg:count_memcg_events tracepoint\n");
	psi_describe(&r->psi, r->period, stdout);
	for (int a = 0; r->act_open && a < r->meta.nactions; a++) {
		const struct meta_action *act = &r->meta.actions[a];
		printf("memcg-run: line %d: %s(%s) becomes %s\n", act->line, act->kind,
		       r->meta.cgroups[act->target].name, actuate_kind_effect(actuate_kind_index(act->kind)));
	}
	if (r->nice_set)
		printf("memcg-run: CPU priority: nice %d%s\n", r->nice, r->act_open && r->nice == RUN_ACTUATOR_NICE ?
		       " (a transition's write does not wait behind busy tasks; --nice keep leaves it)" : "");
}

/* A query of the test entry: what the hook would return for this cgroup now. */
static uint64_t hook_value(const struct run *r, enum test_op op, uint64_t id, uint64_t now)
{
	struct memcgc_test in = { .op = op, .now = now, .cgroup_id = id };
	LIBBPF_OPTS(bpf_test_run_opts, opts, .ctx_in = &in, .ctx_size_in = sizeof(in));
	return bpf_prog_test_run_opts(r->test_prog, &opts) == 0 ? in.result : 0;
}

uint64_t report_hook_value(const struct run *r, const char *kind, uint64_t id, uint64_t now)
{
	for (int k = 0; k < NKINDS; k++)
		if (strcmp(hook_kinds[k].kind, kind) == 0)
			return hook_value(r, hook_kinds[k].op, id, now);
	return 0;
}

/* The rate of a counter now, in events per second (the BPF side's arithmetic). */
static double counter_rate(const struct run *r, const struct meta_counter *c, uint64_t now)
{
	struct counter_value value;     /* the map's value size, as policy_object_check saw */
	uint32_t key = (uint32_t)c->index;
	int fd = bpf_map__fd(policy_object_map((struct policy_object *)&r->po, "counters"));
	if (bpf_map_lookup_elem(fd, &key, &value) != 0)
		return 0;
	uint64_t cur = now / (c->bucket_ms * 1000000ULL), sum = 0;
	for (int i = 0; i < 8; i++)
		if (cur - value.epoch[i] < 8)
			sum += value.count[i];
	return (double)sum * 1000.0 / (double)(c->bucket_ms * 8);
}

/* A counter's value now in the unit the status shows: a rate in events per second, or a
 * pressure counter's share of time in percent (its rate is microseconds of stall per
 * second: units.h). */
static double counter_value(const struct run *r, const struct meta_counter *c, uint64_t now,
			    const char **unit)
{
	double rate = counter_rate(r, c, now);
	int share = pressure_item_find(c->events) != NULL;
	*unit = share ? "%" : "/s";
	return share ? rate * IR_RATE_SCALE / SHARE_PER_PERCENT : rate;
}

static void json_str(const char *s);

static const char *source_name(const struct run *r)
{
	return r->source == SOURCE_POLL ? "poll" : "tracepoint";
}

/* A parameter's run-time encoding, in the unit the status shows it in. */
static const struct { const char *type, *unit; double scale; } param_units[] = {
	{ "rate", "/s", 1e3 }, { "size", "pages", 1 }, { "duration", "ms", 1e6 }, { "number", "", 1e3 },
	{ "share", "%", SHARE_PER_PERCENT },
};

/* The current value of a term of a rule's condition, and its unit. */
static double term_value(const struct run *r, const struct meta_term *t, uint64_t now,
			 const char **unit)
{
	if (!t->is_param)
		return counter_value(r, &r->meta.counters[t->index], now, unit);
	const struct meta_param *p = &r->meta.params[t->index];
	for (size_t i = 0; i < sizeof(param_units) / sizeof(param_units[0]); i++)
		if (strcmp(param_units[i].type, p->type) == 0) {
			*unit = param_units[i].unit;
			return (double)r->params[t->index] / param_units[i].scale;
		}
	*unit = "";
	return (double)r->params[t->index];
}

/* The index of rule's first term after term i (-1: before the first), or -1. */
static int next_term(const struct run *r, int rule, int i)
{
	while (++i < r->meta.nterms)
		if (r->meta.terms[i].rule == rule)
			return i;
	return -1;
}

/* `TERM VALUE UNIT, ...` for each term of a rule's condition, after `lead`. */
static void print_values(const struct run *r, int rule, uint64_t now, const char *lead)
{
	for (int i = next_term(r, rule, -1), first = 1; i >= 0; i = next_term(r, rule, i), first = 0) {
		const struct meta_term *t = &r->meta.terms[i];
		const char *unit;
		double v = term_value(r, t, now, &unit);
		printf(t->is_param ? "%s%s %g%s%s" : "%s%s %.1f%s%s", first ? lead : ", ", t->text, v,
		       unit[0] == '/' || unit[0] == '%' || !unit[0] ? "" : " ", unit);
	}
}

/* `"values": [{"term": T, "kind": "signal"|"param", "value": V, "unit": U}, ...]` */
static void json_values(const struct run *r, int rule, uint64_t now)
{
	printf(", \"values\": [");
	for (int i = next_term(r, rule, -1), first = 1; i >= 0; i = next_term(r, rule, i), first = 0) {
		const struct meta_term *t = &r->meta.terms[i];
		const char *unit;
		double v = term_value(r, t, now, &unit);
		printf("%s{\"term\": ", first ? "" : ", ");
		json_str(t->text);
		printf(", \"kind\": \"%s\", \"value\": %.3f, \"unit\": ", t->is_param ? "param" : "signal", v);
		json_str(unit);
		printf("}");
	}
	printf("]");
}

void report_values(const struct run *r, int rule, uint64_t now, int json)
{
	if (json)
		json_values(r, rule, now);
	else
		print_values(r, rule, now, "  ");
}

void report_json_str(const char *s)
{
	json_str(s);
}

const char *report_hook_unit(const char *kind)
{
	for (int k = 0; k < NKINDS; k++)
		if (strcmp(hook_kinds[k].kind, kind) == 0)
			return hook_kinds[k].unit;
	return "";
}

static void rule_state(const struct run *r, int rule, struct rule_state *st)
{
	uint32_t key = (uint32_t)rule;
	int fd = bpf_map__fd(policy_object_map((struct policy_object *)&r->po, "rule_states"));
	memset(st, 0, sizeof(*st));
	bpf_map_lookup_elem(fd, &key, st);
}

static int kind_used(const struct run *r, int kind, int target)
{
	for (int i = 0; i < r->meta.nactions; i++)
		if (r->meta.actions[i].target == target &&
		    strcmp(r->meta.actions[i].kind, hook_kinds[kind].kind) == 0)
			return 1;
	return 0;
}

static void counter_label(const struct meta_counter *c, char *buf, size_t size)
{
	if (strcmp(c->signal, "event") == 0)
		snprintf(buf, size, "event %s", c->events);
	else
		snprintf(buf, size, "%s", c->signal);
	if (c->window_ms != 1000)
		snprintf(buf + strlen(buf), size - strlen(buf), " over %llums",
			 (unsigned long long)c->window_ms);
}

/* The cgroup actuator: " | memory.high 16777216 (was max)" for each file it holds there. */
static void print_files(const struct run *r, int s)
{
	const char *path = r->bind.cgroups[s].path;
	size_t len = path ? strlen(path) : 0;
	for (int i = 0; r->act_open && path && i < r->act.nfiles; i++) {
		const struct actuated_file *f = &r->act.files[i];
		if (f->held && strncmp(f->path, path, len) == 0 && f->path[len] == '/' &&
		    !strchr(f->path + len + 1, '/'))
			printf(" | %s %s (was %s)", f->path + len + 1, f->written, f->original);
	}
}

static void print_text(const struct run *r, double t, const uint64_t (*hooks)[NKINDS],
		       const struct rule_state *states, uint64_t now)
{
	const struct policy_meta *m = &r->meta;
	for (int i = 0; i < m->nrules; i++) {
		printf("[%7.1fs] rule %d (line %d) %-6s fired %llu  %s", t, i, m->rules[i].line,
		       states[i].active ? "ACTIVE" : "idle", (unsigned long long)states[i].fired,
		       m->rules[i].text);
		print_values(r, i, now, "  ");
		printf("\n");
	}
	for (int s = 0; s < m->ncgroups; s++) {
		printf("           %s:", m->cgroups[s].name);
		if (r->bind.cgroups[s].gone)
			printf(" REMOVED (%s): nothing counts until a cgroup is there again |",
			       r->bind.cgroups[s].path);
		for (int c = 0; c < m->ncounters; c++) {
			if (m->counters[c].cgroup != s)
				continue;
			char label[300];
			const char *unit;
			counter_label(&m->counters[c], label, sizeof(label));
			double v = counter_value(r, &m->counters[c], now, &unit);
			printf(" %s %.1f%s", label, v, unit);
		}
		for (int k = 0; k < NKINDS; k++)
			if (kind_used(r, k, s))
				printf(" | %s %llu%s%s", hook_kinds[k].kind, (unsigned long long)hooks[s][k],
				       hook_kinds[k].unit[0] ? " " : "", hook_kinds[k].unit);
		print_files(r, s);
		printf("\n");
	}
	if (r->act_open) {
		const struct reaction *re = &r->act.reaction;
		printf("           reaction (%s): %llu writes", source_name(r), (unsigned long long)re->count);
		if (re->count)
			printf(", median %.3f ms, max %.3f ms", reaction_median(re) / 1e6, re->max_ns / 1e6);
		printf("\n");
	}
}

/* A JSON string: quotes, backslashes and control characters escaped. */
static void json_str(const char *s)
{
	putchar('"');
	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;
		if (c == '"' || c == '\\')
			printf("\\%c", c);
		else if (c < 0x20)
			printf("\\u%04x", c);
		else
			putchar(c);
	}
	putchar('"');
}

static void print_json(const struct run *r, double t, const uint64_t (*hooks)[NKINDS],
		       const struct rule_state *states, uint64_t now)
{
	const struct policy_meta *m = &r->meta;
	printf("{\"time\": %.3f, \"policy\": ", t);
	json_str(m->name);
	printf(", \"source\": \"%s\", \"actuator\": \"%s\", \"rules\": [", source_name(r),
	       r->act_open ? "cgroup" : r->dry_run || !m->nactions ? "none" : "hooks");
	for (int i = 0; i < m->nrules; i++) {
		printf("%s{\"index\": %d, \"line\": %d, \"active\": %s, \"fired\": %llu", i ? ", " : "",
		       i, m->rules[i].line, states[i].active ? "true" : "false",
		       (unsigned long long)states[i].fired);
		json_values(r, i, now);
		printf("}");
	}
	printf("], \"cgroups\": {");
	for (int s = 0; s < m->ncgroups; s++) {
		printf("%s", s ? ", " : "");
		json_str(m->cgroups[s].name);
		printf(": {\"removed\": %s, \"rates\": {", r->bind.cgroups[s].gone ? "true" : "false");
		int first = 1;
		for (int c = 0; c < m->ncounters; c++) {
			if (m->counters[c].cgroup != s)
				continue;
			char label[300];
			counter_label(&m->counters[c], label, sizeof(label));
			printf("%s", first ? "" : ", ");
			json_str(label);
			const char *unit;
			printf(": %.3f", counter_value(r, &m->counters[c], now, &unit));
			first = 0;
		}
		printf("}, \"hooks\": {");
		first = 1;
		for (int k = 0; k < NKINDS; k++)
			if (kind_used(r, k, s)) {
				printf("%s\"%s\": %llu", first ? "" : ", ", hook_kinds[k].kind,
				       (unsigned long long)hooks[s][k]);
				first = 0;
			}
		printf("}}");
	}
	printf("}");
	if (r->act_open) {
		const struct reaction *re = &r->act.reaction;
		printf(", \"reaction\": {\"writes\": %llu, \"median_ms\": %.3f, \"max_ms\": %.3f}",
		       (unsigned long long)re->count,
		       reaction_median(re) / 1e6, re->max_ns / 1e6);
	}
	printf("}\n");
}

/* --explain with --json: the same facts as an object with "change" in it. */
static void explain_json(const struct run *r, double t, int s, int k, uint64_t was, uint64_t is,
			 const struct rule_state *states, uint64_t now)
{
	const struct policy_meta *m = &r->meta;
	printf("{\"time\": %.3f, \"change\": {\"cgroup\": ", t);
	json_str(m->cgroups[s].name);
	printf(", \"hook\": \"%s\", \"from\": %llu, \"to\": %llu, \"rules\": [",
	       hook_kinds[k].kind, (unsigned long long)was, (unsigned long long)is);
	int first = 1;
	for (int a = 0; a < m->nactions; a++) {
		const struct meta_action *act = &m->actions[a];
		if (act->target != s || strcmp(act->kind, hook_kinds[k].kind) != 0)
			continue;
		printf("%s{\"index\": %d, \"line\": %d, \"holds\": %s", first ? "" : ", ", act->rule,
		       m->rules[act->rule].line, states[act->rule].active ? "true" : "false");
		json_values(r, act->rule, now);
		printf("}");
		first = 0;
	}
	printf("], \"dry_run\": %s}}\n", r->dry_run ? "true" : "false");
}

static void explain(const struct run *r, double t, int s, int k, uint64_t was, uint64_t is,
		    const struct rule_state *states, uint64_t now)
{
	const struct policy_meta *m = &r->meta;
	printf("[%7.1fs] %s: %s %llu -> %llu%s%s", t, m->cgroups[s].name, hook_kinds[k].kind,
	       (unsigned long long)was, (unsigned long long)is, hook_kinds[k].unit[0] ? " " : "",
	       hook_kinds[k].unit);
	for (int a = 0; a < m->nactions; a++) {
		const struct meta_action *act = &m->actions[a];
		if (act->target != s || strcmp(act->kind, hook_kinds[k].kind) != 0)
			continue;
		const struct meta_rule *rule = &m->rules[act->rule];
		printf("; rule %d (line %d) %s: %s", act->rule, rule->line,
		       states[act->rule].active ? "holds" : "does not hold", rule->text);
		print_values(r, act->rule, now, " ");
	}
	printf("%s\n", r->dry_run ? " (dry run: the kernel is told nothing)" : "");
}

/* A bound cgroup removed, or there again (r->changes, from sync_ids): one line each with
 * --explain (an object with "cgroup_change" with --json). Whether there was any. */
static int report_bind_changes(struct run *r, double t, int json, int explain_changes)
{
	int any = 0;
	for (int s = 0; s < r->bind.ncgroups; s++) {
		const struct bound_cgroup *c = &r->bind.cgroups[s];
		int change = r->changes[s];
		r->changes[s] = BIND_SAME;
		any |= change != BIND_SAME;
		if (change == BIND_SAME || !explain_changes)
			continue;
		if (json) {
			printf("{\"time\": %.3f, \"cgroup_change\": {\"cgroup\": ", t);
			json_str(c->decl->name);
			printf(", \"path\": ");
			json_str(c->path);
			printf(", \"removed\": %s, \"id\": %llu}}\n", change == BIND_GONE ? "true" : "false",
			       (unsigned long long)c->id);
		} else if (change == BIND_GONE) {
			printf("[%7.1fs] %s: cgroup %s was removed; bound again if one is created there\n", t,
			       c->decl->name, c->path);
		} else {
			printf("[%7.1fs] %s: a cgroup is at %s again (id %llu): bound to it%s\n", t,
			       c->decl->name, c->path, (unsigned long long)c->id, r->nlinks ? ", hooks included" : "");
		}
	}
	return any;
}

void report_tick(struct run *r, double t, int json, int quiet, int explain_changes)
{
	const struct policy_meta *m = &r->meta;
	uint64_t now = clock_ns();
	static uint64_t hooks[META_MAX][NKINDS];
	static struct rule_state states[META_MAX * 4];
	int changed = report_bind_changes(r, t, json, explain_changes);
	changed |= !r->shown_once;
	for (int s = 0; s < m->ncgroups; s++)
		for (int k = 0; k < NKINDS; k++)
			hooks[s][k] = kind_used(r, k, s) && r->bind.cgroups[s].path && !r->bind.cgroups[s].gone ?
				      hook_value(r, hook_kinds[k].op, r->bind.cgroups[s].id, now) : 0;
	for (int i = 0; i < m->nrules; i++) {
		rule_state(r, i, &states[i]);
		changed |= (int)states[i].active != r->shown_active[i];
	}
	transitions_read(r);    /* the turns these states show, printed before the status */
	transitions_print(r);
	for (int s = 0; s < m->ncgroups; s++)
		for (int k = 0; k < NKINDS; k++) {
			if (hooks[s][k] == r->shown_hooks[s][k])
				continue;
			changed = 1;
			if (explain_changes && json)
				explain_json(r, t, s, k, r->shown_hooks[s][k], hooks[s][k], states, now);
			else if (explain_changes)
				explain(r, t, s, k, r->shown_hooks[s][k], hooks[s][k], states, now);
		}
	if (!quiet || changed) {
		if (json)
			print_json(r, t, (const uint64_t (*)[NKINDS])hooks, states, now);
		else
			print_text(r, t, (const uint64_t (*)[NKINDS])hooks, states, now);
	}
	for (int s = 0; s < m->ncgroups; s++)
		for (int k = 0; k < NKINDS; k++)
			r->shown_hooks[s][k] = hooks[s][k];
	for (int i = 0; i < m->nrules; i++)
		r->shown_active[i] = (int)states[i].active;
	r->shown_once = 1;
}

void report_transition(const struct run *r, const struct memcgc_transition *tr, uint64_t read_ns)
{
	const struct meta_rule *rule = &r->meta.rules[tr->rule];
	uint64_t now = clock_ns();
	double t = (double)read_ns / 1e9 - r->started;
	if (r->json) {
		printf("{\"time\": %.3f, \"transition\": {\"rule\": %u, \"line\": %d, \"active\": %s, "
		       "\"fired\": %llu, \"time_ns\": %llu, \"read_ms\": %.3f", t, tr->rule, rule->line,
		       tr->active ? "true" : "false", (unsigned long long)tr->fired,
		       (unsigned long long)tr->time_ns,
		       (double)(read_ns > tr->time_ns ? read_ns - tr->time_ns : 0) / 1e6);
		json_values(r, (int)tr->rule, now);
		printf("}}\n");
		return;
	}
	printf("[%7.1fs] rule %u (line %d) turned %s, fired %llu: %s", t, tr->rule, rule->line,
	       tr->active ? "on" : "off", (unsigned long long)tr->fired, rule->text);
	print_values(r, (int)tr->rule, now, "  ");
	printf("\n");
}
