#!/bin/bash
# Inside the test VM: memcgc-compiled policies attached by memcg-run to real cgroup v2
# memcgs, with real workloads (tests/vm/progs/toucher.c). One kernel ABI per boot.
#   guest-e2e.sh BUILD ABI OBJDIR [TEST...]
# TEST: refuse examples busy rebind cgroup_actuator poll_source pressure pressure_poll ring
# delay protect over_high
# (default: those for ABI).
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

# the hook a policy needs and this kernel lacks: memcg-run refuses, naming the line; on
# the stock kernel (none of the patches) the hooks and the tracepoint are refused, in one line
test_refuse() {
	[ "$ABI" = stock ] && { refuse_stock; return; }
	local other=delay want="high_delay needs memcg_bpf_ops.get_high_delay_ms (v3-v6) or memcg_charged (v7); this kernel has v2"
	[ "$ABI" != v2 ] && other=over-high want="over_high needs memcg_bpf_ops.memcg_nr_pages_over_high (v2); this kernel has $ABI"
	cleanup; mkcg "$T" "$T/r" "$T/r/high" "$T/r/low"
	local out status
	out=$("$RUN" --cgroup high="$T/r/high" --cgroup low="$T/r/low" "$OBJ/$other.o" 2>&1); status=$?
	if [ $status = 1 ] && grep -qF "$want" <<<"$out"; then pass refuses-missing-hook
	else fail refuses-missing-hook "exit $status" "$out"; fi
}

refuse_stock() {
	local out status
	cleanup; mkcg "$T" "$T/r" "$T/r/high" "$T/r/low"
	# --probe says the object runs, and how
	out=$("$RUN" --probe "$OBJ/over-high.o" 2>&1); status=$?
	if [ $status = 0 ] && grep -qxF "object $OBJ/over-high.o: can run, through cgroup files (no memcg_bpf_ops here), events from memory.stat (no tracepoint here)" <<<"$out" &&
	   grep -qxF "default actuator, source   cgroup files, memory.stat poll" <<<"$out"; then
		pass probe-stock "$(tail -1 <<<"$out")"
	else fail probe-stock "exit $status" "$out"; fi
	out=$("$RUN" --probe --dry-run "$OBJ/over-high.o" 2>&1); status=$?
	if [ $status = 0 ] && grep -qxF "object $OBJ/over-high.o (dry run): can run, events from memory.stat (no tracepoint here)" <<<"$out"; then
		pass probe-stock-dry-run
	else fail probe-stock-dry-run "exit $status" "$(tail -2 <<<"$out")"; fi
	local binds=(--cgroup high="$T/r/high" --cgroup low="$T/r/low" "$OBJ/over-high.o")
	out=$("$RUN" --actuator=hooks "${binds[@]}" 2>&1); status=$?
	if [ $status = 1 ] && [ "$(wc -l <<<"$out")" = 1 ] &&
	   grep -qF "over_high needs memcg_bpf_ops.memcg_nr_pages_over_high (v2); this kernel has no memcg_bpf_ops (or --actuator=cgroup" <<<"$out"; then
		pass refuses-hooks "$out"
	else fail refuses-hooks "exit $status" "$out"; fi
	out=$("$RUN" --source=tracepoint "${binds[@]}" 2>&1); status=$?
	if [ $status = 1 ] && [ "$(wc -l <<<"$out")" = 1 ] &&
	   grep -qF "this kernel has no memcg:count_memcg_events tracepoint" <<<"$out"; then
		pass refuses-tracepoint "$out"
	else fail refuses-tracepoint "exit $status" "$out"; fi
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
		local inspect=$out
		abis=$(sed -n 's/^runs on: //p' <<<"$out")
		if [ $status != 0 ] || [ -z "$abis" ]; then
			fail "attaches-$name" "memcg-run --inspect: exit $status, no 'runs on:' line" "$(tail -5 <<<"$out")"
			continue
		fi
		case " $abis stock " in      # stock: every policy, through cgroup files
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
		local how=attached    # stock: a policy with actions carries them out through cgroup files
		[ "$ABI" = stock ] && grep -q '^    line [0-9]*: ' <<<"$inspect" && how="attached through cgroup files, journal"
		if [ $status = 0 ] && grep -q "$how" <<<"$out" && [ "$(links)" = 0 ] &&
		   [ -z "$(ls /run/memcg-run/journal.* 2>/dev/null)" ]; then pass "attaches-$name"
		else fail "attaches-$name" "exit $status, journals: $(ls /run/memcg-run/ 2>/dev/null)" "$(tail -5 <<<"$out")"; fi
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
	[ "$ABI" = stock ] && policy=over-high want_over="--allow-override goes with the hooks"
	cleanup; mkcg "$T" "$T/b" "$T/b/high" "$T/b/low"
	start_run "$TMP/busy.log" --cgroup high="$T/b/high" --cgroup low="$T/b/low" "$OBJ/$policy.o" ||
		{ fail busy "first memcg-run did not attach" "$(cat "$TMP/busy.log")"; return; }
	local second=(--cgroup high="$T/b/high" --cgroup low="$T/b/low" "$OBJ/$policy.o")
	out=$("$RUN" "${second[@]}" 2>&1); status=$?
	# (stock: no hook, so no kernel to refuse a run that cannot see the lock: it would run)
	if [ "$ABI" != stock ]; then
		hidden=$(unshare -m sh -c 'mount -t tmpfs none /run && exec "$@"' sh "$RUN" "${second[@]}" 2>&1)
		hidden_status=$?
	fi
	over=$("$RUN" --allow-override "${second[@]}" 2>&1); over_status=$?
	stop_run
	# --allow-override offered only where the hooks act (stock: the cgroup actuator)
	local offer=1
	[ "$ABI" = stock ] && offer=0
	if [ $status = 1 ] && [ "$(wc -l <<<"$out")" = 1 ] &&
	   grep -q "is already driven by memcg-run (pid $RUN_PID, lock /run/memcg-run/" <<<"$out" &&
	   [ "$(grep -c -- "or give --allow-override" <<<"$out")" = $offer ]; then
		pass busy-lock "$out"
	else fail busy-lock "exit $status" "$out"; fi
	if [ "$ABI" = stock ]; then :
	elif [ $hidden_status = 1 ] && [ "$(wc -l <<<"$hidden")" = 1 ] &&
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

# wait_value FILE VALUE SECONDS: until FILE holds VALUE (0), or time runs out (1)
wait_value() {
	for _ in $(seq 1 $(($3 * 10))); do [ "$(cat "$1" 2>/dev/null)" = "$2" ] && return 0; sleep 0.1; done
	return 1
}

# the cgroup actuator (--actuator=cgroup, on any ABI: no hook is attached): memory.high
# of low is written while the rule holds (low is empty: the 16 MiB floor) and restored
# after; SIGKILL leaves it written and `memcg-run --restore` brings it back; a value
# someone else wrote (while memcg-run runs, or after it was killed) is left alone and
# reported; protect_min raises memory.min to prot's usage while it holds
test_cgroup_actuator() {
	local high=$T/c/high low=$T/c/low floor=16777216 out status holder min
	cleanup; mkcg "$T" "$T/c" "$high" "$low" "$T/c/high2" "$T/c/low2"
	local args=(--actuator=cgroup --explain --cgroup high="$high" --cgroup low="$low" "$OBJ/over-high.o")
	start_run "$TMP/act.log" "${args[@]}" ||
		{ fail cgroup-actuator "memcg-run did not attach" "$(cat "$TMP/act.log")"; return; }
	if grep -q "attached through cgroup files, journal /run/memcg-run/journal.$RUN_PID" "$TMP/act.log" &&
	   [ "$(links)" = 0 ]; then pass cgroup-actuator-start "$(grep -m1 'becomes' "$TMP/act.log")"
	else fail cgroup-actuator-start "no start line naming the journal, or $(links) struct_ops links" "$(head -5 "$TMP/act.log")"; fi
	# the cgroup actuator runs at nice -20 unless --nice says otherwise (docs/memcg-run.md)
	local niceness
	niceness=$(cut -d' ' -f19 "/proc/$RUN_PID/stat")
	if [ "$niceness" = -20 ] && grep -q "^memcg-run: CPU priority: nice -20 " "$TMP/act.log"; then
		pass cgroup-actuator-nice "$(grep -m1 'CPU priority' "$TMP/act.log")"
	else fail cgroup-actuator-nice "niceness $niceness, want -20" "$(grep -i 'priority\|nice' "$TMP/act.log")"; fi
	# without CAP_SYS_NICE the default is a note, and the run goes on (--duration: it ends)
	out=$(setpriv --inh-caps=-sys_nice --bounding-set=-sys_nice -- "$RUN" --duration 1s \
		--actuator=cgroup --cgroup high="$T/c/high2" --cgroup low="$T/c/low2" "$OBJ/over-high.o" 2>&1 \
		< /dev/null); status=$?
	if [ $status = 0 ] && grep -q "^memcg-run: note: cannot raise its CPU priority to nice -20 (Permission denied)" <<<"$out" &&
	   ! grep -q "CPU priority: nice" <<<"$out" && grep -q "attached through cgroup files" <<<"$out"; then
		pass cgroup-actuator-nice-note "$(grep -m1 'note:' <<<"$out")"
	else fail cgroup-actuator-nice-note "exit $status" "$(head -8 <<<"$out")"; fi
	local t0 react; t0=$(date +%s.%N)
	"$TOUCH" --cgroup "$high" --rate 3 > /dev/null & p1=$!
	if wait_value "$low/memory.high" $floor 3; then
		react=$(awk -v a="$t0" -v b="$(date +%s.%N)" 'BEGIN{printf "%.2f", b - a}')
		wait $p1
		if wait_value "$low/memory.high" max 5 &&
		   grep -qF "low: $low/memory.high max -> $floor (over_high 8192" "$TMP/act.log" &&
		   grep -qF "low: $low/memory.high $floor -> max (no action holds: restored)" "$TMP/act.log" &&
		   grep -qF "| over_high 8192 pages | memory.high $floor (was max)" "$TMP/act.log"; then
			pass cgroup-actuator-over-high "memory.high $floor ${react}s after high started faulting, max after"
		else fail cgroup-actuator-over-high "memory.high $(cat "$low/memory.high") after high stopped" "$(grep memory.high "$TMP/act.log" | tail -3)"; fi
	else
		wait $p1
		fail cgroup-actuator-over-high "memory.high $(cat "$low/memory.high"), want $floor while high faults" "$(tail -5 "$TMP/act.log")"
	fi
	stop_run; status=$?
	[ $status = 0 ] && [ ! -e /run/memcg-run/journal.$RUN_PID ] && pass cgroup-actuator-clean-exit ||
		fail cgroup-actuator-clean-exit "exit $status, journal $(ls /run/memcg-run/)"

	# SIGKILL while written, then --restore
	start_run "$TMP/act2.log" "${args[@]}" || { fail cgroup-actuator-sigkill "memcg-run did not attach"; return; }
	"$TOUCH" --cgroup "$high" --rate 3 > /dev/null & p1=$!
	wait_value "$low/memory.high" $floor 3
	kill -KILL "$RUN_PID"; wait "$RUN_PID" 2>/dev/null
	wait $p1
	local left; left=$(cat "$low/memory.high")
	out=$("$RUN" --restore 2>&1); status=$?
	if [ "$left" = $floor ] && [ $status = 0 ] && [ "$(cat "$low/memory.high")" = max ] &&
	   grep -qF "$low/memory.high restored to max (memcg-run had written $floor)" <<<"$out" &&
	   [ ! -e /run/memcg-run/journal.$RUN_PID ]; then pass cgroup-actuator-restore "$(head -1 <<<"$out")"
	else fail cgroup-actuator-restore "memory.high $left after SIGKILL, $(cat "$low/memory.high") after --restore (exit $status)" "$out"; fi

	# SIGKILL while written, then a new start: it restores the dead run's files first
	start_run "$TMP/act7.log" "${args[@]}" || { fail cgroup-actuator-restart "memcg-run did not attach"; return; }
	local dead=$RUN_PID
	"$TOUCH" --cgroup "$high" --rate 3 > /dev/null & p1=$!
	wait_value "$low/memory.high" $floor 3
	kill -KILL "$RUN_PID"; wait "$RUN_PID" 2>/dev/null
	wait $p1
	left=$(cat "$low/memory.high")
	start_run "$TMP/act8.log" "${args[@]}" || { fail cgroup-actuator-restart "the new memcg-run did not attach" "$(cat "$TMP/act8.log")"; return; }
	local now_high; now_high=$(cat "$low/memory.high")
	stop_run
	if [ "$left" = $floor ] && [ "$now_high" = max ] &&
	   grep -qF "$low/memory.high restored to max (memcg-run had written $floor)" "$TMP/act8.log" &&
	   [ ! -e /run/memcg-run/journal.$dead ]; then pass cgroup-actuator-restart "$(grep -m1 restored "$TMP/act8.log")"
	else fail cgroup-actuator-restart "memory.high $left after SIGKILL, $now_high once the new run attached" "$(head -4 "$TMP/act8.log")"; fi

	# someone else writes memory.high after a SIGKILL: --restore leaves it, says so
	start_run "$TMP/act3.log" "${args[@]}" || { fail cgroup-actuator-changed "memcg-run did not attach"; return; }
	"$TOUCH" --cgroup "$high" --rate 3 > /dev/null & p1=$!
	wait_value "$low/memory.high" $floor 3
	kill -KILL "$RUN_PID"; wait "$RUN_PID" 2>/dev/null
	echo 209715200 > "$low/memory.high"
	wait $p1
	out=$("$RUN" --restore 2>&1); status=$?
	if [ "$(cat "$low/memory.high")" = 209715200 ] &&
	   grep -qF "$low/memory.high is 209715200, not the $floor memcg-run wrote: someone else changed it; left alone" <<<"$out"; then
		pass cgroup-actuator-changed-restore
	else fail cgroup-actuator-changed-restore "memory.high $(cat "$low/memory.high") (exit $status)" "$out"; fi

	# someone else writes it while memcg-run runs: left alone from then on, also at exit
	echo max > "$low/memory.high"
	start_run "$TMP/act4.log" "${args[@]}" || { fail cgroup-actuator-changed-running "memcg-run did not attach"; return; }
	"$TOUCH" --cgroup "$high" --rate 3 > /dev/null & p1=$!
	wait_value "$low/memory.high" $floor 3
	echo 104857600 > "$low/memory.high"
	wait $p1
	wait_log "$TMP/act4.log" "someone else changed it; left alone from now on" 3
	stop_run
	if [ "$(cat "$low/memory.high")" = 104857600 ] &&
	   grep -qF "$low/memory.high is 104857600, not the $floor memcg-run wrote: someone else changed it; left alone from now on" "$TMP/act4.log"; then
		pass cgroup-actuator-changed-running
	else fail cgroup-actuator-changed-running "memory.high $(cat "$low/memory.high")" "$(tail -4 "$TMP/act4.log")"; fi

	# a bound cgroup removed while its memory.high is written: forgotten, nothing to restore
	echo max > "$low/memory.high"
	start_run "$TMP/act6.log" "${args[@]}" || { fail cgroup-actuator-removed "memcg-run did not attach"; return; }
	"$TOUCH" --cgroup "$high" --rate 3 > /dev/null & p1=$!
	wait_value "$low/memory.high" $floor 3
	rmdir "$low"
	wait_log "$TMP/act6.log" "memcg-run: cgroup low: $low/memory.high belonged to a removed cgroup: forgotten (nothing to restore)" 3
	wait $p1
	stop_run; status=$?
	if [ $status = 0 ] && grep -qF "$low/memory.high belonged to a removed cgroup: forgotten" "$TMP/act6.log" &&
	   ! grep -q "cannot" "$TMP/act6.log" && [ ! -e /run/memcg-run/journal.$RUN_PID ]; then
		pass cgroup-actuator-removed "forgotten, journal removed at exit"
	else fail cgroup-actuator-removed "exit $status" "$(tail -5 "$TMP/act6.log")"; fi

	# protect_min: memory.min raised to prot's usage while the hog faults, 0 after
	cleanup; mkcg "$T" "$T/c" "$T/c/prot" "$T/c/hog"
	"$TOUCH" --cgroup "$T/c/prot" 32 --hold > "$TMP/prot.out" & holder=$!
	for _ in $(seq 1 100); do grep -q holding "$TMP/prot.out" && break; sleep 0.1; done
	start_run "$TMP/act5.log" --actuator=cgroup --cgroup prot="$T/c/prot" --cgroup hog="$T/c/hog" "$OBJ/protect.o" ||
		{ kill "$holder"; fail cgroup-actuator-protect-min "memcg-run did not attach" "$(cat "$TMP/act5.log")"; return; }
	"$TOUCH" --cgroup "$T/c/hog" --rate 2 > /dev/null & p1=$!
	for _ in $(seq 1 30); do min=$(cat "$T/c/prot/memory.min"); [ "$min" != 0 ] && break; sleep 0.1; done
	wait $p1
	local current; current=$(cat "$T/c/prot/memory.current")
	wait_value "$T/c/prot/memory.min" 0 6; local after; after=$(cat "$T/c/prot/memory.min")
	stop_run
	kill "$holder" 2>/dev/null; wait "$holder" 2>/dev/null
	if [ "$min" -ge 33554432 ] && [ "$min" -le $((current + 1048576)) ] && [ "$after" = 0 ]; then
		pass cgroup-actuator-protect-min "memory.min $min while the hog faulted (usage $current), 0 after"
	else fail cgroup-actuator-protect-min "memory.min $min while the hog faulted (usage $current), $after after" "$(tail -4 "$TMP/act5.log")"; fi
}

# the poll source (--source=poll; no tracepoint program loaded): the growth of high's
# memory.stat pgfault reaches the policy's counter through the test entry, and with the
# cgroup actuator low's memory.high is written while high faults and restored after
test_poll_source() {
	local high=$T/q/high low=$T/q/low floor=16777216 rate written restored
	cleanup; mkcg "$T" "$T/q" "$high" "$low"
	start_run "$TMP/poll.log" --source=poll --actuator=cgroup --explain --cgroup high="$high" \
		--cgroup low="$low" "$OBJ/over-high.o" ||
		{ fail poll-source "memcg-run did not attach" "$(cat "$TMP/poll.log")"; return; }
	if grep -q "^memcg-run: source: memory.stat polled every 100 ms (PGFAULT <- pgfault)$" "$TMP/poll.log"; then
		pass poll-source-start
	else fail poll-source-start "no start line naming the poll source" "$(head -6 "$TMP/poll.log")"; fi
	local t0 react; t0=$(date +%s.%N)
	"$TOUCH" --cgroup "$high" --rate 3 > /dev/null & p1=$!
	wait_value "$low/memory.high" $floor 3; written=$?
	react=$(awk -v a="$t0" -v b="$(date +%s.%N)" 'BEGIN{printf "%.2f", b - a}')
	wait $p1
	wait_value "$low/memory.high" max 5; restored=$?
	stop_run
	rate=$(sed -n 's/^ *high: pgfault \([0-9.]*\)\/s.*/\1/p' "$TMP/poll.log" | sort -g | tail -1)
	local reaction; reaction=$(grep -E '^ +reaction \(poll\): [1-9][0-9]* writes, median' "$TMP/poll.log" | tail -1)
	if [ $written = 0 ] && [ $restored = 0 ] && ge "${rate:-0}" 10 && [ -n "$reaction" ]; then
		pass poll-source "pgfault(high) up to ${rate}/s from memory.stat; low's memory.high $floor ${react}s after high started faulting, then max; ${reaction#"${reaction%%[! ]*}"}"
	else fail poll-source "pgfault(high) up to ${rate:-?}/s; memory.high written: $written, restored: $restored" "$(tail -6 "$TMP/poll.log")"; fi
}

# pressure(): high, throttled under a tight memory.high with no swap, stalls most of the
# time; memcg-run's pressure(high) over 2s turns the rule on, and the share it shows next
# is the one memory.pressure's own some total= gives over 2 s just before: at least 3/4 of
# it (the window's current bucket is partly filled: up to 1/8 less, and the stall of the
# last period not yet read: 100 ms of 2 s), and at most all the stall from the start of
# those 2 s to the status line, over 2 s, plus 12.5 points (memcg-run's window may start
# up to one 250 ms bucket earlier; the stall varies, so its window, which ends at the
# status line, can hold more than the test's); the rule turns off once the stall ends
psi_total() { sed -n 's/^some .*total=\([0-9]*\).*/\1/p' "$1/memory.pressure"; }
test_pressure() {
	local high=$T/s/high low=$T/s/low log=$TMP/psi.log p1 a b c ta tb own most shown
	cleanup; mkcg "$T" "$T/s" "$high" "$low"
	[ -r "$high/memory.pressure" ] || { fail pressure "no $high/memory.pressure (PSI)"; return; }
	echo 8M > "$high/memory.high"
	"$RUN" --dry-run --interval 500ms --cgroup high="$high" --cgroup low="$low" "$OBJ/pressure.o" > "$log" 2>&1 &
	RUN_PID=$!
	wait_log "$log" "dry run:" 20 || { fail pressure "memcg-run did not start" "$(cat "$log")"; return; }
	if grep -q "^memcg-run: source: memory.pressure polled every 100 ms (PSI_SOME <- some total=, in microseconds of stall)$" "$log"; then
		pass pressure-start
	else fail pressure-start "no start line naming memory.pressure" "$(head -6 "$log")"; fi
	"$TOUCH" --cgroup "$high" 64 --hold > /dev/null & p1=$!
	if ! wait_log "$log" "rule 0 (line 5) ACTIVE" 30; then
		kill -KILL $p1; wait $p1; stop_run
		fail pressure "the rule never turned on; high's memory.pressure: $(head -1 "$high/memory.pressure")" "$(tail -4 "$log")"
		return
	fi
	a=$(psi_total "$high") ta=$(date +%s.%N); sleep 2
	b=$(psi_total "$high") tb=$(date +%s.%N)
	local lines; lines=$(wc -l < "$log")
	wait_after_line "$log" "pressure(high) over 2s" "$lines" 5
	c=$(psi_total "$high")
	shown=$(tail -n +$((lines + 1)) "$log" | sed -n 's/.*when pressure(high) over 2s > 20%:  pressure(high) over 2s \([0-9.]*\)%$/\1/p' | head -1)
	own=$(awk -v a="$a" -v b="$b" -v ta="$ta" -v tb="$tb" 'BEGIN{printf "%.1f", (b - a) / (tb - ta) / 1e4}')
	most=$(awk -v a="$a" -v c="$c" 'BEGIN{printf "%.1f", (c - a) / 2e6 * 100 + 12.5}')
	kill -KILL $p1; wait $p1 2>/dev/null
	if [ -n "$shown" ] && ge "$shown" 20 && awk -v s="$shown" -v o="$own" -v m="$most" 'BEGIN{exit !(s <= m && s >= o * 0.75)}'; then
		pass pressure-value "memcg-run showed ${shown}%, memory.pressure's some total= grew ${own}% of 2 s (at most ${most}% allowed)"
	else fail pressure-value "memcg-run showed '${shown}'%, memory.pressure's total gives ${own}% (at most ${most}% allowed)" "$(tail -4 "$log")"; fi
	if wait_after_line "$log" "rule 0 (line 5) idle" $(wc -l < "$log") 20; then pass pressure-rule-off
	else fail pressure-rule-off "the rule stayed on after the stall ended" "$(tail -3 "$log")"; fi
	stop_run
	grep -q "high: pressure over 2000ms [0-9.]*%" "$log" && pass pressure-status || fail pressure-status "no 'high: pressure over 2000ms N%' in the status" "$(tail -3 "$log")"
}
# wait_after_line LOG TEXT LINE SECONDS: until a line after LINE of LOG contains TEXT
wait_after_line() {
	for _ in $(seq 1 $(($4 * 10))); do tail -n +$(($3 + 1)) "$1" | grep -qF -- "$2" && return 0; sleep 0.1; done
	return 1
}
# the same stall with the poll source (no tracepoint program) and a pressure_full rule:
# memory.pressure is fed with either source; --json gives the term in "%"
test_pressure_poll() {
	local high=$T/s/high low=$T/s/low log=$TMP/psi-poll.log p1 line
	cleanup; mkcg "$T" "$T/s" "$high" "$low"
	# a policy that reads only pressure reads no memory.stat, and says so
	line=$("$RUN" --dry-run --source=poll --duration 1s --cgroup high="$high" --cgroup low="$low" \
		"$OBJ/pressure-full.o" 2>&1 | grep "^memcg-run: source: memory.stat")
	if [ "$line" = "memcg-run: source: memory.stat not read: the policy counts no kernel event" ]; then
		pass pressure-poll-no-stat
	else fail pressure-poll-no-stat "want memory.stat not read, got: ${line:-no line}"; fi
	echo 8M > "$high/memory.high"
	"$RUN" --dry-run --json --source=poll --interval 500ms --cgroup high="$high" --cgroup low="$low" \
		"$OBJ/pressure-full.o" > "$log" 2>&1 &
	RUN_PID=$!
	wait_log "$log" '"time"' 20 || { fail pressure-poll "memcg-run did not start" "$(cat "$log")"; return; }
	"$TOUCH" --cgroup "$high" 64 --hold > /dev/null & p1=$!
	wait_log "$log" '"active": true' 30
	kill -KILL $p1; wait $p1 2>/dev/null
	stop_run
	line=$(grep -m1 '"active": true' "$log")
	if grep -qE '"term": "pressure_full\(high\) over 2s", "kind": "signal", "value": [0-9.]+, "unit": "%"' <<<"$line"; then
		pass pressure-poll "$(grep -oE '"value": [0-9.]+, "unit": "%"' <<<"$line" | head -1)"
	else fail pressure-poll "no active rule with pressure_full(high) in %; high's memory.pressure: $(tail -1 "$high/memory.pressure")" "$(tail -2 "$log")"; fi
}

# line numbers in LOG: the first line matching each ERE, in order, or "" for none
first_line() { grep -nE -m1 -- "$2" "$1" | cut -d: -f1; }

# the ring buffer (tracepoint source, cgroup actuator): the rule's turn on is printed, and
# low's memory.high written, as soon as the BPF code sees it, before the next status line
# (which says ACTIVE); the reaction time (transition -> file written) is reported, text and
# JSON; its figure is shown, not asserted. On stock (no tracepoint) the same with the
# poll source: the turn on is seen at the poll's evaluation
test_ring() {
	local high=$T/g/high low=$T/g/low floor=16777216 on write status between react src=tracepoint
	[ "$ABI" = stock ] && src=poll
	cleanup; mkcg "$T" "$T/g" "$high" "$low"
	start_run "$TMP/ring.log" --source=$src --actuator=cgroup --explain --interval 2s \
		--cgroup high="$high" --cgroup low="$low" "$OBJ/over-high.o" ||
		{ fail ring "memcg-run did not attach" "$(cat "$TMP/ring.log")"; return; }
	"$TOUCH" --cgroup "$high" --rate 3 > /dev/null & p1=$!
	wait_value "$low/memory.high" $floor 5
	wait_log "$TMP/ring.log" "rule 0 (line 5) ACTIVE" 5
	wait $p1
	wait_value "$low/memory.high" max 5
	stop_run
	on=$(first_line "$TMP/ring.log" '^\[ *[0-9.]+s\] rule 0 \(line 5\) turned on, fired 1: when pgfault\(high\) > 10/s:')
	write=$(first_line "$TMP/ring.log" "^\\[ *[0-9.]+s\\] low: $low/memory.high max -> $floor ")
	status=$(first_line "$TMP/ring.log" '^\[ *[0-9.]+s\] rule 0 \(line 5\) ACTIVE')
	between=$(sed -n "${on:-1},${write:-1}p" "$TMP/ring.log" | grep -cE '^\[ *[0-9.]+s\] rule 0 \(line 5\) (idle|ACTIVE)')
	if [ -n "$on" ] && [ -n "$write" ] && [ -n "$status" ] && [ "$on" -lt "$write" ] &&
	   [ "$write" -lt "$status" ] && [ "$between" = 0 ]; then
		pass ring-transition-first "turn on at line $on, memory.high written at line $write, first ACTIVE status at line $status"
	else fail ring-transition-first "turn on at line ${on:-none}, write at ${write:-none}, ACTIVE status at ${status:-none}, $between status lines between" "$(head -16 "$TMP/ring.log")"; fi
	react=$(grep -E "^ +reaction \\($src\\): [1-9][0-9]* writes, median" "$TMP/ring.log" | tail -1)
	[ -n "$react" ] && pass ring-reaction "${react#"${react%%[! ]*}"}" ||
		fail ring-reaction "no status line with a reaction time" "$(grep reaction "$TMP/ring.log" | tail -2)"

	# --json (no start line: attached once the first status is out): the transition object
	# before the first status with the rule active
	echo max > "$low/memory.high"
	"$RUN" --source=$src --actuator=cgroup --json --interval 2s --cgroup high="$high" \
		--cgroup low="$low" "$OBJ/over-high.o" > "$TMP/ring.json" 2>&1 &
	RUN_PID=$!
	wait_log "$TMP/ring.json" '"rules"' 20 ||
		{ stop_run; fail ring-json "memcg-run did not start" "$(head -c 800 "$TMP/ring.json")"; return; }
	"$TOUCH" --cgroup "$high" --rate 3 > /dev/null & p1=$!
	wait_value "$low/memory.high" $floor 5
	wait_log "$TMP/ring.json" '"active": true, "fired": 1, "values"' 5
	wait $p1
	wait_value "$low/memory.high" max 5
	sleep 2.5
	stop_run
	if out=$(python3 - "$TMP/ring.json" $src 2>&1 <<'PY'
import json, sys
lines = [json.loads(l) for l in open(sys.argv[1]) if l.startswith("{")]
on = next(i for i, o in enumerate(lines) if o.get("transition", {}).get("active") is True)
t = lines[on]["transition"]
assert t["rule"] == 0 and t["line"] == 5 and t["fired"] == 1 and t["time_ns"] > 0, t
first = next(i for i, o in enumerate(lines) if "rules" in o and o["rules"][0]["active"])
assert on < first, (on, first)
r = [o["reaction"] for o in lines if "reaction" in o]
assert r and r[-1]["writes"] >= 1, r
assert all(o["source"] == sys.argv[2] and o["actuator"] == "cgroup" for o in lines if "rules" in o), lines
print("reaction: writes %d, median %.3f ms, max %.3f ms; the turn on read %.3f ms after it" %
      (r[-1]["writes"], r[-1]["median_ms"], r[-1]["max_ms"], t["read_ms"]))
PY
); then pass ring-json "$out"; else fail ring-json "$(tail -1 <<<"$out")" "$(head -c 800 "$TMP/ring.json")"; fi
}

tests="refuse examples busy rebind cgroup_actuator poll_source pressure pressure_poll ring"
case $ABI in
v2) tests+=" over_high" ;;
v6|v7) tests+=" delay protect" ;;
stock) tests="refuse examples busy cgroup_actuator poll_source pressure pressure_poll ring" ;;
esac
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
