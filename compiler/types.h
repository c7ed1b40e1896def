/* The value types of the policy language and the values of its constants. */
#ifndef MEMCGC_TYPES_H
#define MEMCGC_TYPES_H

#include <stdint.h>

enum vtype {
	T_ERROR,        /* already reported: stays quiet from here on */
	T_NUMBER,       /* a plain number: a factor or a count */
	T_RATE,         /* events per second */
	T_SIZE,         /* bytes and pages (pages are sized when the policy is loaded) */
	T_DURATION,     /* nanoseconds */
	T_SHARE,        /* a share of time (pressure): stall microseconds per second */
	T_BOOL,         /* a condition */
	T_CGROUP,       /* a policy cgroup, only as an argument */
};

/* A constant, exactly, in the encoding the run-time code computes with: rates in
 * milli-events per second, numbers in thousandths, durations in ns, shares of time in
 * milli-microseconds of stall per second (1% is 10^7), sizes in bytes. Sizes
 * keep pages apart from bytes because the page size is known only at load time: the value
 * is `v` bytes plus `pages` pages. */
struct value {
	enum vtype type;
	int64_t v;
	int64_t pages;
};

/* "a rate", "a size", ... for messages. */
const char *type_name(enum vtype t);
/* "rate", "size", "share", ... as the object's metadata writes a type (NULL: none). */
const char *type_word(enum vtype t);
/* A value written back the way a user would write it: "100/s", "4 MiB", "1.5s". */
const char *value_str(struct value val, char *buf, int size);

#endif
