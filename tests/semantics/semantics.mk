# tests/semantics: policy semantics through BPF_PROG_TEST_RUN on this machine's kernel.

SEMANTICS_TEST := $(BUILD)/tests/semantics/semantics_test
RUNTIME_LIB_SRCS := runtime/policy_object.c

$(SEMANTICS_TEST): tests/semantics/semantics_test.c $(RUNTIME_LIB_SRCS) compiler/emit.h \
		compiler/signals.c $(LIBBPF_A)
	@mkdir -p $(@D)
	@echo "  CC      $@"
	@$(CC) $(CFLAGS) $(LIBBPF_CFLAGS) -Iruntime -o $@ tests/semantics/semantics_test.c \
		$(RUNTIME_LIB_SRCS) compiler/signals.c $(LIBBPF_LIBS)

SUITE_semantics      := $(SEMANTICS_TEST) $(BUILD)/memcgc tests/semantics/*.sem
SUITE_semantics_DEPS := all $(SEMANTICS_TEST)
SUITE_objects        := tests/semantics/objects.sh $(BUILD)/memcgc $(SEMANTICS_TEST) $(BUILD)/objects
SUITE_objects_DEPS   := all $(SEMANTICS_TEST)
