/* One allocation region per compilation: everything the front end builds lives here and is
 * freed at once, so no pass frees nodes and no input can leak memory. */
#ifndef MEMCGC_ARENA_H
#define MEMCGC_ARENA_H

#include <stddef.h>

struct arena_chunk;
struct arena {
	struct arena_chunk *chunks;
};

void *arena_alloc(struct arena *a, size_t size);          /* zeroed */
char *arena_strndup(struct arena *a, const char *s, size_t n);
char *arena_strdup(struct arena *a, const char *s);
char *arena_printf(struct arena *a, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
void arena_free(struct arena *a);

/* A growable array of pointers, allocated in an arena. */
struct vec {
	void **items;
	int len, cap;
};
void vec_push(struct arena *a, struct vec *v, void *item);

#endif
