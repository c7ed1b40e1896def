# The test suites. Each fragment adds `name 'command'` pairs to SUITES; tests/run.py runs
# them in order and prints the total (see the convention at the top of tests/run.py).

SANITIZE   := -fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer
ASAN_DIR   := $(BUILD)/asan
FRONTEND_ALL_SRCS := $(FRONTEND_SRCS) $(GRAMMAR_GEN)
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

CHECK_DEPS += $(ASAN_DIR)/memcgc $(BUILD)/fuzz_frontend $(BUILD)/frontend_unit
SUITES += frontend 'tests/frontend/run-frontend.sh $(BUILD)/memcgc'
SUITES += frontend-asan 'ASAN_OPTIONS=detect_leaks=1 tests/frontend/run-frontend.sh $(ASAN_DIR)/memcgc'
SUITES += frontend-unit '$(BUILD)/frontend_unit'
SUITES += fuzz 'tests/fuzz/run-fuzz.sh $(BUILD)/fuzz_frontend 30 $(BUILD)/fuzz-short'

check: deps all $(CHECK_DEPS)
	@python3 tests/run.py $(SUITES)

fuzz: $(BUILD)/fuzz_frontend
	tests/fuzz/run-fuzz.sh $(BUILD)/fuzz_frontend $(FUZZ_SECONDS) $(BUILD)/fuzz; cat $(BUILD)/fuzz/log | tail -5

.PHONY: check fuzz
