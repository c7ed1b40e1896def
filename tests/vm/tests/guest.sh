#!/bin/bash
# The guest half of the VM suite: runs inside the test VM (chroot of the host
# root), one kernel ABI per boot. Prints PASS/FAIL/SKIP lines (tests/run.py).
#
#   guest.sh BUILD ABI [TEST...]
#
# Each test makes its cgroups under /sys/fs/cgroup/t, and removes them.
set -u

BUILD=$1 ABI=$2
shift 2
LOADER=$BUILD/vm/loader
TOUCH=$BUILD/vm/toucher
OBJ=$BUILD/vm/memcg_ops-$ABI.bpf.o
CG=/sys/fs/cgroup
T=$CG/t
TMP=$(mktemp -d /tmp/guest.XXXXXX)

pass() { echo "PASS $ABI-$1${2:+ ($2)}"; }
fail() { echo "FAIL $ABI-$1: $2"; shift 2; for l in "$@"; do echo "  $l"; done; }
skip() { echo "SKIP $ABI-$1: $2"; }

# --- helpers ----------------------------------------------------------------

# mkcg PATH...: create cgroups (parents first) with the memory controller:
# enabled in each one's parent (a cgroup with controllers enabled for its
# children may not hold processes itself).
mkcg() {
	local d
	for d in "$@"; do
		echo "+memory" > "$(dirname "$d")/cgroup.subtree_control"
		mkdir -p "$d"
	done
}

# Kill everything in the test tree and remove it, deepest first.
cleanup_cgroups() {
	local d
	[ -d "$T" ] || return 0
	for d in $(find "$T" -depth -type d); do
		echo 1 > "$d/cgroup.kill" 2>/dev/null
	done
	sleep 0.2
	for d in $(find "$T" -depth -type d); do
		rmdir "$d" 2>/dev/null || { sleep 0.5; rmdir "$d" 2>/dev/null; }
	done
}

# start_loader LOG ARGS...: run the loader in the background until it says
# "ready" (or exits); sets LOADER_PID. Returns 1 if it exited early.
start_loader() {
	local log=$1 i
	shift
	"$LOADER" "$OBJ" "$@" > "$log" 2>&1 &
	LOADER_PID=$!
	for i in $(seq 1 300); do
		grep -q '^ready' "$log" && return 0
		kill -0 "$LOADER_PID" 2>/dev/null || { wait "$LOADER_PID"; return 1; }
		sleep 0.1
	done
	return 1
}

stop_loader() {
	kill -TERM "$1" 2>/dev/null
	wait "$1" 2>/dev/null
}

cgid() { stat -c %i "$1"; }

# calls LOG HOOK DIR: how often HOOK saw DIR's memcg (0 if never).
calls() {
	awk -v h="$2" -v id="$(cgid "$3")" '$1 == "calls" && $2 == h && $3 == id { n += $4 } END { print n + 0 }' "$1"
}

# field NAME LINE: the value of NAME=value in a toucher line
field() { echo "$2" | tr ' ' '\n' | sed -n "s/^$1=//p"; }

charge_hook() {
	case $ABI in
	v2) echo memcg_nr_pages_over_high ;;
	v7) echo memcg_charged ;;
	*) echo get_high_delay_ms ;;
	esac
}

# A setting that throttles hard in this ABI.
throttle_setting() {
	if [ "$ABI" = v2 ]; then echo "over_high=8192"; else echo "delay_ms=200"; fi
}

float_ge() { awk -v a="$1" -v b="$2" 'BEGIN { exit !(a >= b) }'; }

# --- tests ------------------------------------------------------------------

# The struct_ops type in the kernel's BTF has the members of this ABI, in order.
test_btf_layout() {
	local want got
	if [ "$ABI" = v2 ]; then
		want="memcg_nr_pages_over_high handle_cgroup_online handle_cgroup_offline"
	elif [ "$ABI" = v7 ]; then
		want="handle_cgroup_online handle_cgroup_offline below_low below_min memcg_charged memcg_uncharged"
	else
		want="handle_cgroup_online handle_cgroup_offline below_low below_min get_high_delay_ms"
	fi
	got=$(bpftool btf dump file /sys/kernel/btf/vmlinux format raw 2>/dev/null |
		awk '/^\[[0-9]+\] STRUCT .memcg_bpf_ops. /{f=1; next} f && /^\[/{exit} f {gsub(/\x27/,"",$1); print $1}' |
		tr '\n' ' ' | sed 's/ $//')
	[ "$got" = "$want" ] && pass btf-layout || fail btf-layout "members '$got', want '$want'"
}

# memcg:count_memcg_events fires for the faulting cgroup, id = st_ino, item PGFAULT.
test_tracepoint() {
	local log=$TMP/tp.log id line
	mkcg "$T" "$T/tp"
	id=$(cgid "$T/tp")
	if ! start_loader "$log" --trace "$T/tp"; then
		fail tracepoint "loader did not start" "$(tail -3 "$log")"; return
	fi
	"$TOUCH" --cgroup "$T/tp" 8 > /dev/null
	stop_loader "$LOADER_PID"
	line=$(grep "^event $id PGFAULT " "$log")
	if [ -n "$line" ] && [ "$(echo "$line" | awk '{print $5}')" -ge 2048 ] &&
	   ! grep "^event " "$log" | grep -qv "^event $id "; then
		pass tracepoint "id $id: $(echo "$line" | cut -d' ' -f3-)"
	else
		fail tracepoint "no PGFAULT >= 2048 for id $id" "$(grep '^event' "$log" | head -5)"
	fi
}

# Attach flags: v6 takes 0 and BPF_F_ALLOW_OVERRIDE, v2 only 0; others EOPNOTSUPP.
test_attach_flags() {
	local log=$TMP/flags.log bad
	mkcg "$T" "$T/f"
	start_loader "$log" --keep-going --attach "$T/f:flags=2" --attach "$T/f:flags=0x100"
	stop_loader "$LOADER_PID"
	bad=$(grep -c "attach_failed .* EOPNOTSUPP" "$log")
	if [ "$ABI" = v2 ]; then
		start_loader "$TMP/flags2.log" --keep-going --attach "$T/f:override"
		stop_loader "$LOADER_PID"
		grep -q "attach_failed .* EOPNOTSUPP" "$TMP/flags2.log" && bad=$((bad + 1))
		[ "$bad" = 3 ] && pass attach-flags || fail attach-flags "want 3 EOPNOTSUPP" "$(cat "$log" "$TMP/flags2.log")"
	else
		[ "$bad" = 2 ] && pass attach-flags || fail attach-flags "want 2 EOPNOTSUPP" "$(cat "$log")"
	fi
}

# Refused attaches: a map without BPF_F_LINK (no cgroup to go to), a cgroup
# without its own memcg, a file that is not a cgroup.
test_attach_errors() {
	local log=$TMP/errors.log msg=
	mkcg "$T" "$T/e"
	mkdir "$T/e/nomem"	# memory not enabled in e: no memcg of its own
	"$LOADER" "$OBJ" --plain-map > "$log" 2>&1
	grep -q "register_failed .* EOPNOTSUPP" "$log" || msg="plain map: $(tail -1 "$log")"
	start_loader "$TMP/errors2.log" --keep-going --attach "$T/e/nomem" --attach /etc
	stop_loader "$LOADER_PID"
	grep -q "attach_failed $T/e/nomem .* EINVAL" "$TMP/errors2.log" || msg="$msg; no EINVAL for a cgroup without memcg"
	grep -q "attach_failed /etc .* EBADF" "$TMP/errors2.log" || msg="$msg; no EBADF for a non-cgroup"
	if [ "$ABI" = v7 ]; then
		start_loader "$TMP/errors3.log" --keep-going --relative-fd --attach "$T/e"
		stop_loader "$LOADER_PID"
		grep -q "attach_failed $T/e .* EINVAL" "$TMP/errors3.log" || msg="$msg; v7 took a relative_fd attach"
	fi
	[ -z "$msg" ] && pass attach-errors || fail attach-errors "${msg#; }" "$(cat "$log" "$TMP/errors2.log")"
}

# Attached at a parent: an existing child and one created later get the
# hooks; the later one's online hook runs.
test_inherit() {
	local log=$TMP/inherit.log hook n_old n_new n_online
	hook=$(charge_hook)
	mkcg "$T" "$T/p" "$T/p/old"
	if ! start_loader "$log" --attach "$T/p"; then
		fail inherit "attach failed" "$(cat "$log")"; return
	fi
	mkcg "$T/p/new"
	"$TOUCH" --cgroup "$T/p/old" 4 > /dev/null
	"$TOUCH" --cgroup "$T/p/new" 4 > /dev/null
	rmdir "$T/p/new"
	sleep 1	# the offline hook runs from a workqueue some time after rmdir
	stop_loader "$LOADER_PID"
	n_old=$(calls "$log" "$hook" "$T/p/old")
	# p/new is gone: find its id among the online calls (p/old came before the attach).
	n_online=$(grep -c "^calls online " "$log")
	n_new=$(grep "^calls $hook " "$log" | grep -v " $(cgid "$T/p/old") " | grep -v " $(cgid "$T/p") " | awk '{n += $4} END {print n + 0}')
	if [ "$n_old" -gt 0 ] && [ "$n_new" -gt 0 ] && [ "$n_online" -ge 1 ] &&
	   grep -q "^calls offline " "$log"; then
		pass inherit "old $n_old, new $n_new $hook calls; online/offline seen"
	else
		fail inherit "old $n_old, new $n_new calls, $n_online online" "$(grep calls "$log")"
	fi
}

# Over existing ops: -EBUSY, unless inherited from a BPF_F_ALLOW_OVERRIDE attach.
test_override() {
	local a=$TMP/ovr-a.log b=$TMP/ovr-b.log pa ok=1 msg=
	mkcg "$T" "$T/o" "$T/o/c"
	start_loader "$a" --attach "$T/o" || { fail override "first attach" "$(cat "$a")"; return; }
	pa=$LOADER_PID
	start_loader "$b" --keep-going --attach "$T/o/c" --attach "$T/o"
	stop_loader "$LOADER_PID"
	stop_loader "$pa"
	[ "$(grep -c 'attach_failed .* EBUSY' "$b")" = 2 ] || { ok=; msg="no EBUSY without override"; }
	if [ "$ABI" != v2 ]; then
		start_loader "$a" --attach "$T/o:override" || { fail override "override attach" "$(cat "$a")"; return; }
		pa=$LOADER_PID
		start_loader "$b" --keep-going --attach "$T/o/c"
		"$TOUCH" --cgroup "$T/o/c" 4 > /dev/null
		stop_loader "$LOADER_PID"
		# After the child's link is gone, the parent's ops are back in o/c.
		"$TOUCH" --cgroup "$T/o/c" 4 > /dev/null
		stop_loader "$pa"
		grep -q "^attached $T/o/c" "$b" || { ok=; msg="$msg; override refused"; }
		[ "$(calls "$b" "$(charge_hook)" "$T/o/c")" -gt 0 ] || { ok=; msg="$msg; child's ops not called"; }
		[ "$(calls "$a" "$(charge_hook)" "$T/o/c")" -gt 0 ] || { ok=; msg="$msg; parent's ops not restored"; }
	fi
	[ -n "$ok" ] && pass override || fail override "${msg#; }" "$(cat "$a" "$b")"
}

# The same map attached to two cgroups: both get the hooks.
test_multi_cgroup() {
	local log=$TMP/multi.log hook
	hook=$(charge_hook)
	mkcg "$T" "$T/x" "$T/y"
	start_loader "$log" --attach "$T/x" --attach "$T/y" || { fail multi-cgroup "attach" "$(cat "$log")"; return; }
	"$TOUCH" --cgroup "$T/x" 4 > /dev/null
	"$TOUCH" --cgroup "$T/y" 4 > /dev/null
	stop_loader "$LOADER_PID"
	if [ "$(calls "$log" "$hook" "$T/x")" -gt 0 ] && [ "$(calls "$log" "$hook" "$T/y")" -gt 0 ]; then
		pass multi-cgroup
	else
		fail multi-cgroup "hooks not called in both" "$(grep calls "$log")"
	fi
}

# Throttled while attached; SIGKILL of the loader detaches: full speed again,
# and a flags-0 attach at the same cgroup works.
test_detach_on_exit() {
	local log=$TMP/kill.log r0 r1 r2
	mkcg "$T" "$T/k"
	r0=$(field mb_per_s "$("$TOUCH" --cgroup "$T/k" --rate 2)")
	start_loader "$log" --attach "$T/k" --set "default:$(throttle_setting)" ||
		{ fail detach-on-exit "attach" "$(cat "$log")"; return; }
	r1=$(field mb_per_s "$("$TOUCH" --cgroup "$T/k" --rate 2)")
	kill -KILL "$LOADER_PID"
	wait "$LOADER_PID" 2>/dev/null
	sleep 0.5
	r2=$(field mb_per_s "$("$TOUCH" --cgroup "$T/k" --rate 2)")
	start_loader "$TMP/kill2.log" --attach "$T/k"
	stop_loader "$LOADER_PID"
	if float_ge "$r0" "$(awk -v r="$r1" 'BEGIN{print r*3}')" &&
	   float_ge "$r2" "$(awk -v r="$r1" 'BEGIN{print r*3}')" &&
	   grep -q "^attached $T/k" "$TMP/kill2.log"; then
		pass detach-on-exit "MB/s before $r0, attached $r1, after SIGKILL $r2"
	else
		fail detach-on-exit "MB/s before $r0, attached $r1, after SIGKILL $r2" "$(cat "$TMP/kill2.log")"
	fi
}

# v6, the RFC selftest's shape: parent memory.max, no swap; "low" gets
# get_high_delay_ms = 2000 while "high" page-faults; low ends >= 1 s after high.
test_high_delay() {
	local log=$TMP/delay.log hl ll he le gap
	[ "$ABI" != v2 ] || { skip high-delay "v6/v7 hook"; return; }
	swapoff -a 2>/dev/null
	mkcg "$T" "$T/d" "$T/d/high" "$T/d/low"
	echo 256M > "$T/d/memory.max"
	start_loader "$log" --attach "$T/d" --set "$T/d/low:delay_ms=2000,while_busy=$T/d/high" ||
		{ fail high-delay "attach" "$(cat "$log")"; return; }
	"$TOUCH" --cgroup "$T/d/high" 64 > "$TMP/high.out" &
	local p1=$!
	"$TOUCH" --cgroup "$T/d/low" 64 > "$TMP/low.out" &
	local p2=$!
	wait "$p1" "$p2"
	stop_loader "$LOADER_PID" 2>/dev/null
	hl=$(cat "$TMP/high.out") ll=$(cat "$TMP/low.out")
	he=$(field end "$hl") le=$(field end "$ll")
	gap=$(awk -v a="$le" -v b="$he" 'BEGIN{printf "%.2f", a - b}')
	if [ -n "$he" ] && [ -n "$le" ] && float_ge "$gap" 1.0; then
		pass high-delay "high $(field secs "$hl")s, low $(field secs "$ll")s, gap ${gap}s"
	else
		fail high-delay "gap ${gap}s < 1s" "high: $hl" "low: $ll" "$(grep calls "$log")"
	fi
}

# v2: a large memcg_nr_pages_over_high collapses the cgroup's progress.
test_over_high() {
	local log=$TMP/over.log r0 r1
	[ "$ABI" = v2 ] || { skip over-high "v2 hook"; return; }
	mkcg "$T" "$T/v" "$T/v/low"
	r0=$(field mb_per_s "$("$TOUCH" --cgroup "$T/v/low" --rate 2)")
	start_loader "$log" --attach "$T/v" --set "$T/v/low:over_high=8192" ||
		{ fail over-high "attach" "$(cat "$log")"; return; }
	r1=$(field mb_per_s "$("$TOUCH" --cgroup "$T/v/low" --rate 3)")
	stop_loader "$LOADER_PID"
	if float_ge "$r0" "$(awk -v r="$r1" 'BEGIN{print r*5}')"; then
		pass over-high "MB/s $r0 -> $r1"
	else
		fail over-high "MB/s $r0 -> $r1, want a 5x drop" "$(grep calls "$log")"
	fi
}

# v6/v7: below_min / below_low keep a cgroup's pages resident while a
# sibling pushes the parent over memory.max (swap on, so anon pages can go).
protect_run() {	# protect_run SETTING -> prints "before after" (MB)
	local setting=$1 before after pid
	cleanup_cgroups
	mkcg "$T" "$T/m" "$T/m/prot" "$T/m/hog"
	echo 160M > "$T/m/memory.max"
	if [ -n "$setting" ]; then
		start_loader "$TMP/prot.log" --attach "$T/m" --set "$T/m/prot:$setting" || return 1
	fi
	"$TOUCH" --cgroup "$T/m/prot" 64 --hold > "$TMP/prot.out" &
	pid=$!
	while ! grep -q holding "$TMP/prot.out"; do sleep 0.1; done
	before=$(( $(cat "$T/m/prot/memory.current") >> 20 ))
	"$TOUCH" --cgroup "$T/m/hog" 200 > /dev/null
	after=$(( $(cat "$T/m/prot/memory.current") >> 20 ))
	kill "$pid"; wait "$pid" 2>/dev/null
	[ -n "$setting" ] && stop_loader "$LOADER_PID"
	echo "$before $after"
}

test_protection() {
	local base with kind
	[ "$ABI" != v2 ] || { skip below-low-min "v6/v7 hooks"; return; }
	swapon /dev/zram0 2>/dev/null
	grep -q zram /proc/swaps || { skip below-low-min "setup: no zram swap in the guest (run-vm.sh --swap)"; return; }
	base=$(protect_run "")
	set -- $base
	if [ "$2" -ge $(( $1 * 9 / 10 )) ]; then
		skip below-low-min "setup: no memory pressure: unprotected cgroup kept $2 of $1 MB"; return
	fi
	for kind in min low; do
		with=$(protect_run "$kind=1") || { fail below-$kind "attach" "$(cat "$TMP/prot.log")"; continue; }
		set -- $with
		if [ "$2" -ge $(( $1 * 95 / 100 )) ]; then
			pass below-$kind "kept $2 of $1 MB; unprotected kept ${base#* }"
		else
			fail below-$kind "kept $2 of $1 MB (unprotected: ${base#* })" "$(grep calls "$TMP/prot.log")"
		fi
	done
}

# v7: memcg_uncharged reports pages leaving the page counter.
test_uncharged() {
	local log=$TMP/unch.log n
	[ "$ABI" = v7 ] || return 0
	mkcg "$T" "$T/u"
	start_loader "$log" --attach "$T/u" || { fail uncharged "attach" "$(cat "$log")"; return; }
	"$TOUCH" --cgroup "$T/u" 8 > /dev/null
	stop_loader "$LOADER_PID"
	n=$(calls "$log" memcg_uncharged "$T/u")
	[ "$n" -gt 0 ] && pass uncharged "$n calls" || fail uncharged "memcg_uncharged never called" "$(grep calls "$log")"
}

# Attach and detach (SIGKILL) racing with cgroup creation, charging, removal,
# and nested override attaches; the kernel must stay quiet (see kernel_log).
test_churn() {
	local i lp tp pa pb ok=1
	mkcg "$T" "$T/c"
	exec 3>&2 2>/dev/null	# no "Killed" job notices
	for i in $(seq 1 8); do
		"$LOADER" "$OBJ" --attach "$T/c" --set "default:delay_ms=0" > /dev/null 2>&1 &
		lp=$!
		mkcg "$T/c/k$i"
		"$TOUCH" --cgroup "$T/c/k$i" 2 > /dev/null &
		tp=$!
		[ $((i % 2)) = 0 ] && kill -KILL "$lp" 2>/dev/null
		wait "$tp"
		rmdir "$T/c/k$i" 2>/dev/null || { sleep 0.3; rmdir "$T/c/k$i"; }
		kill -KILL "$lp" 2>/dev/null
		wait "$lp" 2>/dev/null
	done
	if [ "$ABI" != v2 ]; then
		for i in 1 2 3; do
			mkcg "$T/c/n" "$T/c/n/m"
			"$LOADER" "$OBJ" --attach "$T/c:override" > /dev/null 2>&1 &
			pa=$!
			sleep 0.3
			"$LOADER" "$OBJ" --attach "$T/c/n" > /dev/null 2>&1 &
			pb=$!
			"$TOUCH" --cgroup "$T/c/n/m" 2 > /dev/null
			kill -KILL "$pa"; wait "$pa" 2>/dev/null
			"$TOUCH" --cgroup "$T/c/n/m" 2 > /dev/null
			rmdir "$T/c/n/m"
			kill -KILL "$pb"; wait "$pb" 2>/dev/null
			rmdir "$T/c/n" || ok=
		done
	fi
	exec 2>&3 3>&-
	[ -n "$ok" ] && pass churn || fail churn "could not remove cgroups"
}

# Nothing in the kernel log that says a test hurt the kernel.
test_kernel_log() {
	local bad
	bad=$(dmesg | grep -E "BUG:|WARNING:|Oops|general protection|Call Trace|refcount_t:|list_del corruption|rcu.*stall|hung_task" | head -20)
	[ -z "$bad" ] && pass kernel-log || fail kernel-log "kernel complained" "$bad"
}

# The ABI-neutral tests (tracepoint, the attach tree, churn) run on v6 only:
# the code they exercise is the same in every ABI.
case $ABI in
v6) ALL="btf_layout tracepoint attach_flags attach_errors inherit override multi_cgroup detach_on_exit high_delay protection churn kernel_log" ;;
v2) ALL="btf_layout attach_flags inherit override detach_on_exit over_high kernel_log" ;;
v7) ALL="btf_layout attach_flags attach_errors inherit override detach_on_exit high_delay protection uncharged kernel_log" ;;
*) ALL="btf_layout tracepoint attach_flags attach_errors inherit override multi_cgroup detach_on_exit high_delay over_high protection uncharged churn kernel_log" ;;
esac
[ $# -gt 0 ] && ALL="$*"
for t in $ALL; do
	cleanup_cgroups
	start=$(date +%s.%N)
	"test_$t"
	echo "  time $t $(awk -v a="$start" -v b="$(date +%s.%N)" 'BEGIN{printf "%.1f", b - a}')s"
done
cleanup_cgroups
rm -rf "$TMP"
