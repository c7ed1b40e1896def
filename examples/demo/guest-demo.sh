#!/bin/bash
# The RFC's demonstration, inside the test VM: two stress-ng --vm workloads, `high` and
# `low`, under a memory-limited parent with swap, run first without a policy, then with
# the policy attached by memcg-run, whose live status is shown. Ends with a table.
#   guest-demo.sh BUILD POLICY.o SECONDS VM_BYTES LIMIT
set -u
BUILD=$1 OBJ=$2 SECS=$3 VM_BYTES=$4 LIMIT=$5
CG=/sys/fs/cgroup/demo
TMP=$(mktemp -d /tmp/demo.XXXXXX)

say() { echo "demo: $*"; }
setup() {
	echo +memory > /sys/fs/cgroup/cgroup.subtree_control
	mkdir -p "$CG"
	echo +memory > "$CG/cgroup.subtree_control"
	mkdir -p "$CG/high" "$CG/low"
	echo "$LIMIT" > "$CG/memory.max"
}
teardown() {
	for d in "$CG/high" "$CG/low" "$CG"; do echo 1 > "$d/cgroup.kill" 2>/dev/null; done
	sleep 0.5
	rmdir "$CG/high" "$CG/low" "$CG" 2>/dev/null
}
# workload NAME: stress-ng --vm in that cgroup; prints its bogo ops/s (real time)
workload() {
	sh -c "echo \$\$ > $CG/$1/cgroup.procs; cd /tmp; exec stress-ng --vm 1 --vm-bytes $VM_BYTES \
		--timeout ${SECS}s --metrics-brief --temp-path /tmp" > "$TMP/$1.out" 2>&1
}
rate() { awk '$4 == "vm" { print $9 }' "$TMP/$1.out"; }
raw() { grep -E " vm |fail|error" "$TMP/$1.out" | sed "s/^/demo: $1: /"; }
both() {
	workload high & local h=$!
	workload low & local l=$!
	wait $h $l
	raw high >&2; raw low >&2   # the lines the figures come from
	echo "$(rate high) $(rate low)"
}

setup
say "kernel $(uname -r), memcg_bpf_ops ABI ${MEMCGC_VM_ABI:-?}; parent memory.max $LIMIT," \
    "swap $(awk 'NR > 1 { s += $3 } END { print s / 1024 "M" }' /proc/swaps); each workload:" \
    "stress-ng --vm 1 --vm-bytes $VM_BYTES for ${SECS}s"
say "1/2: both workloads, no policy"
read -r base_high base_low <<<"$(both)"
say "2/2: both workloads, policy attached (live status every 2 s)"
"$BUILD/memcg-run" --interval 2s --cgroup high="$CG/high" --cgroup low="$CG/low" "$OBJ" &
run=$!
sleep 1
read -r pol_high pol_low <<<"$(both)"
kill -TERM $run; wait $run
teardown
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (b > 0) printf "%.1f", a / b; else print "-" }'; }
echo
echo "                      high (bogo ops/s)   low (bogo ops/s)   high/low"
printf "no policy             %17s   %16s   %8s\n" "$base_high" "$base_low" "$(ratio "$base_high" "$base_low")"
printf "with the policy       %17s   %16s   %8s\n" "$pol_high" "$pol_low" "$(ratio "$pol_high" "$pol_low")"
echo "(one run each, in an emulated guest: figures show the effect, not the machine's speed;"
echo " make bench repeats them)"
rm -rf "$TMP"
