#!/bin/bash
# memcg-run on this machine's kernel (cgroup v1 memory, no memcg_bpf_ops): --inspect,
# --probe against synthetic BTF for each RFC ABI, --dry-run with a real memory workload
# (text and JSON), clean exit on SIGTERM and SIGKILL, and every error a user can cause.
# usage: run-runtime.sh BUILD
set -u
build=$1
memcgc=$build/memcgc run=$build/memcg-run
work=$build/tests/runtime
root=/sys/fs/cgroup/memory
high=$root/memcgc-rt-high.$$ low=$root/memcgc-rt-low.$$
mkdir -p "$work"

counts() { echo "$(bpftool prog show | grep -c '^[0-9]') $(bpftool map show | grep -c '^[0-9]') $(bpftool link show | grep -c '^[0-9]')"; }
pass() { echo "PASS runtime/$1${2:+ ($2)}"; }
fail() { echo "FAIL runtime/$1: $2"; shift 2; for l in "$@"; do echo "  $l"; done; }
# check NAME WANT_STATUS WANT_TEXT COMMAND...: status and a line of output (stdout+stderr)
check() {
	local name=$1 want=$2 text=$3; shift 3
	local out status
	out=$("$@" 2>&1); status=$?
	if [ "$status" = "$want" ] && grep -qF -- "$text" <<<"$out"; then pass "$name"
	else fail "$name" "exit $status (want $want), output lacks '$text'" "$(head -5 <<<"$out")"; fi
}
cleanup() {
	for d in "$high/child" "$high/child2" "$high" "$low"; do [ -d "$d" ] && rmdir "$d" 2>/dev/null; done
	rm -f /var/tmp/memcgc-rt-file.$$
}
trap cleanup EXIT

for p in examples/priority.mcp stdlib/tiers.mcp examples/tour.mcp tests/runtime/ranges.mcp; do
	"$memcgc" -o "$work/$(basename "$p" .mcp).o" "$p" 2>/dev/null
done
for b in v2 v6 v7 none notracepoint; do
	clang-19 -g -target bpf -c -o "$work/btf-$b.o" "tests/runtime/btf/$b.c" || echo "FAIL runtime/btf-$b: clang"
done
prio=$work/priority.o tiers=$work/tiers.o

# --inspect: the metadata, nothing loaded
check inspect 0 "rule 0, examples/priority.mcp:7: when pgscan(high) > threshold:" "$run" --inspect "$prio"
check inspect-action 0 "line 8: over_high(low) += boost hold 1s -> v2:memcg_nr_pages_over_high" "$run" --inspect "$prio"
check inspect-abis 0 "runs on: no kernel ABI offers every hook it needs" "$run" --inspect "$work/tour.o"

# --probe: the ABI from the members of struct memcg_bpf_ops in BTF
check probe-v2 0 "memcg_bpf_ops              yes, ABI v2" "$run" --probe --btf "$work/btf-v2.o" "$prio"
check probe-v6 0 "attach by link_create.cgroup.relative_fd" "$run" --probe --btf "$work/btf-v6.o" "$tiers"
check probe-v7 0 "yes, ABI v7 (handle_cgroup_online, handle_cgroup_offline, below_low, below_min, memcg_charged, memcg_uncharged); attach by target_fd + BPF_F_CGROUP_FD" "$run" --probe --btf "$work/btf-v7.o" "$tiers"
check probe-v2-policy-on-v6 1 "examples/priority.mcp:8: over_high needs memcg_bpf_ops.memcg_nr_pages_over_high (v2); this kernel has v6: handle_cgroup_online, handle_cgroup_offline, below_low, below_min, get_high_delay_ms" "$run" --probe --btf "$work/btf-v6.o" "$prio"
check probe-v6-policy-on-v2 1 "high_delay needs memcg_bpf_ops.get_high_delay_ms (v3-v6) or memcg_charged (v7); this kernel has v2" "$run" --probe --btf "$work/btf-v2.o" "$tiers"
check probe-no-ops 1 "this kernel has no memcg_bpf_ops" "$run" --probe --btf "$work/btf-none.o" "$prio"
check probe-no-tracepoint 1 "memcg:count_memcg_events   no" "$run" --probe --btf "$work/btf-notracepoint.o"
check probe-this-kernel 1 "memcg_bpf_ops              no" "$run" --probe "$prio"
check probe-dry-run 0 "(dry run): can run" "$run" --probe --dry-run "$prio"

# errors, each one line
check err-not-memcgc 1 "not a memcgc object (no .memcgc.meta section)" "$run" --inspect "$work/btf-v2.o"
printf 'memcgc-object 9\nend\n' > "$work/meta9.txt"
llvm-objcopy-19 --update-section .memcgc.meta="$work/meta9.txt" "$prio" "$work/meta9.o"
check err-format 1 "made by an incompatible memcgc (metadata format 'memcgc-object 9" "$run" --inspect "$work/meta9.o"
# the metadata's term and expr records are read strictly; format 1 is refused
llvm-objcopy-19 --dump-section .memcgc.meta="$work/meta.txt" "$prio"
meta_variant() {   # NAME SED-EXPRESSION: priority.o with its metadata edited
	sed "$2" "$work/meta.txt" > "$work/meta-$1.txt"
	llvm-objcopy-19 --update-section .memcgc.meta="$work/meta-$1.txt" "$prio" "$work/meta-$1.o"
}
meta_variant v1 's/^memcgc-object 2$/memcgc-object 1/'
check err-format-1 1 "made by an incompatible memcgc (metadata format 'memcgc-object 1', this memcg-run reads 'memcgc-object 2'): rebuild it with this memcgc" "$run" --inspect "$work/meta-v1.o"
meta_variant term 's/^term 0 signal 0 /term 0 signal 7 /'
check err-meta-term 1 "metadata line 12 is malformed: 'term 0 signal 7 \"pgscan(high)\"'" "$run" --inspect "$work/meta-term.o"
meta_variant expr 's/^expr action 0 value size "p1"$/expr action 0 value size "p1 +"/'
check err-no-file 1 "nonexistent.o: cannot read it: No such file or directory" "$run" --inspect "$work/nonexistent.o"
check err-btf-alone 2 "--btf goes with --probe" "$run" --btf "$work/btf-v2.o" "$prio"
check err-no-object 2 "no policy object given" "$run"
check err-hooks-on-host 1 "no cgroup v2 memory controller" "$run" --cgroup high=x "$prio"
check err-unbound 1 "cgroup high is not bound: give --cgroup high=PATH" "$run" --dry-run "$prio"
check err-missing-path 1 "does not exist (create it, or bind another with --cgroup high=PATH)" "$run" --dry-run --cgroup high=memcgc-no-such --cgroup low=memcgc-no-such "$prio"
check err-not-cgroup 1 "/tmp is not a cgroup directory" "$run" --dry-run --cgroup high=/tmp "$prio"
check err-unit-name 1 "no systemd unit 'nothere.slice'" "$run" --dry-run --cgroup high=nothere.slice "$prio"
v2=$(mktemp -d /tmp/memcgc-cg2.XXXXXX)
if mount -t cgroup2 none "$v2" 2>/dev/null; then
	check err-wrong-hierarchy 1 "is on the cgroup v2 hierarchy; this machine's memory controller is on cgroup v1" \
		"$run" --dry-run --cgroup high="$v2" --cgroup low="$v2" "$prio"
	umount "$v2"
else
	echo "SKIP runtime/err-wrong-hierarchy: cannot mount a cgroup2 hierarchy here"
fi
rmdir "$v2"
mkdir -p "$high" "$low"
echo 32M > "$high/memory.limit_in_bytes"
check err-meta-expr 1 "metadata expression 'p1 +' is malformed: rebuild it with this memcgc" "$run" --dry-run --cgroup high="$high" --cgroup low="$low" "$work/meta-expr.o"
check err-unknown-cgroup 1 "the policy has no cgroup 'middle'" "$run" --dry-run --duration 1s --cgroup high="$high" --cgroup low="$low" --cgroup middle="$low" "$prio"
check err-unknown-param 1 "the policy has no parameter 'treshold'" "$run" --dry-run --duration 1s --cgroup high="$high" --cgroup low="$low" --set treshold=5/s "$prio"
check err-param-unit 1 "--set boost=4MB: unknown unit 'MB' (did you mean 'MiB'?)" "$run" --dry-run --cgroup high="$high" --cgroup low="$low" --set boost=4MB "$prio"
check err-param-type 1 "--set threshold=4MiB: threshold is a rate (default 100/s), not a size" "$run" --dry-run --cgroup high="$high" --cgroup low="$low" --set threshold=4MiB "$prio"
check err-param-range 1 "--set tier_delay=3s: stdlib/tiers.mcp:18: high_delay(low) = tier_delay is 3000 ms, out of range: the kernel clamps throttle delays to 2 s" "$run" --dry-run --cgroup high="$high" --cgroup low="$low" --set tier_delay=3s "$tiers"
check err-param-size-range 1 "--set boost=0B: examples/priority.mcp:8: over_high(low) += boost is 0 pages, out of range: it adds nothing below one page" "$run" --dry-run --cgroup high="$high" --cgroup low="$low" --set boost=0B "$prio"
# a parameter inside an expression, and in hold and for times: the compiler's ranges
ranges=$work/ranges.o
check err-range-expr-large 1 "--set delay=1500ms: tests/runtime/ranges.mcp:9: high_delay(low) = delay * 2 is 3000 ms, out of range: the kernel clamps throttle delays to 2 s" "$run" --dry-run --cgroup high="$high" --cgroup low="$low" --set delay=1500ms "$ranges"
check err-range-expr-small 1 "--set delay=5ms: tests/runtime/ranges.mcp:9: high_delay(low) = delay * 2 is 10 ms, out of range: the kernel does not sleep for delays of HZ/100 or less" "$run" --dry-run --cgroup high="$high" --cgroup low="$low" --set delay=5ms "$ranges"
check err-range-hold 1 "--set linger=25h: tests/runtime/ranges.mcp:9: hold linger is 90000000 ms, out of range: times are 0s to 24h" "$run" --dry-run --cgroup high="$high" --cgroup low="$low" --set linger=25h "$ranges"
check err-range-for 1 "--set settle=30h: tests/runtime/ranges.mcp:8: for settle is 108000000 ms, out of range: times are 0s to 24h" "$run" --dry-run --cgroup high="$high" --cgroup low="$low" --set settle=30h "$ranges"
check range-expr-in-range 0 "rule 0 (line 8) idle   fired 0" "$run" --dry-run --duration 1.2s --cgroup high="$high" --cgroup low="$low" --set delay=500ms --set linger=24h "$ranges"
check err-override-dry 2 "--allow-override has no meaning with --dry-run" "$run" --dry-run --allow-override "$prio"
check err-not-root 1 "loading BPF programs needs root" setpriv --reuid=nobody --regid=nogroup --clear-groups "$run" --dry-run --cgroup high="$high" --cgroup low="$low" "$prio"

# a program the verifier rejects: the tracepoint program's first store to the stack
# patched to write above the frame; the error names the policy line from the -g line info
tp_section=tp/memcg/count_memcg_events
patch_stack_store() {   # IN.o OUT.o
	llvm-objcopy-19 --dump-section "$tp_section=$work/text.bin" "$1" &&
	python3 - "$work/text.bin" <<'PY' && llvm-objcopy-19 --update-section "$tp_section=$work/text.bin" "$1" "$2"
import sys
path = sys.argv[1]
code = bytearray(open(path, "rb").read())
for i in range(0, len(code), 8):   # *(u64 *)(r10 - N) = rX  ->  *(u64 *)(r10 + 16) = rX
    if code[i] == 0x7b and code[i + 1] & 0x0f == 10 and code[i + 3] & 0x80:
        code[i + 2:i + 4] = (16).to_bytes(2, "little")
        break
else:
    sys.exit("no stack store in the tracepoint program")
open(path, "wb").write(code)
PY
}
"$memcgc" -g -o "$work/priority-g.o" examples/priority.mcp
patch_stack_store "$work/priority-g.o" "$work/rejected-g.o"
patch_stack_store "$prio" "$work/rejected.o"
before=$(counts)
out=$("$run" --dry-run --duration 1s --cgroup high="$high" --cgroup low="$low" "$work/rejected-g.o" 2>&1); status=$?
if [ $status = 1 ] && grep -qF "memcg-run: error: $work/rejected-g.o: the kernel's verifier rejected program count_memcg_events at examples/priority.mcp:7 (when pgscan(high) > threshold:): invalid write to stack R10 off=16 size=8; memcgc made code this kernel refuses" <<<"$out" &&
   [ "$(grep -c '^    ' <<<"$out")" -ge 3 ] && grep -qx "    invalid write to stack R10 off=16 size=8" <<<"$out" &&
   [ "$(grep -vc '^    ' <<<"$out")" = 1 ]; then pass verifier-rejection-policy-line
else fail verifier-rejection-policy-line "exit $status" "$(head -6 <<<"$out")"; fi
check verifier-rejection-without-g 1 "rejected program count_memcg_events: invalid write to stack R10 off=16 size=8; no policy line (built without memcgc -g): rebuild with -g to see it" \
	"$run" --dry-run --duration 1s --cgroup high="$high" --cgroup low="$low" "$work/rejected.o"
[ "$(counts)" = "$before" ] && pass verifier-rejection-leaves-nothing || fail verifier-rejection-leaves-nothing "prog/map/link counts $before -> $(counts)"

# --dry-run with a memory workload in high: its pgscan rate, the rule on, then off
before=$(counts)
tracefs_before=$(grep -c tracefs /proc/mounts)
file=/var/tmp/memcgc-rt-file.$$
sync; echo 3 > /proc/sys/vm/drop_caches
"$run" --dry-run --explain --cgroup high="$high" --cgroup low="$low" --set threshold=50/s \
	--duration 6s "$prio" > "$work/dry.out" 2>&1 &
runner=$!
sleep 1.5
sh -c "echo \$\$ > $high/cgroup.procs; dd if=/dev/zero of=$file bs=1M count=96 status=none; cat $file > /dev/null; cat $file > /dev/null"
wait $runner; status=$?
if [ $status = 0 ] && grep -q "rule 0 (line 7) ACTIVE fired 1" "$work/dry.out" &&
   grep -qE "high: pgscan [1-9][0-9.]*/s" "$work/dry.out" && grep -q "over_high 1024 pages" "$work/dry.out"; then
	pass dry-run-rule-on
else
	fail dry-run-rule-on "exit $status; no active rule with a pgscan rate" "$(tail -8 "$work/dry.out")"
fi
active_rate=$(sed -nE 's/.*rule 0 \(line 7\) ACTIVE fired 1  when pgscan\(high\) > threshold:  pgscan\(high\) ([0-9.]+)\/s, threshold 50\/s$/\1/p' "$work/dry.out" | sort -g | tail -1)
if [ -n "$active_rate" ] && python3 -c "import sys; sys.exit(not float('$active_rate') > 50)"; then
	pass status-condition-values "pgscan(high) $active_rate/s > threshold 50/s"
else fail status-condition-values "no ACTIVE status line with pgscan(high) above threshold 50/s" "$(grep "rule 0" "$work/dry.out" | head -3)"; fi
if tail -3 "$work/dry.out" | grep -q "rule 0 (line 7) idle"; then pass dry-run-rule-off
else fail dry-run-rule-off "the rule did not turn off once high stopped" "$(tail -4 "$work/dry.out")"; fi
if grep -qE "low: over_high 0 -> 1024 pages; rule 0 \(line 7\) holds: when pgscan\(high\) > threshold: pgscan\(high\) [0-9.]+/s, threshold 50/s \(dry run" "$work/dry.out"; then
	pass explain-on; else fail explain-on "no --explain line for the action turning on" "$(grep low: "$work/dry.out" | head -3)"; fi
[ "$(counts)" = "$before" ] && pass dry-run-leaves-nothing || fail dry-run-leaves-nothing "prog/map/link counts $before -> $(counts)"
[ "$(grep -c tracefs /proc/mounts)" = "$tracefs_before" ] && pass tracefs-as-found || fail tracefs-as-found "tracefs mounts changed"

# --json: one object per interval, the same numbers
sync; echo 3 > /proc/sys/vm/drop_caches; rm -f "$file"
"$run" --dry-run --json --explain --cgroup high="$high" --cgroup low="$low" --set threshold=50/s \
	--duration 6s "$prio" > "$work/dry.json" 2>&1 &
runner=$!
sleep 1.2
sh -c "echo \$\$ > $high/cgroup.procs; dd if=/dev/zero of=$file bs=1M count=96 status=none; cat $file > /dev/null"
wait $runner
if python3 - "$work/dry.json" <<'PY'
import json, sys
every = [json.loads(l) for l in open(sys.argv[1]) if l.strip()]
changes = [o["change"] for o in every if "change" in o]
lines = [o for o in every if "change" not in o]
assert len(lines) >= 3, lines
assert changes and changes[0]["cgroup"] == "low" and changes[0]["hook"] == "over_high", changes
assert changes[0]["from"] == 0 and changes[0]["to"] == 1024 and changes[0]["rules"][0]["line"] == 7
for o in lines:
    assert o["rules"][0]["line"] == 7 and isinstance(o["rules"][0]["active"], bool)
    assert "pgscan" in o["cgroups"]["high"]["rates"] and "over_high" in o["cgroups"]["low"]["hooks"]
on = [o for o in lines if o["rules"][0]["active"]]
assert on and all(o["cgroups"]["low"]["hooks"]["over_high"] == 1024 for o in on), lines
assert max(o["cgroups"]["high"]["rates"]["pgscan"] for o in lines) > 50
for o in lines:   # each rule's condition terms: the signal's rate, the parameter as set
    v = o["rules"][0]["values"]
    assert [(t["term"], t["kind"], t["unit"]) for t in v] == [("pgscan(high)", "signal", "/s"), ("threshold", "param", "/s")], v
    assert v[1]["value"] == 50, v
assert any(o["rules"][0]["active"] and o["rules"][0]["values"][0]["value"] > 50 for o in lines), lines
assert changes[0]["rules"][0]["values"][1] == {"term": "threshold", "kind": "param", "value": 50, "unit": "/s"}, changes
PY
then pass json; else fail json "JSON lines do not carry the rule turning on with high's rate" "$(head -3 "$work/dry.json")"; fi

# terms of a condition with windows, and of another cgroup
"$run" --dry-run --json --duration 1.1s --cgroup high="$high" --cgroup low="$low" "$work/tour.o" > "$work/tour.json" 2>&1
if python3 - "$work/tour.json" <<'PY'
import json, sys
o = json.loads(open(sys.argv[1]).readline())
terms = [[(t["term"], t["kind"], t["unit"]) for t in r["values"]] for r in o["rules"]]
assert terms == [[("pgscan(high)", "signal", "/s"), ("threshold", "param", "/s")],
                 [("pgscan(high) over 5s", "signal", "/s"), ("pgrefill(high) over 5s", "signal", "/s"),
                  ("pgfault(low)", "signal", "/s")]], terms
assert o["rules"][1]["values"][2]["value"] == o["cgroups"]["low"]["rates"]["pgfault"], o
PY
then pass json-condition-terms; else fail json-condition-terms "tour.o's rules lack their terms" "$(head -c 600 "$work/tour.json")"; fi

# a cgroup created below high while memcg-run runs counts for high within a second;
# -q prints only what changed
sync; echo 3 > /proc/sys/vm/drop_caches; rm -f "$file"
"$run" --dry-run -q --interval 200ms --cgroup high="$high" --cgroup low="$low" --set threshold=50/s \
	--duration 5s "$prio" > "$work/child.out" 2>&1 &
runner=$!
sleep 1
mkdir "$high/child"
sleep 1
sh -c "echo \$\$ > $high/child/cgroup.procs; dd if=/dev/zero of=$file bs=1M count=96 status=none; cat $file > /dev/null"
wait $runner
if grep -q "rule 0 (line 7) ACTIVE" "$work/child.out"; then pass descendant-created-while-running
else fail descendant-created-while-running "events in high/child did not count for high" "$(tail -4 "$work/child.out")"; fi
statuses=$(grep -c "rule 0 (line 7)" "$work/child.out")
if [ "$statuses" -ge 2 ] && [ "$statuses" -le 6 ]; then pass quiet-prints-changes "$statuses of 25 intervals printed"
else fail quiet-prints-changes "$statuses of 25 intervals printed" "$(cat "$work/child.out")"; fi

# the cgroup-id map follows cgroups created and removed below high within a second, even
# with a status only every 5 s; events in a new child count for high in that time
slots() { bpftool -j map dump name cgroup_slots | python3 -c 'import json,sys; print(" ".join(str(e["formatted"]["key"]) for e in json.load(sys.stdin)))'; }
sync; echo 3 > /proc/sys/vm/drop_caches; rm -f "$file"
"$run" --dry-run --interval 5s --cgroup high="$high" --cgroup low="$low" --set threshold=50/s \
	--duration 5.5s "$prio" > "$work/rescan.out" 2>&1 &
runner=$!
sleep 1
mkdir "$high/child2"
child_id=$(stat -c %i "$high/child2")
sleep 1
added=no
if grep -qw "$child_id" <<<"$(slots)"; then pass rescan-adds-within-a-second; added=yes
else fail rescan-adds-within-a-second "cgroup id $child_id of high/child2 not in cgroup_slots 1 s after mkdir" "$(slots)"; fi
sh -c "echo \$\$ > $high/child2/cgroup.procs; dd if=/dev/zero of=$file bs=1M count=96 status=none; cat $file > /dev/null"
rmdir "$high/child2"
sleep 1
if [ $added = yes ] && ! grep -qw "$child_id" <<<"$(slots)"; then pass rescan-removes-within-a-second
else fail rescan-removes-within-a-second "cgroup id $child_id not added, or still in cgroup_slots 1 s after rmdir" "$(slots)"; fi
wait $runner
if grep -q "rule 0 (line 7) .* fired 1 " "$work/rescan.out" && [ "$(grep -c "rule 0 (line 7)" "$work/rescan.out")" = 2 ]; then
	pass rescan-counts-between-statuses
else fail rescan-counts-between-statuses "events in high/child2 did not fire the rule before the 5 s status" "$(cat "$work/rescan.out")"; fi

# --pin DIR keeps the policy after memcg-run exits; --unpin DIR removes it
bpffs=$(mktemp -d /tmp/memcgc-bpffs.XXXXXX)
mount -t bpf bpf "$bpffs"
before=$(counts)
check pin-not-bpffs 1 "is not on a BPF file system (mount one with 'mount -t bpf bpf /sys/fs/bpf')" \
	"$run" --dry-run --duration 1s --pin /tmp/memcgc-not-bpffs.$$ --cgroup high="$high" --cgroup low="$low" "$prio"
check pin 0 "the policy stays attached, pinned in $bpffs/p; remove it with memcg-run --unpin $bpffs/p" \
	"$run" --dry-run --duration 1s --pin "$bpffs/p" --cgroup high="$high" --cgroup low="$low" "$prio"
[ "$(counts)" != "$before" ] && [ -e "$bpffs/p/tracepoint" ] && pass pin-outlives-memcg-run || fail pin-outlives-memcg-run "counts $before -> $(counts)"
check unpin 0 "removed the policy pinned in $bpffs/p" "$run" --unpin "$bpffs/p"
sleep 0.3
[ "$(counts)" = "$before" ] && [ ! -e "$bpffs/p" ] && pass unpin-leaves-nothing || fail unpin-leaves-nothing "counts $before -> $(counts)"
check unpin-not-ours 1 "holds no policy pinned by memcg-run --pin" "$run" --unpin "$bpffs"
umount "$bpffs"; rmdir "$bpffs"

# SIGTERM detaches and exits 0; SIGKILL leaves nothing either (links belong to the process)
for sig in TERM INT KILL; do
	before=$(counts)
	"$run" --dry-run --cgroup high="$high" --cgroup low="$low" "$prio" > /dev/null 2>&1 &
	runner=$!
	sleep 1.5
	during=$(counts)
	kill -$sig $runner; wait $runner; status=$?
	sleep 0.5
	want=0; [ $sig = KILL ] && want=137
	if [ "$during" != "$before" ] && [ "$(counts)" = "$before" ] && [ $status = $want ]; then pass "sig$sig-leaves-nothing"
	else fail "sig$sig-leaves-nothing" "exit $status (want $want); counts $before, running $during, after $(counts)"; fi
done
[ "$(grep -c tracefs /proc/mounts)" = "$tracefs_before" ] && pass tracefs-as-found-after-kill || fail tracefs-as-found-after-kill "tracefs mounts changed"
