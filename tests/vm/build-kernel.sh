#!/bin/bash
# Build the memcgc test kernels and the busybox initramfs, into a cache.
#
#   tests/vm/build-kernel.sh [ABI...]      (default: v6 v2; also v7, stock)
#   tests/vm/build-kernel.sh --dir         print the kernel directory only
#
# One bzImage per memcg_bpf_ops ABI (CONFIG_MEMCG_BPF_OPS_ABI_*), from Debian's
# linux-source-6.12 tarball, pinned to a version in kernel/source-versions, plus the patch
# series for that version (kernel/linux-source.sh patches), configured
# as `make tinyconfig` + tests/vm/kernel/vm.config + the ABI choice.
# `stock` is the same tarball with none of the patches (no memcg:count_memcg_events
# tracepoint, no memcg_bpf_ops), the same configuration otherwise: the kernel a Debian 12
# user has, for the cgroup actuator and the poll source.
#
# Cache ($MEMCGC_CACHE, default /var/cache/memcgc):
#   linux-6.12/src      the tarball, extracted once, as a git repo (tag
#                       "pristine"); the patch series is checked out on top
#                       (stock: pristine itself), so only files the series
#                       changes get new mtimes
#   linux-6.12/obj      the one build directory (O=), reused by every ABI and
#                       every series: switching ABI or a patch rebuilds
#                       incrementally (~1 min instead of ~16)
#   kernels/KEY/        bzImage-ABI, vmlinux.h-ABI (bpftool dump of its BTF),
#                       config-ABI, build-ABI.log; KEY hashes every input
#                       (source version, patches, vm.config, this script,
#                       compiler and pahole versions), so an unchanged
#                       rebuild costs nothing
#   initramfs/KEY.cpio.gz  busybox + tests/vm/init.sh
# The last line printed is the kernel directory.
set -euo pipefail

HERE=$(cd "$(dirname "$0")" && pwd)
CACHE=${MEMCGC_CACHE:-/var/cache/memcgc}
TARBALL=${KERNEL_SOURCE_TAR:-/usr/src/linux-source-6.12.tar.xz}
JOBS=${JOBS:-2}
FRAGMENT=$HERE/kernel/vm.config
LINUX=$CACHE/linux-6.12
SRC=$LINUX/src
OBJ=$LINUX/obj

say() { echo "build-kernel: $*" >&2; }
die() { say "error: $*"; exit 1; }

# A line every 30 s while a long step runs (make check shows it: a cold build is ~15 min).
# progress STEP [LOG]: start the ticker (LOG: a file whose line count shows the build's
# progress); progress_end: stop it.
ticker=
progress() {
	progress_end
	local step=$1 log=${2:-} t0=$SECONDS
	( while sleep 30; do
		say "$step: still running after $((SECONDS - t0)) s${log:+ ($(wc -l < "$log" 2>/dev/null || echo 0) lines of $log)}"
	done ) &
	ticker=$!
}
progress_end() { [ -z "$ticker" ] || { kill "$ticker" 2>/dev/null; wait "$ticker" 2>/dev/null || true; ticker=; }; }
trap progress_end EXIT

print_dir_only=
abis=()
for a in "$@"; do
	case "$a" in
	--dir) print_dir_only=1 ;;
	v2|v6|v7|stock) abis+=("$a") ;;
	*) die "unknown argument '$a' (ABIs: v2 v6 v7 stock)" ;;
	esac
done
[ ${#abis[@]} -gt 0 ] || abis=(v6 v2)

[ -f "$TARBALL" ] || die "$TARBALL missing: run 'make deps' (it installs the pinned linux-source-6.12)"
# The series for the installed source version; any other version is refused in one line.
series=$("$HERE/kernel/linux-source.sh" patches 2>&1) || die "${series#linux-source: error: }"
mapfile -t PATCHES <<<"$series"

# --- the key: everything that can change a bzImage -------------------------
tar_id="$(basename "$TARBALL") $(stat -c '%s %Y' "$TARBALL") $(dpkg-query -W -f='${Version}' linux-source-6.12 2>/dev/null || true)"
key=$( {
	echo "$tar_id"
	cat "${PATCHES[@]}" "$FRAGMENT" "$0"
	gcc --version | head -1
	pahole --version
} | sha256sum | cut -c1-16)
KDIR=$CACHE/kernels/$key
if [ -n "$print_dir_only" ]; then echo "$KDIR"; exit 0; fi

# --- the initramfs ---------------------------------------------------------
BUSYBOX=${BUSYBOX:-/bin/busybox}
ikey=$(cat "$BUSYBOX" "$HERE/init.sh" | sha256sum | cut -c1-16)
INITRAMFS=$CACHE/initramfs/$ikey.cpio.gz
if [ ! -f "$INITRAMFS" ]; then
	say "building the busybox initramfs ($INITRAMFS)"
	# ldd's own words (it is in every Debian system; `file` is not): its exit status is 1
	# for a static binary, so it is not piped (under pipefail that failed the check)
	linkage=$(LC_ALL=C ldd "$BUSYBOX" 2>&1 || true)
	[[ $linkage == *"not a dynamic executable"* || $linkage == *"statically linked"* ]] ||
		die "$BUSYBOX is not static (apt-get install busybox-static)"
	stage=$(mktemp -d)
	mkdir -p "$stage"/{bin,dev,proc,sys,tmp,host,etc}
	cp "$BUSYBOX" "$stage/bin/busybox"
	cp "$HERE/init.sh" "$stage/init"
	chmod 755 "$stage/init"
	mkdir -p "$CACHE/initramfs"
	(cd "$stage" && find . | cpio -o -H newc --quiet | gzip -9) > "$INITRAMFS.tmp"
	mv "$INITRAMFS.tmp" "$INITRAMFS"
	rm -rf "$stage"
fi
ln -sfn "$INITRAMFS" "$CACHE/initramfs/current.cpio.gz"

todo=()
for abi in "${abis[@]}"; do
	[ -f "$KDIR/bzImage-$abi" ] && [ -f "$KDIR/vmlinux.h-$abi" ] || todo+=("$abi")
done
if [ ${#todo[@]} -eq 0 ]; then
	say "kernels ${abis[*]} up to date ($KDIR)"
	ln -sfn "$INITRAMFS" "$KDIR/initramfs.cpio.gz"
	echo "$KDIR"
	exit 0
fi

# Several builders must not share the tree at once.
mkdir -p "$LINUX"
exec 9>"$LINUX/lock"
flock 9

# --- the source: extracted once, kept as a git repo ------------------------
if [ "$(cat "$LINUX/src.id" 2>/dev/null)" != "$tar_id" ]; then
	say "extracting $TARBALL into $SRC (once; ~2 min)"
	progress "extracting and recording the source"
	rm -rf "$SRC" "$OBJ"
	mkdir -p "$LINUX/tmp"
	tar -xJf "$TARBALL" -C "$LINUX/tmp"
	mv "$LINUX/tmp"/linux-source-6.12 "$SRC"
	rmdir "$LINUX/tmp"
	say "recording the pristine tree in git"
	git -C "$SRC" init -q
	git -C "$SRC" -c core.excludesFile=/dev/null add -f -A .
	git -C "$SRC" -c user.name=memcgc -c user.email=memcgc@localhost \
		commit -q -m "$(basename "$TARBALL") pristine"
	git -C "$SRC" tag -f pristine >/dev/null
	echo "$tar_id" > "$LINUX/src.id"
	progress_end
fi

# --- the tree an ABI builds from: pristine + the patch series (v2, v6, v7) or
# --- pristine alone (stock), checked out without touching files it does not change
series_commit=
checkout_tree() {
	local commit=pristine
	if [ "$1" != stock ]; then
		[ -n "$series_commit" ] || series_commit=$(make_series_commit)
		commit=$series_commit
	fi
	git -C "$SRC" checkout -q -f --detach "$commit"
	git -C "$SRC" clean -q -f -d
}
make_series_commit() {
	local idx tree
	say "applying ${#PATCHES[@]} patches"
	idx=$(mktemp)
	rm -f "$idx"
	tree=$(
		export GIT_INDEX_FILE=$idx
		git -C "$SRC" read-tree pristine
		git -C "$SRC" apply --cached "${PATCHES[@]}" ||
			{ rm -f "$idx"; die "a patch does not apply"; }
		git -C "$SRC" write-tree
	)
	rm -f "$idx"
	git -C "$SRC" -c user.name=memcgc -c user.email=memcgc@localhost \
		commit-tree "$tree" -p pristine -m "memcgc series $key"
}

# --- configure and build each ABI in the shared build directory -----------
mkdir -p "$OBJ" "$KDIR"
make_k() { nice -n 10 make -C "$SRC" O="$OBJ" "$@"; }

# stock last: the patched tree is checked out once for the others
ordered=()
for abi in "${todo[@]}"; do [ "$abi" = stock ] || ordered+=("$abi"); done
for abi in "${todo[@]}"; do [ "$abi" != stock ] || ordered+=("$abi"); done
for abi in "${ordered[@]}"; do
	ABI=$(echo "$abi" | tr a-z A-Z)
	checkout_tree "$abi"
	# what this ABI's kernel must have (and stock must not): options and BTF types
	if [ "$abi" = stock ]; then
		say "[$abi] configuring: tinyconfig + vm.config, no patches"
		need=() absent=("struct memcg_bpf_ops {" "struct trace_event_raw_memcg_rstat_events {")
	else
		say "[$abi] configuring: tinyconfig + vm.config + MEMCG_BPF_OPS_ABI_$ABI"
		need=(MEMCG_BPF_OPS MEMCG_BPF_OPS_ABI_$ABI) absent=()
	fi
	frag=$(mktemp)
	{
		grep -v '^CONFIG_MEMCG_BPF_OPS' "$FRAGMENT"
		[ "$abi" = stock ] || echo "CONFIG_MEMCG_BPF_OPS=y"
		for other in V2 V6 V7; do
			if [ "$other" = "$ABI" ]; then echo "CONFIG_MEMCG_BPF_OPS_ABI_$other=y"
			elif [ "$abi" != stock ]; then echo "# CONFIG_MEMCG_BPF_OPS_ABI_$other is not set"; fi
		done
	} > "$frag"
	make_k -s tinyconfig >/dev/null
	(cd "$SRC" && ./scripts/kconfig/merge_config.sh -m -O "$OBJ" "$OBJ/.config" "$frag") \
		> "$KDIR/config-$abi.log" 2>&1
	make_k -s olddefconfig >/dev/null
	rm -f "$frag"
	# Options the VM and the tests rely on: fail here, not in the guest.
	for opt in "${need[@]}" DEBUG_INFO_BTF BPF_JIT \
		BPF_EVENTS CGROUP_BPF MEMCG SWAP ZRAM 9P_FS NET_9P_VIRTIO VIRTIO_PCI ACPI; do
		grep -q "^CONFIG_$opt=y" "$OBJ/.config" ||
			die "[$abi] CONFIG_$opt did not stick (see $KDIR/config-$abi.log)"
	done

	start=$(date +%s)
	if [ -f "$OBJ/vmlinux" ]; then
		say "[$abi] building bzImage (incremental; a cold build takes ~16 min on 2 cores)"
	else
		say "[$abi] building bzImage from scratch (~16 min on 2 busy cores)"
	fi
	log=$KDIR/build-$abi.log
	# Show progress: the link/BTF stages and every 100th line of the build.
	set +e
	progress "[$abi] building bzImage" "$log"
	make_k -j"$JOBS" bzImage 2>&1 | tee "$log" |
		awk '/ (LD|BTF|OBJCOPY|BUILD) / || NR % 100 == 0 { print "build-kernel:   " $0; fflush() }' >&2
	rc=${PIPESTATUS[0]}
	progress_end
	set -e
	if [ "$rc" != 0 ]; then
		grep -E "error|Error" "$log" | head -20 >&2
		die "[$abi] kernel build failed (log: $log)"
	fi
	say "[$abi] built in $(( $(date +%s) - start ))s"

	cp "$OBJ/arch/x86/boot/bzImage" "$KDIR/bzImage-$abi.tmp"
	cp "$OBJ/.config" "$KDIR/config-$abi"
	bpftool btf dump file "$OBJ/vmlinux" format c > "$KDIR/vmlinux.h-$abi.tmp"
	if [ "$abi" != stock ]; then
		grep -q "struct memcg_bpf_ops {" "$KDIR/vmlinux.h-$abi.tmp" ||
			die "[$abi] struct memcg_bpf_ops missing from the kernel's BTF"
	fi
	for type in "${absent[@]}"; do
		! grep -qF "$type" "$KDIR/vmlinux.h-$abi.tmp" ||
			die "[$abi] ${type% \{} is in the kernel's BTF: the stock kernel has none of the patches"
	done
	mv "$KDIR/vmlinux.h-$abi.tmp" "$KDIR/vmlinux.h-$abi"
	mv "$KDIR/bzImage-$abi.tmp" "$KDIR/bzImage-$abi"
done

ln -sfn "$INITRAMFS" "$KDIR/initramfs.cpio.gz"
say "kernels in $KDIR"
echo "$KDIR"
