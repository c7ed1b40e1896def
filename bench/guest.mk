# make bench-guest: issue 6's priority experiment and charge-path overhead in the test VM
# (v2 and v6 boots, emulated), one JSON line per run in $(BUILD)/bench/guest.jsonl.
#   make bench-guest [REPS=5] [SECONDS=20]

$(BUILD)/charge_bench: bench/charge_bench.c | $(DEPS_STAMP)
	@echo "  CC      $@"
	@$(CC) $(CFLAGS) -o $@ $<

bench-guest: all $(BUILD)/charge_bench
	@REPS=$(or $(REPS),5) BENCH_SECONDS=$(or $(SECONDS),20) \
		bench/guest_bench.sh $(BUILD) $(BUILD)/bench/guest.jsonl

.PHONY: bench-guest
