# The LLVM-C code generation layer: compiler/llvm_bpf.c (BPF objects with the LLVM C API)
# and compiler/kernel_types.c (the kernel types memcgc touches). Included from the top
# Makefile before compiler/compiler.mk, whose memcgc link takes $(CODEGEN_OBJS) and its
# own static selection of $(CODEGEN_LDLIBS). Any C file may include llvm_bpf.h: the
# llvm-c include directory is added to
# CFLAGS here. LLVM 19's component libraries are linked statically: loading and relocating
# the whole libLLVM-19.so cost every memcgc run (even --check) about 100 ms; the static
# link takes only the BPF target and the passes. Only llvm-config's include directory and
# libraries are used, not its C++ compiler flags.

#
# llvm-config is installed by `make deps`, so it is never run while make reads the
# makefiles: these two are recursive variables, expanded in recipes only, which run
# llvm-config the first time a recipe needs them and keep the answer (the `eval` replaces
# the variable by its value).
CODEGEN_LLVM_COMPONENTS := core analysis passes target bpfcodegen bpfdesc bpfinfo bpfasmparser
CODEGEN_CFLAGS  = $(eval CODEGEN_CFLAGS := -I$$(shell $(LLVM_CONFIG) --includedir))$(CODEGEN_CFLAGS)
CODEGEN_LDLIBS  = $(eval CODEGEN_LDLIBS := $$(shell $(LLVM_CONFIG) --ldflags) \
	$$(shell $(LLVM_CONFIG) --link-static --libs $(CODEGEN_LLVM_COMPONENTS)) \
	-lstdc++ -lrt -ldl -lm -lz -lzstd -lpthread)$(CODEGEN_LDLIBS)
CODEGEN_SRCS    := compiler/llvm_bpf.c compiler/kernel_types.c
CODEGEN_OBJS    := $(CODEGEN_SRCS:%.c=$(BUILD)/%.o)

CFLAGS += $(CODEGEN_CFLAGS)

$(CODEGEN_OBJS): $(BUILD)/compiler/%.o: compiler/%.c | $(DEPS_STAMP)
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -c $< -o $@

codegen: $(CODEGEN_OBJS)
.PHONY: codegen
