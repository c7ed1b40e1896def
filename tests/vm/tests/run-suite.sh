#!/bin/bash
# The VM suite, host side: boots each kernel ABI once and runs guest.sh in it.
#   tests/vm/tests/run-suite.sh BUILD [ABI...]
# Prints the guest's PASS/FAIL/SKIP lines; a VM that fails to boot or times
# out is one FAIL for that ABI. Needs `make vm-progs` (check-vm does it).
HERE=$(cd "$(dirname "$0")/.." && pwd)
BUILD=$(cd "${1:-build}" && pwd)
shift
ABIS=${*:-v6 v2 v7}
status=0
for abi in $ABIS; do
	for f in loader toucher "memcg_ops-$abi.bpf.o"; do
		[ -e "$BUILD/vm/$f" ] || { echo "FAIL vm-$abi: $BUILD/vm/$f missing (make vm-progs)"; status=1; continue 2; }
	done
	out=$("$HERE/run-vm.sh" --abi "$abi" --swap --timeout "${VM_TIMEOUT:-420}" -- \
		"$HERE/tests/guest.sh" "$BUILD" "$abi" 2>&1)
	rc=$?
	echo "$out"
	if [ "$rc" != 0 ]; then
		echo "FAIL vm-$abi: the VM run ended with status $rc"
		echo "$out" | grep '^run-vm\|console:' | tail -20 | sed 's/^/  /'
		status=1
	fi
done
exit $status
