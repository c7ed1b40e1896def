#include "units.h"

#include <stdio.h>
#include <string.h>

#define NS_PER_S 1000000000LL
#define MILLI 1000              /* rates: milli-events per second; numbers: thousandths */
#define SHARE_MAX (100 * SHARE_PER_PERCENT)

static const struct unit units[] = {
	{ "pages", T_SIZE, 1, 1 },
	{ "page", T_SIZE, 1, 1 },
	{ "B", T_SIZE, 1, 0 },
	{ "KiB", T_SIZE, 1LL << 10, 0 },
	{ "MiB", T_SIZE, 1LL << 20, 0 },
	{ "GiB", T_SIZE, 1LL << 30, 0 },
	{ "TiB", T_SIZE, 1LL << 40, 0 },
	{ "us", T_DURATION, 1000, 0 },
	{ "ms", T_DURATION, 1000000, 0 },
	{ "s", T_DURATION, NS_PER_S, 0 },
	{ "min", T_DURATION, 60 * NS_PER_S, 0 },
	{ "h", T_DURATION, 3600 * NS_PER_S, 0 },
	{ "%", T_SHARE, SHARE_PER_PERCENT, 0 },
};
enum { NUNITS = sizeof(units) / sizeof(units[0]) };

const struct unit *unit_find(const char *name)
{
	for (int i = 0; i < NUNITS; i++)
		if (strcmp(units[i].name, name) == 0)
			return &units[i];
	return NULL;
}

const struct unit *rate_unit_find(const char *name)
{
	const struct unit *u = unit_find(name);
	return u && u->type == T_DURATION ? u : NULL;
}

struct value unit_value(int64_t number, const struct unit *u, int is_rate)
{
	struct value v = { T_ERROR, 0, 0 };
	quantity_value((struct decimal){ number, 0, 0 }, u, is_rate, &v, &(const char *){ NULL });
	return v;
}

/* Exact constants */

static int digit(char c)
{
	return c >= '0' && c <= '9';
}

/* Appends a fraction digit, the zeros before it first (trailing zeros add no decimal). */
static void add_decimal(struct decimal *d, int *zeros, int value)
{
	for (; *zeros > 0 && d->decimals <= 9; (*zeros)--)
		d->frac *= 10, d->decimals++;
	if (d->decimals <= 9)
		d->frac = d->frac * 10 + value, d->decimals++;
	*zeros = 0;
}

int number_parse(const char *text, int *len, struct decimal *d, const char **why)
{
	int i = 0, in_frac = 0, too_large = 0, zeros = 0;
	*d = (struct decimal){ 0, 0, 0 };
	*why = NULL;
	for (; digit(text[i]) || text[i] == '_' || (text[i] == '.' && !in_frac); i++) {
		int value = text[i] - '0';
		if (text[i] == '.')
			in_frac = 1;
		else if (text[i] == '_')
			continue;
		else if (in_frac && value == 0)
			zeros++;
		else if (in_frac)
			add_decimal(d, &zeros, value);
		else if (d->whole > (NUMBER_MAX - value) / 10)
			too_large = 1;
		else
			d->whole = d->whole * 10 + value;
	}
	*len = i;
	if (too_large || (d->whole == NUMBER_MAX && d->frac))
		*why = "number too large";
	else if (d->decimals > 9)
		*why = "more than 9 decimals cannot be exact";
	return *why ? -1 : 0;
}

uint64_t gcd_u64(uint64_t a, uint64_t b)
{
	while (b) {
		uint64_t r = a % b;
		a = b;
		b = r;
	}
	return a;
}

/* What a written number is multiplied by (num / den) to give the encoded value. */
static void encoding_scale(const struct unit *u, int is_rate, int64_t *num, int64_t *den)
{
	if (!u) {
		*num = MILLI, *den = 1;
	} else if (is_rate) {
		int64_t g = (int64_t)gcd_u64(MILLI * NS_PER_S, (uint64_t)u->scale);   /* scales are > 0 */
		*num = MILLI * NS_PER_S / g, *den = u->scale / g;
	} else {
		*num = u->scale, *den = 1;
	}
}

/* The messages when a quantity cannot be held exactly, by type. */
static const struct { const char *inexact, *too_large; } encoding_limits[] = {
	[T_NUMBER] = { "a number has at most 3 decimals", "a number is at most 9223372036854775.807" },
	[T_RATE] = { "a rate is counted in thousandths of an event per second",
		     "a rate is at most 9223372036854775.807/s" },
	[T_SIZE] = { "a size is a whole number of bytes or pages",
		     "a size is at most 9223372036854775807 B or pages" },
	[T_DURATION] = { "a duration is a whole number of nanoseconds",
			 "a duration is at most 9223372036.854775807s (2^63 ns)" },
	[T_SHARE] = { "a share of time has at most 7 decimals of a percent",
		      "a share of time is 0% to 100%" },
};

int quantity_value(struct decimal d, const struct unit *u, int is_rate, struct value *out,
		   const char **why)
{
	int64_t num, den, pow10 = 1;
	enum vtype type = !u ? T_NUMBER : is_rate ? T_RATE : u->type;
	encoding_scale(u, is_rate, &num, &den);
	for (int i = 0; i < d.decimals; i++)
		pow10 *= 10;
	*out = (struct value){ T_ERROR, 0, 0 };
	if ((__int128)d.whole * num > (__int128)INT64_MAX * den) {
		*why = encoding_limits[type].too_large;
		return -1;
	}
	__int128 top = ((__int128)d.whole * pow10 + d.frac) * num, bottom = (__int128)pow10 * den;
	if (top % bottom != 0) {
		*why = encoding_limits[type].inexact;
		return -2;
	}
	if (top / bottom > INT64_MAX) {
		*why = encoding_limits[type].too_large;
		return -1;
	}
	int64_t v = (int64_t)(top / bottom);
	if (type == T_SHARE && !share_in_range(v)) {
		*why = encoding_limits[type].too_large;
		return -1;
	}
	*out = u && u->pages ? (struct value){ T_SIZE, 0, v } : (struct value){ type, v, 0 };
	return 0;
}

int quantity_parse(const char *text, struct value *out, const char **why, const char **word)
{
	struct decimal d;
	int len;
	*word = NULL;
	if (!digit(text[0])) {
		*why = "not a number";
		return -1;
	}
	if (number_parse(text, &len, &d, why) != 0)
		return -1;
	const char *p = text + len;
	while (*p == ' ')
		p++;
	int is_rate = *p == '/';
	p += is_rate;
	while (is_rate && *p == ' ')
		p++;
	const struct unit *u = !*p ? NULL : is_rate ? rate_unit_find(p) : unit_find(p);
	if ((*p || is_rate) && !u) {
		*word = p;
		*why = "unknown unit";
		return -1;
	}
	return quantity_value(d, u, is_rate, out, why);
}

/* Ranges of run-time values */

static int in_range(__int128 v)
{
	return v >= -(__int128)RANGE_MAX && v <= RANGE_MAX;
}

int range_of_size(int64_t bytes, int64_t pages, struct range *out)
{
	enum { MIN_PAGE = 4096, MAX_PAGE = 262144 };
	__int128 lo = (__int128)pages + (bytes + MAX_PAGE - 1) / MAX_PAGE;
	__int128 hi = (__int128)pages + (bytes + MIN_PAGE - 1) / MIN_PAGE;
	if (bytes < 0 || pages < 0 || bytes > RANGE_MAX - MAX_PAGE || !in_range(hi))
		return -1;
	*out = (struct range){ (int64_t)lo, (int64_t)hi };
	return 0;
}

/* a * b / 1000 or a * 1000 / b (rounding toward zero) on one pair of ends: the
 * product first, as the generated code computes it. */
static int corner(char op, int64_t a, int64_t b, __int128 *out)
{
	__int128 product = op == '*' ? (__int128)a * b : (__int128)a * MILLI;
	if (!in_range(product))
		return -1;
	int64_t divisor = op == '*' ? MILLI : b;
	*out = divisor ? product / divisor : 0;
	return 0;
}

/* `*` and `/`: the ends of the result are among the results at the ends of the operands
 * (a divisor range that holds 0 is split at it: BPF gives 0 there, and near 0 the
 * quotient is largest at the divisors -1 and 1). */
static int range_product(char op, struct range a, struct range b, struct range *out)
{
	int64_t bs[4] = { b.lo, b.hi, b.hi, b.lo };
	int nb = 2;
	if (op == '/' && b.lo < 0 && b.hi > 0)
		bs[2] = -1, bs[3] = 1, nb = 4;
	else if (op == '/' && (b.lo == 0 || b.hi == 0))
		bs[2] = b.lo == 0 ? 1 : -1, bs[3] = 0, nb = b.lo == b.hi ? 2 : 4;
	__int128 lo = 0, hi = 0;
	int first = 1;
	for (int i = 0; i < 2; i++)
		for (int j = 0; j < nb; j++) {
			__int128 r;
			if (corner(op, i ? a.hi : a.lo, bs[j], &r) != 0)
				return -1;
			lo = first || r < lo ? r : lo;
			hi = first || r > hi ? r : hi;
			first = 0;
		}
	*out = (struct range){ (int64_t)lo, (int64_t)hi };
	return 0;
}

int range_apply(char op, struct range a, struct range b, struct range *out)
{
	__int128 lo, hi;
	switch (op) {
	case '+': lo = (__int128)a.lo + b.lo, hi = (__int128)a.hi + b.hi; break;
	case '-': lo = (__int128)a.lo - b.hi, hi = (__int128)a.hi - b.lo; break;
	case 'n': lo = -(__int128)a.hi, hi = -(__int128)a.lo; break;
	case '*': case '/': return range_product(op, a, b, out);
	default: return -1;
	}
	if (!in_range(lo) || !in_range(hi))
		return -1;
	*out = (struct range){ (int64_t)lo, (int64_t)hi };
	return 0;
}

int value_apply(char op, int64_t a, int64_t b, int64_t *out)
{
	struct range r;
	if (range_apply(op, (struct range){ a, a }, (struct range){ b, b }, &r) != 0)
		return -1;
	*out = r.lo;
	return 0;
}

/* Units people write out of habit, and the one memcgc spells for them. */
static const struct { const char *wrong, *right; } aliases[] = {
	{ "KB", "KiB" }, { "kB", "KiB" }, { "K", "KiB" }, { "k", "KiB" }, { "kb", "KiB" },
	{ "MB", "MiB" }, { "M", "MiB" }, { "mb", "MiB" }, { "GB", "GiB" }, { "G", "GiB" },
	{ "gb", "GiB" }, { "TB", "TiB" }, { "T", "TiB" }, { "bytes", "B" }, { "byte", "B" },
	{ "sec", "s" }, { "secs", "s" }, { "second", "s" }, { "seconds", "s" },
	{ "msec", "ms" }, { "msecs", "ms" }, { "millis", "ms" }, { "usec", "us" },
	{ "m", "min" }, { "mins", "min" }, { "minute", "min" }, { "minutes", "min" },
	{ "hr", "h" }, { "d", "h" }, { "day", "h" }, { "days", "h" }, { "hrs", "h" }, { "hour", "h" }, { "hours", "h" }, { "pg", "pages" },
};

const char *unit_alias(const char *name)
{
	for (size_t i = 0; i < sizeof(aliases) / sizeof(aliases[0]); i++)
		if (strcmp(aliases[i].wrong, name) == 0)
			return aliases[i].right;
	return NULL;
}

const char *const *unit_names(int *n)
{
	static const char *names[NUNITS];
	for (int i = 0; i < NUNITS; i++)
		names[i] = units[i].name;
	*n = NUNITS;
	return names;
}

const char *type_name(enum vtype t)
{
	static const char *const names[] = {
		[T_ERROR] = "an invalid value", [T_NUMBER] = "a number", [T_RATE] = "a rate",
		[T_SIZE] = "a size", [T_DURATION] = "a duration", [T_SHARE] = "a share of time",
		[T_BOOL] = "a condition", [T_CGROUP] = "a cgroup",
	};
	return names[t];
}

const char *type_word(enum vtype t)
{
	static const char *const words[] = {
		[T_NUMBER] = "number", [T_RATE] = "rate", [T_SIZE] = "size",
		[T_DURATION] = "duration", [T_SHARE] = "share", [T_BOOL] = "condition",
	};
	return t < sizeof(words) / sizeof(words[0]) ? words[t] : NULL;
}

int share_in_range(int64_t v)
{
	return v >= 0 && v <= SHARE_MAX;
}

/* The largest unit in which `v` is a whole number, else the smallest. */
static const struct unit *best_unit(enum vtype type, int64_t v)
{
	if (v == 0)
		return unit_find(type == T_SIZE ? "B" : "s");
	const struct unit *best = NULL;
	for (int i = 0; i < NUNITS; i++) {
		const struct unit *u = &units[i];
		if (u->type != type || u->pages)
			continue;
		if (!best || (v % u->scale == 0 && u->scale > best->scale))
			best = u;
	}
	return best;
}

/* v / scale (scale a power of 10) written out exactly, without trailing zeros. */
static int fixed_str(char *buf, int size, int64_t v, int64_t scale)
{
	uint64_t mag = v < 0 ? -(uint64_t)v : (uint64_t)v;
	int n = snprintf(buf, (size_t)size, "%s%llu", v < 0 ? "-" : "",
			 (unsigned long long)(mag / (uint64_t)scale));
	uint64_t frac = mag % (uint64_t)scale;
	if (frac && n > 0 && n < size) {
		int digits = 0;
		for (int64_t s = scale; s > 1; s /= 10)
			digits++;
		while (frac % 10 == 0)
			frac /= 10, digits--;
		n += snprintf(buf + n, (size_t)(size - n), ".%0*llu", digits, (unsigned long long)frac);
	}
	return n;
}

const char *value_str(struct value val, char *buf, int size)
{
	const struct unit *u;
	int n;
	switch (val.type) {
	case T_RATE:
		n = fixed_str(buf, size, val.v, MILLI);
		snprintf(buf + n, (size_t)(size - n), "/s");
		break;
	case T_SIZE:
		if (!val.pages && !val.v)
			snprintf(buf, (size_t)size, "0 pages");
		else if (val.pages && val.v)
			snprintf(buf, (size_t)size, "%lld pages + %lld B", (long long)val.pages,
				 (long long)val.v);
		else if (val.pages)
			snprintf(buf, (size_t)size, "%lld pages", (long long)val.pages);
		else {
			u = best_unit(T_SIZE, val.v);
			snprintf(buf, (size_t)size, "%lld %s", (long long)(val.v / u->scale), u->name);
		}
		break;
	case T_DURATION:
		u = best_unit(T_DURATION, val.v);
		n = val.v % u->scale ? fixed_str(buf, size, val.v, u->scale)
				     : snprintf(buf, (size_t)size, "%lld", (long long)(val.v / u->scale));
		snprintf(buf + n, (size_t)(size - n), "%s", u->name);
		break;
	case T_SHARE:
		n = fixed_str(buf, size, val.v, SHARE_PER_PERCENT);
		snprintf(buf + n, (size_t)(size - n), "%%");
		break;
	default:
		fixed_str(buf, size, val.v, MILLI);
	}
	return buf;
}
