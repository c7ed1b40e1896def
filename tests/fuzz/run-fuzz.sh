#!/bin/sh
# Fuzzes the front end for SECONDS (default 30) starting from every policy in the tree.
# usage: run-fuzz.sh FUZZER SECONDS WORKDIR
set -u
fuzzer=$1 seconds=${2:-30} work=${3:-build/fuzz}
root=$(cd "$(dirname "$0")/../.." && pwd)
mkdir -p "$work/corpus" "$work/seeds" "$work/artifacts"
find "$root/examples" "$root/stdlib" "$root/tests/frontend" "$root/tests/fuzz/seeds" -name '*.mcp' \
	-exec cp {} "$work/seeds/" \; 2>/dev/null
# Two files of the same name overwrite each other: seeds are samples, that is fine.
"$fuzzer" -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 -max_len=4096 \
	-dict="$root/tests/fuzz/mcp.dict" -artifact_prefix="$work/artifacts/" \
	-print_final_stats=1 "$work/corpus" "$work/seeds" >"$work/log" 2>&1
rc=$?
runs=$(grep -o 'stat::number_of_executed_units: *[0-9]*' "$work/log" | grep -o '[0-9]*$')
if [ $rc -eq 0 ]; then
	echo "PASS fuzz-frontend: ${runs:-?} inputs in ${seconds}s, no crash, leak or sanitizer report"
else
	echo "FAIL fuzz-frontend: the fuzzer stopped with status $rc; see $work/log and $work/artifacts"
	tail -40 "$work/log" | sed 's/^/  /'
fi
