# Sourced, in the guest, by the demo (examples/demo/guest-demo.sh) and the guest benchmark
# (bench/guest/priority.sh, charge.sh) so both use the same cgroups and the same workload.
# The caller sets, before sourcing: BUILD (build dir), CG (parent cgroup dir), TMP (scratch dir),
# VM_BYTES (working set per workload), SECS (run time); LIVE=1 shows memcg-run's status.

# The RFC's workload, stress-ng --vm, with a steady working set: --vm-keep keeps the buffer
# mapped between passes (no unmap, remap and fresh zero pages each time) and one method,
# write64, makes every bogo op the same kind of work. The default mix of methods under
# swap gave 0.00 ops/s in 20 s for a starved workload.
WORKLOAD="stress-ng --vm 1 --vm-bytes $VM_BYTES --vm-keep --vm-method write64 --timeout ${SECS}s"

# cg_setup LIMIT: a fresh parent CG with memory.max LIMIT and children high and low
cg_setup() {
	echo +memory > /sys/fs/cgroup/cgroup.subtree_control
	mkdir -p "$CG"
	echo +memory > "$CG/cgroup.subtree_control"
	mkdir -p "$CG/high" "$CG/low"
	echo "$1" > "$CG/memory.max"
}
cg_teardown() {
	local d
	for d in "$CG/high" "$CG/low" "$CG"; do echo 1 > "$d/cgroup.kill" 2>/dev/null; done
	sleep 0.5
	rmdir "$CG/high" "$CG/low" "$CG" 2>/dev/null
}

# workload NAME: the workload in cgroup NAME; its output in $TMP/NAME.out
workload() {
	sh -c "echo \$\$ > $CG/$1/cgroup.procs; cd /tmp; exec $WORKLOAD --metrics-brief \
		--temp-path /tmp" > "$TMP/$1.out" 2>&1
}
# rate NAME: its bogo ops/s (real time) from stress-ng's metrics line, or - if none
rate() { awk '$4 == "vm" { r = $9 } END { print (r == "" ? "-" : r) }' "$TMP/$1.out"; }
raw() { grep -E " vm |fail|error" "$TMP/$1.out" | sed "s/^/$1: /"; }

# run_workloads NAME...: the workload in each named cgroup at once; prints the rates in
# order on stdout, stress-ng's lines they come from on stderr
run_workloads() {
	local pids=() n
	for n in "$@"; do workload "$n" & pids+=($!); done
	wait "${pids[@]}"
	for n in "$@"; do raw "$n" >&2; done
	for n in "$@"; do rate "$n"; done | paste -sd ' '
}

# policy_start POLICY.o [memcg-run options]: memcg-run with high and low bound to CG's
# children, in the background until policy_stop; returns once the hooks are attached (or,
# with the cgroup actuator, once the journal is open)
policy_start() {
	"$BUILD/memcg-run" --cgroup high="$CG/high" --cgroup low="$CG/low" "$@" \
		> "$TMP/run.out" 2>&1 &
	RUN_PID=$!
	TAIL_PID=
	if [ -n "${LIVE:-}" ]; then tail -n +1 -f "$TMP/run.out" 2>/dev/null & TAIL_PID=$!; fi
	local i
	for i in $(seq 300); do
		grep -qE ', attached($| through cgroup files)' "$TMP/run.out" && return 0
		kill -0 "$RUN_PID" 2>/dev/null || break
		sleep 0.2
	done
	echo "memcg-run did not attach:" >&2
	cat "$TMP/run.out" >&2
	return 1
}
policy_stop() {
	kill -TERM "$RUN_PID"
	wait "$RUN_PID"
	if [ -n "$TAIL_PID" ]; then sleep 0.2; kill "$TAIL_PID"; wait "$TAIL_PID"; fi 2>/dev/null
}
