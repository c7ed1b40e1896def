#!/usr/bin/env python3
"""Whole-process time of a command: median, min and max of N runs, as one JSON line.
usage: process_time.py NAME RUNS COMMAND [ARGS...]"""
import json, statistics, subprocess, sys, time

name, runs, cmd = sys.argv[1], int(sys.argv[2]), sys.argv[3:]
ms = []
for _ in range(runs):
    t = time.monotonic()
    subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    ms.append((time.monotonic() - t) * 1000)
print(json.dumps({"bench": name, "policy": cmd[-1], "command": " ".join(cmd),
                  "median_ms": round(statistics.median(ms), 1), "min_ms": round(min(ms), 1),
                  "max_ms": round(max(ms), 1), "runs": runs}))
