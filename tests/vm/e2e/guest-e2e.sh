#!/bin/bash
# Inside the test VM: memcgc-compiled policies attached by memcg-run to real cgroup v2
# memcgs, with real workloads (tests/vm/progs/toucher.c). One kernel ABI per boot.
#   guest-e2e.sh BUILD ABI OBJDIR [TEST...]
# TEST: refuse examples busy rebind delay protect over_high (default: those for ABI).
# The last line it prints is `guest-e2e: done ABI`; run-e2e.sh counts a run without it
# (the VM died, the script stopped early) as a FAIL.
set -u
BUILD=$1 ABI=$2 OBJ=$3
RUN=$BUILD/memcg-run TOUCH=$BUILD/vm/toucher
T=${E2E_CGROUPS:-/sys/fs/cgroup/e2e}   # the runner tests point it at a scratch directory
TMP=$(mktemp -d /tmp/e2e.XXXXXX)

pass() { echo "PASS memcgc-$ABI-$1${2:+ ($2)}"; }
fail() { echo "FAIL memcgc-$ABI-$1: $2"; shift 2; for l in "$@"; do echo "  $l"; done; }
skip() { echo "SKIP memcgc-$ABI-$1: $2"; }
field() { sed -n "s/.*\\b$1=\\([^ ]*\\).*/\\1/p" <<<"$2"; }
ge() { awk -v a="$1" -v b="$2" 'BEGIN{exit !(a >= b)}'; }

mkcg() { for d in "$@"; do echo +memory > "$(dirname "$d")/cgroup.subtree_control"; mkdir -p "$d"; done; }
cleanup() {
	for d in $(find "$T" -depth -type d 2>/dev/null); do echo 1 > "$d/cgroup.kill" 2>/dev/null; done
	sleep 0.3
	for d in $(find "$T" -depth -type d 2>/dev/null); do rmdir "$d" 2>/dev/null; done
}
# start_run LOG ARGS...: memcg-run in the background until it says it attached
start_run() {
	local log=$1; shift
	"$RUN" "$@" > "$log" 2>&1 &
	RUN_PID=$!
	for _ in $(seq 1 200); do
		grep -q "^memcg-run: policy .* attached" "$log" && return 0
		kill -0 $RUN_PID 2>/dev/null || return 1
		sleep 0.1
	done
	return 1
}
stop_run() { kill -TERM "$RUN_PID" 2>/dev/null; wait "$RUN_PID"; }
# wait_log LOG TEXT SECONDS: until LOG has a line containing TEXT (0), or time runs out (1)
wait_log() {
	for _ in $(seq 1 $(($3 * 10))); do grep -qF -- "$2" "$1" && return 0; sleep 0.1; done
	return 1
}
links() { bpftool link show 2>/dev/null | grep -c struct_ops; }

# v6 (get_high_delay_ms) and v7 (memcg_charged): low ends >= 1 s after high (the RFC
# selftest's pass criterion)
test_delay() {
	cleanup; mkcg "$T" "$T/d" "$T/d/high" "$T/d/low"
	echo 256M > "$T/d/memory.max"
	start_run "$TMP/delay.log" --cgroup high="$T/d/high" --cgroup low="$T/d/low" "$OBJ/delay.o" ||
		{ fail high-delay "memcg-run did not attach" "$(cat "$TMP/delay.log")"; return; }
	[ "$(links)" -ge 1 ] && pass attach-link "$(links) struct_ops link" || fail attach-link "no struct_ops link"
	"$TOUCH" --cgroup "$T/d/high" 64 > "$TMP/high.out" & p1=$!
	"$TOUCH" --cgroup "$T/d/low" 64 > "$TMP/low.out" & p2=$!
	wait $p1 $p2
	stop_run; local status=$?
	local hl ll gap
	hl=$(cat "$TMP/high.out") ll=$(cat "$TMP/low.out")
	gap=$(awk -v a="$(field end "$ll")" -v b="$(field end "$hl")" 'BEGIN{printf "%.2f", a - b}')
	if ge "$gap" 1.0; then pass high-delay "high $(field secs "$hl")s, low $(field secs "$ll")s, low ends ${gap}s later"
	else fail high-delay "low ends ${gap}s after high, want >= 1s" "high: $hl" "low: $ll" "$(tail -5 "$TMP/delay.log")"; fi
	[ $status = 0 ] && [ "$(links)" = 0 ] && pass detach-on-sigterm || fail detach-on-sigterm "exit $status, $(links) links left"
	# without the policy the two finish together
	"$TOUCH" --cgroup "$T/d/high" 64 > "$TMP/high.out" & p1=$!
	"$TOUCH" --cgroup "$T/d/low" 64 > "$TMP/low.out" & p2=$!
	wait $p1 $p2
	gap=$(awk -v a="$(field end "$(cat "$TMP/low.out")")" -v b="$(field end "$(cat "$TMP/high.out")")" 'BEGIN{printf "%.2f", a - b}')
	if ge 0.5 "$gap"; then pass no-policy-no-delay "low ends ${gap}s after high"
	else fail no-policy-no-delay "low ends ${gap}s after high without a policy"; fi
}

# v2: low's progress collapses while high page-faults; SIGKILL of memcg-run detaches
test_over_high() {
	cleanup; mkcg "$T" "$T/v" "$T/v/high" "$T/v/low"
	local r0 r1 r2
	r0=$(field mb_per_s "$("$TOUCH" --cgroup "$T/v/low" --rate 2)")
	start_run "$TMP/over.log" --cgroup high="$T/v/high" --cgroup low="$T/v/low" "$OBJ/over-high.o" ||
		{ fail over-high "memcg-run did not attach" "$(cat "$TMP/over.log")"; return; }
	"$TOUCH" --cgroup "$T/v/high" --rate 5 > /dev/null & p1=$!
	sleep 0.5
	r1=$(field mb_per_s "$("$TOUCH" --cgroup "$T/v/low" --rate 3)")
	wait $p1
	if ge "$r0" "$(awk -v r="$r1" 'BEGIN{print r*5}')"; then pass over-high "low MB/s alone $r0, while high faults $r1"
	else fail over-high "low MB/s alone $r0, while high faults $r1: want a 5x drop" "$(tail -6 "$TMP/over.log")"; fi
	kill -KILL "$RUN_PID"; wait "$RUN_PID" 2>/dev/null
	sleep 0.5
	r2=$(field mb_per_s "$("$TOUCH" --cgroup "$T/v/low" --rate 2)")
	if [ "$(links)" = 0 ] && ge "$(awk -v r="$r2" 'BEGIN{print r*2}')" "$r0"; then
		pass detach-on-sigkill "no link left, low MB/s back to $r2"
	else
		fail detach-on-sigkill "$(links) links, low MB/s $r2 (alone $r0)"
	fi
}

# v6/v7: protect_min keeps prot's 64 MB resident while a hog pushes the parent over
# memory.max (swap on, so anonymous pages can go); without the policy they go
protect_run() {	# protect_run [POLICY.o] -> prot's resident MB after the hog
	local holder mb
	cleanup; mkcg "$T" "$T/p" "$T/p/prot" "$T/p/hog"
	echo 160M > "$T/p/memory.max"
	if [ -n "${1:-}" ]; then
		start_run "$TMP/prot.log" --cgroup prot="$T/p/prot" --cgroup hog="$T/p/hog" "$1" || return 1
	fi
	"$TOUCH" --cgroup "$T/p/prot" 64 --hold > "$TMP/prot.out" & holder=$!
	for _ in $(seq 1 100); do grep -q holding "$TMP/prot.out" && break; sleep 0.1; done
	"$TOUCH" --cgroup "$T/p/hog" 200 > /dev/null
	mb=$(( $(cat "$T/p/prot/memory.current") >> 20 ))
	kill "$holder" 2>/dev/null; wait "$holder" 2>/dev/null
	[ -n "${1:-}" ] && stop_run
	echo "$mb"
}
test_protect() {
	swapon /dev/zram0 2>/dev/null
	local without with
	without=$(protect_run) with=$(protect_run "$OBJ/protect.o")
	if [ -n "$with" ] && [ "$with" -ge 60 ] && [ "$with" -gt "$((without + 16))" ]; then
		pass protect-min "prot keeps ${with} of 64 MB with the policy, ${without} MB without"
	else
		fail protect-min "prot keeps ${with:-?} MB with the policy, ${without:-?} MB without" "$(tail -4 "$TMP/prot.log")"
	fi
	swapoff -a 2>/dev/null
}

# the hook a policy needs and this kernel lacks: memcg-run refuses, naming the line
test_refuse() {
	local other=delay want="high_delay needs memcg_bpf_ops.get_high_delay_ms (v3-v6) or memcg_charged (v7); this kernel has v2"
	[ "$ABI" != v2 ] && other=over-high want="over_high needs memcg_bpf_ops.memcg_nr_pages_over_high (v2); this kernel has $ABI"
	cleanup; mkcg "$T" "$T/r" "$T/r/high" "$T/r/low"
	local out status
	out=$("$RUN" --cgroup high="$T/r/high" --cgroup low="$T/r/low" "$OBJ/$other.o" 2>&1); status=$?
	if [ $status = 1 ] && grep -qF "$want" <<<"$out"; then pass refuses-missing-hook
	else fail refuses-missing-hook "exit $status" "$out"; fi
}

# every example and standard-library policy this ABI can run attaches (the verifier
# accepts its struct_ops programs) and detaches. Which ABIs it can run on comes from the
# object's own metadata (`runs on:`); one that needs another ABI is skipped, saying so,
# and one whose --probe fails on an ABI it runs on is a FAIL.
test_examples() {
	local o name out status abis
	for o in "$OBJ"/example-*.o; do
		name=$(basename "$o" .o)
		out=$("$RUN" --inspect "$o" 2>&1); status=$?
		abis=$(sed -n 's/^runs on: //p' <<<"$out")
		if [ $status != 0 ] || [ -z "$abis" ]; then
			fail "attaches-$name" "memcg-run --inspect: exit $status, no 'runs on:' line" "$(tail -5 <<<"$out")"
			continue
		fi
		case " $abis " in
		*" $ABI "*) ;;
		*) skip "attaches-$name" "the policy runs on: $abis; this kernel has $ABI"; continue ;;
		esac
		out=$("$RUN" --probe "$o" 2>&1); status=$?
		if [ $status != 0 ]; then
			fail "attaches-$name" "memcg-run --probe exit $status on $ABI, which the policy runs on ($abis)" "$(tail -5 <<<"$out")"
			continue
		fi
		cleanup; mkcg "$T" "$T/x"
		local binds=() cg
		for cg in $("$RUN" --inspect "$o" | sed -n 's/^cgroup \([a-z_0-9]*\):.*/\1/p'); do
			mkcg "$T/x/$cg"
			binds+=(--cgroup "$cg=$T/x/$cg")
		done
		out=$("$RUN" "${binds[@]}" --duration 1s "$o" 2>&1); status=$?
		if [ $status = 0 ] && grep -q "attached" <<<"$out" && [ "$(links)" = 0 ]; then pass "attaches-$name"
		else fail "attaches-$name" "exit $status" "$(tail -5 <<<"$out")"; fi
	done
}

# a second memcg-run on a cgroup one already drives: refused with the first one's pid
# (its lock under /run/memcg-run); one that cannot see the lock (its own /run, as another
# tool's attachment would be): the kernel's -EBUSY, said in one line; --allow-override
# (no lock taken): v2 has no such flag, v6/v7 meet the kernel's -EBUSY on the same cgroup
test_busy() {
	local policy=delay out status hidden hidden_status over over_status want_over
	want_over="is already attached there or above it (EBUSY)"
	[ "$ABI" = v2 ] && policy=over-high want_over="--allow-override needs RFC v3 or later; this kernel has v2"
	cleanup; mkcg "$T" "$T/b" "$T/b/high" "$T/b/low"
	start_run "$TMP/busy.log" --cgroup high="$T/b/high" --cgroup low="$T/b/low" "$OBJ/$policy.o" ||
		{ fail busy "first memcg-run did not attach" "$(cat "$TMP/busy.log")"; return; }
	local second=(--cgroup high="$T/b/high" --cgroup low="$T/b/low" "$OBJ/$policy.o")
	out=$("$RUN" "${second[@]}" 2>&1); status=$?
	hidden=$(unshare -m sh -c 'mount -t tmpfs none /run && exec "$@"' sh "$RUN" "${second[@]}" 2>&1)
	hidden_status=$?
	over=$("$RUN" --allow-override "${second[@]}" 2>&1); over_status=$?
	stop_run
	if [ $status = 1 ] && [ "$(wc -l <<<"$out")" = 1 ] &&
	   grep -q "is already driven by memcg-run (pid $RUN_PID, lock /run/memcg-run/" <<<"$out"; then
		pass busy-lock "$out"
	else fail busy-lock "exit $status" "$out"; fi
	if [ $hidden_status = 1 ] && [ "$(wc -l <<<"$hidden")" = 1 ] &&
	   grep -q "is already attached there or above it (EBUSY)" <<<"$hidden"; then pass busy
	else fail busy "exit $hidden_status" "$hidden"; fi
	if [ $over_status = 1 ] && [ "$(wc -l <<<"$over")" = 1 ] && grep -qF -- "$want_over" <<<"$over"; then
		pass busy-allow-override
	else fail busy-allow-override "exit $over_status" "$over"; fi
}

# acts_on DIR: whether the policy attached to DIR/high and DIR/low acts on low now
# (v2 over-high: low's page-fault progress drops 5x while high faults; v6/v7 delay: low
# ends >= 1 s after high); prints "yes: figures" or "no: figures"
acts_on() {
	local r0 r1 p1 p2 gap hl ll
	if [ "$ABI" = v2 ]; then
		r0=$(field mb_per_s "$("$TOUCH" --cgroup "$1/low" --rate 2)")
		"$TOUCH" --cgroup "$1/high" --rate 5 > /dev/null & p1=$!
		sleep 0.5
		r1=$(field mb_per_s "$("$TOUCH" --cgroup "$1/low" --rate 3)")
		wait $p1
		ge "$r0" "$(awk -v r="$r1" 'BEGIN{print r*5}')" && echo -n "yes: " || echo -n "no: "
		echo "low MB/s with high idle $r0, while high faults $r1"
	else
		"$TOUCH" --cgroup "$1/high" 64 > "$TMP/high.out" & p1=$!
		"$TOUCH" --cgroup "$1/low" 64 > "$TMP/low.out" & p2=$!
		wait $p1 $p2
		hl=$(cat "$TMP/high.out") ll=$(cat "$TMP/low.out")
		gap=$(awk -v a="$(field end "$ll")" -v b="$(field end "$hl")" 'BEGIN{printf "%.2f", a - b}')
		ge "$gap" 1.0 && echo -n "yes: " || echo -n "no: "
		echo "low ends ${gap}s after high"
	fi
}

# a bound cgroup removed while memcg-run runs is reported; one created again at its path
# is bound, hooks included: the policy acts on the new cgroup
test_rebind() {
	local policy=delay old new effect
	[ "$ABI" = v2 ] && policy=over-high
	cleanup; mkcg "$T" "$T/r" "$T/r/high" "$T/r/low"
	[ "$ABI" = v2 ] || echo 256M > "$T/r/memory.max"
	start_run "$TMP/rebind.log" --explain --cgroup high="$T/r/high" --cgroup low="$T/r/low" "$OBJ/$policy.o" ||
		{ fail rebind "memcg-run did not attach" "$(cat "$TMP/rebind.log")"; return; }
	old=$(stat -c %i "$T/r/low")
	rmdir "$T/r/low"
	wait_log "$TMP/rebind.log" "low: cgroup $T/r/low was removed; bound again if one is created there" 10 ||
		{ stop_run; fail rebind "no line for low's removal" "$(tail -5 "$TMP/rebind.log")"; return; }
	mkdir "$T/r/low"
	new=$(stat -c %i "$T/r/low")
	if ! wait_log "$TMP/rebind.log" "low: a cgroup is at $T/r/low again (id $new): bound to it, hooks included" 10; then
		stop_run; fail rebind "no line for low bound again (id $old, then $new)" "$(tail -5 "$TMP/rebind.log")"; return
	fi
	effect=$(acts_on "$T/r")
	stop_run
	if [ "$new" != "$old" ] && [[ $effect == yes:* ]]; then pass rebind "cgroup id $old, then $new; ${effect#yes: }"
	else fail rebind "cgroup id $old, then $new; ${effect#*: }" "$(tail -6 "$TMP/rebind.log")"; fi
}

tests="refuse examples busy rebind"
[ "$ABI" != v2 ] && tests+=" delay protect"
[ "$ABI" = v2 ] && tests+=" over_high"
shift 3
[ $# -gt 0 ] && tests="$*"
# the throttling tests run without swap, as the RFC selftests do (only in the VM: a
# fake run of this script on the host must leave the host's swap alone)
[ "${MEMCGC_VM:-}" = 1 ] && swapoff -a 2>/dev/null
for t in $tests; do
	if declare -F "test_$t" > /dev/null; then "test_$t"; else fail "$t" "no test $t in guest-e2e.sh"; fi
done
cleanup
rm -rf "$TMP"
echo "guest-e2e: done $ABI"
