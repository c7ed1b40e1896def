#!/bin/bash
# memcgc reads any readable file or pipe, `-` for standard input, with the 16 MiB limit
# (issue 12): /dev/stdin failed ("Invalid argument") and /proc/self/status read as empty.
# Diagnostics of a CRLF file echo its lines without the carriage return.
# usage: run-files.sh MEMCGC WORKDIR
set -u
memcgc=$1 work=$2
mkdir -p "$work"
policy=$'cgroup a\nwhen pgscan(a) > 1/s: protect_low(a)\n'
# check NAME WANT_STATUS WANT_TEXT (stdin from $input) ARGS...
check() {
	local name=$1 want=$2 text=$3; shift 3
	local out status
	out=$(printf '%s' "$input" | "$memcgc" "$@" 2>&1); status=$?
	if [ "$status" = "$want" ] && grep -qF -- "$text" <<<"$out"; then echo "PASS files/$name"
	else echo "FAIL files/$name: exit $status (want $want), output lacks '$text'"; head -5 <<<"$out" | sed 's/^/  /'; fi
}
input=$policy
check dash-is-stdin 0 "" --check -
check dev-stdin 0 "" --check /dev/stdin
check emit-meta-from-stdin 0 "policy \"-\"" --emit=meta -
input=""
check proc-file-is-read 1 "/proc/self/status:1:1: error:" --check /proc/self/status
check directory 2 "cannot read '$work': Is a directory" --check "$work"
head -c 17000000 /dev/zero | tr '\0' '#' >"$work/big.mcp"
check too-large 2 "cannot read '$work/big.mcp': File too large" --check "$work/big.mcp"
out=$(head -c 17000000 /dev/zero | tr '\0' '#' | "$memcgc" --check - 2>&1); status=$?
if [ $status = 2 ] && grep -qF "File too large" <<<"$out"; then echo "PASS files/too-large-pipe"
else echo "FAIL files/too-large-pipe: exit $status: $out"; fi
printf 'cgroup a\r\nwhen pgscan(a) > 100: protect_low(a)\r\n' >"$work/crlf.mcp"
out=$("$memcgc" --check "$work/crlf.mcp" 2>&1)
if grep -q "when pgscan(a) > 100: protect_low(a)$" <<<"$out" && ! grep -q $'\r' <<<"$out"; then
	echo "PASS files/crlf-echo"
else echo "FAIL files/crlf-echo: a carriage return in the output"; cat -A <<<"$out" | head -4 | sed 's/^/  /'; fi
rm -f "$work/big.mcp"
# The gutter stays aligned from line 100,000 on.
{ echo "cgroup a"; head -c 100000 /dev/zero | tr '\0' '\n'; echo "when pgscan(a) > 1: protect_low(a)"; } >"$work/long.mcp"
out=$("$memcgc" --check "$work/long.mcp" 2>&1)
src=$(sed -n 2p <<<"$out") caret=$(sed -n 3p <<<"$out")
if [ "$(expr index "$src" '|')" -gt 0 ] && [ "$(expr index "$src" '|')" = "$(expr index "$caret" '|')" ]; then
	echo "PASS files/gutter-line-100002"
else echo "FAIL files/gutter-line-100002: the caret line is not under the source line"; head -3 <<<"$out" | sed 's/^/  /'; fi
rm -f "$work/long.mcp"
# A define's parameter can name the event (issue 12): ev(svc, PGSCAN_DIRECT) compiles to the
# same code as event(svc, PGSCAN_DIRECT); only the metadata's source text differs.
ir() { printf '%s' "$1" | "$memcgc" --emit=llvm -o - - 2>&1 | grep -v 'memcgc_meta'; }
direct=$(ir $'cgroup svc\nwhen event(svc, PGSCAN_DIRECT) > 1/s: protect_low(svc)\n')
via=$(ir $'cgroup svc\ndefine ev(cg, name) = event(cg, name)\nwhen ev(svc, PGSCAN_DIRECT) > 1/s: protect_low(svc)\n')
if grep -q 'define' <<<"$direct" && [ "$direct" = "$via" ]; then echo "PASS files/define-event-parameter"
else echo "FAIL files/define-event-parameter: the IR differs"; diff <(echo "$direct") <(echo "$via") | head -5 | sed 's/^/  /'; fi
# The uninstalled memcgc's standard library (issue 12): a directory `stdlib` holding
# tiers.mcp, one then two levels above the executable's directory, nothing else needed
# (no grammar/ beside it). The `cannot find` hint names the directory in use.
tree=$(realpath "$(mktemp -d "$work/stdlib-tree.XXXXXX")")
mkdir -p "$tree/a/b" "$tree/stdlib"
cp "$memcgc" "$tree/a/b/memcgc"
stdlib_hint() { printf 'import "absent.mcp"\n' | "$1" --check - 2>&1 | grep '^hint: imports'; }
: >"$tree/stdlib/tiers.mcp"
if stdlib_hint "$tree/a/b/memcgc" | grep -qF "standard library ($tree/stdlib)"; then
	echo "PASS files/stdlib-two-levels-up"
else echo "FAIL files/stdlib-two-levels-up: $(stdlib_hint "$tree/a/b/memcgc")"; fi
mkdir -p "$tree/a/stdlib"
: >"$tree/a/stdlib/signals.mcp"
if stdlib_hint "$tree/a/b/memcgc" | grep -qF "standard library ($tree/stdlib)"; then
	echo "PASS files/stdlib-needs-tiers"
else echo "FAIL files/stdlib-needs-tiers: $(stdlib_hint "$tree/a/b/memcgc")"; fi
: >"$tree/a/stdlib/tiers.mcp"
if stdlib_hint "$tree/a/b/memcgc" | grep -qF "standard library ($tree/a/stdlib)"; then
	echo "PASS files/stdlib-one-level-up-first"
else echo "FAIL files/stdlib-one-level-up-first: $(stdlib_hint "$tree/a/b/memcgc")"; fi
rm -rf "$tree"
