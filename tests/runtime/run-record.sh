#!/bin/bash
# memcg-run --record and --replay on this machine's kernel (the memcg:count_memcg_events
# tracepoint, cgroup v1 memory): a real memory workload recorded in a real memcg (in a
# child of it), the demo policy replayed on the recording, and its rule active exactly where
# the recorded pgscan rate, computed here from the file by tests/runtime/record_reader.py
# (written from docs/record-format.md), crosses the threshold; the file read while it is
# written; what a recording leaves behind (nothing); and one error line for each hostile
# file or binding.
# usage: run-record.sh BUILD
#
# Nothing depends on a quiet machine: the threshold is half the peak rate the recording
# shows, and the expected transitions are computed from the recording itself.
set -u
build=$1
memcgc=$build/memcgc run=$build/memcg-run
work=$build/tests/record
root=/sys/fs/cgroup/memory
high=$root/memcgc-rec-high.$$
reader=tests/runtime/record_reader.py
pgscan="PGSCAN_KSWAPD PGSCAN_DIRECT PGSCAN_KHUGEPAGED"     # pgscan, compiler/signals.c
if [ "$(id -u)" != 0 ]; then echo "SKIP record: setup: needs root (BPF, cgroups)"; exit 0; fi
if [ ! -d "$root" ]; then echo "SKIP record: setup: no cgroup v1 memory hierarchy at $root"; exit 0; fi
mkdir -p "$work"
file=/var/tmp/memcgc-rec-file.$$

SUITE=record
. "$(dirname "$0")/lib.sh"
# one_line NAME WANT_TEXT COMMAND...: exit 1 and exactly one line on stderr, that one
one_line() {
	local name=$1 text=$2; shift 2
	local err status
	err=$("$@" 2>&1 >/dev/null); status=$?
	if [ "$status" = 1 ] && [ "$(wc -l <<<"$err")" = 1 ] && grep -qF -- "$text" <<<"$err"; then pass "$name"
	else fail "$name" "exit $status (want 1), stderr is not the one line '$text'" "$(head -3 <<<"$err")"; fi
}
cleanup() {
	for d in "$high/child" "$high/second" "$high"; do [ -d "$d" ] && rmdir "$d" 2>/dev/null; done
	rm -f "$file" "$file.live"
}
trap cleanup EXIT
tracefs_mounts() { grep -c " /sys/kernel/tracing tracefs " /proc/mounts; }
tracefs_before=$(tracefs_mounts)
recmaps() { bpftool -j map show 2>/dev/null | grep -oE '"name":"memcg_rec_[a-z]+"' | wc -l; }

"$memcgc" -o "$work/priority.o" examples/priority.mcp || { echo "FAIL record/setup: memcgc"; exit 1; }
"$memcgc" -o "$work/pressure.o" tests/runtime/pressure.mcp || { echo "FAIL record/setup: memcgc"; exit 1; }
mkdir -p "$high/child"
echo 32M > "$high/memory.limit_in_bytes"

# --- usage
check usage-no-cgroup 2 "no policy object given" "$run" --record "$work/x.rec"
check usage-step 2 "--step takes a duration from 1ms to 60s" "$run" --record "$work/x.rec" --step 0s --cgroup a=/x
check usage-step-replay 2 "--step goes with --record" "$run" --replay "$work/x.rec" --step 10ms "$work/priority.o"
check usage-set 2 "--set has no meaning with --record" "$run" --record a --set threshold=1/s --cgroup a=/x
check usage-compare-set 2 "--compare-set sets a parameter of the --compare object" "$run" --replay a --compare-set threshold=1/s x.o
check usage-compare 2 "--compare and --compare-set go with --replay" "$run" --compare b.o x.o
check usage-both 2 "--record and --replay are two runs" "$run" --record a --replay b "$work/priority.o"
check usage-pin 2 "--pin, --actuator, --dry-run and --source have no meaning" "$run" --record a --pin /sys/fs/bpf/x --cgroup a=/x
check record-unknown-cgroup 1 "cgroup c: $root/memcgc-rec-none.$$ does not exist" "$run" --record "$work/x.rec" --cgroup c=memcgc-rec-none.$$

# --- with a policy object: its cgroups, bound as for a run, are the recorded ones
"$run" --record "$work/policy.rec" --duration 0.3 --cgroup high="$high" --cgroup low="$high/child" \
	"$work/priority.o" > "$work/policy-record.out" 2>&1; status=$?
names=$(python3 -c 'import sys; sys.path.insert(0, "tests/runtime"); import record_reader as r
print(" ".join("%s:%s" % (c["name"], c["parent"]) for c in r.read(sys.argv[1])["cgroups"]))' "$work/policy.rec" 2>&1)
if [ $status = 0 ] && [ "$names" = "high:None low:0" ]; then pass record-policy "cgroups $names"
else fail record-policy "exit $status, cgroups '$names'" "$(head -3 "$work/policy-record.out")"; fi
check record-policy-unbound 1 "priority.o: cgroup high is not bound: give --cgroup high=PATH" \
	"$run" --record "$work/x.rec" --duration 0.1 "$work/priority.o"
check record-policy-unknown 1 "priority.o: the policy has no cgroup 'other'" \
	"$run" --record "$work/x.rec" --duration 0.1 --cgroup high="$high" --cgroup low="$high" \
	--cgroup other="$high" "$work/priority.o"
# a child bound before its parent: the table's parent is after it, and the replay reads it
"$run" --record "$work/order.rec" --duration 0.3 --cgroup inner="$high/child" --cgroup high="$high" \
	> /dev/null 2>&1 && out=$("$run" --replay "$work/order.rec" --cgroup low=inner "$work/priority.o" 2>&1)
status=$?
if [ $status = 0 ] && grep -qF "memcg-run: cgroup low = recorded inner ($high/child)" <<<"$out"; then pass record-child-first
else fail record-child-first "exit $status" "$(head -3 <<<"$out")"; fi
# the whole machine: --cgroup all=/ is the memory hierarchy's root, and its events (a
# workload's page faults, in the child: a descendant) are in the file
"$run" --record "$work/all.rec" --duration 1 --cgroup all=/ > "$work/all.out" 2>&1 &
recorder=$!
wait_for "$work/all.out" "^memcg-run: recording " 10
sh -c 'echo $$ > "$1/cgroup.procs"; head -c 8M /dev/zero | tail -c 1 > /dev/null' workload "$high/child"
wait $recorder; status=$?
out=$(python3 -c 'import sys; sys.path.insert(0, "tests/runtime"); import record_reader as r
rec = r.read(sys.argv[1]); c = rec["cgroups"]
print(len(c), c[0]["name"], c[0]["path"], sum(n for _, _, it, n in rec["entries"] if rec["items"][it] == "PGFAULT") > 0)' "$work/all.rec" 2>&1)
if [ $status = 0 ] && [ "$out" = "1 all $root True" ]; then pass record-whole-machine
else fail record-whole-machine "exit $status: $out" "$(head -3 "$work/all.out")"; fi
check record-same-cgroup 1 "cgroups a and b are the same cgroup ($high): record it once" \
	"$run" --record "$work/x.rec" --duration 0.1 --cgroup a="$high" --cgroup b="$high"
check record-twice 1 "--cgroup a=$high: cgroup a is given twice" \
	"$run" --record "$work/x.rec" --duration 0.1 --cgroup a="$high" --cgroup a="$high"

# --- a recording of a workload in high/child: 96 MiB written into a 32 MiB limit, then
# read back for 3 s; high and its child recorded as two cgroups, until SIGINT a second
# after the workload (however long it took)
rec=$work/workload.rec
"$run" --record "$rec" --cgroup high="$high" --cgroup inner="$high/child" --duration 120 \
	> "$work/record.out" 2>&1 &
recorder=$!
wait_for "$work/record.out" "^memcg-run: recording " 10     # from now on, every event counts
stat_before=$(grep -E "^(pgpgin|pgfault) " "$high/child/memory.stat")
sh -c 'echo $$ > "$1/cgroup.procs"; dd if=/dev/zero of="$2" bs=1M count=96 status=none
	end=$(($(date +%s) + 3)); while [ "$(date +%s)" -le "$end" ]; do cat "$2" > /dev/null; done' \
	workload "$high/child" "$file"
sleep 1
cp "$rec" "$work/partial.rec"          # while it is written
sleep 1
kill -INT $recorder
wait $recorder; status=$?
stat_after=$(grep -E "^(pgpgin|pgfault) " "$high/child/memory.stat")
if [ $status = 0 ] && grep -qE "^memcg-run: recording 2 cgroups, [0-9]+ event items, in buckets of 10 ms, to $rec$" "$work/record.out" &&
   grep -qF "memcg-run: recording stopped: $rec" "$work/record.out"; then pass record-runs
else fail record-runs "exit $status" "$(head -5 "$work/record.out")"; fi

# the file, read with the reader written from the documentation; inner's pgpgin and
# pgfault are all the child's memory.stat counted while it was recorded, exactly
if python3 - "$reader" "$rec" "$high" "$stat_before" "$stat_after" > "$work/table.out" 2>&1 <<'PY'
import importlib.util, sys
spec = importlib.util.spec_from_file_location("reader", sys.argv[1])
reader = importlib.util.module_from_spec(spec); spec.loader.exec_module(reader)
rec = reader.read(sys.argv[2])
names = [(c["name"], c["path"], c["parent"]) for c in rec["cgroups"]]
assert names == [("high", sys.argv[3], None), ("inner", sys.argv[3] + "/child", 0)], names
assert rec["step_ns"] == 10_000_000 and rec["kernel"], rec["step_ns"]
assert rec["buckets"] >= 500, rec["buckets"]              # the workload's 3 s and more
assert "PGSCAN_DIRECT" in rec["items"] and "PGFAULT" in rec["items"]
scans = sum(n for _, cg, it, n in rec["entries"] if cg == 1 and rec["items"][it].startswith("PGSCAN"))
faults = sum(n for _, cg, it, n in rec["entries"] if cg == 1 and rec["items"][it] == "PGFAULT")
assert scans > 0 and faults > 0, (scans, faults)
before, after = (dict((k.upper(), int(v)) for k, v in (l.split() for l in s.splitlines())) for s in sys.argv[4:6])
for item in ("PGPGIN", "PGFAULT"):
    got = sum(n for _, cg, it, n in rec["entries"] if cg == 1 and rec["items"][it] == item)
    assert got == after[item] - before[item], (item, got, after[item] - before[item])
print(f"{len(rec['entries'])} entries, {scans} pages scanned in inner, its pgpgin {after['PGPGIN'] - before['PGPGIN']} and pgfault {after['PGFAULT'] - before['PGFAULT']} as memory.stat")
PY
then pass record-table "$(tail -1 "$work/table.out")"
else fail record-table "the recording is not what was recorded" "$(tail -3 "$work/table.out")" "$(cat "$work/record.out")"; fi

# --- the replay: rule 0 of priority.mcp (pgscan(high) > threshold, over 1 s) active exactly
# where the recorded rate crosses the threshold, half the peak
peak=$(python3 "$reader" peak "$rec" high 1000 $pgscan)
threshold=$((peak / 2))
if [ "$threshold" -lt 10 ]; then
	echo "SKIP record/replay-matches: setup: the workload made no reclaim to speak of (peak $peak/s)"
else
	python3 "$reader" expect "$rec" high "$threshold" 1000 $pgscan > "$work/expect.out"
	"$run" --replay "$rec" --cgroup low=high --set threshold=$threshold/s --json "$work/priority.o" \
		> "$work/replay.json" 2> "$work/replay.err"; status=$?
	python3 - "$work/replay.json" "$work/expect.out" > "$work/compare.out" 2>&1 <<'PY'
import json, sys
lines = [json.loads(l) for l in open(sys.argv[1])]
got = [(t["transition"]["time_ns"], "on" if t["transition"]["active"] else "off")
       for t in lines if "transition" in t]
want = [(int(a), b) for a, b in (l.split() for l in open(sys.argv[2]))]
assert got == want and want, f"replay {got}\nwant   {want}"
assert "not what the workload would then have done" in lines[0]["replay"]["note"]
end = lines[-1]["summary"]["seconds"]
start = lines[0]["replay"]["start_ns"]
spans = sum(((want + [(start + int(round(end * 1e9)), "off")])[i + 1][0] - want[i][0]) for i in range(0, len(want), 2))
rule = lines[-1]["summary"]["rules"][0]
assert rule["transitions"] == len(want) and abs(rule["active_s"] - spans / 1e9) < 0.0015, (rule, spans)
for t in lines:
    if "transition" in t and t["transition"]["active"]:
        v = t["transition"]["values"]
        assert v[0]["term"] == "pgscan(high)" and v[0]["value"] > v[1]["value"], v
        assert t["transition"]["actions"] == [{"kind": "over_high", "cgroup": "low", "value": 1024}], t
print(f"{len(want)} transitions at {[(w[0] - start) / 1e9 for w in want]} s, active {spans / 1e9:.2f} s")
PY
	compared=$?
	if [ $status = 0 ] && [ $compared = 0 ]; then pass replay-matches "threshold $threshold/s: $(tail -1 "$work/compare.out")"
	else fail replay-matches "exit $status" "$(cat "$work/compare.out" "$work/replay.err" | head -6)"; fi
	# the text form says the same, with the note and the summary
	out=$("$run" --replay "$rec" --cgroup low=high --set threshold=$threshold/s "$work/priority.o" 2>&1)
	ons=$(grep -cE "^\[ *[0-9.]+s\] rule 0 \(line 7\) turned on : when pgscan\(high\) > threshold:  pgscan\(high\) [0-9.]+/s, threshold [0-9.e+]+/s \| over_high\(low\) 1024 pages$" <<<"$out")
	if [ "$ons" = "$(grep -c ' on$' "$work/expect.out")" ] &&
	   grep -qF "memcg-run: a replay shows when the policy would act, not what the workload would then have done" <<<"$out" &&
	   grep -qE "^  rule 0 \(line 7\): active [0-9.]+ s, [0-9]+ transitions, longest activation [0-9.]+ s" <<<"$out"
	then pass replay-text "$ons turned on lines"
	else fail replay-text "$ons turned-on lines" "$(head -8 <<<"$out")"; fi
fi
if [ "$threshold" -ge 10 ]; then
# --compare: the same policy at the threshold and at twice it, side by side; where they
# differ is the time one of the two expected timelines is on and the other off, exactly
"$run" --replay "$rec" --cgroup low=high --set threshold=$threshold/s --json "$work/priority.o" \
	--compare "$work/priority.o" --compare-set threshold=$((threshold * 2))/s > "$work/compare.json" 2>&1; status=$?
python3 "$reader" expect "$rec" high $((threshold * 2)) 1000 $pgscan > "$work/expect2.out"
python3 - "$work/compare.json" "$work/expect.out" "$work/expect2.out" "$reader" "$rec" > "$work/compare2.out" 2>&1 <<'PY'
import importlib.util, json, sys
spec = importlib.util.spec_from_file_location("reader", sys.argv[4])
reader = importlib.util.module_from_spec(spec); spec.loader.exec_module(reader)
rec = reader.read(sys.argv[5])
end = rec["start_ns"] + rec["buckets"] * rec["step_ns"]
lines = [json.loads(l) for l in open(sys.argv[1])]
def spans(path):
    t = [int(l.split()[0]) for l in open(path)]
    t += [end] if len(t) % 2 else []
    return list(zip(t[0::2], t[1::2]))
def on(spans, x):
    return any(a <= x < b for a, b in spans)
a, b = spans(sys.argv[2]), spans(sys.argv[3])
cuts = sorted({x for s in a + b for x in s} | {rec["start_ns"], end})
differ = sum(y - x for x, y in zip(cuts, cuts[1:]) if on(a, x) != on(b, x))
for k, label, want in (("A", "A", a), ("B", "B", b)):
    got = [t["transition"]["time_ns"] for t in lines if t.get("object") == label and "transition" in t]
    assert got == [x for s in want for x in s if x != end], (label, got, want)
d = [l["difference"] for l in lines if "difference" in l]
assert len(d) == 1 and abs(d[0]["differ_s"] - differ / 1e9) < 0.0015, (d, differ)
print(f"differ {differ / 1e9:.2f} s")
PY
compared=$?
if [ $status = 0 ] && [ $compared = 0 ]; then pass replay-compare "$(tail -1 "$work/compare2.out")"
else fail replay-compare "exit $status" "$(head -5 "$work/compare2.out")"; fi
check replay-compare-agree 0 "differ: rule 0: A and B agree throughout" "$run" --replay "$rec" --cgroup low=high \
	--set threshold=$threshold/s "$work/priority.o" --compare "$work/priority.o"
fi

# the child bound on its own sees its own events: the same transitions (all of them are there)
check replay-bind-child 0 "turned on" "$run" --replay "$rec" --cgroup high=inner --cgroup low=high \
	--set threshold=$((threshold > 0 ? threshold : 1))/s "$work/priority.o"

# --- a live dry run and a recording of the same workload, side by side: each transition of
# the live run has one of the replay, same direction, within a step and the live run's
# evaluation tick (10 ms: it evaluates at events and hook calls, at most that often); a
# replay's on/off shorter than that tick may be one the live run evaluated past. A step of
# 5 ms divides the counter's 125 ms buckets (docs/record-format.md, "How close to a live
# run"); the threshold is an eighth of the first recording's peak, so that it is crossed
mkdir -p "$high/second"
echo 32M > "$high/second/memory.limit_in_bytes"
live_t=$(( peak / 8 > 10 ? peak / 8 : 10 ))
"$run" --dry-run --json --interval 10ms --cgroup high="$high/second" --cgroup low="$high/second" \
	--set threshold=$live_t/s --duration 120 "$work/priority.o" > "$work/live.json" 2> "$work/live.err" &
live=$!
"$run" --record "$work/live.rec" --step 5ms --cgroup high="$high/second" --duration 120 > "$work/live-record.out" 2>&1 &
recorder=$!
wait_for "$work/live-record.out" "^memcg-run: recording " 10
wait_for "$work/live.json" '"rules"' 10
sh -c 'echo $$ > "$1/cgroup.procs"; dd if=/dev/zero of="$2" bs=1M count=96 status=none
	end=$(($(date +%s) + 3)); while [ "$(date +%s)" -le "$end" ]; do cat "$2" > /dev/null; done' \
	workload "$high/second" "$file.live"   # a file of its own: the first one's pages are charged to child
sleep 2         # the rule off in both (its window is 1 s), then both stopped
kill -INT $live $recorder
wait $live; live_status=$?
wait $recorder; status=$?
"$run" --replay "$work/live.rec" --cgroup low=high --set threshold=$live_t/s --json "$work/priority.o" \
	> "$work/live-replay.json" 2>&1 || status=1
python3 - "$work/live.json" "$work/live-replay.json" > "$work/live-compare.out" 2>&1 <<'PY'
import json, sys
def transitions(path):
    return [(t["time_ns"], t["active"]) for t in
            (json.loads(l)["transition"] for l in open(path) if '"transition"' in l)]
live, replay = transitions(sys.argv[1]), transitions(sys.argv[2])
if not live and not replay:
    print("SKIP: no transition live or replayed")
    sys.exit(2)
TICK, STEP = 10_000_000, 5_000_000
left = list(replay)
for t, on in live:
    near = [r for r in left if r[1] == on and abs(r[0] - t) <= STEP + TICK]
    assert near, f"live {'on' if on else 'off'} at {t} has no replay transition within 15 ms\nlive   {live}\nreplay {replay}"
    left.remove(near[0])
# what is left: short on/off pairs only
left.sort()
while left:
    a = left.pop(0)
    b = left.pop(0) if left else None
    assert b and a[1] != b[1] and b[0] - a[0] <= TICK + STEP, f"replay {a} {b} not in the live run\nlive   {live}\nreplay {replay}"
print(f"{len(live)} live transitions, {len(replay)} replayed")
PY
compared=$?
if [ $compared = 2 ]; then echo "SKIP record/live-agrees: setup: no transition at threshold $live_t/s, live or replayed"
elif [ $live_status = 0 ] && [ $status = 0 ] && [ $compared = 0 ]; then pass live-agrees "$(tail -1 "$work/live-compare.out")"
else fail live-agrees "exit $live_status (live), $status (record, replay)" "$(head -4 "$work/live-compare.out" "$work/live.err")"; fi
rmdir "$high/second" 2>/dev/null

# a policy that reads what the recording has not (pressure: cgroup v2's memory.pressure)
err=$("$run" --replay "$rec" --cgroup low=high "$work/pressure.o" 2>&1 >/dev/null); status=$?
if [ $status = 0 ] && [ "$err" = "memcg-run: warning: $rec has no PSI_SOME events (pressure(high) over 2s, tests/runtime/pressure.mcp:6): they count as none in this replay" ]
then pass replay-missing-items
else fail replay-missing-items "exit $status" "$err"; fi

# --- read while written: the copy taken a second before the end replays, and is shorter
size_part=$(stat -c %s "$work/partial.rec") size_all=$(stat -c %s "$rec")
out=$("$run" --replay "$work/partial.rec" --cgroup low=high "$work/priority.o" 2>&1); status=$?
if [ $status = 0 ] && [ "$size_part" -lt "$size_all" ] && grep -q "^summary: " <<<"$out"; then
	pass read-while-written "$size_part of $size_all bytes: $(grep '^summary' <<<"$out")"
else fail read-while-written "exit $status, $size_part of $size_all bytes" "$(head -3 <<<"$out")"; fi

# --- nothing left: the recorder's maps go with it, tracefs is as found
for ((i = 0; i < 100; i++)); do [ "$(recmaps)" = 0 ] && break; sleep 0.1; done
[ "$(recmaps)" = 0 ] && pass leaves-nothing || fail leaves-nothing "$(recmaps) memcg_rec_* maps after the recording"
[ "$(tracefs_mounts)" = "$tracefs_before" ] && pass tracefs-as-found || fail tracefs-as-found "tracefs mounts changed"

# --- hostile files and bindings: one line naming the file (and where), exit 1
python3 - "$rec" "$work" <<'PY'
import struct, sys
d = open(sys.argv[1], "rb").read()
w = sys.argv[2]
table = struct.unpack_from("<I", d, 12)[0]
start = 56 + table
def put(name, data):
    open(f"{w}/{name}.rec", "wb").write(data)
put("truncated", d[:len(d) - 5])
put("header", d[:30])
put("table", d[:60])
put("newer", d[:8] + struct.pack("<I", 2) + d[12:])
put("magic", b"notmemcg" + d[8:])
bad = bytearray(d); struct.pack_into("<H", bad, start + 4, 9); put("badcgroup", bytes(bad))
back = bytearray(d); struct.pack_into("<I", back, start + 16, 0); struct.pack_into("<I", back, start, 7); put("back", bytes(back))
step = bytearray(d); struct.pack_into("<Q", step, 16, 0); put("step", bytes(step))
strlen = bytearray(d); struct.pack_into("<I", strlen, 56, 0xfffffff0); put("string", bytes(strlen))
at = 56 + 4 + struct.unpack_from("<I", d, 56)[0]                 # past the kernel release
for _ in range(struct.unpack_from("<I", d, 32)[0]):              # past the item names
    at += 4 + struct.unpack_from("<I", d, at)[0]
loop = bytearray(d); struct.pack_into("<I", loop, at + 8, 1); put("circle", bytes(loop))   # high's parent: inner
PY
o=$work/priority.o
entries=$(( ($(stat -c %s "$rec") - 5 - $(python3 -c 'import struct,sys; print(56 + struct.unpack_from("<I", open(sys.argv[1], "rb").read(), 12)[0])' "$rec")) / 16 ))
one_line truncated "$work/truncated.rec: truncated: entry $entries at offset" "$run" --replay "$work/truncated.rec" --cgroup low=high "$o"
one_line truncated-header "$work/header.rec: truncated: 30 bytes, less than the 56-byte header" "$run" --replay "$work/header.rec" "$o"
one_line truncated-table "$work/table.rec: truncated: its table ends at offset 60" "$run" --replay "$work/table.rec" "$o"
one_line newer "$work/newer.rec: made by a newer memcg-run (format version 2; this one reads up to 1)" "$run" --replay "$work/newer.rec" "$o"
one_line not-a-recording "$work/magic.rec: not a memcg-run recording (no 'memcgrec' at offset 0)" "$run" --replay "$work/magic.rec" "$o"
one_line corrupt-cgroup "$work/badcgroup.rec: corrupt: entry 0 at offset" "$run" --replay "$work/badcgroup.rec" --cgroup low=high "$o"
one_line corrupt-time "$work/back.rec: corrupt: entry 1 at offset" "$run" --replay "$work/back.rec" --cgroup low=high "$o"
one_line corrupt-step "$work/step.rec: corrupt: the step at offset 16 is out of range" "$run" --replay "$work/step.rec" "$o"
one_line corrupt-string "$work/string.rec: corrupt: the kernel release cut short at offset 56" "$run" --replay "$work/string.rec" "$o"
one_line corrupt-circle "$work/circle.rec: corrupt: the parents of its cgroups go round in a circle" "$run" --replay "$work/circle.rec" "$o"
one_line unbound "$rec: the recording has no cgroup 'low' (it has: high, inner): give --cgroup low=RECORDED_NAME" "$run" --replay "$rec" "$o"
one_line bound-to-missing "$rec: --cgroup low=nope: the recording has no cgroup 'nope' (it has: high, inner)" "$run" --replay "$rec" --cgroup low=nope "$o"
one_line no-file "$work/none.rec: cannot read it: No such file or directory" "$run" --replay "$work/none.rec" "$o"

# --- random damage: 40 copies of the recording with a few bytes changed or cut; each
# replays (exit 0) or is refused with one line (exit 1), never a crash (under ASan in
# record-asan)
python3 - "$rec" "$work/damaged" <<'PY'
import os, random, sys
d = open(sys.argv[1], "rb").read()
os.makedirs(sys.argv[2], exist_ok=True)
r = random.Random(14)
for i in range(40):
    b = bytearray(d)
    for _ in range(r.randint(1, 4)):
        at = r.randrange(0, 120) if r.random() < 0.5 else r.randrange(len(b))
        b[at] = r.randrange(256)
    if r.random() < 0.3:
        b = b[:r.randrange(len(b))]
    open(f"{sys.argv[2]}/{i}.rec", "wb").write(b)
PY
bad=
for f in "$work"/damaged/*.rec; do
	err=$("$run" --replay "$f" --cgroup low=high "$work/priority.o" 2>&1 >/dev/null); status=$?
	if ! { [ $status = 0 ] && ! grep -qvF "memcg-run: warning: $f has no " <<<"${err:-memcg-run: warning: $f has no }"; } && ! { [ $status = 1 ] && [ "$(wc -l <<<"$err")" = 1 ] && grep -qF "memcg-run: error: $f: " <<<"$err"; }; then
		bad="$bad $(basename "$f"): exit $status: $(head -c 300 <<<"$err")"
	fi
done
[ -z "$bad" ] && pass damaged-files "40 files" || fail damaged-files "not a replay nor one line naming the file" "$bad"
