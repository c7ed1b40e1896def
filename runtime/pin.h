/* --pin DIR and --unpin DIR: a policy that outlives memcg-run, and its removal. */
#ifndef MEMCGC_PIN_H
#define MEMCGC_PIN_H

#include "run.h"

/* Pins the tracepoint link, each struct_ops link and the policy's maps in DIR, which must
 * be on a BPF file system. 0, or 1 after a one-line error (nothing left pinned). */
int pin_policy(struct run *r, const char *dir);
/* Removes what pin_policy put in DIR, which detaches the policy. Exit status. */
int unpin_policy(const char *dir);

#endif
