# memcgc: the grammar (flex, bison) and the compiler's passes.

FRONTEND_SRCS := compiler/arena.c compiler/source.c compiler/diag.c compiler/units.c \
	compiler/signals.c compiler/actions.c compiler/ast.c compiler/load.c \
	compiler/resolve.c compiler/check.c compiler/frontend.c compiler/lower.c \
	compiler/metadata.c grammar/grammar_actions.c
GRAMMAR_GEN := $(BUILD)/grammar/parser.c $(BUILD)/grammar/lexer.c
FRONTEND_ALL_SRCS := $(FRONTEND_SRCS) $(GRAMMAR_GEN)
# The sanitized builds for the tests (tests/tests.mk, runtime/hostile.mk, tests/lang/lang.mk)
SANITIZE := -fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer
ASAN_DIR := $(BUILD)/asan
FRONTEND_OBJS := $(FRONTEND_SRCS:%.c=$(BUILD)/%.o) $(GRAMMAR_GEN:.c=.o)
MEMCGC_OBJS := $(BUILD)/compiler/memcgc.o $(BUILD)/compiler/emit.o

CFLAGS += -Igrammar

$(BUILD)/grammar/parser.c $(BUILD)/grammar/parser.h &: grammar/parser.y | $(DEPS_STAMP)
	@mkdir -p $(@D)
	@echo "  BISON   $<"
	@bison -Wall -Werror --defines=$(BUILD)/grammar/parser.h -o $(BUILD)/grammar/parser.c $<

$(BUILD)/grammar/lexer.c: grammar/lexer.l | $(DEPS_STAMP)
	@mkdir -p $(@D)
	@echo "  FLEX    $<"
	@flex -o $@ $<

# Generated code is compiled without the warnings that flex's and bison's output trips.
$(BUILD)/grammar/%.o: $(BUILD)/grammar/%.c $(BUILD)/grammar/parser.h
	@echo "  CC      $<"
	@$(CC) $(CFLAGS) -Wno-unused-function -Wno-sign-compare -Wno-shadow -c -o $@ $<

$(BUILD)/%.o: %.c | $(BUILD)/grammar/parser.h
	@mkdir -p $(@D)
	@echo "  CC      $<"
	@$(CC) $(CFLAGS) -c -o $@ $<

$(BUILD)/libfrontend.a: $(FRONTEND_OBJS)
	@rm -f $@
	@ar rcs $@ $^

# Start-up is part of every compile: a position-dependent executable has none of the
# ~60,000 relative relocations ld.so applied to LLVM's tables, and the C++ runtime, zlib
# and zstd linked in are three shared libraries fewer to map and bind; unused sections go.
# (libc stays shared: LLVM calls getpwnam_r, which a static glibc only warns about.)
MEMCGC_LDFLAGS := -no-pie -static-libgcc -Wl,--gc-sections
MEMCGC_LDLIBS  = $(filter-out -lstdc++ -lrt -ldl -lm -lz -lzstd -lpthread,$(CODEGEN_LDLIBS)) \
	-Wl,-Bstatic -lstdc++ -lz -lzstd -Wl,-Bdynamic -lrt -ldl -lm -lpthread

$(BUILD)/memcgc: $(MEMCGC_OBJS) $(BUILD)/libfrontend.a $(CODEGEN_OBJS)
	@echo "  LD      $@"
	@$(CC) $(LDFLAGS) $(MEMCGC_LDFLAGS) -o $@ $^ $(MEMCGC_LDLIBS) $(LDLIBS)

# Every object's header dependencies (-MMD -MP), wherever its rule lives: included once, here.
-include $(shell find $(BUILD) -name '*.d' 2>/dev/null)
