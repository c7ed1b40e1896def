# The LLVM-C code generation layer (compiler/llvm_bpf.c, compiler/kernel_types.c).
# Included from the top Makefile after compiler/compiler.mk; the front end links
# $(CODEGEN_OBJS) into memcgc and adds $(CODEGEN_LDLIBS) to its link line.
#
# LLVM 19 is linked dynamically (libLLVM-19.so): only the components named here are
# asked for, and llvm-config's C++ flags are not used (the layer is C11 over llvm-c/).

CODEGEN_LLVM_COMPONENTS := core analysis passes target bpfcodegen bpfdesc bpfinfo bpfasmparser
CODEGEN_CFLAGS  := -I$(shell $(LLVM_CONFIG) --includedir)
CODEGEN_LDLIBS  := $(shell $(LLVM_CONFIG) --ldflags) \
	$(shell $(LLVM_CONFIG) --link-shared --libs $(CODEGEN_LLVM_COMPONENTS))
CODEGEN_SRCS    := compiler/llvm_bpf.c compiler/kernel_types.c
CODEGEN_OBJS    := $(CODEGEN_SRCS:%.c=$(BUILD)/%.o)

$(BUILD)/compiler/llvm_bpf.o $(BUILD)/compiler/kernel_types.o: $(BUILD)/compiler/%.o: compiler/%.c
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) $(CODEGEN_CFLAGS) -c $< -o $@

codegen: $(CODEGEN_OBJS)
.PHONY: codegen

-include $(CODEGEN_OBJS:.o=.d)
