#!/bin/bash
# The RFC's demonstration, inside the test VM: two stress-ng --vm workloads, `high` and
# `low`, under a memory-limited parent with swap, run first without a policy, then with
# the policy attached by memcg-run, whose live status is shown. Ends with a table.
#   guest-demo.sh BUILD POLICY.o SECONDS VM_BYTES LIMIT
set -u
BUILD=$1 OBJ=$2 SECS=$3 VM_BYTES=$4 LIMIT=$5
CG=/sys/fs/cgroup/demo
TMP=$(mktemp -d /tmp/demo.XXXXXX)
. "$(dirname "$0")/lib.sh"     # cg_setup, run_workloads, policy_start, WORKLOAD

say() { echo "demo: $*"; }
both() { run_workloads high low 2> >(sed 's/^/demo: /' >&2); }

cg_setup "$LIMIT"
say "kernel $(uname -r), memcg_bpf_ops ABI ${MEMCGC_VM_ABI:-?}; parent memory.max $LIMIT," \
    "swap $(awk 'NR > 1 { s += $3 } END { print s / 1024 "M" }' /proc/swaps); each workload:" \
    "$WORKLOAD"
say "1/2: both workloads, no policy"
read -r base_high base_low <<<"$(both)"
say "2/2: both workloads, policy attached (live status every 2 s)"
LIVE=1 policy_start "$OBJ" --interval 2s || exit 1
read -r pol_high pol_low <<<"$(both)"
policy_stop
cg_teardown
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (b > 0) printf "%.1f", a / b; else print "-" }'; }
echo
echo "                      high (bogo ops/s)   low (bogo ops/s)   high/low"
printf "no policy             %17s   %16s   %8s\n" "$base_high" "$base_low" "$(ratio "$base_high" "$base_low")"
printf "with the policy       %17s   %16s   %8s\n" "$pol_high" "$pol_low" "$(ratio "$pol_high" "$pol_low")"
echo "(one run each, in an emulated guest: figures show the effect, not the machine's speed;"
echo " make bench-guest repeats them)"
rm -rf "$TMP"
