#!/bin/bash
# The verifier's cost of conditions (issue 12): a rule of n alternatives
# `pgscan(sK) > scan and pgfault(batch) > faults or ...` cost it 4 -> 21k, 6 -> 142k,
# 8 -> over 1M instructions. Now each comparison is computed once, without a branch, so
# the cost grows linearly; and a policy at memcgc's limits (64 distinct signals, 600
# signal terms, 500 actions) loads. Prints the figures (verify_cost: bpf_prog_info
# verified_insns of the tracepoint program and of the syscall entry).
# usage: run-cost.sh MEMCGC VERIFY_COST WORKDIR
set -u
memcgc=$1 cost=$2 work=$3
mkdir -p "$work"
if [ "$(id -u)" != 0 ]; then echo "SKIP cost: setup: loading BPF programs needs root"; exit 0; fi
python3 - "$work" <<'PY'
import sys
w = sys.argv[1]
def write(name, lines):
    open(f'{w}/{name}.mcp', 'w').write('\n'.join(lines) + '\n')
for n in (2, 4, 8, 16, 50):
    write(f'alt{n}', ['cgroup batch'] + [f'cgroup s{k}' for k in range(8)] +
          ['param scan = 100/s', 'param faults = 1000/s', 'when'] +
          [f'    pgscan(s{k % 8}) > scan and pgfault(batch) > faults' + (' or' if k < n - 1 else ':')
           for k in range(n)] + ['    protect_low(batch)'])
write('counters128', ['cgroup batch'] + [f'cgroup s{k}' for k in range(8)] + ['when'] +
      [f'    pgscan(s{k % 8}) over {k // 8 + 1}s > 1/s' + (' or' if k < 127 else ':') for k in range(128)] +
      ['    protect_low(batch)'])
write('terms600', ['cgroup batch', 'cgroup s0'] +
      [f'when ' + ' or '.join(f'pgscan(s0) > {k * 100 + j + 1}/s' for j in range(100)) +
       ': protect_low(batch)' for k in range(6)])
write('actions500', ['cgroup batch', 'cgroup s0'] +
      [f'when pgscan(s0) > {k + 1}/s: over_high(batch) += {k + 1} pages; protect_low(s0)' for k in range(250)])
# all three limits at once: 128 distinct signals, 600 terms, 500 actions
lines = ['cgroup batch'] + [f'cgroup s{k}' for k in range(8)]
for r in range(6):
    lines.append('when ' + ' or '.join(f'pgscan(s{(r * 100 + j) % 8}) over {((r * 100 + j) % 128) // 8 + 1}s > {j + 1}/s'
                                       for j in range(100)) + ':')
    lines += [f'    over_high(s{a % 8}) += {a + 1} pages' for a in range(84 if r < 5 else 80)]
write('all-limits', lines)
PY
declare -A insns
for f in alt2 alt4 alt8 alt16 alt50 counters128 terms600 actions500 all-limits; do
	if ! out=$("$memcgc" -o "$work/$f.o" "$work/$f.mcp" 2>&1); then
		echo "FAIL cost/$f: memcgc refused it"; echo "$out" | head -3 | sed 's/^/  /'; continue
	fi
	line=$("$cost" "$work/$f.o" 2>/dev/null)
	if [[ $line == *refused* ]]; then echo "FAIL cost/$f: the verifier refused it"; echo "  $line" | cut -c1-300; continue; fi
	tp=$(awk '{print $3}' <<<"$line") test=$(awk '{print $5}' <<<"$line")
	insns[$f]=$((tp > test ? tp : test))
	echo "PASS cost/$f-loads (verified insns: tracepoint $tp, syscall entry $test)"
done
# linear: twice the alternatives cost at most about twice as much (2^n before)
for pair in "alt4 alt8" "alt8 alt16"; do
	set -- $pair
	a=${insns[$1]:-0} b=${insns[$2]:-0}
	if [ "$a" -gt 0 ] && [ "$b" -gt 0 ] && [ "$b" -le $((a * 5 / 2)) ]; then echo "PASS cost/linear-$1-$2 ($a -> $b)"
	else echo "FAIL cost/linear-$1-$2: $a -> $b insns"; fi
done
