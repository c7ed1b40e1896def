#!/bin/bash
# Issue 6, in the guest: the priority experiment. Every configuration runs REPS times in
# interleaved rounds (round 1 of every configuration, then round 2, ...), so drift hits
# all alike; one JSON line per run (stress-ng bogo ops/s, real time; null: not run).
#   priority.sh BUILD POLICY.o OUT.jsonl REPS SECONDS [memcg-run options, e.g. --set]
# Environment: VM_MB (working set of each workload, 96), LIMIT_MB (parent memory.max,
# 160), SLACK_MB (a workload's memory beyond its buffer: stress-ng itself, 16), CONFIGS
# (a subset of the configurations, while developing), TUNED (memcg-run options of the
# extra configuration both-policy-tuned, e.g. "--set boost=16MiB"; none when empty).
set -u
BUILD=$1 OBJ=$2 OUT=$3 REPS=$4 SECS=$5
shift 5
VM_MB=${VM_MB:-96} LIMIT_MB=${LIMIT_MB:-160} SLACK_MB=${SLACK_MB:-16}
VM_BYTES=${VM_MB}M
CG=/sys/fs/cgroup/bench
TMP=$(mktemp -d /tmp/priority.XXXXXX)
. "$(dirname "$0")/../../examples/demo/lib.sh"
abi=${MEMCGC_VM_ABI:?run in the test VM}

# Each workload fits alone (VM_MB + SLACK_MB < LIMIT_MB), both together do not.
# memory.low on high: its whole working set; static memory.high on low: what is left.
LOW_PROT=$((VM_MB + SLACK_MB))M
STATIC_HIGH=$((LIMIT_MB - VM_MB - SLACK_MB))M
# both-policy-cgroup: the policy carried out through cgroup files (--actuator=cgroup), the
# tracepoint counting (memcg-run at nice -20, its default with the cgroup actuator);
# both-policy-cgroup-keep: the same with --nice keep (memcg-run at the shell's niceness),
# what the default buys; on stock (no hook, no tracepoint) both-policy is that,
# memory.stat polled
configs="high-alone low-alone both-none both-policy low-alone-policy"
case $abi in
v2) configs="high-alone low-alone both-none both-memory-low both-static-high"`
	`" low-alone-static-high both-policy low-alone-policy both-policy-cgroup both-policy-cgroup-keep" ;;
stock) configs="high-alone low-alone both-none both-memory-low both-static-high"`
	`" low-alone-static-high both-policy low-alone-policy" ;;
esac
[ -n "${TUNED:-}" ] && configs="$configs both-policy-tuned"
configs=${CONFIGS:-$configs}

json_str() { printf '"%s"' "$(printf '%s' "$1" | sed 's/\\/\\\\/g; s/"/\\"/g')"; }
num() { [ "$1" = - ] && echo null || echo "$1"; }
swap_mb=$(awk 'NR > 1 { s += $3 } END { print int(s / 1024) }' /proc/swaps)
mem_mb=$(awk '/^MemTotal/ { print int($2 / 1024) }' /proc/meminfo)
echo "{\"bench\":\"priority-setup\",\"abi\":\"$abi\",\"kernel\":$(json_str "$(uname -r)"),"`
	`"\"vcpus\":$(nproc),\"guest_mem_mb\":$mem_mb,\"parent_limit\":\"${LIMIT_MB}M\","`
	`"\"swap_mb\":$swap_mb,\"swap\":\"zram\",\"workload\":$(json_str "$WORKLOAD --metrics-brief"),"`
	`"\"emulated\":true,\"memory_low\":\"$LOW_PROT\",\"static_high\":\"$STATIC_HIGH\","`
	`"\"policy\":$(json_str "$(basename "$OBJ")"),\"memcg_run_options\":$(json_str "$*"),"`
	`"\"tuned_options\":$(json_str "${TUNED:-}"),"`
	`"\"reps\":$REPS,\"seconds\":$SECS}" | tee -a "$OUT"

# the reaction times memcg-run's last status showed (cgroup actuator: transition -> file
# written), as JSON: {"source", "writes", "median_ms", "max_ms"}, or null
reaction_json() {
	grep -E '^ +reaction \((tracepoint|poll)\): [0-9]+ writes' "$1" | tail -1 |
		awk '{ src = $2; gsub(/[():]/, "", src); med = "null"; max = "null"
		       if ($5 == "median") { med = $6; max = $9 }
		       printf "{\"source\":\"%s\",\"writes\":%d,\"median_ms\":%s,\"max_ms\":%s}", src, $3, med, max }
		     END { if (NR == 0) printf "null" }'
}

# one RUN of CONFIG: fresh cgroups, the config's knobs, the workloads, one JSON line
one() {
	local config=$1 rep=$2 names=high policy= h=- l=-
	cg_setup "${LIMIT_MB}M"
	case $config in
	low-alone*) names=low ;;
	both-*) names="high low" ;;
	esac
	case $config in
	both-memory-low) echo "$LOW_PROT" > "$CG/high/memory.low" ;;
	*static-high) echo "$STATIC_HIGH" > "$CG/low/memory.high" ;;
	*policy) policy=1; policy_start "$OBJ" -q "${POLICY_ARGS[@]}" || return 1 ;;
	*policy-tuned) policy=1
		policy_start "$OBJ" -q "${POLICY_ARGS[@]}" $TUNED || return 1 ;;
	*policy-cgroup) policy=1
		policy_start "$OBJ" -q --actuator=cgroup "${POLICY_ARGS[@]}" || return 1 ;;
	*policy-cgroup-keep) policy=1
		policy_start "$OBJ" -q --actuator=cgroup --nice keep "${POLICY_ARGS[@]}" || return 1 ;;
	esac
	local rates reaction=null
	rates=$(run_workloads $names 2>>"$TMP/raw.log")
	[ -z "$policy" ] || { policy_stop; reaction=$(reaction_json "$TMP/run.out"); }
	case $names in
	high) h=$rates ;;
	low) l=$rates ;;
	*) read -r h l <<<"$rates" ;;
	esac
	cg_teardown
	echo "{\"bench\":\"priority\",\"abi\":\"$abi\",\"config\":\"$config\",\"rep\":$rep,"`
		`"\"seconds\":$SECS,\"high\":$(num "$h"),\"low\":$(num "$l"),\"reaction\":$reaction}" |
		tee -a "$OUT"
}

POLICY_ARGS=("$@")
for rep in $(seq "$REPS"); do
	for config in $configs; do
		one "$config" "$rep" || { cat "$TMP/raw.log" >&2; exit 1; }
	done
done
rm -rf "$TMP"
