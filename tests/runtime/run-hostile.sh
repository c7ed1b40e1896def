#!/bin/bash
# memcg-run against hostile input (issue 11): objects and command lines made to overflow
# its buffers, mislead its binding, or make it destroy what it did not create. Every
# object here could come from anyone, and memcg-run runs as root.
# usage: run-hostile.sh BUILD
set -u
build=$1
memcgc=$build/memcgc run=$build/memcg-run
work=$build/tests/hostile
root=/sys/fs/cgroup/memory
high=$root/memcgc-h-high.$$ low=$root/memcgc-h-low.$$
mkdir -p "$work"

SUITE=hostile
. "$(dirname "$0")/lib.sh"
# one_line NAME WANT_TEXT COMMAND...: exit 1 and exactly one line of output, containing the text
one_line() {
	local name=$1 text=$2; shift 2
	local out status
	out=$("$@" 2>&1); status=$?
	if [ "$status" = 1 ] && [ "$(wc -l <<<"$out")" = 1 ] && grep -qF -- "$text" <<<"$out"; then pass "$name"
	else fail "$name" "exit $status (want 1), $(wc -l <<<"$out") lines (want 1 with '$text')" "$(head -5 <<<"$out" | cut -c1-300)"; fi
}
cleanup_dirs=()
cleanup() {
	for d in "${cleanup_dirs[@]}" "$high" "$low"; do [ -d "$d" ] && rmdir "$d" 2>/dev/null; done
	true
}
trap cleanup EXIT

"$memcgc" -o "$work/priority.o" examples/priority.mcp || echo "FAIL hostile/build: memcgc"
prio=$work/priority.o
llvm-objcopy-19 --dump-section .memcgc.meta="$work/meta.txt" "$prio"
variant() {   # NAME SED-EXPRESSION: priority.o with its metadata edited
	sed "$2" "$work/meta.txt" > "$work/meta-$1.txt"
	llvm-objcopy-19 --update-section .memcgc.meta="$work/meta-$1.txt" "$prio" "$work/meta-$1.o"
}
mkdir -p "$high" "$low"

## Memory safety: crafted metadata and objects

# an `abis` record of 3x200 characters after the cgroup records overflowed m->abis into
# the cgroups (the name "low" was overwritten in --inspect)
long=$(printf 'X%.0s' $(seq 200))
sed -e '/^abis /d' -e "/^cgroup 1 /a abis v2 $long $long $long" "$work/meta.txt" > "$work/meta-abis.txt"
llvm-objcopy-19 --update-section .memcgc.meta="$work/meta-abis.txt" "$prio" "$work/meta-abis.o"
one_line meta-abis-overflow "metadata line 7 is malformed: 'abis v2 XXXX" "$run" --inspect "$work/meta-abis.o"

# an object path of 600 characters overflowed the error buffer; the whole path is named
longpath=$(python3 -c "print('./'*300+'x.o')")
check long-object-path 1 "memcg-run: error: $longpath: cannot read it: No such file or directory" "$run" --inspect "$longpath"

# a counter index past the counters (7 of 1) read as 0/s; every index must be the next one
variant counter7 's/^counter 0 /counter 7 /'
one_line meta-counter-index "metadata line 10 is malformed: 'counter 7 cgroup 0" "$run" --inspect "$work/meta-counter7.o"

# records the reader does not fully understand: each one rejected, naming the line (@ is
# the number of the line the edit changed, for records whose place memcgc may move)
strict_cases=(
	"number-junk|s/^counter 0 cgroup 0 /counter 0 cgroup 0x0 /|line 10 is malformed"
	"number-sign|s/ window_ms 1000 / window_ms -1000 /|line 10 is malformed"
	"bucket-zero|s/ bucket_ms 125 / bucket_ms 0 /|line 10 is malformed"
	"bucket-huge|s/ bucket_ms 125 / bucket_ms 18446744073709551615 /|line 10 is malformed"
	"abi-unknown|s/^abis v2$/abis v9/|line 5 is malformed"
	"abi-twice|s/^abis v2$/abis v2 v2/|line 5 is malformed"
	"policy-twice|/^source /i policy \"again\"|line 3 is malformed"
	"hash-not-hex|s/^source-hash .*/source-hash 82a15f0201a5a23z/|line 4 is malformed"
	"param-index|s/^param 1 /param 3 /|line 9 is malformed"
	"param-type|s/^param 0 threshold rate /param 0 threshold speed /|line 8 is malformed"
	"param-value|s/ 100000 100 0 / 100000 1e999 0 /|line 8 is malformed"
	"cgroup-twice|s/^cgroup 1 low /cgroup 1 high /|line 7 is malformed"
	"action-kind|s/ kind over_high / kind over_the_top /|line @ is malformed"
	"action-hook-abi|s/hooks v2:memcg/hooks v5:memcg/|line @ is malformed"
	"action-hooks-many|s/hooks v2:memcg_nr_pages_over_high/hooks v2:a v6:b v7:c v2:d/|line @ is malformed"
	"rule-extra-word|s/^rule 0 line 7 .*/& extra/|line 11 is malformed"
	"expr-cond-type|s/^expr rule 0 cond condition /expr rule 0 cond rate /|line @ is malformed"
	"expr-cond-of-action|s/^expr rule 0 cond /expr action 0 cond /|line @ is malformed"
	"expr-what|s/^expr action 0 value /expr action 0 worth /|line @ is malformed"
	"word-long|s/^policy .*/policy \"$(printf 'p%.0s' $(seq 300))\"/|line 2 is malformed"
	"quote-open|s/^policy .*/policy \"priority/|line 2 is malformed"
	"quote-glued|s/^policy .*/policy \"priority\"x/|line 2 is malformed"
	"escape-unknown|s/^policy .*/policy \"pri\\\\qority\"/|line 2 is malformed"
	"after-end|\$a counter 1 cgroup 0 signal pgscan window_ms 1000 bucket_ms 125 events X|after 'end'"
	"no-end|/^end$/d|cut short (no 'end')"
	"no-policy|/^policy /d|lacks a policy, source, source-hash or abis record"
)
for c in "${strict_cases[@]}"; do
	IFS='|' read -r name expr want <<<"$c"
	variant "$name" "$expr"
	want=${want/@/$(cmp "$work/meta.txt" "$work/meta-$name.txt" | sed -n 's/.* line \([0-9]*\)$/\1/p')}
	one_line "meta-strict-$name" "$want" "$run" --inspect "$work/meta-$name.o"
done

# a struct_ops variable placed past its section by its ELF symbol: libbpf 1.5 adds offset
# and size in 32 bits (0xfffffff0 + 24 wraps to 8) and copied from 4 GiB past the
# section (a SEGV the fuzz-object suite found); a 64-bit value libbpf would cut to 32 bits
symbol_at() {   # NAME SYMBOL VALUE: priority.o with SYMBOL's st_value set to VALUE
	python3 - "$prio" "$work/sym-$1.o" "$2" "$3" <<'PY'
import struct, sys
path, out, name, value = sys.argv[1], sys.argv[2], sys.argv[3].encode(), int(sys.argv[4], 0)
b = bytearray(open(path, "rb").read())
shoff, = struct.unpack_from("<Q", b, 0x28)
shentsize, shnum = struct.unpack_from("<HH", b, 0x3a)
secs = [struct.unpack_from("<IIQQQQIIQQ", b, shoff + i * shentsize) for i in range(shnum)]
symtab = next(s for s in secs if s[1] == 2)             # SHT_SYMTAB
strtab = secs[symtab[6]]
hits = 0
for off in range(symtab[4], symtab[4] + symtab[5], 24):
    st_name, = struct.unpack_from("<I", b, off)
    start = strtab[4] + st_name
    if bytes(b[start:b.index(0, start)]) == name:
        struct.pack_into("<Q", b, off + 8, value)
        hits += 1
assert hits == 1, hits
open(out, "wb").write(b)
PY
}
symbol_at wrap ops_v2 0xfffffff0
one_line struct-ops-offset-wraps "struct_ops variable ops_v2 (24 bytes) lies beyond its section .struct_ops.link (24 bytes)" \
	"$run" --inspect "$work/sym-wrap.o"
symbol_at far ops_v2 0x100000000
one_line struct-ops-offset-64bit "struct_ops variable ops_v2 (24 bytes) lies beyond its section .struct_ops.link" \
	"$run" --inspect "$work/sym-far.o"

# maps whose values are larger than memcg-run reads (a stack overflow), or whose entries
# do not cover the metadata's counters: refused before anything is loaded or read
shapes() {   # NAME CLANG-DEFINES...: tests/runtime/hostile/shapes.c with priority's metadata
	local name=$1; shift
	clang-19 -g -O2 -target bpf -I"$build/libbpf/include" -I/usr/include/x86_64-linux-gnu "$@" \
		-c -o "$work/shapes-$name.bpf.o" tests/runtime/hostile/shapes.c &&
	llvm-objcopy-19 --add-section .memcgc.meta="$work/meta.txt" "$work/shapes-$name.bpf.o" "$work/shapes-$name.o"
}
shapes counter-value -DCOUNTER_VALUE=256
shapes state-value -DSTATE_VALUE=64
shapes no-counters -DCOUNTERS=0
shapes ring-large -DRING_BYTES=$((1 << 24))
shapes ring-array -DRING_ARRAY
shapes no-ring -DNO_RING
shapes right
ring=$(( $(getconf PAGESIZE) > 16384 ? $(getconf PAGESIZE) : 16384 ))
for c in "counter-value|map 'counters' is not what memcgc makes (type 2, key 4, value 256 bytes" \
	 "state-value|map 'rule_states' is not what memcgc makes (type 2, key 4, value 64 bytes" \
	 "no-counters|map 'counters' is not what memcgc makes" \
	 "ring-large|map 'transitions' is not what memcgc makes (type 27, key 0, value 0 bytes, 16777216 entries; want type 27, key 0, value 0, exactly $ring)" \
	 "ring-array|map 'transitions' is not what memcgc makes (type 2, key 4, value 8 bytes" \
	 "no-ring|has no map 'transitions': not a memcgc object"; do
	IFS='|' read -r name want <<<"$c"
	one_line "map-$name" "$want" "$run" --dry-run --duration 1s --cgroup high="$high" --cgroup low="$low" "$work/shapes-$name.o"
done
check map-shapes-right 0 "rule 0 (line 7)" "$run" --dry-run --duration 1.1s --cgroup high="$high" --cgroup low="$low" "$work/shapes-right.o"
# records that are not what memcgc writes (short, a rule the metadata lacks), one pair for
# every memcg event on the machine: ignored, said once, and the status still comes
shapes bad-records -DBAD_RECORDS
check ring-bad-records 0 "ignored a record of its ring buffer that memcgc does not write (4 bytes)" \
	"$run" --dry-run --duration 1.1s --cgroup high="$high" --cgroup low="$low" "$work/shapes-bad-records.o"
check ring-bad-records-status 0 "rule 0 (line 7)" \
	"$run" --dry-run --duration 1.1s --cgroup high="$high" --cgroup low="$low" "$work/shapes-bad-records.o"

## Load and attach failures: one line, with libbpf's first word in it; -v adds the rest
shapes bad-map -DBAD_MAP
one_line libbpf-one-line "shapes-bad-map.o: loading failed: Invalid argument; libbpf: map 'bad': failed to create: Invalid argument(-22)" \
	"$run" --dry-run --duration 1s --cgroup high="$high" --cgroup low="$low" "$work/shapes-bad-map.o"
check libbpf-verbose 1 "    libbpf: failed to load object" \
	"$run" -v --dry-run --duration 1s --cgroup high="$high" --cgroup low="$low" "$work/shapes-bad-map.o"
llvm-objcopy-19 --remove-section .BTF --remove-section .BTF.ext "$work/shapes-right.o" "$work/no-btf.o"
one_line libbpf-open-one-line "no-btf.o: libbpf cannot open it: " "$run" --inspect "$work/no-btf.o"

## --probe tries what the load does (a tracepoint program loaded and attached) and names
## what is missing; root without the capabilities cannot run
nocaps="setpriv --bounding-set=-sys_admin,-bpf,-perfmon --inh-caps=-sys_admin,-bpf,-perfmon"
check probe-root-without-caps 1 "object $prio (dry run): cannot run: missing CAP_BPF, CAP_PERFMON, CAP_SYS_ADMIN: loading a tracepoint program: Operation not permitted" \
	$nocaps "$run" --probe --dry-run "$prio"
check probe-root-without-caps-privileges 1 "privileges                 missing CAP_BPF, CAP_PERFMON, CAP_SYS_ADMIN" \
	$nocaps "$run" --probe --dry-run "$prio"
check run-root-without-caps 1 "loading BPF programs needs root, or CAP_BPF, CAP_PERFMON and CAP_SYS_ADMIN (run memcg-run with sudo): missing CAP_BPF" \
	$nocaps "$run" --dry-run --duration 1s --cgroup high="$high" --cgroup low="$low" "$prio"
check probe-nobody 1 "cannot run: missing CAP_BPF, CAP_PERFMON, CAP_SYS_ADMIN" \
	setpriv --reuid=nobody --regid=nogroup --clear-groups "$run" --probe --dry-run "$prio"
caps=+bpf,+perfmon,+sys_admin
withcaps="setpriv --reuid=nobody --regid=nogroup --clear-groups --inh-caps=$caps --ambient-caps=$caps"
check probe-nobody-with-caps 0 "privileges                 enough: a tracepoint program loaded and attached" \
	$withcaps "$run" --probe --dry-run "$prio"
check run-nobody-with-caps 0 "rule 0 (line 7)" \
	$withcaps "$run" --dry-run --duration 1.1s --cgroup high="$high" --cgroup low="$low" "$prio"

## A good neighbour: the tracepoint program leaves memcg:count_memcg_events to perf (a
## tracepoint program returning 0 makes the kernel drop the event for every perf user)
perf_samples() {   # perf's samples of the event while memory is used in $high; in a mount
	# namespace of its own, so the tracefs perf may mount goes with it
	unshare -m --propagation unchanged sh -c "mount --make-rprivate /sys && perf record -q -e memcg:count_memcg_events -a \
		-o $work/perf.data -- sh -c 'echo \$\$ > $high/cgroup.procs; dd if=/dev/zero \
		of=$work/perf.file bs=1M count=32 status=none; cat $work/perf.file > /dev/null' \
		>/dev/null 2>&1; perf script -i $work/perf.data 2>/dev/null | wc -l"
	rm -f "$work/perf.data" "$work/perf.file"
}
tp_programs() { bpftool prog show | grep -c 'tracepoint  name count_memcg_ev'; }
perf_test() {
	local alone with runner
	command -v perf >/dev/null || { echo "SKIP hostile/perf-sees-events: setup: no perf (make deps installs linux-perf)"; return; }
	local before=$(tp_programs)
	alone=$(perf_samples)
	if [ "$alone" = 0 ] || [ "$before" != 0 ] || [ "$(tp_programs)" != 0 ]; then   # someone else's program on the event drops it for everyone
		echo "SKIP hostile/perf-sees-events: other programs on memcg:count_memcg_events (memcg-run" \
			"of others' tests: $before loaded) may drop its events; perf saw $alone"
		return
	fi
	"$run" --dry-run --duration 8s --cgroup high="$high" --cgroup low="$low" "$prio" > "$work/perf-run.out" 2>&1 &
	runner=$!
	sleep 1.5
	local programs=$(tp_programs)
	with=$(perf_samples)
	programs="$programs $(tp_programs)"
	kill -TERM $runner; wait $runner
	if [ "$programs" != "1 1" ]; then   # another memcg-run (one of main's) came and went
		echo "SKIP hostile/perf-sees-events: other programs on memcg:count_memcg_events meanwhile ($programs)"
	elif [ "$with" -gt 0 ] && grep -q "rule 0 (line 7)" "$work/perf-run.out"; then
		pass perf-sees-events "$alone samples alone, $with with a policy attached"
	else fail perf-sees-events "perf recorded $alone samples alone, $with with memcg-run attached" "$(tail -2 "$work/perf-run.out")"; fi
}
perf_test

## The bound cgroup is the one named, on the memory controller's hierarchy
# P1 of 511 characters, P2 = P1 plus 20: memcg-run bound P1's inode for P2 (a 512-byte path)
p1=$root/memcgc-h.$$/$(printf 'a%.0s' $(seq 200))/$(printf 'b%.0s' $(seq 200))
p1=$p1/$(printf 'c%.0s' $(seq $((511 - ${#p1} - 1))))
p2=$p1/$(printf 'd%.0s' $(seq 19))
mkdir -p "$p2"
cleanup_dirs+=("$p2" "$(dirname "$p2")" "$(dirname "$(dirname "$p2")")" "$(dirname "$(dirname "$(dirname "$p2")")")" "$root/memcgc-h.$$")
slot_ids() {   # the keys of every cgroup_slots map (other runs' too: only inodes are compared)
	bpftool -j map dump name cgroup_slots 2>/dev/null | python3 -c '
import json, sys
def key(e):
    if "formatted" in e:
        return e["formatted"]["key"]
    return int.from_bytes(bytes(int(x, 16) for x in e["key"]), "little")
every = []
for e in json.load(sys.stdin):   # one map: its entries; several: each with "elements"
    every += e.get("elements", [e])
print(" ".join(str(key(e)) for e in every))' 2>/dev/null   # a map removed meanwhile: nothing
}
"$run" --dry-run --duration 4s --cgroup high="$p2" --cgroup low="$low" "$prio" > "$work/long.out" 2>&1 &
runner=$!
for _ in $(seq 30); do   # until the map is filled (an ASan build starts slowly)
	sleep 0.1
	ids=$(slot_ids)
	grep -qw "$(stat -c %i "$p2")" <<<"$ids" && break
done
wait $runner
if grep -qxF "memcg-run: cgroup high = $p2" "$work/long.out" && grep -qw "$(stat -c %i "$p2")" <<<"$ids" &&
   ! grep -qw "$(stat -c %i "$p1")" <<<"$ids"; then pass long-path-binds-named "${#p1} and ${#p2} characters"
else fail long-path-binds-named "P2 (${#p2} characters) not bound by its own inode $(stat -c %i "$p2") (P1's is $(stat -c %i "$p1"))" "$(grep "cgroup high" "$work/long.out" | cut -c1-120)"; fi
rmdir "$p2"
one_line long-path-error-whole "memcg-run: error: cgroup high: $p2 does not exist (create it, or bind another with --cgroup high=PATH)" \
	"$run" --dry-run --duration 1s --cgroup high="$p2" --cgroup low="$low" "$prio"

# a --cgroup name longer than any policy's is named whole
longname=$(printf 'n%.0s' $(seq 100))
one_line long-cgroup-name "the policy has no cgroup '$longname'" \
	"$run" --dry-run --duration 1s --cgroup high="$high" --cgroup low="$low" --cgroup "$longname=$low" "$prio"

# v1 hierarchies without the memory controller, and the empty path
cpu=/sys/fs/cgroup/cpu/memcgc-h.$$
if mkdir -p "$cpu" 2>/dev/null; then
	cleanup_dirs+=("$cpu")
	one_line bind-v1-cpu "cgroup high: $cpu is on a cgroup v1 hierarchy without the memory controller" \
		"$run" --dry-run --duration 1s --cgroup high="$cpu" --cgroup low="$low" "$prio"
else echo "SKIP hostile/bind-v1-cpu: no cgroup v1 cpu hierarchy here"; fi
if [ -d /sys/fs/cgroup/systemd ]; then
	one_line bind-v1-systemd "cgroup high: /sys/fs/cgroup/systemd is on a cgroup v1 hierarchy without the memory controller" \
		"$run" --dry-run --duration 1s --cgroup high=/sys/fs/cgroup/systemd --cgroup low="$low" "$prio"
else echo "SKIP hostile/bind-v1-systemd: no cgroup v1 systemd hierarchy here"; fi
one_line bind-empty "cgroup high: the path is empty (give --cgroup high=PATH; the root cgroup is $root)" \
	"$run" --dry-run --duration 1s --cgroup high= --cgroup low="$low" "$prio"

## A bound cgroup removed while memcg-run runs is reported (status, JSON, --explain) and
## bound again when a cgroup is created at its path (the hooks: in the guest)
gone=$root/memcgc-h-gone.$$
cleanup_dirs+=("$gone")
removed_run() {   # OUT OPTIONS...: memcg-run while $gone is removed, then made again
	local out=$1; shift
	mkdir -p "$gone"
	"$run" --dry-run --interval 300ms --duration 6s "$@" --cgroup high="$gone" --cgroup low="$low" \
		--set threshold=50/s "$prio" > "$out" 2>&1 &   # removed at 1.5 s, made at 3 s
	local runner=$!
	sleep 1.5; rmdir "$gone"
	sleep 1.5; mkdir "$gone"; new_id=$(stat -c %i "$gone")
	echo 32M > "$gone/memory.limit_in_bytes"
	sleep 1   # the rescan (every 0.5 s) binds it
	sh -c "echo \$\$ > $gone/cgroup.procs; dd if=/dev/zero of=$work/gone.file bs=1M count=64 status=none; cat $work/gone.file > /dev/null"
	rm -f "$work/gone.file"
	wait $runner
}
removed_run "$work/gone.out" --explain
if grep -qF "high: cgroup $gone was removed; bound again if one is created there" "$work/gone.out" &&
   grep -qF "high: REMOVED ($gone): nothing counts until a cgroup is there again" "$work/gone.out"; then
	pass cgroup-removed-reported
else fail cgroup-removed-reported "no status or --explain line for high removed" "$(grep -v 'rule 0' "$work/gone.out" | head -6)"; fi
if grep -qF "high: a cgroup is at $gone again (id $new_id): bound to it" "$work/gone.out" &&
   grep -q "rule 0 (line 7) ACTIVE" "$work/gone.out"; then
	pass cgroup-recreated-bound-again "id $new_id; its events count"
else fail cgroup-recreated-bound-again "high not bound again to id $new_id, or its events not counted" "$(grep -v 'low:' "$work/gone.out" | tail -5)"; fi
removed_run "$work/gone.json" --explain --json
if python3 - "$work/gone.json" "$new_id" <<'PY'
import json, sys
every = [json.loads(l) for l in open(sys.argv[1]) if l.startswith("{")]
changes = [o["cgroup_change"] for o in every if "cgroup_change" in o]
assert [c["removed"] for c in changes] == [True, False], changes
assert changes[1]["id"] == int(sys.argv[2]) and changes[1]["cgroup"] == "high", changes
states = [o["cgroups"]["high"]["removed"] for o in every if "cgroups" in o]
assert True in states and states[-1] is False, states
PY
then pass cgroup-removed-json; else fail cgroup-removed-json "no cgroup_change objects or removed flags" "$(grep -v '"rules"' "$work/gone.json" | head -3)"; fi
rmdir "$gone"

## One memcg-run per cgroup: a second refuses, naming the first one's pid (a lock in /run)
"$run" --dry-run --duration 3s --cgroup high="$high" --cgroup low="$low" "$prio" > /dev/null 2>&1 &
first=$!
sleep 1
one_line second-instance-refused "memcg-run: error: cgroup high ($high) is already driven by memcg-run (pid $first, lock /run/memcg-run/cgroup1-" \
	"$run" --dry-run --duration 1s --cgroup high="$high" --cgroup low="$low" "$prio"
other=$root/memcgc-h-other.$$
mkdir -p "$other"
cleanup_dirs+=("$other")
check other-cgroups-not-locked 0 "rule 0 (line 7)" "$run" --dry-run --duration 1s --cgroup high="$other" --cgroup low="$other" "$prio"
wait $first
check lock-released-on-exit 0 "rule 0 (line 7)" "$run" --dry-run --duration 1s --cgroup high="$high" --cgroup low="$low" "$prio"

## --pin and --unpin touch only what memcg-run made
bpffs=$(mktemp -d /tmp/memcgc-h-bpffs.XXXXXX)
mount -t bpf bpf "$bpffs"
cleanup_dirs+=("$bpffs")
pin() { "$run" --dry-run --duration 0.5s --pin "$1" --cgroup high="$high" --cgroup low="$low" "$prio"; }
pin "$bpffs/p" > /dev/null 2>&1
first=$(ls "$bpffs/p" | tr '\n' ' ')
check pin-twice 1 "$bpffs/p already holds a policy pinned by memcg-run (pid" pin "$bpffs/p"
if [ "$(ls "$bpffs/p" | tr '\n' ' ')" = "$first" ] && [ -n "$first" ] && bpftool map show pinned "$bpffs/p/map-counters" >/dev/null 2>&1; then
	pass pin-twice-keeps-first "$first"
else fail pin-twice-keeps-first "the first policy's pins changed: '$first' -> '$(ls "$bpffs/p" 2>&1 | tr '\n' ' ')'"; fi
check unpin-first 0 "removed the policy pinned in $bpffs/p" "$run" --unpin "$bpffs/p"
sleep 0.3
[ ! -e "$bpffs/p" ] && pass unpin-first-leaves-nothing || fail unpin-first-leaves-nothing "left: $(ls "$bpffs/p" | tr '\n' ' ')"

empty=/tmp/memcgc-h-empty.$$
mkdir -p "$empty"
cleanup_dirs+=("$empty")
check pin-empty-not-bpffs 1 "$empty: is not on a BPF file system" pin "$empty"
[ -d "$empty" ] && pass pin-empty-not-bpffs-kept || fail pin-empty-not-bpffs-kept "memcg-run removed $empty, a directory it did not create"

ordinary=$work/ordinary
mkdir -p "$ordinary" && touch "$ordinary/tracepoint" "$ordinary/map-counters" "$ordinary/hooks-0" "$ordinary/memcg-run"
check unpin-ordinary 1 "is not on a BPF file system: it holds no policy pinned by memcg-run --pin (nothing removed)" "$run" --unpin "$ordinary"
[ "$(ls "$ordinary" | wc -l)" = 4 ] && pass unpin-ordinary-kept || fail unpin-ordinary-kept "files left: $(ls "$ordinary" | tr '\n' ' ')"
rm -rf "$ordinary"

# a directory on the BPF file system with someone else's pins: not ours to fill or empty
mkdir "$bpffs/foreign"
bpftool map create "$bpffs/foreign/map-counters" type array key 4 value 8 entries 1 name foreign
bpftool map create "$bpffs/foreign/tracepoint" type array key 4 value 8 entries 1 name foreign2
check unpin-foreign 1 "holds no policy pinned by memcg-run --pin (nothing removed)" "$run" --unpin "$bpffs/foreign"
check pin-foreign 1 "is not empty: memcg-run pins only into a new or empty directory (nothing was changed)" pin "$bpffs/foreign"
[ -e "$bpffs/foreign/map-counters" ] && [ -e "$bpffs/foreign/tracepoint" ] && pass foreign-pins-kept ||
	fail foreign-pins-kept "left: $(ls "$bpffs/foreign" | tr '\n' ' ')"
rm -f "$bpffs/foreign/map-counters" "$bpffs/foreign/tracepoint"
# an empty directory on it may be used; --unpin then leaves the directory, as found
check pin-existing-empty 0 "the policy stays attached, pinned in $bpffs/foreign" pin "$bpffs/foreign"
check unpin-existing-empty 0 "removed the policy pinned in $bpffs/foreign" "$run" --unpin "$bpffs/foreign"
[ -d "$bpffs/foreign" ] && [ -z "$(ls "$bpffs/foreign")" ] && pass unpin-keeps-users-dir || fail unpin-keeps-users-dir "$bpffs/foreign: $(ls -d "$bpffs/foreign" 2>&1)"
rmdir "$bpffs/foreign"

## A signal while loading or pinning: memcg-run stops at the next step, undoing what it
## made (strace holds one system call for a second, and the signal comes in it)
signal_in() {   # NAME SYSCALLS SYSCALL-NUMBERS WHEN PIN-DIR|"": memcg-run's status, signalled
	# while strace holds it in call WHEN of SYSCALLS (x86-64 NUMBERS) for two seconds
	local name=$1 calls=$2 numbers=$3 when=$4 dir=$5 pid=
	# LeakSanitizer cannot work under ptrace: off for this run of an ASan build
	ASAN_OPTIONS=${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0 strace -f -qq -o /dev/null ${dir:+-P "$dir"} -e trace="$calls" -e inject="$calls:delay_exit=2000000:when=$when" \
		"$run" --dry-run --duration 2s ${dir:+--pin "$dir"} --cgroup high="$high" --cgroup low="$low" \
		"$prio" > "$work/$name.out" 2>&1 &
	local tracer=$!
	for _ in $(seq 100); do
		pid=$(pgrep -P $tracer memcg-run)
		[ -n "$pid" ] && [ "$(awk '{print $3}' /proc/$pid/stat 2>/dev/null)" = t ] &&
			grep -qE "^($numbers) " /proc/$pid/syscall 2>/dev/null && break
		sleep 0.05
	done
	[ -n "$pid" ] && kill -TERM "$pid"
	wait $tracer; echo $?
}
status=$(signal_in sig-load bpf 321 3 "")
sleep 0.3
if [ "$status" = 1 ] && [ "$(cat "$work/sig-load.out")" = "memcg-run: error: stopped by a signal before the policy ran; nothing was left loaded" ]; then
	pass signal-during-load
else fail signal-during-load "exit $status (want 1 with one line)" "$(head -3 "$work/sig-load.out")"; fi
status=$(signal_in sig-pin mkdir,mkdirat "83|258" 1 "$bpffs/sig")
if [ "$status" = 0 ] && grep -qF "the policy stays attached, pinned in $bpffs/sig" "$work/sig-pin.out" &&
   [ "$(ls "$bpffs/sig" | wc -l)" = 6 ]; then pass signal-during-pin "the pin is whole: $(ls "$bpffs/sig" | tr '\n' ' ')"
else fail signal-during-pin "exit $status (want 0 with a whole pin)" "$(head -3 "$work/sig-pin.out")" "$(ls "$bpffs/sig" 2>&1 | tr '\n' ' ')"; fi
"$run" --unpin "$bpffs/sig" > /dev/null 2>&1
sleep 0.3
[ ! -e "$bpffs/sig" ] && pass signal-unpinned || fail signal-unpinned "left: $(ls "$bpffs/sig" | tr '\n' ' ')"
rmdir "$bpffs/sig" 2>/dev/null
umount "$bpffs"
