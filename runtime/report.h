/* What memcg-run prints: the object's metadata, the kernel probe, live status. */
#ifndef MEMCGC_REPORT_H
#define MEMCGC_REPORT_H

#include "run.h"

void report_inspect(const struct run *r);
/* Returns whether the object (if any) can run here (with its hooks, or dry). */
int report_probe(const struct run *r, int have_object, int dry_run);
void report_start(const struct run *r, int dry_run, int json);
/* One status: every rule and cgroup (text or one JSON line), or only changes (quiet), and
 * one line per action turned on or off (explain). */
/* What the hook of action kind `kind` would return for cgroup `id` at `now` (ns,
 * CLOCK_MONOTONIC), asked of the object's test entry; 0 if that fails. */
uint64_t report_hook_value(const struct run *r, const char *kind, uint64_t id, uint64_t now);
/* The terms of a rule's condition at `now`: `  TERM VALUE, ...` (text), or `, "values": [...]`
 * (json), as the status shows them. */
void report_values(const struct run *r, int rule, uint64_t now, int json);
/* `s` as a JSON string, on standard output. */
void report_json_str(const char *s);
/* The unit a hook value of action kind `kind` is shown in ("pages", "ms", ""). */
const char *report_hook_unit(const char *kind);
void report_tick(struct run *r, double t, int json, int quiet, int explain);
/* A rule's transition, read from the ring buffer at read_ns: one line (text, or JSON with
 * --json), printed once the files it changes are set. */
struct memcgc_transition;
void report_transition(const struct run *r, const struct memcgc_transition *tr, uint64_t read_ns);

#endif
