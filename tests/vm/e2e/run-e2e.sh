#!/bin/bash
# Host side of the memcgc end-to-end VM tests: compiles the policies in tests/vm/e2e with
# the freshly built memcgc, boots each kernel ABI and runs guest-e2e.sh in it.
#   run-e2e.sh BUILD [ABI...]
set -u
build=$1; shift
abis=${*:-v6 v2 v7}
here=$(cd "$(dirname "$0")" && pwd)
objs=$build/vm-e2e
mkdir -p "$objs"
root=$(cd "$here/../../.." && pwd)
for p in "$here"/*.mcp; do
	"$build/memcgc" -o "$objs/$(basename "$p" .mcp).o" "$p" 2>/dev/null ||
		echo "FAIL memcgc-compile-$(basename "$p"): memcgc failed"
done
for p in "$root"/examples/*.mcp "$root"/stdlib/*.mcp; do
	"$build/memcgc" -o "$objs/example-$(basename "$p" .mcp).o" "$p" 2>/dev/null ||
		echo "FAIL memcgc-compile-$(basename "$p"): memcgc failed"
done
for abi in $abis; do
	out=$("$here/../run-vm.sh" --abi "$abi" --swap --timeout 500 -- \
		bash "$here/guest-e2e.sh" "$build" "$abi" "$objs" 2>&1); status=$?
	echo "$out" | grep -E '^(PASS|FAIL|SKIP|  )'
	echo "$out" | grep -qE '^(PASS|FAIL)' || echo "FAIL memcgc-$abi-boot: VM exited $status without results"
	[ $status = 0 ] || echo "$out" | tail -20 | sed 's/^/  /'
done
