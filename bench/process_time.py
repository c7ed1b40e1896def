#!/usr/bin/env python3
"""Whole-process time of a command: median, min and max of N runs, as one JSON line.
usage: process_time.py [--status N] NAME RUNS COMMAND [ARGS...]
--status N: the exit status the command must end with (default 0; 1 for a policy the
front end refuses, timed whole all the same)"""
import json, statistics, subprocess, sys, time

args = sys.argv[1:]
want = 0
if args[:1] == ["--status"]:
    want, args = int(args[1]), args[2:]
name, runs, cmd = args[0], int(args[1]), args[2:]
ms = []
for _ in range(runs):
    t = time.monotonic()
    rc = subprocess.run(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL).returncode
    if rc != want:
        sys.exit(f"process_time: {' '.join(cmd)} exited {rc}, not {want}")
    ms.append((time.monotonic() - t) * 1000)
print(json.dumps({"bench": name, "policy": cmd[-1], "command": " ".join(cmd),
                  "median_ms": round(statistics.median(ms), 1), "min_ms": round(min(ms), 1),
                  "max_ms": round(max(ms), 1), "runs": runs, "status": want}))
