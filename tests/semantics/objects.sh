#!/bin/sh
# Every example and standard-library policy compiles to an object that is the same byte
# for byte when built twice, whose BTF has the types memcg-run reads, that the verifier
# accepts on this kernel (the tracepoint attaches), and whose hooks libbpf refuses cleanly
# on a kernel without memcg_bpf_ops.
# usage: objects.sh MEMCGC SEMANTICS_TEST WORKDIR
memcgc=$1 tester=$2 work=$3
root=$(cd "$(dirname "$0")/../.." && pwd)
mkdir -p "$work"
objects=
for policy in "$root"/examples/*.mcp "$root"/stdlib/*.mcp; do
	name=$(basename "$policy" .mcp)
	obj="$work/$name.o"
	if ! "$memcgc" -o "$obj" "$policy" 2>"$work/$name.err"; then
		echo "FAIL compiles $name: $(head -1 "$work/$name.err")"
		continue
	fi
	echo "PASS compiles $name"
	"$memcgc" -o "$obj.again" "$policy" 2>/dev/null
	if cmp -s "$obj" "$obj.again"; then echo "PASS byte-identical $name"
	else echo "FAIL byte-identical $name: two builds differ"; fi
	if bpftool btf dump file "$obj" 2>/dev/null | grep -q "STRUCT 'memcgc_rule_state'" &&
	   bpftool btf dump file "$obj" | grep -q "DATASEC '.maps'"; then
		echo "PASS btf $name"
	else
		echo "FAIL btf $name: bpftool btf dump lacks the rule state or the maps"
	fi
	objects="$objects $obj"
done
# shellcheck disable=SC2086
"$tester" --load $objects
