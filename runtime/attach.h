/* Attaching the policy's struct_ops map to its target cgroups, one link each. */
#ifndef MEMCGC_ATTACH_H
#define MEMCGC_ATTACH_H

#include "run.h"

struct bpf_map;

/* Sets the map's value (a program in each member the policy uses) and creates a link per
 * cgroup that an action targets, with the attach method of the kernel's ABI. 0, or -1
 * with a one-line reason; links made before a failure stay in r for detach_hooks. */
int attach_hooks(struct run *r, struct bpf_map *map, int allow_override, char *why, int size);
void detach_hooks(struct run *r);

/* Attaches the hooks of policy cgroup `slot` again, to the cgroup bound there now (after
 * bind_recheck found a new one at its path). 0, or -1 with errno. */
int reattach_hooks(struct run *r, int slot, int allow_override);

#endif
