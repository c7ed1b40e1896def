# tests/codegen: the LLVM-C layer builds a real object; libbpf 1.5 loads it on this kernel.

CODEGEN_TEST     := $(BUILD)/tests/codegen/codegen-test
CODEGEN_TEST_SRCS := tests/codegen/codegen_test.c tests/codegen/load_test.c \
	tests/codegen/test_object.c
CODEGEN_TEST_OBJS := $(CODEGEN_TEST_SRCS:%.c=$(BUILD)/%.o)

$(CODEGEN_TEST_OBJS): $(BUILD)/tests/codegen/%.o: tests/codegen/%.c $(LIBBPF_A)
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) $(LIBBPF_CFLAGS) -c $< -o $@

$(CODEGEN_TEST): $(CODEGEN_TEST_OBJS) $(CODEGEN_OBJS) $(LIBBPF_A)
	$(CC) -o $@ $(CODEGEN_TEST_OBJS) $(CODEGEN_OBJS) $(LIBBPF_LIBS) $(CODEGEN_LDLIBS)

SUITE_codegen      := tests/codegen/run-codegen.sh $(BUILD)
SUITE_codegen_DEPS := all $(CODEGEN_TEST)
