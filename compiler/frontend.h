/* The whole front end in one call: read, parse, resolve, check. */
#ifndef MEMCGC_FRONTEND_H
#define MEMCGC_FRONTEND_H

#include "load.h"

/* Returns 0 when the policy is valid, 1 when it has errors (reported), 2 when the main file
 * cannot be read. */
int frontend_file(struct policy *p, const char *path);
int frontend_text(struct policy *p, const char *name, const char *text, size_t len);

#endif
