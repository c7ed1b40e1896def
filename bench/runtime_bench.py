#!/usr/bin/env python3
"""memcg-run figures on this machine (dry run: the host has no memcg_bpf_ops):
load + attach + detach time of the demo policy, as the whole-process time of a dry run
that stops at once minus that of --inspect (which loads nothing), medians of 11 runs; and
the kernel memory its maps hold while it runs (bpftool's bytes_memlock)."""
import json, os, statistics, subprocess, sys, tempfile, time

build, policy = sys.argv[1], sys.argv[2]
run = os.path.join(build, "memcg-run")
root = "/sys/fs/cgroup/memory"
cg = {n: tempfile.mkdtemp(prefix=f"memcgc-bench-{n}-", dir=root) for n in ("high", "low")}
args = [run, "--dry-run", "--cgroup", f"high={cg['high']}", "--cgroup", f"low={cg['low']}"]

def median_ms(cmd, n=11):
    times = []
    for _ in range(n):
        t = time.monotonic()
        subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        times.append((time.monotonic() - t) * 1000)
    return statistics.median(times), min(times), max(times)

try:
    inspect = median_ms([run, "--inspect", policy])
    dry = median_ms(args + ["--duration", "10ms", policy])
    print(json.dumps({"bench": "memcg-run", "policy": policy,
                      "inspect_ms_median": round(inspect[0], 1),
                      "dry_run_10ms_ms_median": round(dry[0], 1),
                      "load_attach_detach_ms_estimate": round(dry[0] - inspect[0] - 10, 1),
                      "runs": 11}))
    proc = subprocess.Popen(args + [policy], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    time.sleep(1.5)
    maps = json.loads(subprocess.run(["bpftool", "-j", "map", "show"], capture_output=True,
                                     text=True).stdout or "[]")
    ours = {"cgroup_slots", "counters", "rule_states", "clock"}
    mine = [m for m in maps if m.get("name") in ours or m.get("name", "").endswith(".rodata")]
    proc.terminate(); proc.wait()
    print(json.dumps({"bench": "memcg-run maps", "policy": policy,
                      "maps": {m["name"]: m.get("bytes_memlock") for m in mine},
                      "total_bytes_memlock": sum(int(m.get("bytes_memlock", 0)) for m in mine)}))
finally:
    for d in cg.values():
        os.rmdir(d)
