# tests/lang: the language suites of issue 12 (exact constants and ranges shared with
# memcg-run --set, recursion limits, verification cost, the event table against the
# kernels' BTF, random policies, input files). Included from the top Makefile before
# tests/tests.mk, which lists the suites in SUITES.

VERIFY_COST := $(BUILD)/tests/lang/verify_cost
$(VERIFY_COST): tests/lang/verify_cost.c runtime/policy_object.c $(LIBBPF_A) | $(DEPS_STAMP)
	@mkdir -p $(@D)
	@echo "  CC      $@"
	@$(CC) $(CFLAGS) $(LIBBPF_CFLAGS) -Iruntime -o $@ tests/lang/verify_cost.c \
		runtime/policy_object.c $(LIBBPF_LIBS)

SUITE_set              := tests/lang/run-set.sh $(BUILD)
SUITE_set_DEPS         := all
SUITE_limits           := tests/lang/run-limits.sh $(BUILD)/memcgc $(BUILD)/tests/limits
SUITE_limits_DEPS      := all
SUITE_limits-asan      := tests/lang/run-limits.sh $(ASAN_DIR)/memcgc $(BUILD)/tests/limits-asan
SUITE_limits-asan_DEPS := $(ASAN_DIR)/memcgc
SUITE_cost             := tests/lang/run-cost.sh $(BUILD)/memcgc $(VERIFY_COST) $(BUILD)/tests/cost
SUITE_cost_DEPS        := all $(VERIFY_COST)
SUITE_events           := tests/lang/run-events.sh
SUITE_events_DEPS      := all
SUITE_random           := tests/lang/run-random.sh $(BUILD)/memcgc $(VERIFY_COST) $(BUILD)/tests/random 200 12
SUITE_random_DEPS      := all $(VERIFY_COST)
SUITE_files            := tests/lang/run-files.sh $(BUILD)/memcgc $(BUILD)/tests/files
SUITE_files_DEPS       := all

# make fuzz: thousands of random policies as well (RANDOM_SEED to vary them)
RANDOM_SEED ?= $(shell date +%s)
fuzz-random: all $(VERIFY_COST)
	tests/lang/run-random.sh $(BUILD)/memcgc $(VERIFY_COST) $(BUILD)/fuzz-random 3000 $(RANDOM_SEED)
fuzz: fuzz-random
.PHONY: fuzz-random
