#!/bin/sh
# tests/codegen: build the hand-made BPF object with the LLVM-C layer (twice), inspect
# it with bpftool and llvm-objdump, then load and run it on this kernel (root).
# Usage: tests/codegen/run-codegen.sh BUILD_DIR. Prints PASS/FAIL/SKIP lines.
BUILD=${1:-build}
TEST=$BUILD/tests/codegen/codegen-test
SRC=tests/codegen/pgscan.mcp
OBJDUMP=${LLVM_OBJDUMP:-llvm-objdump-19}
OUT=$(mktemp -d /tmp/memcgc-codegen.XXXXXX) || exit 1
trap 'rm -rf "$OUT"' EXIT INT TERM

# check CMD...: run a step of codegen-test; it prints its own FAIL lines and exits 1
# after them, so any other non-zero status (a crash, a signal) is reported here.
check() {
	"$TEST" "$@"
	rc=$?
	[ $rc -le 1 ] || echo "FAIL codegen-test-$1: exited with status $rc"
}

if [ ! -x "$TEST" ]; then
	echo "FAIL codegen-test: $TEST is not built (make $TEST)"
	exit 1
fi

"$TEST" emit "$SRC" "$OUT/a.o" || { echo "FAIL emit: see above"; exit 1; }
"$TEST" emit "$SRC" "$OUT/b.o" >/dev/null
if cmp -s "$OUT/a.o" "$OUT/b.o"; then echo "PASS emit-twice-two-processes"
else echo "FAIL emit-twice-two-processes: objects differ"; fi

# expect NAME FILE PATTERN...: every pattern (extended regex) matches a line of FILE.
# Type ids are matched as [0-9]+: they move whenever the object gains a type.
expect() {
	name=$1 file=$2
	shift 2
	for pattern in "$@"; do
		if ! grep -qE -- "$pattern" "$file"; then
			echo "FAIL $name: no \"$pattern\""
			sed 's/^/  | /' "$file" | head -40
			return
		fi
	done
	echo "PASS $name"
}

if bpftool btf dump file "$OUT/a.o" >"$OUT/btf.txt" 2>&1; then
	expect bpftool-btf "$OUT/btf.txt" \
		"STRUCT 'trace_event_raw_memcg_rstat_events' size=32 vlen=4" \
		"'val' type_id=[0-9]+ bits_offset=192" \
		"ENUM 'vm_event_item' encoding=UNSIGNED size=4 vlen=15" \
		"'PGSCAN_ANON' val=13" "'MEMCGC_NO_SUCH_EVENT' val=14" \
		"STRUCT 'memcg_bpf_ops' size=40 vlen=5" \
		"'get_high_delay_ms' type_id=" \
		"STRUCT 'mem_cgroup' size=8 vlen=1" \
		"FUNC 'count_scan' type_id=[0-9]+ linkage=static" \
		"FUNC 'count_memcg_events'" "FUNC 'test_count'" "FUNC 'test_events'" "FUNC 'policy_below_low'" \
		"DATASEC '.maps' size=0 vlen=5" "DATASEC '.rodata' size=0 vlen=2" \
		"DATASEC '.struct_ops.link' size=0 vlen=1" "VAR 'scan_weight'"
else
	echo "FAIL bpftool-btf: bpftool btf dump failed"; sed 's/^/  | /' "$OUT/btf.txt"
fi

"$OBJDUMP" -h "$OUT/a.o" >"$OUT/sections.txt"
expect elf-sections "$OUT/sections.txt" " tp/memcg/count_memcg_events " \
	" tp_btf/count_memcg_events " " syscall " " struct_ops/get_high_delay_ms " \
	" struct_ops/below_low " " \.struct_ops\.link " " \.rel\.struct_ops\.link " " \.maps " \
	" \.rodata " " license " " \.memcgc\.meta " " \.BTF " " \.BTF\.ext "
if grep -q "eh_frame" "$OUT/sections.txt"; then echo "FAIL no-eh-frame: .eh_frame present"
else echo "PASS no-eh-frame"; fi

"$OBJDUMP" -dr "$OUT/a.o" >"$OUT/disasm.txt"
expect objdump-core-relocations "$OUT/disasm.txt" \
	"CO-RE <byte_off> \[[0-9]+\] struct trace_event_raw_memcg_rstat_events::item" \
	"CO-RE <byte_off> \[[0-9]+\] struct mem_cgroup::css\.cgroup \(0:0:0\)" \
	"CO-RE <byte_off> \[[0-9]+\] struct kernfs_node::id" \
	"CO-RE <enumval_value> \[[0-9]+\] enum vm_event_item::PGSCAN_KSWAPD" \
	"R_BPF_64_64	pgscan" "R_BPF_64_32	.text"

"$OBJDUMP" -s -j .memcgc.meta "$OUT/a.o" >"$OUT/meta.txt"
expect metadata-section "$OUT/meta.txt" "memcgc-meta v1\."

check btfext "$OUT/a.o"
check abis "$SRC" "$OUT"
check errors "$SRC"

if "$TEST" fatal "$SRC" 2>"$OUT/fatal.txt" &&
   grep -q "memcgc: $SRC: internal error in LLVM code generation: Cannot select" "$OUT/fatal.txt"
then echo "PASS llvm-fatal-error-names-input"
else echo "FAIL llvm-fatal-error-names-input: see below"; sed 's/^/  | /' "$OUT/fatal.txt"; fi

# In process (lb_options.in_process, what memcgc uses): the same bytes as from the child,
# one emission per module, and a fatal error ends the process with the message.
if check emit-here "$SRC" "$OUT/here.o"; then
	if cmp -s "$OUT/a.o" "$OUT/here.o"; then echo "PASS emit-in-process-same-bytes"
	else echo "FAIL emit-in-process-same-bytes: objects differ"; fi
fi
check once-here "$SRC"
# in_process_failure NAME MODE TEXT: the test program's MODE ends with status 3 and the
# internal-error line naming the input, with TEXT
in_process_failure() {
	"$TEST" "$2" "$SRC" 2>"$OUT/$2.txt"
	local rc=$?
	if [ $rc -eq 3 ] &&
	   grep -q "memcgc: $SRC: internal error in LLVM code generation: $3" "$OUT/$2.txt"
	then echo "PASS $1"
	else echo "FAIL $1: status $rc, see below"; sed 's/^/  | /' "$OUT/$2.txt"; fi
}
in_process_failure llvm-fatal-error-in-process-names-input fatal-here "Cannot select"
in_process_failure llvm-crash-in-process-names-input crash-here "segmentation fault"

check load "$OUT/a.o"
check structops "$SRC"

# The O0 pipeline must lower CO-RE too, and its (unoptimised) code must pass the verifier.
if "$TEST" emit "$SRC" "$OUT/o0.o" 0 >"$OUT/o0-emit.txt"; then
	check load "$OUT/o0.o" >"$OUT/o0-load.txt"
	sed 's/^\(PASS\|FAIL\|SKIP\) /\1 O0-/' "$OUT/o0-load.txt"
else
	echo "FAIL O0-emit: see below"; sed 's/^/  | /' "$OUT/o0-emit.txt"
fi
exit 0
