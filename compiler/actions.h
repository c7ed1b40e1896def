/* Actions and the kernel ABIs that carry them: which `memcg_bpf_ops` member each action
 * needs in each RFC version, what value it takes, and how several rules combine. */
#ifndef MEMCGC_ACTIONS_H
#define MEMCGC_ACTIONS_H

#include <stdint.h>

#include "types.h"

enum abi { ABI_V2, ABI_V6, ABI_V7, NABI };

struct abi_info {
	const char *name;       /* "v2", "v6", "v7" as memcg-run and the metadata say */
	const char *versions;   /* the RFC versions with this interface */
	const char *since;      /* the first of them */
	const char *members;    /* its struct_ops members, for messages */
};
extern const struct abi_info abis[NABI];

enum assign { ASSIGN_NONE, ASSIGN_SET, ASSIGN_ADD };
enum combine { COMBINE_SUM, COMBINE_MAX, COMBINE_OR };

struct action_kind {
	const char *name;
	enum assign assign;         /* how the value is written */
	enum vtype value_type;      /* T_ERROR when the action takes no value */
	const char *bare_unit;      /* the unit a bare number means, or NULL */
	enum combine combine;
	const char *hook[NABI];     /* the struct_ops member per ABI, NULL where absent */
	int64_t min, max;           /* allowed value range in base units (0, 0: none) */
	const char *too_small, *too_large;  /* why, for the messages */
	const char *doc;
};

const struct action_kind *action_find(const char *name);
const struct action_kind *action_at(int i);  /* NULL past the end */
/* "memcg_nr_pages_over_high (v2)" or "get_high_delay_ms (v3-v6), memcg_charged (v7)". */
const char *action_hooks_str(const struct action_kind *k, char *buf, int size);

#endif
