#!/bin/bash
# make demo: builds what is missing, boots the test kernel whose ABI has the demo
# policy's hooks, and runs the RFC's experiment with a memcgc policy (guest-demo.sh).
#   run-demo.sh BUILD [ABI]     ABI v2: examples/priority.mcp (over_high, the RFC v2 demo)
#                               ABI v6: examples/priority-delay.mcp (high_delay)
set -eu
build=$1 abi=${2:-v2}
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
case $abi in
v2) policy=$root/examples/priority.mcp ;;
v6) policy=$root/examples/priority-delay.mcp ;;
*) echo "run-demo: ABI is v2 or v6, not '$abi'" >&2; exit 2 ;;
esac
echo "demo: compiling $policy"
"$build/memcgc" -o "$build/demo.o" "$policy"
"$build/memcg-run" --inspect "$build/demo.o" | sed 's/^/demo: /'
echo "demo: booting the $abi test kernel (building it first if the cache lacks it)"
exec "$root/tests/vm/run-vm.sh" --abi "$abi" --swap --live --timeout 900 -- \
	bash "$here/guest-demo.sh" "$build" "$build/demo.o" "${DEMO_SECONDS:-20}" \
	"${DEMO_VM_BYTES:-96M}" "${DEMO_LIMIT:-160M}"
