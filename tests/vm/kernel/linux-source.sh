#!/bin/bash
# The pinned Debian kernel source the patch series applies to (see source-versions).
#
#   linux-source.sh install   install a tested linux-source-6.12 unless one is installed
#                             (make deps); downgrades a newer one
#   linux-source.sh patches   print the patch series for the installed version, one path a
#                             line (build-kernel.sh); refuses an untested version
#   linux-source.sh versions  print the tested versions, preferred first
#
# Each failure is one line naming the versions found, the versions wanted and the command
# that fixes it. APT_CACHE and DPKG_QUERY name the tools (the tests put fakes there).
set -euo pipefail

HERE=$(cd "$(dirname "$0")" && pwd)
PKG=linux-source-6.12
APT_CACHE=${APT_CACHE:-apt-cache}
DPKG_QUERY=${DPKG_QUERY:-dpkg-query}
APT_GET=${APT_GET:-apt-get}

die() { echo "linux-source: error: $*" >&2; exit 1; }

versions() { awk '!/^#/ && NF { print $1 }' "$HERE/source-versions"; }
override_dir() { awk -v v="$1" '!/^#/ && $1 == v { print $2 }' "$HERE/source-versions"; }
installed() {
	"$DPKG_QUERY" -W -f='${db:Status-Status} ${Version}\n' "$PKG" 2>/dev/null |
		awk '$1 == "installed" { print $2 }' || true   # dpkg-query fails for an unknown package
}
wanted() { versions | paste -sd, - | sed 's/,/, /g'; }
tested() { versions | grep -qxF -- "$1"; }
offered() { "$APT_CACHE" madison "$PKG" 2>/dev/null | awk -F'|' '{ gsub(/ /, "", $2); print $2 }'; }

install() {
	local have v list
	have=$(installed)
	if [ -n "$have" ] && tested "$have"; then
		echo "linux-source: $PKG $have installed (tested)"
		return
	fi
	list=$(offered)
	for v in $(versions); do
		if grep -qxF -- "$v" <<<"$list"; then
			echo "linux-source: installing $PKG=$v${have:+ (replacing $have, which the patch series is not tested against)}"
			DEBIAN_FRONTEND=noninteractive "$APT_GET" install -y -q --allow-downgrades "$PKG=$v"
			return
		fi
	done
	list=$(echo $list | sed 's/ /, /g')
	die "no tested $PKG is offered by the package registry (tested: $(wanted); offered: ${list:-none}); rebase the series onto an offered version as tests/vm/README.md (\"When Debian moves\") says"
}

patches() {
	local have dir p
	have=$(installed)
	[ -n "$have" ] || die "$PKG is not installed; the patch series is tested against $(wanted): run 'make deps' (apt-get install $PKG=$(versions | head -1))"
	tested "$have" || die "$PKG $have is installed; the patch series is tested against $(wanted): run 'make deps' (apt-get install --allow-downgrades $PKG=$(versions | head -1))"
	dir=$(override_dir "$have")
	for p in "$HERE"/patches/*.patch; do
		if [ "$dir" != - ] && [ -f "$HERE/$dir/$(basename "$p")" ]; then echo "$HERE/$dir/$(basename "$p")"
		else echo "$p"; fi
	done
}

case "${1:-}" in
install) install ;;
patches) patches ;;
versions) versions ;;
*) echo "usage: linux-source.sh install|patches|versions" >&2; exit 2 ;;
esac
