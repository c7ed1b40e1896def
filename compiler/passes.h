/* The front end's passes, in the order they run; each reports to p->diag. */
#ifndef MEMCGC_PASSES_H
#define MEMCGC_PASSES_H

#include "ast.h"

/* Names: declarations numbered and checked for clashes, expressions resolved, defines
 * expanded (resolve.c). */
void resolve_policy(struct policy *p);
/* Types and units, windows, hold times, action values and their ranges, unused names
 * (check.c). */
void check_policy(struct policy *p);

#endif
