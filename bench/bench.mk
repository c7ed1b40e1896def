# make bench: every benchmark of the project, figures printed (never asserted).

BENCH_DIR := $(BUILD)/bench

$(BUILD)/frontend_bench: bench/frontend_bench.c $(BUILD)/libfrontend.a
	@echo "  CC      $@"
	@$(CC) $(CFLAGS) -o $@ $< $(BUILD)/libfrontend.a -lm

$(BENCH_DIR)/rules-%.mcp: bench/gen_policy.py | $(DEPS_STAMP)
	@mkdir -p $(@D)
	@python3 bench/gen_policy.py $* > $@

# Each benchmark prints JSON lines (one object a line, "bench" naming the figure) among its
# headings; make keeps them in $(BENCH_DIR)/NAME.jsonl for bench/report.py (tee: a failing
# benchmark must still fail the target, hence pipefail).
BENCH_TARGETS := bench bench-frontend bench-codegen bench-runtime
$(BENCH_TARGETS): SHELL := /bin/bash
$(BENCH_TARGETS): .SHELLFLAGS := -o pipefail -c

# 60,000 defines, each the one before (issue 12: 20-58 s before the defines' hash table)
$(BENCH_DIR)/defines-60000.mcp: | $(DEPS_STAMP)
	@mkdir -p $(@D)
	@python3 -c "import sys; n = 60000; print('cgroup a'); print('define d0 = pgscan(a)'); \
		[print(f'define d{i} = d{i-1}') for i in range(1, n)]; print(f'when d{n-1} > 1/s: protect_low(a)')" > $@

bench-frontend: all $(BUILD)/frontend_bench $(BENCH_DIR)/rules-5000.mcp $(BENCH_DIR)/defines-60000.mcp
	@echo "== front end: parse and check, in process (target: 5,000 rules under 100 ms; the"
	@echo "   generated 5,000 rules are past the kernel's limits: refused, after all are checked)"
	@{ $(BUILD)/frontend_bench examples/priority.mcp 200 && \
	   $(BUILD)/frontend_bench examples/tour.mcp 200 2>/dev/null && \
	   $(BUILD)/frontend_bench $(BENCH_DIR)/rules-5000.mcp 21 && \
	   $(BUILD)/frontend_bench $(BENCH_DIR)/defines-60000.mcp 11 && \
	   python3 bench/process_time.py --status 1 check-process 5 $(BUILD)/memcgc --check \
		$(BENCH_DIR)/rules-5000.mcp; } | tee $(BENCH_DIR)/frontend.jsonl

.PHONY: bench bench-frontend

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
	@bench/codegen_bench.sh $(BUILD) $(BASELINE_OBJ) | tee $(BENCH_DIR)/codegen.jsonl

.PHONY: bench-codegen

bench-runtime: all
	@echo "== memcg-run: load+attach, map memory (dry run on this machine)"
	@mkdir -p $(BENCH_DIR)
	@$(BUILD)/memcgc -o $(BENCH_DIR)/priority.o examples/priority.mcp
	@python3 bench/runtime_bench.py $(BUILD) $(BENCH_DIR)/priority.o | tee $(BENCH_DIR)/runtime.jsonl

.PHONY: bench-runtime

# make bench: every benchmark, one after the other (never two at once: they time the same
# machine), then the report: bench/results.json and docs/benchmarks.md with its plots.
bench: all
	@$(MAKE) --no-print-directory bench-frontend
	@$(MAKE) --no-print-directory bench-codegen
	@$(MAKE) --no-print-directory bench-runtime
	@$(MAKE) --no-print-directory bench-guest
	@python3 bench/report.py $(BENCH_DIR) bench/results.json docs/benchmarks.md docs/bench
