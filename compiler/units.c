#include "units.h"

#include <stdio.h>
#include <string.h>

#define NS_PER_S 1e9

static const struct unit units[] = {
	{ "pages", T_SIZE, 1, 1 },
	{ "page", T_SIZE, 1, 1 },
	{ "B", T_SIZE, 1, 0 },
	{ "KiB", T_SIZE, 1024.0, 0 },
	{ "MiB", T_SIZE, 1024.0 * 1024, 0 },
	{ "GiB", T_SIZE, 1024.0 * 1024 * 1024, 0 },
	{ "TiB", T_SIZE, 1024.0 * 1024 * 1024 * 1024, 0 },
	{ "us", T_DURATION, 1e3, 0 },
	{ "ms", T_DURATION, 1e6, 0 },
	{ "s", T_DURATION, NS_PER_S, 0 },
	{ "min", T_DURATION, 60 * NS_PER_S, 0 },
	{ "h", T_DURATION, 3600 * NS_PER_S, 0 },
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

struct value unit_value(double number, const struct unit *u, int is_rate)
{
	if (is_rate)
		return (struct value){ T_RATE, number * NS_PER_S / u->scale, 0 };
	if (u->pages)
		return (struct value){ T_SIZE, 0, number };
	return (struct value){ u->type, number * u->scale, 0 };
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
		[T_SIZE] = "a size", [T_DURATION] = "a duration", [T_BOOL] = "a condition",
		[T_CGROUP] = "a cgroup",
	};
	return names[t];
}

/* The largest unit in which `v` is a whole number, else the smallest. */
static const struct unit *best_unit(enum vtype type, double v)
{
	if (v == 0)
		return unit_find(type == T_SIZE ? "B" : "s");
	const struct unit *best = NULL;
	for (int i = 0; i < NUNITS; i++) {
		const struct unit *u = &units[i];
		if (u->type != type || u->pages)
			continue;
		if (!best || (v / u->scale == (double)(long long)(v / u->scale) &&
			      u->scale > best->scale))
			best = u;
	}
	return best;
}

const char *value_str(struct value val, char *buf, int size)
{
	const struct unit *u;
	switch (val.type) {
	case T_RATE:
		snprintf(buf, (size_t)size, "%.10g/s", val.v);
		break;
	case T_SIZE:
		if (!val.pages && !val.v)
			snprintf(buf, (size_t)size, "0 pages");
		else if (val.pages && val.v)
			snprintf(buf, (size_t)size, "%.10g pages + %.10g B", val.pages, val.v);
		else if (val.pages)
			snprintf(buf, (size_t)size, "%.10g pages", val.pages);
		else {
			u = best_unit(T_SIZE, val.v);
			snprintf(buf, (size_t)size, "%.10g %s", val.v / u->scale, u->name);
		}
		break;
	case T_DURATION:
		u = best_unit(T_DURATION, val.v);
		snprintf(buf, (size_t)size, "%.10g%s", val.v / u->scale, u->name);
		break;
	default:
		snprintf(buf, (size_t)size, "%.10g", val.v);
	}
	return buf;
}
