#!/bin/bash
# The kernel source pin (linux-source.sh, build-kernel.sh) against fake package tools: a
# newer version installed, the pinned one offered or gone from the registry, an untested
# one installed. Nothing is installed: apt-get, apt-cache and dpkg-query are stand-ins.
set -u
here=$(cd "$(dirname "$0")" && pwd)
tool=$here/linux-source.sh
work=$(mktemp -d /tmp/memcgc-pin.XXXXXX)
trap 'rm -rf "$work"' EXIT
mapfile -t tested < <("$tool" versions)
first=${tested[0]} second=${tested[1]:-}

pass() { echo "PASS deps-pin/$1"; }
fail() { echo "FAIL deps-pin/$1: $2"; shift 2; for l in "$@"; do echo "  $l"; done; }

# fake INSTALLED OFFERED...: the stand-ins report INSTALLED (or none: "") and offer OFFERED
fake() {
	local installed=$1; shift
	cat > "$work/dpkg-query" <<EOF
#!/bin/sh
[ -n "$installed" ] && echo "installed $installed"
EOF
	{ echo '#!/bin/sh'; for v in "$@"; do echo "echo ' linux-source-6.12 | $v | http://deb.example/debian bookworm-security/main amd64 Packages'"; done; } > "$work/apt-cache"
	printf '#!/bin/sh\necho "$@" >> %s/apt-get.log\n' "$work" > "$work/apt-get"
	chmod +x "$work"/dpkg-query "$work"/apt-cache "$work"/apt-get
	rm -f "$work/apt-get.log"
}
run() { DPKG_QUERY=$work/dpkg-query APT_CACHE=$work/apt-cache APT_GET=$work/apt-get "$@"; }

# a newer, untested version installed: the pinned one is installed over it (a downgrade)
fake 6.12.999-1~deb12u1 6.12.999-1~deb12u1 "${tested[@]}"
out=$(run "$tool" install 2>&1); st=$?
if [ $st = 0 ] && grep -qx -- "install -y -q --allow-downgrades linux-source-6.12=$first" "$work/apt-get.log"; then
	pass downgrades-newer
else fail downgrades-newer "exit $st" "$out" "$(cat "$work/apt-get.log" 2>/dev/null)"; fi

# the pinned version installed: nothing to do
fake "$first" "$first"
out=$(run "$tool" install 2>&1); st=$?
if [ $st = 0 ] && [ ! -e "$work/apt-get.log" ]; then pass pinned-kept
else fail pinned-kept "exit $st, apt-get called" "$out"; fi

# the preferred version gone from the registry: the fallback is installed
if [ -n "$second" ]; then
	fake "" 6.12.999-1~deb12u1 "$second"
	out=$(run "$tool" install 2>&1); st=$?
	if [ $st = 0 ] && grep -qx -- "install -y -q --allow-downgrades linux-source-6.12=$second" "$work/apt-get.log"; then
		pass fallback-installed
	else fail fallback-installed "exit $st" "$out"; fi
fi

# no tested version offered: one line naming what is tested, what is offered, the fix
fake 6.12.999-1~deb12u1 6.12.999-1~deb12u1 6.12.100-1~deb12u1
out=$(run "$tool" install 2>&1); st=$?
want="linux-source: error: no tested linux-source-6.12 is offered by the package registry (tested: $(IFS=,; echo "${tested[*]}" | sed 's/,/, /g'); offered: 6.12.999-1~deb12u1, 6.12.100-1~deb12u1); rebase the series onto an offered version as tests/vm/README.md (\"When Debian moves\") says"
if [ $st = 1 ] && [ "$out" = "$want" ] && [ ! -e "$work/apt-get.log" ]; then pass none-offered-one-line
else fail none-offered-one-line "exit $st" "got:  $out" "want: $want"; fi

# build-kernel.sh refuses an untested installed version in one line, before any work
fake 6.12.999-1~deb12u1
: > "$work/linux-source-6.12.tar.xz"
out=$(run env KERNEL_SOURCE_TAR="$work/linux-source-6.12.tar.xz" MEMCGC_CACHE="$work/cache" \
	"$here/../build-kernel.sh" v2 2>&1); st=$?
want="build-kernel: error: linux-source-6.12 6.12.999-1~deb12u1 is installed; the patch series is tested against $(IFS=,; echo "${tested[*]}" | sed 's/,/, /g'): run 'make deps' (apt-get install --allow-downgrades linux-source-6.12=$first)"
if [ $st = 1 ] && [ "$out" = "$want" ] && [ ! -e "$work/cache/linux-6.12" ]; then pass build-refuses-untested
else fail build-refuses-untested "exit $st" "got:  $out" "want: $want"; fi

# each tested version gets a complete series: every patch of patches/, some replaced
for v in "${tested[@]}"; do
	fake "$v"
	series=$(run "$tool" patches 2>&1); st=$?
	n=$(ls "$here"/patches/*.patch | wc -l)
	missing=$(while read -r p; do [ -f "$p" ] || echo "$p"; done <<<"$series")
	if [ $st = 0 ] && [ "$(wc -l <<<"$series")" = "$n" ] && [ -z "$missing" ] &&
	   [ "$(xargs -n1 basename <<<"$series")" = "$(ls "$here"/patches/ | grep '\.patch$')" ]; then
		pass "series-$v"
	else fail "series-$v" "exit $st" "$series"; fi
done
