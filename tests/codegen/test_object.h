/* test_object.h — the hand-built test object (see test_object.c). */
#ifndef MEMCGC_TEST_OBJECT_H
#define MEMCGC_TEST_OBJECT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "kernel_types.h"

/* Layout of the syscall program's context (memcgc_test_input in the object). */
struct test_input {
	uint64_t now_ns;
	uint64_t cgroup_id;
	int32_t item;
	uint32_t pad;
	uint64_t count;
	uint64_t result;
};

/* Build the object for `source` (the .mcp path line info points at) into *data
 * (free()). skip_pipeline: emit without the pass pipeline (the fatal-error test). */
int build_test_object(const char *source, enum lb_opt_level opt, bool skip_pipeline,
		      void **data, size_t *len, char *error, size_t error_size);

/* The same with any module options (in_process, fatal_status...). */
int build_test_object_with(const lb_options *options, void **data, size_t *len, char *error,
			   size_t error_size);

/* A minimal object with a struct_ops map of the given memcg_bpf_ops ABI. */
int build_ops_object(enum kt_ops_abi abi, const char *source, void **data, size_t *len,
		     char *error, size_t error_size);

/* A struct_ops object for the host's struct tcp_congestion_ops (see test_object.c). */
int build_tcp_ops_object(const char *source, const char *cc_name, void **data, size_t *len,
			 char *error, size_t error_size);

#endif
