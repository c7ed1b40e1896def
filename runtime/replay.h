/* memcg-run --replay FILE POLICY.o: a recording (record_format.h) fed bucket by bucket
 * through the object's test entry, at the recorded times, and the rules' transitions
 * printed as the BPF code writes them, with a summary. */
#ifndef MEMCGC_REPLAY_H
#define MEMCGC_REPLAY_H

struct run;

/* Replays `file` through the objects of `runs` (opened, metadata read, parameters set, not
 * loaded), one, or two side by side (--compare: A and B, and where they differ); `binds`
 * are the --cgroup NAME=RECORDED_NAME options. 0, or 1 after one error line naming the
 * file (and the offset, or the cgroup). */
int replay_run(struct run **runs, int nruns, const char *file, const char *const *binds, int nbinds,
	       int json);

#endif
