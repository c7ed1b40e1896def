/* Reading a policy: the main file, then depth first every file it imports, each once. */
#ifndef MEMCGC_LOAD_H
#define MEMCGC_LOAD_H

#include "ast.h"

/* Sets up an empty policy whose diagnostics go to `diag_out` (NULL: none). */
void policy_init(struct policy *p, FILE *diag_out);
void policy_free(struct policy *p);

/* Reads and parses `path` and its imports into p. Returns 0 when the files could be read
 * (errors in them are counted in p->diag), -1 when the main file itself could not. */
int load_policy_file(struct policy *p, const char *path);
/* The same from text in memory, named `name` in messages. */
void load_policy_text(struct policy *p, const char *name, const char *text, size_t len);

#endif
