#!/bin/bash
# Random valid policies (tests/lang/gen_policy.py, seeded) must all compile, and the
# tracepoint program and syscall entry of each must load on this kernel (its hooks need
# memcg_bpf_ops, which this kernel does not have). Prints the largest verifier cost.
# usage: run-random.sh MEMCGC VERIFY_COST WORKDIR COUNT [SEED]
set -u
memcgc=$1 cost=$2 work=$3 count=$4 seed=${5:-12}
root=$(cd "$(dirname "$0")/../.." && pwd)
rm -rf "$work" && mkdir -p "$work"
python3 "$root/tests/lang/gen_policy.py" "$seed" "$count" "$work" || { echo "FAIL random: generator"; exit 0; }
compiled=0 failed=0
for f in "$work"/*.mcp; do
	if "$memcgc" -o "${f%.mcp}.o" "$f" 2>"${f%.mcp}.err"; then compiled=$((compiled + 1))
	else
		failed=$((failed + 1))
		[ $failed -le 5 ] && { echo "FAIL random/compile $(basename "$f"): memcgc refused a valid policy"; grep -m3 "error" "${f%.mcp}.err" | sed 's/^/  /'; }
	fi
done
[ $failed -eq 0 ] && echo "PASS random/compile ($compiled policies, seed $seed)"
[ "$(id -u)" != 0 ] && { echo "SKIP random/load: setup: loading BPF programs needs root"; exit 0; }
"$cost" "$work"/*.o 2>/dev/null >"$work/cost.txt"
awk -v seed="$seed" '
	$2 == "refused" { bad++; if (bad <= 5) { print "FAIL random/load " $1 ": " substr($0, 1, 300) } next }
	{ n++; if ($3 > tp) tp = $3; if ($5 > t) t = $5 }
	END { if (!bad) printf "PASS random/load (%d objects; most verified insns: tracepoint %d, syscall entry %d)\n", n, tp, t }
' "$work/cost.txt"
