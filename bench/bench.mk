# make bench: every benchmark of the project, figures printed (never asserted).

BENCH_DIR := $(BUILD)/bench

$(BUILD)/frontend_bench: bench/frontend_bench.c $(BUILD)/libfrontend.a
	@echo "  CC      $@"
	@$(CC) $(CFLAGS) -o $@ $< $(BUILD)/libfrontend.a -lm

$(BENCH_DIR)/rules-%.mcp: bench/gen_policy.py
	@mkdir -p $(@D)
	@python3 bench/gen_policy.py $* > $@

bench: all $(BUILD)/frontend_bench $(BENCH_DIR)/rules-5000.mcp
	@echo "== front end: parse and check, in process (target: 5,000 rules under 100 ms)"
	@$(BUILD)/frontend_bench examples/priority.mcp 200
	@$(BUILD)/frontend_bench examples/tour.mcp 200 2>/dev/null
	@$(BUILD)/frontend_bench $(BENCH_DIR)/rules-5000.mcp 21
	@echo "== front end: memcgc --check as a whole process (5 runs, /usr/bin/time)"
	@for i in 1 2 3 4 5; do /usr/bin/time -f '%e s %M KiB' $(BUILD)/memcgc --check \
		$(BENCH_DIR)/rules-5000.mcp; done 2>&1 | sort -n | sed -n '3s/^/median of 5: /p'

.PHONY: bench

# Code generation: memcgc's tracepoint program against a hand-written C baseline.
BASELINE_OBJ := $(BENCH_DIR)/baseline-priority.o
$(BASELINE_OBJ): bench/baseline/priority.bpf.c $(LIBBPF_A)
	@mkdir -p $(@D)
	@echo "  CLANG   $@"
	@$(CLANG) -O2 -g -target bpf -mcpu=v3 $(LIBBPF_CFLAGS) -I/usr/include/x86_64-linux-gnu \
		-c -o $@ $<

$(BUILD)/tp_bench: bench/tp_bench.c runtime/policy_object.c $(LIBBPF_A)
	@echo "  CC      $@"
	@$(CC) $(CFLAGS) $(LIBBPF_CFLAGS) -Iruntime -o $@ bench/tp_bench.c runtime/policy_object.c \
		$(LIBBPF_LIBS)

bench-codegen: all $(BASELINE_OBJ) $(BUILD)/tp_bench $(BENCH_DIR)/rules-100.mcp
	@bench/codegen_bench.sh $(BUILD) $(BASELINE_OBJ)

bench: bench-codegen
.PHONY: bench-codegen

bench-runtime: all
	@echo "== memcg-run: load+attach, map memory (dry run on this machine)"
	@$(BUILD)/memcgc -o $(BENCH_DIR)/priority.o examples/priority.mcp
	@python3 bench/runtime_bench.py $(BUILD) $(BENCH_DIR)/priority.o

bench: bench-runtime
.PHONY: bench-runtime
