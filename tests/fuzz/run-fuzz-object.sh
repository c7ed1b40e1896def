#!/bin/sh
# Fuzzes memcg-run's object reader for SECONDS (default 30), seeded with memcgc objects
# of every policy in examples/ and stdlib/ and their metadata text.
# usage: run-fuzz-object.sh FUZZER MEMCGC SECONDS WORKDIR
set -u
fuzzer=$1 memcgc=$2 seconds=${3:-30} work=${4:-build/fuzz-object}
root=$(cd "$(dirname "$0")/../.." && pwd)
mkdir -p "$work/corpus" "$work/seeds" "$work/artifacts"
for p in "$root"/examples/*.mcp "$root"/stdlib/*.mcp; do
	o=$work/seeds/$(basename "$p" .mcp).o
	"$memcgc" -o "$o" "$p" 2>/dev/null &&
		llvm-objcopy-19 --dump-section .memcgc.meta="$work/seeds/$(basename "$p" .mcp).meta" "$o"
done
# libbpf 1.5 allocates the size a struct_ops variable's BTF type claims (up to 4 GiB)
# before it checks it against the section (init_struct_ops_maps), then refuses the object
# ("var ops_v2 is beyond the end of DATASEC"): address space, never touched, so single
# allocations up to 4 GiB are allowed; the RSS limit stays 2 GiB.
"$fuzzer" -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 -malloc_limit_mb=4200 -max_len=65536 \
	-artifact_prefix="$work/artifacts/" -print_final_stats=1 "$work/corpus" "$work/seeds" \
	>"$work/log" 2>&1
rc=$?
runs=$(grep -o 'stat::number_of_executed_units: *[0-9]*' "$work/log" | grep -o '[0-9]*$')
if [ $rc -eq 0 ]; then
	echo "PASS fuzz-object: ${runs:-?} inputs in ${seconds}s, no crash, leak or sanitizer report"
else
	echo "FAIL fuzz-object: the fuzzer stopped with status $rc; see $work/log and $work/artifacts"
	tail -40 "$work/log" | sed 's/^/  /'
fi
