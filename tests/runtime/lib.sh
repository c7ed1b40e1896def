# Sourced by the host suites of memcg-run (run-runtime.sh, run-hostile.sh, run-record.sh)
# after they set SUITE (the prefix of their PASS/FAIL lines, tests/run.py's convention).

pass() { echo "PASS $SUITE/$1${2:+ ($2)}"; }
fail() { echo "FAIL $SUITE/$1: $2"; shift 2; for l in "$@"; do echo "  $l"; done; }
# check NAME WANT_STATUS WANT_TEXT COMMAND...: status and a line of output (stdout+stderr)
check() {
	local name=$1 want=$2 text=$3; shift 3
	local out status
	out=$("$@" 2>&1); status=$?
	if [ "$status" = "$want" ] && grep -qF -- "$text" <<<"$out"; then pass "$name"
	else fail "$name" "exit $status (want $want), output lacks '$text'" "$(head -5 <<<"$out" | cut -c1-300)"; fi
}
# wait_for FILE REGEX SECONDS: until a line of FILE matches (0), or time runs out (1)
wait_for() {
	local i
	for ((i = 0; i < $3 * 20; i++)); do grep -qE -- "$2" "$1" 2>/dev/null && return 0; sleep 0.05; done
	return 1
}
