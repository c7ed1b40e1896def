#!/bin/bash
# Tests of the test machinery itself: that a broken suite, VM or set-up cannot pass
# silently. No VM is booted and nothing is loaded: run-e2e.sh gets a fake VM runner
# (RUN_VM), guest-e2e.sh a fake memcg-run and a scratch cgroup directory. Each check runs
# the bad case, which must fail, and a good case beside it, which must pass, so that a
# check cannot pass by the machinery failing everything.
#   tests/runner/run-runner-tests.sh [TREE]
# TREE: the source tree whose tests/run.py and tests/vm/e2e are tested (default this
# one; give an older checkout to see these checks fail).
set -u
here=$(cd "$(dirname "$0")/../.." && pwd)
tree=$(cd "${1:-$here}" && pwd)
runpy=$tree/tests/run.py e2e=$tree/tests/vm/e2e
tmp=$(mktemp -d /tmp/memcgc-runner.XXXXXX)
trap 'rm -rf "$tmp"' EXIT

pass() { echo "PASS runner/$1${2:+ ($2)}"; }
fail() { echo "FAIL runner/$1: $2"; shift 2; for l in "$@"; do echo "  $l"; done; }
# runpy OUT [ENV=VALUE...] -- NAME COMMAND: tests/run.py on one suite; sets rc, its output in OUT
runpy() {
	local out=$1; shift
	local envs=()
	while [ "$1" != -- ]; do envs+=("$1"); shift; done
	shift
	(cd "$tmp" && env -u CI "${envs[@]}" python3 "$runpy" "$@") > "$out" 2>&1; rc=$?
}
# want_fail NAME OUT TEXT: rc non-zero and TEXT among OUT's FAIL lines
want_fail() { [ "$rc" != 0 ] && grep -E '^ *FAIL ' "$2" | grep -qF -- "$3"; }
# want_pass OUT: rc 0 and no FAIL line
want_pass() { [ "$rc" = 0 ] && ! grep -qE '^ *FAIL ' "$1"; }

# (a) a suite that prints nothing fails, whatever its exit status; one that only skips too
runpy "$tmp/a1" -- silent 'true'
a1=$rc
runpy "$tmp/a2" -- skips-only 'echo "SKIP x: nothing to do here"'
a2=$rc
runpy "$tmp/a3" -- passes 'echo PASS x'
if rc=$a1 want_fail silent "$tmp/a1" "FAIL silent: no PASS and no FAIL line" &&
   rc=$a2 want_fail skips-only "$tmp/a2" "FAIL skips-only: no PASS and no FAIL line" && want_pass "$tmp/a3"; then
	pass run-py-silent-suite-fails
else
	fail run-py-silent-suite-fails "run.py on a suite printing nothing (exit $a1), only a SKIP (exit $a2), one PASS (exit $rc)" \
		"$(cat "$tmp/a1" "$tmp/a2" "$tmp/a3")"
fi

# (d) a bare SKIP fails; a set-up SKIP fails under CI=true and only there; a SKIP with a
# reason is a skip
runpy "$tmp/d1" -- bare 'echo "SKIP x"; echo "PASS y"'
d1=$rc
runpy "$tmp/d2" -- bare-colon 'echo "SKIP x:"; echo "PASS y"'
d2=$rc
runpy "$tmp/d3" -- reason 'echo "SKIP x: not on this kernel"; echo "PASS y"'
if rc=$d1 want_fail bare "$tmp/d1" "FAIL x: a SKIP without a reason" &&
   rc=$d2 want_fail bare-colon "$tmp/d2" "FAIL x: a SKIP without a reason" &&
   want_pass "$tmp/d3" && grep -q "1 passed, 0 failed, 1 skipped" "$tmp/d3"; then
	pass run-py-bare-skip-fails
else
	fail run-py-bare-skip-fails "run.py on 'SKIP x' (exit $d1), 'SKIP x:' (exit $d2), 'SKIP x: reason' (exit $rc)" \
		"$(cat "$tmp/d1" "$tmp/d2" "$tmp/d3")"
fi
setup='echo "SKIP x: setup: needs root"; echo "PASS y"'
runpy "$tmp/d4" CI=true -- setup "$setup"
d4=$rc
runpy "$tmp/d5" -- setup "$setup"
if rc=$d4 want_fail setup "$tmp/d4" "FAIL x: skipped for the set-up under CI=true" &&
   want_pass "$tmp/d5" && grep -q "1 passed, 0 failed, 1 skipped" "$tmp/d5"; then
	pass run-py-setup-skip-fails-under-ci
else
	fail run-py-setup-skip-fails-under-ci "run.py on a 'setup:' SKIP with CI=true (exit $d4), without (exit $rc)" \
		"$(cat "$tmp/d4" "$tmp/d5")"
fi

# (e) a kernel build's progress lines inside a suite are shown as they come, not when the
# suite ends: the line arrives while the suite still runs (it sleeps 2 s after it)
live=$(cd "$tmp" && env -u CI python3 - "$runpy" <<'PY'
import subprocess, sys, time
cmd = 'echo "build-kernel: v2: still running after 30 s" >&2; sleep 2; echo "PASS x"'
p = subprocess.Popen([sys.executable, sys.argv[1], "live", cmd], stdout=subprocess.PIPE, text=True)
start, seen = time.monotonic(), {}
for line in p.stdout:
    seen.setdefault("progress" if "build-kernel:" in line else "end" if line.startswith("[live]") else "other",
                    time.monotonic() - start)
p.wait()
print(f"{seen.get('progress', -1):.1f} {seen.get('end', -1):.1f}")
PY
)
read -r progress_at end_at <<<"$live"
if awk -v p="$progress_at" -v e="$end_at" 'BEGIN{exit !(p >= 0 && e - p >= 1.5)}'; then
	pass run-py-shows-kernel-progress-live "progress line at ${progress_at}s, suite's end at ${end_at}s"
else fail run-py-shows-kernel-progress-live "progress line at ${progress_at}s, suite's end at ${end_at}s (want it >= 1.5 s before)"; fi

# a fake build: memcgc writes an empty object; memcg-run answers --inspect from the
# object's name (example-v6only: runs on v6 v7; example-v2only: runs on v2), fails every
# --probe unless FAKE_PROBE=ok, and "attaches" for --duration
fake=$tmp/build objs=$tmp/objs
mkdir -p "$fake" "$objs"
cat > "$fake/memcgc" <<'SH'
#!/bin/sh
while [ $# -gt 1 ]; do [ "$1" = -o ] && : > "$2"; shift; done
SH
cat > "$fake/memcg-run" <<'SH'
#!/bin/bash
obj=${!#}
case "$1" in
--inspect)
	echo "policy $(basename "$obj" .o) (from fake.mcp, source hash 0)"
	case $obj in *v2only*) echo "runs on: v2" ;; *) echo "runs on: v6 v7" ;; esac
	echo "cgroup high: (bind with --cgroup)" ;;
--probe)
	[ "${FAKE_PROBE:-}" = ok ] && { echo "memcg_bpf_ops              yes"; exit 0; }
	echo "memcg_bpf_ops              no"; exit 1 ;;
*) echo "memcg-run: policy $(basename "$obj" .o) attached"; exit 0 ;;
esac
SH
# guest-e2e.sh counts struct_ops links with bpftool: none; swapon/swapoff do nothing
for t in bpftool swapon swapoff; do printf '#!/bin/sh\n' > "$fake/$t"; done
chmod +x "$fake/memcgc" "$fake/memcg-run" "$fake/bpftool" "$fake/swapon" "$fake/swapoff"
# guest-e2e.sh on this host: the fakes first in PATH and, as root, in a mount namespace
# with a scratch /sys/fs/cgroup, so that a guest-e2e.sh that ignored E2E_CGROUPS or ran
# more than the examples test still could not touch the host's cgroups
guest() {
	local pre=()
	# (--propagation unchanged, then /sys made private by hand: in a chroot, as in
	# make check-fresh, unshare cannot change the propagation of a root that is no mount)
	[ "$(id -u)" = 0 ] && pre=(unshare -m --propagation unchanged sh -c \
		'mount --make-rprivate /sys && mount -t tmpfs none /sys/fs/cgroup && exec "$@"' guest)
	PATH=$fake:$PATH E2E_CGROUPS=$tmp/cg/e2e timeout -k 5 60 "${pre[@]}" bash "$e2e/guest-e2e.sh" "$@"
}

# (b) a VM that dies after one PASS line is a FAIL for that ABI; one that ends with the
# guest's last line is not
# (timeout: a run-e2e.sh that ignored RUN_VM would boot a real VM)
cat > "$tmp/vm-dies" <<SH
#!/bin/sh
: > "$tmp/vm-used"
echo "PASS memcgc-v6-refuses-missing-hook"
SH
cat > "$tmp/vm-ends" <<SH
#!/bin/sh
: > "$tmp/vm-used"
echo "PASS memcgc-v6-refuses-missing-hook"
echo "guest-e2e: done v6"
SH
chmod +x "$tmp/vm-dies" "$tmp/vm-ends"
RUN_VM=$tmp/vm-dies timeout -k 5 60 bash "$e2e/run-e2e.sh" "$fake" v6 > "$tmp/b1" 2>&1
RUN_VM=$tmp/vm-ends timeout -k 5 60 bash "$e2e/run-e2e.sh" "$fake" v6 > "$tmp/b2" 2>&1
if [ ! -e "$tmp/vm-used" ]; then
	fail run-e2e-vm-death-fails "run-e2e.sh did not call the VM runner in RUN_VM" "$(tail -5 "$tmp/b1")"
elif grep -q "^FAIL memcgc-v6-vm: " "$tmp/b1" && grep -q "^PASS memcgc-v6-refuses-missing-hook" "$tmp/b1" &&
   ! grep -q "^FAIL" "$tmp/b2" && grep -q "^PASS memcgc-v6-refuses-missing-hook" "$tmp/b2"; then
	pass run-e2e-vm-death-fails
else
	fail run-e2e-vm-death-fails "run-e2e.sh with a VM that dies after one PASS line, then with one that ends" \
		"dies: $(tr '\n' '|' < "$tmp/b1")" "ends: $(tr '\n' '|' < "$tmp/b2")"
fi

# (c) an example whose --probe fails on an ABI it runs on is a FAIL; one needing another
# ABI is a SKIP with a reason; with the probe passing it attaches
: > "$objs/example-v6only.o"; : > "$objs/example-v2only.o"
mkdir -p "$tmp/cg"
guest "$fake" v6 "$objs" examples > "$tmp/c1" 2>&1
FAKE_PROBE=ok guest "$fake" v6 "$objs" examples > "$tmp/c2" 2>&1
if grep -q "^FAIL memcgc-v6-attaches-example-v6only: memcg-run --probe exit 1 on v6" "$tmp/c1" &&
   grep -q "^SKIP memcgc-v6-attaches-example-v2only: .*runs on: v2" "$tmp/c1" &&
   grep -q "^PASS memcgc-v6-attaches-example-v6only" "$tmp/c2" && ! grep -q "^FAIL" "$tmp/c2"; then
	pass guest-e2e-probe-failure-fails
else
	fail guest-e2e-probe-failure-fails "guest-e2e.sh examples with a --probe failing on v6, then passing" \
		"probe fails: $(tr '\n' '|' < "$tmp/c1")" "probe passes: $(tr '\n' '|' < "$tmp/c2")"
fi
