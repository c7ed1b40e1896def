/* Units of measure: the one table that says what `MiB`, `ms` or `/min` mean. */
#ifndef MEMCGC_UNITS_H
#define MEMCGC_UNITS_H

#include "types.h"

struct unit {
	const char *name;
	enum vtype type;        /* T_SIZE, T_DURATION or T_SHARE */
	int64_t scale;          /* base units (bytes, ns, milli-us/s) per unit; pages: 1 page */
	int pages;              /* counts pages rather than bytes */
};

/* A size, duration or share unit written after a number (`4 MiB`, `200ms`, `5%`). */
const struct unit *unit_find(const char *name);
/* A time unit written after `/` in a rate (`100/s`, `6000/min`): its length in ns. */
const struct unit *rate_unit_find(const char *name);
/* The value of a whole NUMBER UNIT (no overflow check: for small numbers). */
struct value unit_value(int64_t number, const struct unit *u, int is_rate);
/* The unit meant by a common spelling that memcgc does not take (MB -> MiB), or NULL. */
const char *unit_alias(const char *name);
/* All unit names, for "did you mean". */
const char *const *unit_names(int *n);
/* The greatest common divisor (reducing a unit's or a window's scale fraction). */
uint64_t gcd_u64(uint64_t a, uint64_t b);

/* Exact constants. A number as written: its integer part and up to 9 decimals. */
struct decimal {
	int64_t whole;          /* at most 10^18 */
	int64_t frac;           /* frac / 10^decimals */
	int decimals;
};
#define NUMBER_MAX 1000000000000000000LL  /* 10^18: the largest number a policy may write */
/* The number at the start of `text` (digits, `_` separators, one `.`): its length in
 * *len, and 0, or -1 with *why set ("number too large", ...). */
int number_parse(const char *text, int *len, struct decimal *d, const char **why);
/* The exact value of the number `d` in unit u (NULL: a plain number): 0, or with *why set
 * -1 when it is out of range of the encoding, -2 when it is a fraction of its unit. */
int quantity_value(struct decimal d, const struct unit *u, int is_rate, struct value *out,
		   const char **why);
/* A whole quantity as text, `100/s`, `4MiB`, `1.5 pages`, to a value: what `memcg-run --set`
 * takes, read the way memcgc reads the literal. 0, or -1 with *why set. */
int quantity_parse(const char *text, struct value *out, const char **why, const char **word);

/* Shares of time (pressure) are counted as microseconds of stall, so that their rate is
 * microseconds of stall per second, in milli-us/s as every rate: 1% is 10,000 us/s. */
#define SHARE_PER_PERCENT 10000000LL
/* A share of time within 0% to 100% (the run-time encoding). */
int share_in_range(int64_t v);

/* Ranges of run-time values, in the run-time encoding (lower.h): the one check, used by
 * memcgc on every expression the generated code computes and by `memcg-run --set` again
 * with the values set, that no arithmetic wraps. Ops: '+' '-' '*' '/' (one side a number
 * in thousandths, so `*` and `/` rescale by 1000) and 'n' (negation). */
struct range {
	int64_t lo, hi;
};
/* The largest magnitude a run-time value may have: every intermediate stays within it. */
#define RANGE_MAX INT64_MAX
/* A signal's value: the generated code clamps a counter's rate to 10^9 events per second,
 * in milli-events per second. */
#define SIGNAL_MAX_EVENTS_PER_S 1000000000LL
#define SIGNAL_MAX_RATE (SIGNAL_MAX_EVENTS_PER_S * 1000)
/* The range of a size of `bytes` bytes and `pages` pages, in pages, for any page size the
 * kernel has (4 KiB to 256 KiB); -1 when rounding it up to pages could wrap. */
int range_of_size(int64_t bytes, int64_t pages, struct range *out);
/* a op b (b unused for 'n'): 0, or -1 when a value it may take, or an intermediate
 * product, is beyond +-RANGE_MAX. */
int range_apply(char op, struct range a, struct range b, struct range *out);
/* The exact value of a op b on constants, as the generated code computes it (division
 * rounding toward zero, 0 for a division by 0): 0, or -1 on overflow. */
int value_apply(char op, int64_t a, int64_t b, int64_t *out);

#endif
