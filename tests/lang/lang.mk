# tests/lang: the language-item suites of issues 11 and 12 (exactness and ranges shared
# with memcg-run --set, recursion limits, verification cost, the event table, random
# policies). Included from the top Makefile after tests/tests.mk.

SUITES += set 'tests/lang/run-set.sh $(BUILD)'
SUITES += limits 'tests/lang/run-limits.sh $(BUILD)/memcgc $(BUILD)/tests/limits'
SUITES += limits-asan 'tests/lang/run-limits.sh $(ASAN_DIR)/memcgc $(BUILD)/tests/limits-asan'

VERIFY_COST := $(BUILD)/tests/lang/verify_cost
$(VERIFY_COST): tests/lang/verify_cost.c runtime/policy_object.c $(LIBBPF_A)
	@mkdir -p $(@D)
	@echo "  CC      $@"
	@$(CC) $(CFLAGS) $(LIBBPF_CFLAGS) -Iruntime -o $@ tests/lang/verify_cost.c \
		runtime/policy_object.c $(LIBBPF_LIBS)
CHECK_DEPS += $(VERIFY_COST)
SUITES += cost 'tests/lang/run-cost.sh $(BUILD)/memcgc $(VERIFY_COST) $(BUILD)/tests/cost'
SUITES += events 'tests/lang/run-events.sh'
SUITES += random 'tests/lang/run-random.sh $(BUILD)/memcgc $(VERIFY_COST) $(BUILD)/tests/random 200 12'

# make fuzz: thousands of random policies as well (RANDOM_SEED to vary them)
RANDOM_SEED ?= $(shell date +%s)
fuzz-random: all $(VERIFY_COST)
	tests/lang/run-random.sh $(BUILD)/memcgc $(VERIFY_COST) $(BUILD)/fuzz-random 3000 $(RANDOM_SEED)
fuzz: fuzz-random
.PHONY: fuzz-random
SUITES += files 'tests/lang/run-files.sh $(BUILD)/memcgc $(BUILD)/tests/files'
