# memcg-run against hostile input (issue 11): a libFuzzer harness over its object reader,
# memcg-run built with AddressSanitizer and UBSan, and the suites that run them.
# Included from the Makefile before tests/tests.mk (which lists its suites in SUITES).

RUNTIME_READER_SRCS := runtime/policy_object.c runtime/meta.c compiler/actions.c
HOSTILE_CFLAGS := -std=gnu11 -g -O1 -Iruntime -Icompiler -I$(BUILD)/grammar $(LIBBPF_CFLAGS) \
	-Wno-unused-function

$(BUILD)/fuzz_object: tests/fuzz/fuzz_object.c $(RUNTIME_READER_SRCS) $(LIBBPF_A)
	@echo "  CLANG   $@ (libFuzzer, ASan, UBSan)"
	@$(CLANG) $(HOSTILE_CFLAGS) -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=all \
		-o $@ tests/fuzz/fuzz_object.c $(RUNTIME_READER_SRCS) $(LIBBPF_LIBS)

# memcg-run with ASan and UBSan, in a directory of its own beside the plain memcgc and
# libbpf (the runtime suites take a build directory).
ASAN_RT_DIR := $(BUILD)/asan-runtime
$(ASAN_RT_DIR)/memcg-run: $(RUNTIME_SRCS) $(FRONTEND_ALL_SRCS) $(BUILD)/grammar/parser.h $(LIBBPF_A) \
		$(BUILD)/memcgc
	@mkdir -p $(@D)
	@echo "  CLANG   $@ (ASan, UBSan)"
	@$(CLANG) $(HOSTILE_CFLAGS) -Igrammar $(SANITIZE) \
		-DMEMCGC_STDLIB_DIR='"$(PREFIX)/share/memcgc/stdlib"' \
		-o $@ $(RUNTIME_SRCS) $(FRONTEND_ALL_SRCS) $(LIBBPF_LIBS) -lcap -lm
	@ln -sfn ../memcgc $(@D)/memcgc
	@ln -sfn ../libbpf $(@D)/libbpf

fuzz-object: $(BUILD)/fuzz_object $(BUILD)/memcgc
	tests/fuzz/run-fuzz-object.sh $(BUILD)/fuzz_object $(BUILD)/memcgc $(FUZZ_SECONDS) \
		$(BUILD)/fuzz-object; tail -5 $(BUILD)/fuzz-object/log

.PHONY: fuzz-object

# `make fuzz` fuzzes the object reader for FUZZ_SECONDS too.
fuzz: fuzz-object

SUITE_hostile             := tests/runtime/run-hostile.sh $(BUILD)
SUITE_hostile_DEPS        := all
SUITE_runtime-asan        := ASAN_OPTIONS=detect_leaks=1 tests/runtime/run-runtime.sh $(ASAN_RT_DIR)
SUITE_runtime-asan_DEPS   := all $(ASAN_RT_DIR)/memcg-run
SUITE_record-asan         := ASAN_OPTIONS=detect_leaks=1 tests/runtime/run-record.sh $(ASAN_RT_DIR)
SUITE_record-asan_DEPS    := all $(ASAN_RT_DIR)/memcg-run
SUITE_hostile-asan        := ASAN_OPTIONS=detect_leaks=1 tests/runtime/run-hostile.sh $(ASAN_RT_DIR)
SUITE_hostile-asan_DEPS   := all $(ASAN_RT_DIR)/memcg-run
SUITE_fuzz-object         := tests/fuzz/run-fuzz-object.sh $(BUILD)/fuzz_object $(BUILD)/memcgc 30 \
	$(BUILD)/fuzz-object-short
SUITE_fuzz-object_DEPS    := all $(BUILD)/fuzz_object
