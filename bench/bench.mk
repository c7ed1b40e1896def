# make bench: every benchmark of the project, figures printed (never asserted).

BENCH_DIR := $(BUILD)/bench

$(BUILD)/frontend_bench: bench/frontend_bench.c $(BUILD)/libfrontend.a
	@echo "  CC      $@"
	@$(CC) $(CFLAGS) -o $@ $< $(BUILD)/libfrontend.a -lm

bench: all $(BUILD)/frontend_bench
	@mkdir -p $(BENCH_DIR)
	@python3 bench/gen_policy.py 5000 > $(BENCH_DIR)/rules-5000.mcp
	@echo "== front end: parse and check, in process (target: 5,000 rules under 100 ms)"
	@$(BUILD)/frontend_bench examples/priority.mcp 200
	@$(BUILD)/frontend_bench examples/tour.mcp 200 2>/dev/null
	@$(BUILD)/frontend_bench $(BENCH_DIR)/rules-5000.mcp 21
	@echo "== front end: memcgc --check as a whole process (5 runs, /usr/bin/time)"
	@for i in 1 2 3 4 5; do /usr/bin/time -f '%e s %M KiB' $(BUILD)/memcgc --check \
		$(BENCH_DIR)/rules-5000.mcp; done 2>&1 | sort -n | sed -n '3s/^/median of 5: /p'

.PHONY: bench
