#!/bin/bash
# memcg-run on this machine's kernel (cgroup v1 memory, no memcg_bpf_ops): --inspect,
# --probe against synthetic BTF for each RFC ABI, --dry-run with a real memory workload
# (text and JSON), clean exit on SIGTERM and SIGKILL, and every error a user can cause.
# usage: run-runtime.sh BUILD
# RUNTIME_TESTS="GROUP..." runs only those groups of tests (default: all): errors (with
# --inspect and --probe) verifier dry-run json descendants rescan pin signals actuator
# pressure.
#
# Nothing here depends on what else runs on the machine or on how busy it is: the tests of
# what memcg-run leaves behind look only at the BPF objects made from one object file
# (named $tag.o, so that libbpf names its .rodata map $tag.rodata; its programs hold that
# map, their other maps and links follow from them) and wait, up to 10 s, for the kernel's
# deferred release; the tests of rescans and status lines poll with a bound and report the
# time taken instead of sleeping a fixed time.
set -u
build=$1
memcgc=$build/memcgc run=$build/memcg-run
work=$build/tests/runtime
root=/sys/fs/cgroup/memory
high=$root/memcgc-rt-high.$$ low=$root/memcgc-rt-low.$$
if [ "$(id -u)" != 0 ]; then echo "SKIP runtime: setup: needs root (BPF, cgroups)"; exit 0; fi
mkdir -p "$work"

SUITE=runtime
. "$(dirname "$0")/lib.sh"
only() { [ -z "${RUNTIME_TESTS:-}" ] || [[ " $RUNTIME_TESTS " == *" $1 "* ]]; }
cleanup() {
	for d in "$high/child" "$high/child2" "$high" "$low"; do [ -d "$d" ] && rmdir "$d" 2>/dev/null; done
	rm -f /var/tmp/memcgc-rt-file.$$
}
trap cleanup EXIT

# The BPF objects of one memcg-run: `bpfids ours TAG` prints them as kind:id words
# (prog:12 map:34 link:5), `bpfids wait-ours TAG S` waits up to S seconds for some,
# `bpfids wait-gone TAG S [WORD...]` up to S seconds until none of TAG's and none of the
# given ones exist; both print the time taken, and exit 1 when time runs out.
cat > "$work/bpfids.py" <<'PY'
import json, subprocess, sys, time
def show(kind):
    out = subprocess.run(["bpftool", "-j", kind, "show"], capture_output=True, text=True).stdout
    try:
        return json.loads(out or "[]") or []
    except ValueError:
        return []
def ours(tag):
    maps, progs, links = show("map"), show("prog"), show("link")
    m = {x["id"] for x in maps if x.get("name", "").startswith(tag + ".")}
    p = {x["id"] for x in progs if m & set(x.get("map_ids", []))}
    m |= {i for x in progs if x["id"] in p for i in x.get("map_ids", [])}
    l = {x["id"] for x in links if x.get("prog_id") in p}
    return {f"prog:{i}" for i in p} | {f"map:{i}" for i in m} | {f"link:{i}" for i in l}
def alive(words):
    have = {f"{k}:{x['id']}" for k in ("prog", "map", "link") for x in show(k)}
    return set(words) & have
def words(s):
    return " ".join(sorted(s, key=lambda w: (w.split(":")[0], int(w.split(":")[1]))))
mode, tag = sys.argv[1], sys.argv[2]
if mode == "ours":
    print(words(ours(tag)))
    sys.exit(0)
limit, given, start = float(sys.argv[3]), sys.argv[4:], time.monotonic()
while True:
    found = ours(tag) if mode == "wait-ours" else ours(tag) | alive(given)
    took = time.monotonic() - start
    if (mode == "wait-ours") == bool(found):
        print(f"{took:.1f}s" if mode == "wait-gone" else f"{took:.1f}s {words(found)}")
        sys.exit(0)
    if took > limit:
        print(f"still there after {took:.1f}s: {words(found)}" if found else f"nothing after {took:.1f}s")
        sys.exit(1)
    time.sleep(0.2)
PY
bpfids() { python3 "$work/bpfids.py" "$@"; }
# pressure CGROUP FILE REGEX SECONDS: page-cache reclaim in CGROUP (32 MiB limit): write
# 96 MiB, then read it back again and again until a line of FILE matches REGEX (0) or time
# runs out (1), so that a rule on the reclaim rate stays on however slow the machine is
pressure() {
	sh -c 'echo $$ > "$1/cgroup.procs"; dd if=/dev/zero of="$2" bs=1M count=96 status=none
		end=$(($(date +%s) + $5))
		until grep -qE -- "$4" "$3" 2>/dev/null; do
			[ "$(date +%s)" -le "$end" ] || exit 1
			cat "$2" > /dev/null
		done' pressure "$1" "$file" "$2" "$3" "$4"
}
# wait_after FILE ON OFF SECONDS: until a line matching OFF comes after one matching ON
wait_after() {
	local i
	for ((i = 0; i < $4 * 10; i++)); do
		awk -v on="$2" -v off="$3" '$0 ~ on {seen = 1} seen && $0 ~ off {found = 1} END {exit !found}' "$1" && return 0
		sleep 0.1
	done
	return 1
}

for p in examples/priority.mcp stdlib/tiers.mcp examples/tour.mcp tests/runtime/ranges.mcp \
	tests/runtime/pressure.mcp; do
	"$memcgc" -o "$work/$(basename "$p" .mcp).o" "$p" 2>/dev/null
done
for b in v2 v6 v7 none notracepoint; do
	clang-19 -g -target bpf -c -o "$work/btf-$b.o" "tests/runtime/btf/$b.c" || echo "FAIL runtime/btf-$b: clang"
done
prio=$work/priority.o tiers=$work/tiers.o
# priority.o under a name of 8 characters no other BPF user has: the objects loaded from
# it are the ones the leaves-nothing tests look at
tag=$(printf 'rt%06d' $(( ($$ * 32768 + RANDOM) % 1000000 )))
tp=$work/tagged/$tag.o
mkdir -p "$work/tagged" && cp "$prio" "$tp"
mkdir -p "$high" "$low"
echo 32M > "$high/memory.limit_in_bytes"
# tracefs where memcg-run would mount it (other mounts of it, a chroot's say, are not ours)
tracefs_mounts() { grep -c " /sys/kernel/tracing tracefs " /proc/mounts; }
tracefs_before=$(tracefs_mounts)
file=/var/tmp/memcgc-rt-file.$$

test_errors() {
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
# the metadata's term and expr records are read strictly; formats 1 and 2 are refused
llvm-objcopy-19 --dump-section .memcgc.meta="$work/meta.txt" "$prio"
meta_variant() {   # NAME SED-EXPRESSION: priority.o with its metadata edited
	sed "$2" "$work/meta.txt" > "$work/meta-$1.txt"
	llvm-objcopy-19 --update-section .memcgc.meta="$work/meta-$1.txt" "$prio" "$work/meta-$1.o"
}
meta_variant v1 's/^memcgc-object 3$/memcgc-object 1/'
check err-format-1 1 "made by an incompatible memcgc (metadata format 'memcgc-object 1', this memcg-run reads 'memcgc-object 3'): rebuild it with this memcgc" "$run" --inspect "$work/meta-v1.o"
# format 2 objects have no ring buffer of transitions
meta_variant v2 's/^memcgc-object 3$/memcgc-object 2/'
check err-format-2 1 "made by an incompatible memcgc (metadata format 'memcgc-object 2', this memcg-run reads 'memcgc-object 3'): rebuild it with this memcgc" "$run" --inspect "$work/meta-v2.o"
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

}

# a program the verifier rejects: the tracepoint program's first store to the stack
# patched to write above the frame; the error names the policy line from the -g line info
test_verifier() {
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
mkdir -p "$work/rejected"
patch_stack_store "$work/priority-g.o" "$work/rejected/$tag.o"
patch_stack_store "$prio" "$work/rejected.o"
local rejected=$work/rejected/$tag.o out status left
out=$("$run" --dry-run --duration 1s --cgroup high="$high" --cgroup low="$low" "$rejected" 2>&1); status=$?
if [ $status = 1 ] && grep -qF "memcg-run: error: $rejected: the kernel's verifier rejected program count_memcg_events at examples/priority.mcp:7 (when pgscan(high) > threshold:): invalid write to stack R10 off=16 size=8; memcgc made code this kernel refuses" <<<"$out" &&
   [ "$(grep -c '^    ' <<<"$out")" -ge 3 ] && grep -qx "    invalid write to stack R10 off=16 size=8" <<<"$out" &&
   [ "$(grep -vc '^    ' <<<"$out")" = 1 ]; then pass verifier-rejection-policy-line
else fail verifier-rejection-policy-line "exit $status" "$(head -6 <<<"$out")"; fi
check verifier-rejection-without-g 1 "rejected program count_memcg_events: invalid write to stack R10 off=16 size=8; no policy line (built without memcgc -g): rebuild with -g to see it" \
	"$run" --dry-run --duration 1s --cgroup high="$high" --cgroup low="$low" "$work/rejected.o"
if left=$(bpfids wait-gone "$tag" 10); then pass verifier-rejection-leaves-nothing "released after $left"
else fail verifier-rejection-leaves-nothing "BPF objects of $rejected $left"; fi
}

# --dry-run with a memory workload in high: its pgscan rate, the rule on, then off
test_dry_run() {
local during left status
sync; echo 3 > /proc/sys/vm/drop_caches; rm -f "$file"
"$run" --dry-run --explain --cgroup high="$high" --cgroup low="$low" --set threshold=50/s \
	"$tp" > "$work/dry.out" 2>&1 &
runner=$!
wait_for "$work/dry.out" "dry run:" 10
during=$(bpfids ours "$tag")
wait_for "$work/dry.out" "^\[ *[0-9.]+s\] rule 0" 10   # an idle status before the workload
pressure "$high" "$work/dry.out" "rule 0 \\(line 7\\) ACTIVE" 20
# the rule turns off a second after the workload, over_high back to 0 after its hold
wait_after "$work/dry.out" "ACTIVE" "low: [|] over_high 0 pages" 15
kill -TERM $runner; wait $runner; status=$?
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
# the ring buffer: each turn printed as the BPF code makes it, before the status that shows it
on=$(grep -nE -m1 '^\[ *[0-9.]+s\] rule 0 \(line 7\) turned on, fired 1: when pgscan\(high\) > threshold:  pgscan\(high\) [0-9.]+/s, threshold 50/s$' "$work/dry.out" | cut -d: -f1)
active=$(grep -nE -m1 '^\[ *[0-9.]+s\] rule 0 \(line 7\) ACTIVE' "$work/dry.out" | cut -d: -f1)
off=$(grep -nE -m1 '^\[ *[0-9.]+s\] rule 0 \(line 7\) turned off, fired 1: ' "$work/dry.out" | cut -d: -f1)
idle=$(sed -n "${active:-1},\$p" "$work/dry.out" | grep -nE -m1 '^\[ *[0-9.]+s\] rule 0 \(line 7\) idle' | cut -d: -f1)
idle=${idle:+$((idle + ${active:-1} - 1))}
if [ -n "$on" ] && [ -n "$active" ] && [ -n "$off" ] && [ -n "$idle" ] && [ "$on" -lt "$active" ] &&
   [ "$active" -lt "$off" ] && [ "$off" -lt "$idle" ]; then
	pass transition-lines "turned on at line $on, first ACTIVE status $active, turned off $off, idle status $idle"
else fail transition-lines "turned on at line ${on:-none}, ACTIVE status ${active:-none}, turned off ${off:-none}, idle status ${idle:-none}" "$(grep -E 'turned|rule 0' "$work/dry.out" | head -6)"; fi
if tail -3 "$work/dry.out" | grep -q "rule 0 (line 7) idle"; then pass dry-run-rule-off
else fail dry-run-rule-off "the rule did not turn off once high stopped" "$(tail -4 "$work/dry.out")"; fi
if grep -qE "low: over_high 0 -> 1024 pages; rule 0 \(line 7\) holds: when pgscan\(high\) > threshold: pgscan\(high\) [0-9.]+/s, threshold 50/s \(dry run" "$work/dry.out"; then
	pass explain-on; else fail explain-on "no --explain line for the action turning on" "$(grep low: "$work/dry.out" | head -3)"; fi
if [ -z "$during" ]; then fail dry-run-leaves-nothing "no BPF objects of $tp seen while it ran"
elif left=$(bpfids wait-gone "$tag" 10 $during); then pass dry-run-leaves-nothing "$(wc -w <<<"$during") objects, released after $left"
else fail dry-run-leaves-nothing "BPF objects of $tp (running: $during) $left"; fi
[ "$(tracefs_mounts)" = "$tracefs_before" ] && pass tracefs-as-found || fail tracefs-as-found "tracefs mounts changed"
}
test_json() {
# --json: one object per interval, the same numbers
sync; echo 3 > /proc/sys/vm/drop_caches; rm -f "$file"
"$run" --dry-run --json --explain --cgroup high="$high" --cgroup low="$low" --set threshold=50/s \
	"$prio" > "$work/dry.json" 2>&1 &
runner=$!
wait_for "$work/dry.json" '"rules"' 10   # a status before the workload
# (status objects only: a transition object says "rule": 0, a status "index": 0)
pressure "$high" "$work/dry.json" '"index": 0, "line": 7, "active": true' 20
wait_after "$work/dry.json" '"index": 0, "line": 7, "active": true' '"index": 0, "line": 7, "active": false' 15   # on, then off
kill -TERM $runner; wait $runner
if python3 - "$work/dry.json" 2> "$work/dry.json.why" <<'PY'
import json, sys
every = [json.loads(l) for l in open(sys.argv[1]) if l.strip()]
changes = [o["change"] for o in every if "change" in o]
lines = [o for o in every if "rules" in o]
assert len(lines) >= 3, lines
# the ring buffer: the turn on before the first status with the rule active, then the turn off
turns = [(i, o["transition"]) for i, o in enumerate(every) if "transition" in o]
assert [t["active"] for _, t in turns][:2] == [True, False], turns
assert all(t["rule"] == 0 and t["line"] == 7 and t["fired"] == 1 and t["time_ns"] > 0 and t["read_ms"] >= 0 for _, t in turns[:2]), turns
assert turns[0][1]["values"][1] == {"term": "threshold", "kind": "param", "value": 50, "unit": "/s"}, turns
first_on = next(i for i, o in enumerate(every) if "rules" in o and o["rules"][0]["active"])
assert turns[0][0] < first_on < turns[1][0], (turns, first_on)
assert all(set(o) >= {"time", "policy", "rules", "cgroups"} and "reaction" not in o for o in lines), lines
assert changes and changes[0]["cgroup"] == "low" and changes[0]["hook"] == "over_high", changes
assert changes[0]["from"] == 0 and changes[0]["to"] == 1024 and changes[0]["rules"][0]["line"] == 7
for o in lines:
    assert list(o)[:5] == ["time", "policy", "source", "actuator", "rules"], list(o)
    assert o["source"] == "tracepoint" and o["actuator"] == "none", o   # a dry run carries nothing out
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
then pass json; else fail json "JSON lines do not carry the rule turning on with high's rate" "$(tail -2 "$work/dry.json.why")" "$(grep -c . "$work/dry.json") lines; those with the rule active or a change:" "$(grep -E '"active": true|"change"' "$work/dry.json" | head -6)"; fi

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
}

# a cgroup created below high while memcg-run runs counts for high once the rescan has
# seen it; -q prints only what changed
slots_id=
# slots: the cgroup ids in the cgroup_slots map of the running $tag.o
slots() { bpftool -j map dump id "$slots_id" 2>/dev/null | grep -oE '"key": *[0-9]+' | grep -oE '[0-9]+$' | tr '\n' ' '; }
find_slots() {   # the id of the running $tag.o's cgroup_slots map
	local w
	for w in $(bpfids ours "$tag"); do
		[ "${w%%:*}" = map ] || continue
		bpftool -j map show id "${w#map:}" 2>/dev/null | grep -q '"name": *"cgroup_slots"' && { slots_id=${w#map:}; return 0; }
	done
	return 1
}
usec() { local t=${EPOCHREALTIME/./}; echo $((10#$t)); }
# wait_slot present|absent ID SECONDS: polls cgroup_slots every 50 ms; prints the time taken
wait_slot() {
	local start now
	start=$(usec)
	while :; do
		if grep -qw "$2" <<<"$(slots)"; then [ "$1" = present ] && break
		else [ "$1" = absent ] && break; fi
		now=$(usec)
		if (( now - start > $3 * 1000000 )); then printf '%d.%01ds' $(((now - start) / 1000000)) $(((now - start) / 100000 % 10)); return 1; fi
		sleep 0.05
	done
	now=$(usec)
	printf '%d.%02ds' $(((now - start) / 1000000)) $(((now - start) / 10000 % 100))
}
test_descendants() {
local child_id took statuses prev key bad
sync; echo 3 > /proc/sys/vm/drop_caches; rm -f "$file"
"$run" --dry-run -q --interval 200ms --cgroup high="$high" --cgroup low="$low" --set threshold=50/s \
	"$tp" > "$work/child.out" 2>&1 &
runner=$!
local started=$EPOCHREALTIME
wait_for "$work/child.out" "dry run:" 10 && find_slots
mkdir "$high/child"
child_id=$(stat -c %i "$high/child")
took=$(wait_slot present "$child_id" 5)
pressure "$high/child" "$work/child.out" "rule 0 \\(line 7\\) ACTIVE" 20
wait_after "$work/child.out" "ACTIVE" "low: [|] over_high 0 pages" 15
kill -TERM $runner; wait $runner
local intervals
intervals=$(awk -v a="$started" -v b="$EPOCHREALTIME" 'BEGIN{printf "%d", (b - a) / 0.2}')
if grep -q "rule 0 (line 7) ACTIVE" "$work/child.out"; then pass descendant-created-while-running "in cgroup_slots after $took"
else fail descendant-created-while-running "events in high/child did not count for high (in cgroup_slots after $took)" "$(tail -4 "$work/child.out")"; fi
# every status printed after the first differs from the one before in what -q watches:
# a rule turning on or off, a hook's value (the part of a cgroup's line after '|')
statuses=$(grep -c "rule 0 (line 7)" "$work/child.out")
bad=$(awk '/^\[/ { if (n++) { if (key == prev) print "unchanged status before " $1 $2 } prev = key; key = ($0 ~ / ACTIVE / ? "ACTIVE" : "idle") }
	/\|/ { sub(/.*\|/, ""); key = key " |" $0 }
	END { if (n > 1 && key == prev) print "unchanged last status" }' "$work/child.out")
if [ "$statuses" -ge 2 ] && [ "$statuses" -lt "$intervals" ] && [ -z "$bad" ] && grep -q ACTIVE "$work/child.out"; then
	pass quiet-prints-changes "$statuses of $intervals intervals printed, each a change"
else fail quiet-prints-changes "$statuses of $intervals intervals printed ${bad:+($bad)}" "$(cat "$work/child.out")"; fi
}

# the cgroup-id map follows cgroups created and removed below high within a rescan (0.5 s
# in memcg-run; allowed 5 s here on a busy machine), while the status comes only every
# 30 s: events in a new child count for high before any status
test_rescan() {
local child_id added=no took
sync; echo 3 > /proc/sys/vm/drop_caches; rm -f "$file"
"$run" --dry-run --interval 30s --cgroup high="$high" --cgroup low="$low" --set threshold=50/s \
	"$tp" > "$work/rescan.out" 2>&1 &
runner=$!
wait_for "$work/rescan.out" "dry run:" 10 && find_slots
mkdir "$high/child2"
child_id=$(stat -c %i "$high/child2")
if took=$(wait_slot present "$child_id" 5); then pass rescan-adds-within-a-second "in cgroup_slots after $took"; added=yes
else fail rescan-adds-within-a-second "cgroup id $child_id of high/child2 not in cgroup_slots $took after mkdir" "$(slots)"; fi
sh -c "echo \$\$ > $high/child2/cgroup.procs; dd if=/dev/zero of=$file bs=1M count=96 status=none; cat $file > /dev/null"
rmdir "$high/child2"
if [ $added = yes ] && took=$(wait_slot absent "$child_id" 5); then pass rescan-removes-within-a-second "gone from cgroup_slots after $took"
else fail rescan-removes-within-a-second "cgroup id $child_id not added, or still in cgroup_slots ${took:-?} after rmdir" "$(slots)"; fi
kill -TERM $runner; wait $runner
# the one status line, printed on SIGTERM, has the rule fired by high/child2's events (the
# lines of its turns, from the ring buffer, are not status lines)
if grep -q "rule 0 (line 7) .* fired 1 " "$work/rescan.out" &&
   [ "$(grep -cE "rule 0 \(line 7\) (ACTIVE|idle) " "$work/rescan.out")" = 1 ]; then
	pass rescan-counts-between-statuses
else fail rescan-counts-between-statuses "events in high/child2 did not fire the rule before the first status" "$(cat "$work/rescan.out")"; fi
}

# --pin DIR keeps the policy after memcg-run exits; --unpin DIR removes it
test_pin() {
local bpffs pinned left
bpffs=$(mktemp -d /tmp/memcgc-bpffs.XXXXXX)
mount -t bpf bpf "$bpffs"
check pin-not-bpffs 1 "is not on a BPF file system (mount one with 'mount -t bpf bpf /sys/fs/bpf')" \
	"$run" --dry-run --duration 1s --pin /tmp/memcgc-not-bpffs.$$ --cgroup high="$high" --cgroup low="$low" "$prio"
check pin 0 "the policy stays attached, pinned in $bpffs/p; remove it with memcg-run --unpin $bpffs/p" \
	"$run" --dry-run --duration 1s --pin "$bpffs/p" --cgroup high="$high" --cgroup low="$low" "$tp"
sleep 0.5   # what the pin does not hold would be going now
pinned=$(bpfids ours "$tag")
if grep -q "prog:" <<<"$pinned" && grep -q "link:" <<<"$pinned" && [ -e "$bpffs/p/tracepoint" ]; then
	pass pin-outlives-memcg-run "$(wc -w <<<"$pinned") objects"
else fail pin-outlives-memcg-run "BPF objects of $tp after memcg-run --pin exited: '$pinned'" "$(ls "$bpffs/p" 2>&1)"; fi
check unpin 0 "removed the policy pinned in $bpffs/p" "$run" --unpin "$bpffs/p"
if left=$(bpfids wait-gone "$tag" 10 $pinned) && [ ! -e "$bpffs/p" ]; then pass unpin-leaves-nothing "released after $left"
else fail unpin-leaves-nothing "BPF objects of $tp (pinned: $pinned) $left" "$(ls "$bpffs" 2>&1)"; fi
check unpin-not-ours 1 "holds no policy pinned by memcg-run --pin" "$run" --unpin "$bpffs"
umount "$bpffs"; rmdir "$bpffs"
}

# SIGTERM detaches and exits 0; SIGKILL leaves nothing either (links belong to the process)
test_signals() {
local sig during status want left
for sig in TERM INT KILL; do
	"$run" --dry-run --cgroup high="$high" --cgroup low="$low" "$tp" > "$work/sig.out" 2>&1 &
	runner=$!
	wait_for "$work/sig.out" "dry run:" 10   # loaded, attached, its signal handlers set
	during=$(bpfids ours "$tag")
	kill -$sig $runner; wait $runner; status=$?
	want=0; [ $sig = KILL ] && want=137
	if [ -n "$during" ] && left=$(bpfids wait-gone "$tag" 10 $during) && [ $status = $want ]; then
		pass "sig$sig-leaves-nothing" "$(wc -w <<<"$during") objects, released after $left"
	else fail "sig$sig-leaves-nothing" "exit $status (want $want); BPF objects of $tp while running: '$during'; ${left:-}" "$(tail -3 "$work/sig.out")"; fi
done
[ "$(tracefs_mounts)" = "$tracefs_before" ] && pass tracefs-as-found-after-kill || fail tracefs-as-found-after-kill "tracefs mounts changed"
}

# the cgroup actuator and the poll source need cgroup v2 (one line here, on cgroup v1);
# --restore puts back what a killed run's journal says, from a scratch journal directory
# (MEMCG_RUN_STATE_DIR) over fake cgroup files
test_actuator() {
	check err-actuator-v1 1 "no cgroup v2 memory controller: memcg_bpf_ops and the cgroup actuator (memory.high, memory.low, memory.min) need cgroup v2" \
		"$run" --actuator=cgroup --cgroup high=x "$prio"
	check err-actuator-word 2 "--actuator takes hooks or cgroup, not 'files'" "$run" --actuator=files "$prio"
	check err-actuator-dry 2 "--actuator has no meaning with --dry-run" "$run" --dry-run --actuator=cgroup "$prio"
	check err-source-word 2 "--source takes tracepoint or poll, not 'stat'" "$run" --source=stat "$prio"
	check err-source-poll-v1 1 "the poll source reads cgroup v2's memory.stat; give --source=tracepoint" \
		"$run" --dry-run --source=poll --cgroup high=x "$prio"
	check err-actuator-override 1 "--allow-override goes with the hooks: with the cgroup actuator two memcg-run would write the same cgroup files" \
		"$run" --actuator=cgroup --allow-override --cgroup high=x "$prio"
	check err-period 2 "--period takes a duration from 10ms to 60s" "$run" --period 5ms "$prio"
	check err-restore-object 2 "--restore takes no policy object" "$run" --restore "$prio"
	local st=$work/state cg=$work/fake-cg out status
	rm -rf "$st" "$cg"; mkdir -p "$st" "$cg"; chmod 700 "$st"
	check restore-nothing 0 "no journal of a stopped memcg-run in $st: nothing to restore" \
		env MEMCG_RUN_STATE_DIR="$st" "$run" --restore
	echo 16777216 > "$cg/memory.high"; echo 4096 > "$cg/memory.low"; echo 8192 > "$cg/memory.min"
	printf 'memcg-run journal 1 pid 999999\nset 1.000 max 16777216 %s\nset 1.000 0 8192 %s\nset 1.000 0 4096 %s\n' \
		"$cg/memory.high" "$cg/memory.min" "$cg/memory.low" > "$st/journal.999999"
	echo 65536 > "$cg/memory.low"   # someone else, after memcg-run was killed
	out=$(MEMCG_RUN_STATE_DIR="$st" "$run" --restore 2>&1); status=$?
	if [ $status = 0 ] && [ "$(cat "$cg/memory.high")" = max ] && [ "$(cat "$cg/memory.min")" = 0 ] &&
	   [ "$(cat "$cg/memory.low")" = 65536 ] && [ ! -e "$st/journal.999999" ] &&
	   grep -qF "$cg/memory.high restored to max (memcg-run had written 16777216)" <<<"$out" &&
	   grep -qF "$cg/memory.low is 65536, not the 4096 memcg-run wrote: someone else changed it; left alone" <<<"$out"; then
		pass restore-journal
	else fail restore-journal "exit $status; high $(cat "$cg/memory.high"), min $(cat "$cg/memory.min"), low $(cat "$cg/memory.low")" "$out"; fi
	rm -rf "$st" "$cg"
}

# pressure() needs memory.pressure (cgroup v2 with PSI): on cgroup v1 one line names the
# file and the rule, before anything is loaded; --set takes a percent for a share
test_pressure() {
	local psi=$work/pressure.o out status
	check pressure-v1-names-file-and-rule 1 "tests/runtime/pressure.mcp:6: pressure(high) over 2s reads $high/memory.pressure: No such file or directory (pressure needs cgroup v2 and PSI" \
		"$run" --dry-run --cgroup high="$high" --cgroup low="$low" "$psi"
	out=$("$run" --dry-run --cgroup high="$high" --cgroup low="$low" "$psi" 2>&1)
	[ "$(wc -l <<<"$out")" = 1 ] && pass pressure-v1-one-line || fail pressure-v1-one-line "$(wc -l <<<"$out") lines" "$out"
	check pressure-set-percent-range 1 "--set stall=100.5%: a share of time is 0% to 100%" \
		"$run" --dry-run --cgroup high="$high" --cgroup low="$low" --set stall=100.5% "$psi"
	check pressure-set-rate 1 "--set stall=100/s: stall is a share (default 5%), not a rate" \
		"$run" --dry-run --cgroup high="$high" --cgroup low="$low" --set stall=100/s "$psi"
	# a valid percent gets as far as memory.pressure
	check pressure-set-percent 1 "pressure(high) over 2s reads $high/memory.pressure" \
		"$run" --dry-run --cgroup high="$high" --cgroup low="$low" --set stall=0.25% "$psi"
	check pressure-inspect 0 'param stall: share = 5%' "$run" --inspect "$psi"
}

# --nice: a niceness given is taken (and said), one that cannot be had is an error that
# leaves nothing loaded; without the cgroup actuator (a dry run) none is taken by default
test_nice() {
	check err-nice-range 2 "--nice takes a niceness from -20 to 19, or keep, not '20'" "$run" --nice 20 "$prio"
	check err-nice-word 2 "--nice takes a niceness from -20 to 19, or keep, not 'fast'" "$run" --nice fast "$prio"
	local mode want said pid got out status
	for mode in 7 keep default; do
		want=$(cut -d' ' -f19 /proc/self/stat) said=0
		[ $mode = 7 ] && want=7 said=1
		local args=(--dry-run --duration 4s --cgroup high="$high" --cgroup low="$low")
		[ $mode = default ] || args+=(--nice $mode)
		"$run" "${args[@]}" "$tp" > "$work/nice.out" 2>&1 &
		pid=$!
		wait_for "$work/nice.out" "dry run:" 10
		got=$(cut -d' ' -f19 "/proc/$pid/stat" 2>/dev/null)
		wait $pid; status=$?
		if [ $status = 0 ] && [ "$got" = "$want" ] &&
		   [ "$(grep -c "^memcg-run: CPU priority: nice 7$" "$work/nice.out")" = $said ]; then
			pass "nice-$mode" "niceness $got while running"
		else fail "nice-$mode" "exit $status, niceness ${got:-?} (want $want)" "$(head -8 "$work/nice.out")"; fi
	done
	# root without CAP_SYS_NICE cannot go below its niceness: an error after the load
	out=$(setpriv --inh-caps=-sys_nice --bounding-set=-sys_nice -- "$run" --dry-run --nice -5 \
		--cgroup high="$high" --cgroup low="$low" "$tp" 2>&1); status=$?
	if [ $status = 1 ] && [ "$out" = "memcg-run: error: --nice -5: cannot set memcg-run's niceness: Permission denied" ] &&
	   left=$(bpfids wait-gone "$tag" 10); then
		pass nice-refused-leaves-nothing "$out; released after $left"
	else fail nice-refused-leaves-nothing "exit $status" "$out"; fi
}

only errors && test_errors
only verifier && test_verifier
only dry-run && test_dry_run
only json && test_json
only descendants && test_descendants
only rescan && test_rescan
only pin && test_pin
only signals && test_signals
only actuator && test_actuator
only pressure && test_pressure
only nice && test_nice
exit 0
