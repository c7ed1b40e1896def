#!/usr/bin/env python3
"""Run test suites and add up their results.

Each suite is a shell command that prints one line per test case:
    PASS <name>
    FAIL <name>: <reason>        (indented lines after it are shown as detail)
    SKIP <name>: <reason>
Anything else it prints is shown only when the suite fails. A suite that exits non-zero
without printing a FAIL line counts as one failed case, so a crash is never silent.
The last line is the total, in the form `N passed, N failed, N skipped`.
"""
import subprocess
import sys
import time

def run_suite(name, command):
    started = time.monotonic()
    proc = subprocess.run(command, shell=True, stdout=subprocess.PIPE,
                          stderr=subprocess.STDOUT, text=True, errors="replace")
    counts = {"PASS": 0, "FAIL": 0, "SKIP": 0}
    shown = []
    for line in proc.stdout.splitlines():
        word = line.split(" ", 1)[0]
        if word in counts:
            counts[word] += 1
        if word in ("FAIL", "SKIP") or (shown and line.startswith("  ") and shown[-1][0] == "FAIL"):
            shown.append((word if word in counts else "FAIL", line))
    if proc.returncode != 0 and counts["FAIL"] == 0:
        counts["FAIL"] += 1
        shown.append(("FAIL", f"FAIL {name}: exited with status {proc.returncode}"))
        shown.extend(("FAIL", "  " + l) for l in proc.stdout.splitlines()[-30:])
    seconds = time.monotonic() - started
    print(f"[{name}] {counts['PASS']} passed, {counts['FAIL']} failed, "
          f"{counts['SKIP']} skipped ({seconds:.1f}s)", flush=True)
    for _, line in shown:
        print("  " + line, flush=True)
    return counts

def main(argv):
    if len(argv) < 2 or len(argv) % 2 == 0:
        sys.exit("usage: run.py NAME COMMAND [NAME COMMAND ...]")
    total = {"PASS": 0, "FAIL": 0, "SKIP": 0}
    for name, command in zip(argv[1::2], argv[2::2]):
        for k, v in run_suite(name, command).items():
            total[k] += v
    print(f"{total['PASS']} passed, {total['FAIL']} failed, {total['SKIP']} skipped")
    return 1 if total["FAIL"] or total["PASS"] == 0 else 0

if __name__ == "__main__":
    sys.exit(main(sys.argv))
