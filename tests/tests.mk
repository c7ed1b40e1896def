# The test suites. Each suite NAME is two variables, set beside the code it tests:
#   SUITE_NAME       the command (prints PASS/FAIL/SKIP lines: see tests/run.py)
#   SUITE_NAME_DEPS  what must be built before it runs
# SUITES below is the one list of them, in the order `make check` runs them: the fast
# suites first, the ones that boot kernels last. `make check-NAME` runs one.

FUZZ_SECONDS ?= 600

# The front end and memcgc again, with AddressSanitizer and UBSan, for the tests to run.
MEMCGC_ALL_SRCS := $(FRONTEND_ALL_SRCS) compiler/memcgc.c compiler/emit.c $(CODEGEN_SRCS)
$(ASAN_DIR)/memcgc: $(MEMCGC_ALL_SRCS) $(BUILD)/grammar/parser.h
	@mkdir -p $(@D)
	@echo "  CLANG   $@ (ASan, UBSan)"
	@$(CLANG) -std=gnu11 -g -O1 $(SANITIZE) -Icompiler -Igrammar -I$(BUILD)/grammar \
		$(CODEGEN_CFLAGS) -DMEMCGC_STDLIB_DIR='"$(PREFIX)/share/memcgc/stdlib"' \
		-Wno-unused-function -o $@ $(MEMCGC_ALL_SRCS) -lm $(CODEGEN_LDLIBS)

$(BUILD)/fuzz_frontend: tests/fuzz/fuzz_frontend.c $(FRONTEND_ALL_SRCS) $(BUILD)/grammar/parser.h
	@echo "  CLANG   $@ (libFuzzer, ASan, UBSan)"
	@$(CLANG) -std=gnu11 -g -O1 -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=all \
		-Icompiler -Igrammar -I$(BUILD)/grammar -Wno-unused-function \
		-o $@ tests/fuzz/fuzz_frontend.c $(FRONTEND_ALL_SRCS) -lm

$(BUILD)/frontend_unit: tests/frontend/unit_test.c $(FRONTEND_ALL_SRCS) $(BUILD)/grammar/parser.h
	@echo "  CLANG   $@ (ASan, UBSan)"
	@$(CLANG) -std=gnu11 -g -O1 $(SANITIZE) -Icompiler -Igrammar -I$(BUILD)/grammar \
		-Wno-unused-function -o $@ tests/frontend/unit_test.c $(FRONTEND_ALL_SRCS) -lm

SUITE_frontend           := tests/frontend/run-frontend.sh $(BUILD)/memcgc
SUITE_frontend_DEPS      := all
SUITE_frontend-asan      := ASAN_OPTIONS=detect_leaks=1 tests/frontend/run-frontend.sh $(ASAN_DIR)/memcgc
SUITE_frontend-asan_DEPS := $(ASAN_DIR)/memcgc
SUITE_frontend-unit      := $(BUILD)/frontend_unit
SUITE_frontend-unit_DEPS := $(BUILD)/frontend_unit
SUITE_fuzz               := tests/fuzz/run-fuzz.sh $(BUILD)/fuzz_frontend 30 $(BUILD)/fuzz-short
SUITE_fuzz_DEPS          := $(BUILD)/fuzz_frontend
SUITE_deps-pin           := tests/vm/kernel/test-linux-source.sh
SUITE_deps-pin_DEPS      :=
SUITE_docs               := tests/docs/check-docs.sh
SUITE_docs_DEPS          :=
SUITE_runner             := tests/runner/run-runner-tests.sh
SUITE_runner_DEPS        :=

SUITES := deps-pin docs runner frontend frontend-unit frontend-asan fuzz fuzz-object limits limits-asan \
	files set events codegen semantics objects cost random actuate poll runtime record hostile runtime-asan record-asan hostile-asan \
	vm vm-memcgc

# One target per suite, and `check` for all of them in order (prerequisites first, so a
# suite never starts while another's build still runs).
suite_args = $(foreach s,$1,$(s) '$(SUITE_$(s))')
define check_one
check-$(1): deps $$(SUITE_$(1)_DEPS)
	@python3 tests/run.py $$(call suite_args,$(1))
.PHONY: check-$(1)
endef
$(foreach s,$(SUITES),$(eval $(call check_one,$(s))))

check: deps all $(foreach s,$(SUITES),$(SUITE_$(s)_DEPS))
	@python3 tests/run.py $(call suite_args,$(SUITES))

fuzz: $(BUILD)/fuzz_frontend
	tests/fuzz/run-fuzz.sh $(BUILD)/fuzz_frontend $(FUZZ_SECONDS) $(BUILD)/fuzz; cat $(BUILD)/fuzz/log | tail -5

.PHONY: check fuzz
