#!/bin/bash
# The shapes that crashed memcgc (issue 12): a flat chain of 100,000 `+` terms, one of
# 100,000 `or` alternatives, an import chain of 2,000 files, and a chain of 1,100
# defines. Each must end in its diagnostic (exit 1), never in a signal.
# usage: run-limits.sh MEMCGC [WORKDIR]
set -u
memcgc=$1 work=${2:-build/tests/limits}
mkdir -p "$work/imports"
python3 - "$work" <<'PY'
import sys
w = sys.argv[1]
open(f'{w}/plus.mcp', 'w').write('cgroup a\nwhen pgscan(a) > ' + ' + '.join(['1/s'] * 100000) + ': protect_low(a)\n')
open(f'{w}/or.mcp', 'w').write('cgroup a\nwhen ' + ' or '.join(['pgscan(a) > 1/s'] * 100000) + ': protect_low(a)\n')
open(f'{w}/not.mcp', 'w').write('cgroup a\nwhen ' + 'not ' * 50000 + 'pgscan(a) > 1/s: protect_low(a)\n')
defs = ['cgroup a', 'define d0 = pgscan(a)'] + [f'define d{i} = d{i-1} + 1/s' for i in range(1, 1100)]
open(f'{w}/defines.mcp', 'w').write('\n'.join(defs + ['when d1099 > 1/s: protect_low(a)']) + '\n')
# 60,000 chained defines compile (issue 12: 58 s before; `make bench-frontend` times them); 900 of them whose
# one use expands to ~3,600 nodes are within the limit, which counts what uses expand to
chain = ['cgroup a', 'define d0 = pgscan(a)'] + [f'define d{i} = d{i-1}' for i in range(1, 60000)]
open(f'{w}/chain.mcp', 'w').write('\n'.join(chain + ['when d59999 > 1/s: protect_low(a)']) + '\n')
grow = ['cgroup a', 'define d0 = pgscan(a)'] + [f'define d{i} = d{i-1} + (1/s + 1/s)' for i in range(1, 900)]
open(f'{w}/grow.mcp', 'w').write('\n'.join(grow + ['when d899 > 1/s: protect_low(a)']) + '\n')
# 1,000 one-node defines chained to one of ~3,000 nodes: the one use makes ~3,000 nodes
big = ' + '.join(['(' + ' + '.join(['1/s'] * 50) + ')'] * 30)
one = ['cgroup a', f'define d0 = {big}'] + [f'define d{i} = d{i-1}' for i in range(1, 1000)]
open(f'{w}/one-node.mcp', 'w').write('\n'.join(one + ['when pgscan(a) > d999: protect_low(a)']) + '\n')
for i in range(2000):
    open(f'{w}/imports/i{i}.mcp', 'w').write(f'import "i{i + 1}.mcp"\n' if i < 1999 else 'cgroup a\n')
PY
# check NAME FILE TEXT
check() {
	local out status
	out=$("$memcgc" --check "$2" 2>&1); status=$?
	if [ "$status" = 1 ] && grep -qF -- "$3" <<<"$out"; then echo "PASS limits/$1"
	else echo "FAIL limits/$1: exit $status (want 1), output lacks '$3'"; head -c 600 <<<"$out" | sed 's/^/  /'; fi
}
check plus-100000 "$work/plus.mcp" "error: this expression is nested too deeply: more than 1000 levels"
check or-100000 "$work/or.mcp" "error: this expression is nested too deeply: more than 1000 levels"
check not-50000 "$work/not.mcp" "is nested too deeply"
check defines-1100 "$work/defines.mcp" "with its defines expanded, this expression is nested too deeply"
check imports-2000 "$work/imports/i0.mcp" "error: imports are nested too deeply: more than 100 files"
# compiles NAME FILE: exit 0 (the time taken is shown, never asserted: `make bench-frontend`
# measures the define chain; the timeout only ends a hang)
compiles() {
	local out status start=$SECONDS
	out=$(timeout 600 "$memcgc" --check "$2" 2>&1); status=$?
	if [ "$status" = 0 ]; then echo "PASS limits/$1 ($((SECONDS - start)) s)"
	else echo "FAIL limits/$1: exit $status (want 0)"; head -c 600 <<<"$out" | sed 's/^/  /'; fi
}
compiles defines-chain-60000 "$work/chain.mcp"
compiles defines-900-expand-3600-nodes "$work/grow.mcp"
compiles defines-1000-one-node-chain "$work/one-node.mcp"
