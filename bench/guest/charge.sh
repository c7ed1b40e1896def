#!/bin/bash
# Issue 6, in the guest: the policy's cost on the charge path. build/charge_bench faults in
# and drops anonymous pages in cgroup `low`, alternately without and with the policy
# attached by memcg-run (rounds interleaved); one JSON line per run.
#   charge.sh BUILD POLICY.o OUT.jsonl REPS [memcg-run options]
# What is measured, with the policy attached: `low` is the cgroup its hooks are attached
# to (the target of its action), so every charge of `low` that reaches the page counter
# (one per MEMCG_CHARGE_BATCH = 64 pages; the others come from the per-CPU stock) calls
# the hook (v2 memcg_nr_pages_over_high, v6 get_high_delay_ms), which looks up low's
# state and returns 0, since `high` is idle (its pgscan rate stays under the threshold):
# the hook's cost, not throttling. The policy's tracepoint program also runs, once per
# page fault (memcg:count_memcg_events for PGFAULT, a cgroup that is not `high`).
set -u
BUILD=$1 OBJ=$2 OUT=$3 REPS=$4
shift 4
MB=${CHARGE_MB:-16} ROUNDS=${CHARGE_ROUNDS:-32}
VM_BYTES=0 SECS=0 CG=/sys/fs/cgroup/charge
TMP=$(mktemp -d /tmp/charge.XXXXXX)
. "$(dirname "$0")/../../examples/demo/lib.sh"
abi=${MEMCGC_VM_ABI:?run in the test VM}

bench() { sh -c "echo \$\$ > $CG/low/cgroup.procs; exec $BUILD/charge_bench $MB $ROUNDS"; }
cg_setup max
bench > /dev/null   # a first run is slower (cold caches, first faults): not counted
for rep in $(seq "$REPS"); do
	order="false true"   # the order alternates too
	[ $((rep % 2)) = 1 ] || order="true false"
	for policy in $order; do
		[ $policy = false ] || policy_start "$OBJ" -q "$@" || exit 1
		read -r pages ns < <(bench)
		[ $policy = false ] || policy_stop
		echo "{\"bench\":\"charge\",\"abi\":\"$abi\",\"policy\":$policy,\"rep\":$rep,"`
			`"\"ns_per_page\":${ns:-null},\"pages\":${pages:-null}}" | tee -a "$OUT"
	done
done
cg_teardown
rm -rf "$TMP"
