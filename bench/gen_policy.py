#!/usr/bin/env python3
"""A large generated policy for the front end's benchmark: N rules over a few cgroups,
mixing signals, windows, `for`, defines and all v3+ actions."""
import sys

n = int(sys.argv[1]) if len(sys.argv) > 1 else 5000
signals = ["pgscan", "pgsteal", "pgfault", "pgmajfault", "pgrefill", "swpin", "swpout"]
out = ["cgroup high", "cgroup mid", "cgroup low", "param base = 100/s",
       "define scanning(cg) = pgscan(cg) + pgrefill(cg)"]
for i in range(n):
    s = signals[i % len(signals)]
    cond = f"{s}(high) over {1 + i % 9}s > base + {i}/s and not (scanning(mid) < {i % 50}/s)"
    if i % 3 == 0:
        cond += f" for {i % 5}s"
    action = ["high_delay(low) = %dms" % (11 + i % 1989), "protect_low(high)",
              "protect_min(mid)"][i % 3]
    out.append(f"when {cond}:\n    {action} hold {1 + i % 4}s")
print("\n".join(out))
