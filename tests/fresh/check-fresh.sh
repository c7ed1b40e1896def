#!/bin/bash
# make check-fresh: the README's two commands on a fresh Debian 12 machine, as a new user
# runs them. A minimal Debian 12 root (debootstrap, from the package registry this machine
# reaches, with this machine's apt sources), git and make installed and nothing else; a
# clone of the repository's committed HEAD; then `make demo` and `make check` in a chroot
# with /proc, /sys (cgroups, BPF, tracefs), /dev bound in. Each step's wall time and the
# test summary line are printed at the end and kept in OUT/summary.
#
#   tests/fresh/check-fresh.sh REPO OUT [--host-cache] [--keep] [--before CMD] [--step 'MAKE ARGS']...
#
#   --host-cache   bind this machine's kernel cache (/var/cache/memcgc) into the root
#                  instead of starting from an empty one (a cold build: ~20 min more)
#   --keep         keep the root afterwards (OUT/root) for a look inside
#   --step ARGS    a make command line to run (repeatable, in order; default: `make demo`,
#                  then `make check`)
#   --before CMD   a shell command run in the root after the clone, before the steps (e.g.
#                  `apt-get install -y linux-source-6.12`: a newer kernel source installed
#                  before the user's first `make`)
#
# The debootstrap output itself (Debian's base packages, nothing of ours) is cached as a
# tarball in /var/cache/memcgc/fresh so that a rerun does not fetch it again; every run
# unpacks it into a new root. Run as root.
set -euo pipefail

repo=$(cd "$1" && pwd); out=$2; shift 2
host_cache= keep= before= steps=()
while [ $# -gt 0 ]; do
	case "$1" in
	--host-cache) host_cache=1 ;;
	--keep) keep=1 ;;
	--step) steps+=("$2"); shift ;;
	--before) before=$2; shift ;;
	*) echo "check-fresh: unknown option '$1'" >&2; exit 2 ;;
	esac
	shift
done
[ ${#steps[@]} -gt 0 ] || steps=(demo check)
[ "$(id -u)" = 0 ] || { echo "check-fresh: error: needs root (debootstrap, chroot, mounts)" >&2; exit 1; }

say() { echo "check-fresh: $*"; }
CACHE=${MEMCGC_CACHE:-/var/cache/memcgc}
base=$CACHE/fresh/bookworm-minbase.tar
root=$out/root
mkdir -p "$out"
out=$(cd "$out" && pwd); root=$out/root

# --- the mounts, undone on every exit -------------------------------------
mounted=()
bind() { mkdir -p "$root$2"; mount "${@:3}" "$1" "$root$2"; mounted=("$root$2" "${mounted[@]}"); }
cleanup() {
	local m
	for m in "${mounted[@]}"; do umount -R -l "$m" 2>/dev/null || true; done
	mounted=()
	if [ -z "$keep" ] && [ -d "$root" ]; then rm -rf --one-file-system "$root"; fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# --- a minimal Debian 12 root ----------------------------------------------
mirror() {   # the main archive this machine's apt uses (not the security one)
	{ grep -hs '^URIs:' /etc/apt/sources.list.d/*.sources | awk '{ for (i = 2; i <= NF; i++) print $i }'
	  grep -hs '^deb ' /etc/apt/sources.list /etc/apt/sources.list.d/*.list | awk '{ print $2 }'; } |
		grep -v security | head -1 || true
}
if [ ! -f "$base" ]; then
	command -v debootstrap >/dev/null || {
		say "installing debootstrap on this machine"
		DEBIAN_FRONTEND=noninteractive apt-get install -y -q debootstrap >/dev/null ||
			{ apt-get update -q >/dev/null && DEBIAN_FRONTEND=noninteractive apt-get install -y -q debootstrap >/dev/null; }
	}
	m=$(mirror)
	[ -n "$m" ] || { echo "check-fresh: error: no Debian archive in this machine's apt sources" >&2; exit 1; }
	say "debootstrap --variant=minbase bookworm from $m (once; cached in $base)"
	tmp=$CACHE/fresh/tmp.$$
	rm -rf "$tmp"; mkdir -p "$tmp"
	debootstrap --variant=minbase bookworm "$tmp" "$m" > "$CACHE/fresh/debootstrap.log" 2>&1 ||
		{ tail -20 "$CACHE/fresh/debootstrap.log" >&2; rm -rf "$tmp"; exit 1; }
	tar -C "$tmp" -cf "$base.tmp" . && mv "$base.tmp" "$base"
	rm -rf "$tmp"
fi
rm -rf --one-file-system "$root"; mkdir -p "$root"
tar -C "$root" -xf "$base"

# This machine's apt sources (the same registry), DNS, and no daemons started by installs.
rm -f "$root"/etc/apt/sources.list "$root"/etc/apt/sources.list.d/*
cp /etc/apt/sources.list.d/*.sources "$root/etc/apt/sources.list.d/" 2>/dev/null || true
[ -f /etc/apt/sources.list ] && cp /etc/apt/sources.list "$root/etc/apt/"
cp -L /etc/resolv.conf "$root/etc/resolv.conf"
printf '#!/bin/sh\nexit 101\n' > "$root/usr/sbin/policy-rc.d"; chmod 755 "$root/usr/sbin/policy-rc.d"

mount -t proc proc "$root/proc"; mounted=("$root/proc" "${mounted[@]}")
bind /sys /sys --rbind; mount --make-rslave "$root/sys"
bind /dev /dev --rbind; mount --make-rslave "$root/dev"
mountpoint -q "$root/sys/fs/bpf" || { mount -t bpf bpf "$root/sys/fs/bpf"; mounted=("$root/sys/fs/bpf" "${mounted[@]}"); }
if [ -n "$host_cache" ]; then bind "$CACHE" /var/cache/memcgc --bind; fi

in_root() { chroot "$root" /usr/bin/env -i HOME=/root PATH=/usr/sbin:/usr/bin:/sbin:/bin \
	LANG=C.UTF-8 TERM=dumb ${CI:+CI=$CI} /bin/bash -c "$1"; }

# --- the new user: git and make, a clone, the README's commands -----------
say "installing git and make in the fresh root"
in_root 'apt-get update -q >/dev/null && DEBIAN_FRONTEND=noninteractive apt-get install -y -q git make ca-certificates >/dev/null'
head=$(git -C "$repo" rev-parse HEAD)
say "cloning $repo at $(git -C "$repo" rev-parse --short HEAD)"
git clone -q --no-local "$repo" "$root/root/memcgc"
git -C "$root/root/memcgc" checkout -q "$head"

if [ -n "$before" ]; then
	say "before the steps: $before"
	set +e
	in_root "cd /root/memcgc && $before" 2>&1 | tail -3
	rc=${PIPESTATUS[0]}
	set -e
	[ "$rc" = 0 ] || { say "error: the --before command failed (exit $rc)"; exit 1; }
fi

summary=$out/summary
cache=fresh; [ -z "$host_cache" ] || cache="host (bound)"
{ echo "commit $head"; echo "kernel cache: $cache"; [ -z "$before" ] || echo "before: $before"; } > "$summary"
status=0
n=0
for step in "${steps[@]}"; do
	n=$((n + 1)); log=$out/step$n.log
	say "make $step (log: $log)"
	t0=$(date +%s)
	set +e
	in_root "cd /root/memcgc && make $step" 2>&1 | tee "$log" |
		grep --line-buffered -E '^(check-fresh|build-kernel|deps|linux-source|\[|[0-9]+ passed|  (FAIL|SKIP|\[[^]]*\] build-kernel))'
	rc=${PIPESTATUS[0]}   # (no `|| true` here: it would run under pipefail and reset PIPESTATUS)
	set -e
	secs=$(( $(date +%s) - t0 ))
	line=$(grep -E '^[0-9]+ passed, [0-9]+ failed' "$log" | tail -1 || true)
	echo "make $step: exit $rc, $((secs / 60)) min $((secs % 60)) s${line:+, $line}" | tee -a "$summary"
	[ "$rc" = 0 ] || { status=1; break; }
done
say "summary:"; sed 's/^/  /' "$summary"
exit $status
