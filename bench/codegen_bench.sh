#!/bin/sh
# Code generation figures: compile time per policy (median of 21 whole-process runs),
# size of the tracepoint program (llvm-objdump and as loaded), verifier-processed
# instructions, and per-event run time against the hand-written baseline, same run.
# usage: codegen_bench.sh BUILD BASELINE_OBJECT
set -e
build=$1 baseline=$2
out=$build/bench
mkdir -p "$out"
echo "== code generation: whole-process compile time, median of 21 runs (target: demo under 50 ms)"
for policy in examples/*.mcp stdlib/tiers.mcp "$out/rules-100.mcp"; do
	[ -f "$policy" ] || continue
	python3 - "$build/memcgc" "$policy" "$out/bench.o" <<'PY'
import json, statistics, subprocess, sys, time
memcgc, policy, out = sys.argv[1:]
runs = []
for _ in range(21):
    t = time.monotonic()
    subprocess.run([memcgc, "-o", out, policy], check=True, stderr=subprocess.DEVNULL)
    runs.append((time.monotonic() - t) * 1000)
print(json.dumps({"bench": "compile", "policy": policy, "median_ms": round(statistics.median(runs), 1),
                  "min_ms": round(min(runs), 1), "max_ms": round(max(runs), 1), "runs": len(runs)}))
PY
done
"$build/memcgc" -o "$out/priority.o" examples/priority.mcp
echo "== tracepoint program of each policy as loaded (bpf_prog_info: xlated, verifier-processed)"
objects=
for policy in examples/*.mcp stdlib/tiers.mcp "$out/rules-100.mcp"; do
	[ -f "$policy" ] || continue
	name=$(basename "$policy" .mcp)
	"$build/memcgc" -o "$out/size-$name.o" "$policy" 2>/dev/null
	objects="$objects $out/size-$name.o"
done
"$build/tp_bench" --sizes $objects
echo "== instructions per section and per function (llvm-objdump-19 -d); as loaded: xlated_insns below"
for obj in "$out/priority.o" "$baseline"; do
	llvm-objdump-19 -d "$obj" | awk -v obj="$obj" '
		/^Disassembly of section/ { sec = $4; sub(":$", "", sec) }
		/^[0-9a-f]+ <.*>:$/ { fn = $2; gsub("[<>:]", "", fn) }
		/^ +[0-9a-f]+:/ { n[sec " " fn]++ }
		END { for (k in n) { split(k, p, " "); printf "{\"bench\": \"objdump_insns\", \"object\": \"%s\", \"section\": \"%s\", \"function\": \"%s\", \"insns\": %d}\n", obj, p[1], p[2], n[k] } }' | sort
done
echo "== per-event cost, same workload, same run (kernel BPF stats; 3 rounds of 5 s of page-cache reclaim and anonymous faults, attach order rotated)"
"$build/tp_bench" "$out/priority.o" "$baseline" 15
