# memcg-run: the loader and runner of compiled policies (libbpf 1.5, static).

RUNTIME_SRCS := runtime/memcg-run.c runtime/meta.c runtime/probe.c runtime/bind.c \
	runtime/attach.c runtime/report.c runtime/pin.c runtime/policy_object.c \
	runtime/actuate.c runtime/poll.c runtime/psi.c runtime/reaction.c runtime/transitions.c \
	runtime/record.c runtime/replay.c
RUNTIME_OBJS := $(RUNTIME_SRCS:%.c=$(BUILD)/%.o)

$(RUNTIME_OBJS): $(BUILD)/runtime/%.o: runtime/%.c $(LIBBPF_A)
	@mkdir -p $(@D)
	@echo "  CC      $<"
	@$(CC) $(CFLAGS) $(LIBBPF_CFLAGS) -Iruntime -c -o $@ $<

$(BUILD)/memcg-run: $(RUNTIME_OBJS) $(BUILD)/libfrontend.a $(LIBBPF_A)
	@echo "  LD      $@"
	@$(CC) $(LDFLAGS) -o $@ $(RUNTIME_OBJS) $(BUILD)/libfrontend.a $(LIBBPF_LIBS) -lcap -lm

all: $(BUILD)/memcg-run

SUITE_runtime      := tests/runtime/run-runtime.sh $(BUILD)
SUITE_runtime_DEPS := all
SUITE_record       := tests/runtime/run-record.sh $(BUILD)
SUITE_record_DEPS  := all

# The cgroup actuator's journal and restore against fake cgroup files (no kernel, no root).
$(BUILD)/test-actuate: tests/runtime/test-actuate.c runtime/actuate.c runtime/actuate.h \
		runtime/reaction.c runtime/reaction.h
	@mkdir -p $(@D)
	@echo "  CC      $@"
	@$(CC) $(CFLAGS) -Iruntime -o $@ tests/runtime/test-actuate.c runtime/actuate.c \
		runtime/reaction.c

# The poll source's memory.stat keys and its arithmetic for nested cgroups, and the
# memory.pressure reader against fake files (no kernel).
$(BUILD)/test-poll: tests/runtime/test-poll.c runtime/poll.c runtime/poll.h runtime/psi.c \
		runtime/psi.h compiler/signals.c $(LIBBPF_A)
	@mkdir -p $(@D)
	@echo "  CC      $@"
	@$(CC) $(CFLAGS) $(LIBBPF_CFLAGS) -Iruntime -o $@ tests/runtime/test-poll.c runtime/poll.c \
		runtime/psi.c compiler/signals.c $(LIBBPF_LIBS)

SUITE_actuate      := $(BUILD)/test-actuate
SUITE_actuate_DEPS := $(BUILD)/test-actuate
SUITE_poll         := $(BUILD)/test-poll
SUITE_poll_DEPS    := $(BUILD)/test-poll
