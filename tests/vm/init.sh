#!/bin/busybox sh
# /init of the memcgc test VM (busybox initramfs built by build-kernel.sh).
#
# Sets up the guest and runs one command inside a chroot of the host's root
# (shared read-only over 9p as "hostroot"), so host binaries and the project
# tree are at the same paths as on the host. Kernel command line switches:
#   memcgc.out=DIR   host directory shared read-write as "out", mounted at the
#                    same path; holds cmd.sh (what to run), and receives
#                    output (its stdout+stderr) and rc (its exit status)
#   memcgc.swap=MB   swap on zram of that size
#   memcgc.shell=1   interactive shell instead of cmd.sh
#   memcgc.keep=DIR  a host directory under /tmp (the caller's working tree) to keep
#                    visible under the guest's own /tmp
# Then powers off (QEMU runs with -no-reboot, so this ends QEMU).
/bin/busybox --install -s /bin
export PATH=/bin

mount -t proc proc /proc
mount -t sysfs sys /sys
mount -t devtmpfs dev /dev
ln -s /proc/self/fd /dev/fd
ln -s /proc/self/fd/0 /dev/stdin
ln -s /proc/self/fd/1 /dev/stdout
ln -s /proc/self/fd/2 /dev/stderr
mount -t tracefs tracefs /sys/kernel/tracing 2>/dev/null
mount -t debugfs debugfs /sys/kernel/debug 2>/dev/null
mount -t cgroup2 cgroup2 /sys/fs/cgroup
echo "+memory +pids" > /sys/fs/cgroup/cgroup.subtree_control

OUT= SWAP= SHELL_MODE= KEEP=
for arg in $(cat /proc/cmdline); do
	case "$arg" in
	memcgc.out=*) OUT=${arg#memcgc.out=} ;;
	memcgc.swap=*) SWAP=${arg#memcgc.swap=} ;;
	memcgc.shell=1) SHELL_MODE=1 ;;
	memcgc.keep=*) KEEP=${arg#memcgc.keep=} ;;
	esac
done

say() { echo "memcgc-vm: $*" > /dev/console; }
die() { say "$*"; poweroff -f; }

mkdir -p /host
mount -t 9p -o trans=virtio,version=9p2000.L,ro,msize=262144 hostroot /host ||
	die "cannot mount the host root over 9p"
# Guest-side writable /tmp, then the guest's own /proc /sys /dev over the
# host's directories inside the chroot.
# A working tree under the host's /tmp (a CI clone, say) stays visible through it.
if [ -n "$KEEP" ]; then
	mkdir -p /keep && mount -o bind "/host$KEEP" /keep
fi
mount -t tmpfs -o size=256m tmpfs /host/tmp
# and a /run of its own, as every system has (memcg-run keeps its cgroup locks there)
mount -t tmpfs -o size=16m,mode=755 tmpfs /host/run
if [ -n "$KEEP" ]; then
	mkdir -p "/host$KEEP" && mount -o bind /keep "/host$KEEP"
fi
for d in proc sys dev; do mount -o rbind /$d /host/$d; done
if [ -n "$OUT" ]; then
	mkdir -p "/host$OUT"
	mount -t 9p -o trans=virtio,version=9p2000.L,msize=262144 out "/host$OUT" ||
		die "cannot mount the out directory"
fi

if [ -n "$SWAP" ] && [ "$SWAP" != 0 ]; then
	if [ -e /sys/block/zram0/disksize ]; then
		echo "${SWAP}M" > /sys/block/zram0/disksize &&
			mkswap /dev/zram0 >/dev/null && swapon /dev/zram0 ||
			say "zram swap setup failed"
	else
		say "no zram0: running without swap"
	fi
fi

ip link set lo up 2>/dev/null
hostname memcgc-vm

ENV="PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin HOME=/root TERM=${TERM:-vt100} MEMCGC_VM=1"
if [ -n "$SHELL_MODE" ]; then
	say "interactive shell in the host root (chroot); exit to power off"
	cwd=$(cat "/host$OUT/cwd" 2>/dev/null || echo /)
	setsid cttyhack chroot /host /usr/bin/env -i $ENV /bin/sh -c \
		"cd '$cwd' 2>/dev/null; exec /bin/bash -l"
elif [ -n "$OUT" ] && [ -f "/host$OUT/cmd.sh" ]; then
	chroot /host /usr/bin/env -i $ENV /bin/sh "$OUT/cmd.sh" \
		> "/host$OUT/output" 2>&1 < /dev/null
	echo $? > "/host$OUT/rc"
else
	say "nothing to run"
fi
sync
swapoff -a 2>/dev/null
poweroff -f
