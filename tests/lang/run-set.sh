#!/bin/bash
# memcg-run --set reads values with memcgc's exact parser (compiler/units.c) and checks
# every expression of the policy with the compiler's range check (range_apply), so that
# no value set at load time makes the BPF code's arithmetic wrap (issues 11 and 12).
# usage: run-set.sh BUILD
set -u
build=$1
memcgc=$build/memcgc run=$build/memcg-run
work=$build/tests/lang
root=/sys/fs/cgroup/memory
high=$root/memcgc-set-high.$$ low=$root/memcgc-set-low.$$
mkdir -p "$work"
pass() { echo "PASS set/$1"; }
fail() { echo "FAIL set/$1: $2"; shift 2; for l in "$@"; do echo "  $l"; done; }
# check NAME WANT_STATUS WANT_TEXT --set ...: memcg-run --dry-run of set.mcp
check() {
	local name=$1 want=$2 text=$3; shift 3
	local out status
	out=$("$run" --dry-run --duration 0.3s --cgroup high="$high" --cgroup low="$low" "$@" \
		"$work/set.o" 2>&1); status=$?
	if [ "$status" = "$want" ] && grep -qF -- "$text" <<<"$out"; then pass "$name"
	else fail "$name" "exit $status (want $want), output lacks '$text'" "$(head -5 <<<"$out")"; fi
}
if [ ! -d "$root" ] || [ "$(id -u)" != 0 ]; then
	echo "SKIP set: setup: needs root and the cgroup v1 memory hierarchy at $root"; exit 0
fi
mkdir -p "$high" "$low"
trap 'rmdir "$high" "$low" 2>/dev/null' EXIT
"$memcgc" -o "$work/set.o" tests/lang/set.mcp || { echo "FAIL set/compile: memcgc"; exit 0; }

check exponent-refused 1 "--set threshold=1e30/s: unknown unit 'e30/s'" --set threshold=1e30/s
check huge-rate 1 "--set threshold=10000000000000000000/s: number too large" --set threshold=10000000000000000000/s
check rate-beyond-encoding 1 "--set threshold=10_000_000_000_000_000/s: a rate is at most 9223372036854775.807/s" --set threshold=10_000_000_000_000_000/s
check huge-delay-not-too-small 1 "--set delay=100000000000s: a duration is at most" --set delay=100000000000s
check delay-too-large 1 "is 3000 ms, out of range: the kernel clamps throttle delays to 2 s" --set delay=3s
check inexact-rate 1 "--set threshold=1/min: a rate is counted in thousandths of an event per second" --set threshold=1/min
check condition-overflow 1 "--set k=100000000: tests/lang/set.mcp:8: the rule's condition can overflow 64-bit arithmetic at run time" --set k=100000000
check in-range 0 "rule 0" --set k=1000 --set threshold=9_223_372_036_854_775/s --set delay=2s
