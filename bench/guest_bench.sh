#!/bin/bash
# make bench-guest: issue 6's experiments in the test VM (emulated, QEMU TCG). Boots the v2
# kernel (examples/priority.mcp, over_high), then v6 (examples/priority-delay.mcp,
# high_delay), then stock (examples/priority.mcp carried out through cgroup files, events
# from memory.stat: no hook, no tracepoint there); each boot runs bench/guest/priority.sh
# then bench/guest/charge.sh (not on stock: it times the hooks), which
# write their JSON lines to $MEMCGC_VM_OUT/guest.jsonl and to the output shown here; those
# lines are collected into OUT.
#   bench/guest_bench.sh BUILD OUT.jsonl
# Environment: REPS (rounds, 5), BENCH_SECONDS (seconds per workload run, 20; not
# SECONDS, which bash keeps for itself), CHARGE_REPS (5), POLICY_OPTS (memcg-run options),
# BENCH_ABIS (the boots, "v2 v6 stock"),
# TUNED_V2, TUNED_V6 (memcg-run options of the extra configuration both-policy-tuned: the
# policy with its parameters set otherwise; v2 default "--set boost=16MiB", v6 none).
set -euo pipefail
build=$1 out=$2
root=$(cd "$(dirname "$0")/.." && pwd)
reps=${REPS:-5} secs=${BENCH_SECONDS:-20} creps=${CHARGE_REPS:-5} opts=${POLICY_OPTS:-}
mkdir -p "$build/bench" "$(dirname "$out")"
: > "$out"
for abi in ${BENCH_ABIS:-v2 v6 stock}; do
	case $abi in
	v2) policy=$root/examples/priority.mcp tuned=${TUNED_V2-"--set boost=16MiB"} ;;
	v6) policy=$root/examples/priority-delay.mcp tuned=${TUNED_V6-} ;;
	stock) policy=$root/examples/priority.mcp tuned= ;;
	esac
	obj=$build/bench/guest-$abi.o
	"$build/memcgc" -o "$obj" "$policy"
	echo "bench-guest: $abi boot, $policy: $reps rounds of ${secs} s runs," \
		"$creps charge rounds ($(date -u +%T))"
	start=$(date +%s)
	g=\$MEMCGC_VM_OUT/guest.jsonl
	charge="bash $root/bench/guest/charge.sh $build $obj $g $creps $opts"
	[ "$abi" != stock ] || charge=true   # charge.sh times the hooks' calls: stock has none
	"$root/tests/vm/run-vm.sh" --abi "$abi" --swap --live --timeout 3600 -- \
		"TUNED='$tuned' bash $root/bench/guest/priority.sh $build $obj $g $reps $secs $opts &&" \
		"$charge" |
		tee "$out.log"
	grep '^{"bench":' "$out.log" >> "$out"
	rm -f "$out.log"
	echo "bench-guest: $abi boot done in $(( $(date +%s) - start )) s"
done
echo "bench-guest: $(wc -l < "$out") JSON lines in $out"
