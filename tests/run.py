#!/usr/bin/env python3
"""Run test suites and add up their results.

Each suite is a shell command that prints one line per test case:
    PASS <name>[ (<detail>)]
    FAIL <name>: <reason>        (indented lines after it are shown as detail)
    SKIP <name>: <reason>        the test could not run here, and why
    SKIP <name>: setup: <reason> the test could not run because the machine is not set up
                                 the way `make check` expects: not root, no zram swap in
                                 the VM, no memory pressure where a test makes some
Anything else it prints is shown only when the suite fails, except the progress lines of
a kernel build (`build-kernel: ...`, one at least every 30 s), shown as they come.

No suite can pass silently:
  - a suite that prints no PASS and no FAIL line fails (one FAIL), whatever its exit
    status: it tested nothing (a suite that only skips fails too);
  - a suite that exits non-zero without printing a FAIL line counts as one failed case,
    so a crash is never silent;
  - a SKIP counts only with a reason: a bare `SKIP name` (or `SKIP name:` with nothing
    after it) is a FAIL;
  - with CI=true in the environment a `setup:` SKIP is a FAIL: CI runs as root, in VMs
    with zram swap, so such a skip there means a broken set-up, not an optional test.
A suite names set-up skips itself; run.py trusts the `setup:` mark and nothing else.
The last line is the total, in the form `N passed, N failed, N skipped`; run.py exits 1
if anything failed or nothing passed.
"""
import os
import re
import subprocess
import sys
import time

SKIP_LINE = re.compile(r"^SKIP (\S.*?): *(\S.*)$")
SETUP = re.compile(r"^setup: *(\S.*)$")
# lines shown as they come, not at the suite's end: a cold kernel build's progress
LIVE = ("build-kernel: ",)

def classify(line, ci):
    """(word, line to show) for one output line; word is PASS, FAIL, SKIP or None."""
    word = line.split(" ", 1)[0]
    if word in ("PASS", "FAIL"):
        return word, line
    if word != "SKIP":
        return None, line
    m = SKIP_LINE.match(line)
    if not m or (m.group(2).startswith("setup:") and not SETUP.match(m.group(2))):
        bare = re.sub(r"(: *(setup:)?)? *$", "", line[len("SKIP"):].strip()) or "(no name)"
        return "FAIL", f"FAIL {bare}: a SKIP without a reason ('{line}'; want 'SKIP name: reason')"
    setup = SETUP.match(m.group(2))
    if setup and ci:
        return "FAIL", (f"FAIL {m.group(1)}: skipped for the set-up under CI=true, "
                        f"which must have it: {setup.group(1)}")
    return "SKIP", line

def run_suite(name, command, ci):
    started = time.monotonic()
    proc = subprocess.Popen(command, shell=True, stdout=subprocess.PIPE,
                            stderr=subprocess.STDOUT, text=True, errors="replace")
    lines = []
    for line in proc.stdout:
        line = line.rstrip("\n")
        lines.append(line)
        if line.startswith(LIVE):
            print(f"  [{name}] {line}", flush=True)
    proc.wait()
    counts = {"PASS": 0, "FAIL": 0, "SKIP": 0}
    shown = []
    for line in lines:
        word, text = classify(line, ci)
        if word:
            counts[word] += 1
        if word in ("FAIL", "SKIP") or (shown and line.startswith("  ") and shown[-1][0] == "FAIL"):
            shown.append((word or "FAIL", text))
    if proc.returncode != 0 and counts["FAIL"] == 0:
        counts["FAIL"] += 1
        shown.append(("FAIL", f"FAIL {name}: exited with status {proc.returncode}"))
        shown.extend(("FAIL", "  " + l) for l in lines[-30:])
    elif counts["PASS"] == 0 and counts["FAIL"] == 0:
        counts["FAIL"] += 1
        shown.append(("FAIL", f"FAIL {name}: no PASS and no FAIL line (exit status "
                              f"{proc.returncode}): the suite tested nothing"))
        shown.extend(("FAIL", "  " + l) for l in lines[-30:])
    seconds = time.monotonic() - started
    print(f"[{name}] {counts['PASS']} passed, {counts['FAIL']} failed, "
          f"{counts['SKIP']} skipped ({seconds:.1f}s)", flush=True)
    for _, line in shown:
        print("  " + line, flush=True)
    return counts

def main(argv):
    if len(argv) < 2 or len(argv) % 2 == 0:
        sys.exit("usage: run.py NAME COMMAND [NAME COMMAND ...]")
    ci = os.environ.get("CI", "").lower() == "true"
    total = {"PASS": 0, "FAIL": 0, "SKIP": 0}
    for name, command in zip(argv[1::2], argv[2::2]):
        for k, v in run_suite(name, command, ci).items():
            total[k] += v
    print(f"{total['PASS']} passed, {total['FAIL']} failed, {total['SKIP']} skipped")
    return 1 if total["FAIL"] or total["PASS"] == 0 else 0

if __name__ == "__main__":
    sys.exit(main(sys.argv))
