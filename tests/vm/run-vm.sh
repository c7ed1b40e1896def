#!/bin/bash
# Run one command in the memcgc test VM and return its exit status.
#
#   tests/vm/run-vm.sh [options] [--] COMMAND [ARGS...]
#   tests/vm/run-vm.sh --shell [options]          interactive (make vm-shell)
#
# Options:
#   --abi v6|v2|v7|stock  memcg_bpf_ops ABI of the kernel, or stock: none of the
#                     patches (default v6, or $ABI)
#   --swap[=MB]       swap on zram in the guest (default size 512 MB)
#   --timeout SEC     kill the VM after SEC seconds (default 600): status 124
#   --mem MB          guest memory (default 1024)
#   --console FILE    keep the guest console here (default: in the run dir)
#   --no-build        do not call build-kernel.sh; use what is in the cache
#   --live            print COMMAND's output while it runs (as the guest writes it)
#
# The guest boots the cached bzImage (tests/vm/build-kernel.sh, a no-op when
# up to date) with the busybox initramfs, mounts the host's / read-only over
# 9p and runs COMMAND with `sh -c` in a chroot of it, in the current
# directory: host binaries (build/memcgc, bpftool, python3) work unchanged,
# the guest's /proc, /sys, /dev and cgroup2 (+memory +pids enabled in the
# root's subtree_control) are mounted inside, /tmp is a guest tmpfs.
# The run directory (a host temp dir, shared read-write at the same path,
# $MEMCGC_VM_OUT in the guest) may receive files from the test.
# COMMAND's stdout+stderr are printed after the VM ends; on failure the tail
# of the guest console is printed too.
set -euo pipefail

HERE=$(cd "$(dirname "$0")" && pwd)
abi=${ABI:-v6}
swap=0
timeout=600
mem=1024
console=
shell=
build=1

while [ $# -gt 0 ]; do
	case "$1" in
	--abi) abi=$2; shift 2 ;;
	--abi=*) abi=${1#--abi=}; shift ;;
	--swap) swap=512; shift ;;
	--swap=*) swap=${1#--swap=}; shift ;;
	--timeout) timeout=$2; shift 2 ;;
	--mem) mem=$2; shift 2 ;;
	--console) console=$2; shift 2 ;;
	--shell) shell=1; shift ;;
	--no-build) build=; shift ;;
	--live) live=1; shift ;;
	--) shift; break ;;
	-*) echo "run-vm: unknown option $1" >&2; exit 2 ;;
	*) break ;;
	esac
done
[ -n "$shell" ] || [ $# -gt 0 ] || { echo "usage: run-vm.sh [options] COMMAND..." >&2; exit 2; }

if [ -n "$build" ]; then
	kdir=$("$HERE/build-kernel.sh" "$abi" | tail -1)
else
	kdir=$("$HERE/build-kernel.sh" --dir)
fi
kernel=$kdir/bzImage-$abi
initrd=$kdir/initramfs.cpio.gz
[ -f "$kernel" ] || { echo "run-vm: no kernel $kernel (run tests/vm/build-kernel.sh $abi)" >&2; exit 2; }

out=$(mktemp -d /tmp/memcgc-vm.XXXXXX)
chmod 777 "$out"
trap 'rm -rf "$out"' EXIT
[ -n "$console" ] || console=$out/console.log

echo "$PWD" > "$out/cwd"
if [ -z "$shell" ]; then
	{
		echo "export MEMCGC_VM_OUT=$out MEMCGC_VM_ABI=$abi"
		printf 'cd %q || exit 97\n' "$PWD"
		printf 'exec sh -c %q\n' "$*"
	} > "$out/cmd.sh"
fi

append="console=ttyS0 loglevel=4 panic=-1 memcgc.out=$out memcgc.swap=$swap"
# the guest has a /tmp of its own: a working tree under the host's /tmp is bound into it
case $PWD/ in
/tmp/?*) top=${PWD#/tmp/}; append+=" memcgc.keep=/tmp/${top%%/*}" ;;
esac
[ -z "$shell" ] || append+=" memcgc.shell=1"

qemu=(qemu-system-x86_64 -m "$mem" -smp 2 -nographic -no-reboot
	-kernel "$kernel" -initrd "$initrd" -append "$append"
	-virtfs "local,path=/,mount_tag=hostroot,security_model=none,readonly=on,multidevs=remap"
	-virtfs "local,path=$out,mount_tag=out,security_model=none")

if [ -n "$shell" ]; then
	exec "${qemu[@]}"
fi

start=$(date +%s)
set +e
if [ -n "${live:-}" ]; then
	: > "$out/output"
	tail -F -n +1 "$out/output" 2>/dev/null &
	tailer=$!
fi
timeout --foreground -k 5 "$timeout" "${qemu[@]}" < /dev/null > "$console" 2>&1
qrc=$?
if [ -n "${live:-}" ]; then
	sleep 0.5; kill "$tailer" 2>/dev/null; wait "$tailer" 2>/dev/null
fi
set -e
secs=$(( $(date +%s) - start ))

[ -z "${live:-}" ] && [ -f "$out/output" ] && cat "$out/output"
if [ "$qrc" = 124 ] || [ "$qrc" = 137 ]; then
	echo "run-vm: timed out after ${timeout}s (console tail follows)" >&2
	rc=124
elif [ -f "$out/rc" ]; then
	rc=$(cat "$out/rc")
else
	echo "run-vm: the guest ended without a status (qemu status $qrc)" >&2
	rc=125
fi
if [ "$rc" != 0 ]; then
	echo "run-vm: status $rc after ${secs}s; last lines of the guest console ($console):" >&2
	tail -n 40 "$console" | sed 's/^/  console: /' >&2
	if [ "$console" = "$out/console.log" ]; then
		keep=/tmp/memcgc-vm-last-console.log
		cp "$console" "$keep" && echo "run-vm: console saved to $keep" >&2
	fi
fi
exit "$rc"
