/* Units of measure: the one table that says what `MiB`, `ms` or `/min` mean. */
#ifndef MEMCGC_UNITS_H
#define MEMCGC_UNITS_H

#include "types.h"

struct unit {
	const char *name;
	enum vtype type;        /* T_SIZE or T_DURATION */
	double scale;           /* base units (bytes, ns) per unit; pages: 1 page */
	int pages;              /* counts pages rather than bytes */
};

/* A size or duration unit written after a number (`4 MiB`, `200ms`, `1024 pages`). */
const struct unit *unit_find(const char *name);
/* A time unit written after `/` in a rate (`100/s`, `6000/min`): its length in ns. */
const struct unit *rate_unit_find(const char *name);
/* The value of NUMBER UNIT. */
struct value unit_value(double number, const struct unit *u, int is_rate);
/* The unit meant by a common spelling that memcgc does not take (MB -> MiB), or NULL. */
const char *unit_alias(const char *name);
/* All unit names, for "did you mean". */
const char *const *unit_names(int *n);

#endif
