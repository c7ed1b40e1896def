#!/bin/bash
# Host side of the memcgc end-to-end VM tests: compiles the policies in tests/vm/e2e with
# the freshly built memcgc, boots each kernel ABI and runs guest-e2e.sh in it.
#   run-e2e.sh BUILD [ABI...]
# Prints the guest's PASS/FAIL/SKIP lines. A VM run that ends with a non-zero status, or
# without guest-e2e.sh's last line `guest-e2e: done ABI` (the VM died or timed out, the
# script stopped early), is one FAIL for that ABI, whatever PASS lines came before.
# RUN_VM: the VM runner (default tests/vm/run-vm.sh), called with run-vm.sh's
# arguments; tests/runner/run-runner-tests.sh sets a fake one that boots nothing.
set -u
build=$1; shift
abis=${*:-v6 v2 v7 stock}
here=$(cd "$(dirname "$0")" && pwd)
run_vm=${RUN_VM:-$here/../run-vm.sh}
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
	out=$("$run_vm" --abi "$abi" --swap --timeout 500 -- \
		bash "$here/guest-e2e.sh" "$build" "$abi" "$objs" 2>&1); status=$?
	echo "$out" | grep -E '^(PASS|FAIL|SKIP|  )'
	if [ $status != 0 ] || ! grep -qx "guest-e2e: done $abi" <<<"$out"; then
		if grep -qx "guest-e2e: done $abi" <<<"$out"; then why="the VM run ended with status $status"
		else why="the VM run ended (status $status) without the guest's last line 'guest-e2e: done $abi'"; fi
		echo "FAIL memcgc-$abi-vm: $why; $(grep -cE '^(PASS|FAIL|SKIP) ' <<<"$out") result lines before it"
		echo "$out" | grep -vE '^(PASS|FAIL|SKIP|  )' | tail -20 | sed 's/^/  /'
	fi
done
