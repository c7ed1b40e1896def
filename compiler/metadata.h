/* The object's metadata: everything memcg-run needs to bind, check and explain a policy
 * from the .o alone, as a small line-based text (format in docs/object-format.md). */
#ifndef MEMCGC_METADATA_H
#define MEMCGC_METADATA_H

#include "lower.h"

#define METADATA_FORMAT 3
#define METADATA_SECTION ".memcgc.meta"

/* The metadata text of a lowered policy, NUL-terminated, in p's arena. */
const char *metadata_text(struct policy *p, const struct policy_ir *ir);

#endif
