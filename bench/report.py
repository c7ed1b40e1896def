#!/usr/bin/env python3
"""The report of `make bench`: reads the JSON lines every benchmark printed
(BENCH_DIR/*.jsonl, one object a line, other lines ignored) and writes

  bench/results.json   every record as measured, the summaries and the targets;
  docs/benchmarks.md   the same as tables, with plots (gnuplot, SVG, in docs/bench/).

Every figure is a record, or a min/median/max or ratio of records: nothing is typed in.
usage: report.py BENCH_DIR RESULTS_JSON MARKDOWN PLOT_DIR"""
import datetime, json, os, platform, statistics, subprocess, sys

# The priority experiment's configurations, in the order the issue names them.
CONFIGS = [
    ("high-alone", "high alone"),
    ("low-alone", "low alone"),
    ("both-none", "both, no policy"),
    ("both-memory-low", "both, memory.low on high"),
    ("both-static-high", "both, static memory.high on low"),
    ("low-alone-static-high", "low alone, static memory.high on low (not work-conserving)"),
    ("both-policy", "both, memcgc policy"),
    ("low-alone-policy", "low alone, policy attached (work-conserving)"),
    ("both-policy-tuned", "both, memcgc policy with the setup's tuned_options"),
    ("both-policy-cgroup", "both, the policy through cgroup files (tracepoint source)"),
    ("both-policy-cgroup-keep", "both, the policy through cgroup files (tracepoint source), "
                                "memcg-run at the shell's niceness (--nice keep)"),
]
POLICY = {"v2": "examples/priority.mcp (over_high)", "v6": "examples/priority-delay.mcp (high_delay)",
          "stock": "examples/priority.mcp through cgroup files (memory.high), memory.stat polled: "
                   "Debian's 6.12 with none of the patches"}
COMMANDS = {
    "frontend": "make bench-frontend",
    "codegen": "make bench-codegen (bench/codegen_bench.sh, build/tp_bench)",
    "runtime": "make bench-runtime (bench/runtime_bench.py)",
    "guest": "make bench-guest (bench/guest_bench.sh)",
}


def read_records(bench_dir):
    """{source: [record, ...]} for every BENCH_DIR/SOURCE.jsonl."""
    out = {}
    for name in sorted(os.listdir(bench_dir)):
        if not name.endswith(".jsonl"):
            continue
        with open(os.path.join(bench_dir, name)) as f:
            out[name[:-6]] = [json.loads(l) for l in f if l.lstrip().startswith("{")]
    return out


def spread(values):
    values = [v for v in values if v is not None]
    if not values:
        return None
    return {"min": min(values), "median": statistics.median(values), "max": max(values),
            "runs": len(values)}


def ratio(a, b):
    return None if a is None or b is None or b == 0 else a / b


def fmt(v, digits=1):
    if v is None:
        return "–"
    return f"{v:,.{digits}f}"


def fmt_spread(s, digits=1):
    if s is None:
        return "–"
    return f"{fmt(s['median'], digits)} ({fmt(s['min'], digits)}–{fmt(s['max'], digits)})"


def med(s):
    return s["median"] if s else None


# The priority experiment

def summarise_priority(records):
    """{abi: {config: {"high": spread, "low": spread}}}, and the setup line per ABI."""
    runs = [r for r in records if r.get("bench") == "priority"]
    setup = {r["abi"]: r for r in records if r.get("bench") == "priority-setup"}
    out = {}
    for abi in sorted({r["abi"] for r in runs}):
        out[abi] = {}
        for config, _ in CONFIGS:
            mine = [r for r in runs if r["abi"] == abi and r["config"] == config]
            if mine:
                out[abi][config] = {w: spread([r.get(w) for r in mine]) for w in ("high", "low")}
    return out, setup


def derived(table):
    """Per configuration: high/low (ratio of medians) and high's median as a fraction of
    high alone; low's as a fraction of low alone."""
    solo_high = med(table.get("high-alone", {}).get("high"))
    solo_low = med(table.get("low-alone", {}).get("low"))
    out = {}
    for config, t in table.items():
        h, l = med(t["high"]), med(t["low"])
        out[config] = {"high_over_low": ratio(h, l) if l else None,
                       "high_of_solo": ratio(h, solo_high),
                       "low_of_solo": ratio(l, solo_low)}
    return out


def clearly_above(a, b):
    """a's slowest run is faster than b's fastest: the spreads do not overlap."""
    return a is not None and b is not None and a["min"] > b["max"]


def priority_targets(summary):
    targets = []
    for abi, table in summary.items():
        d = derived(table)
        pol = table.get("both-policy", {}).get("high")
        frac = d.get("both-policy", {}).get("high_of_solo")
        targets.append(target(f"{abi}: high with the policy, fraction of its solo throughput",
                              ">= 0.90", frac, frac is not None and frac >= 0.90, "guest"))
        tuned = d.get("both-policy-tuned", {}).get("high_of_solo")
        if tuned is not None:
            targets.append(target(f"{abi}: the same, policy parameters tuned (setup's "
                                  "tuned_options)", ">= 0.90", tuned, tuned >= 0.90, "guest"))
        for other in ("both-none", "both-memory-low"):
            o = table.get(other, {}).get("high")
            if o is None:
                continue
            targets.append(target(
                f"{abi}: high with the policy clearly above {dict(CONFIGS)[other]}",
                "every policy run above every run of the other", ratio(med(pol), med(o)),
                clearly_above(pol, o), "guest", unit="x (ratio of medians)"))
        work = d.get("low-alone-policy", {}).get("low_of_solo")
        targets.append(target(f"{abi}: low alone with the policy, fraction of its solo speed",
                              ">= 0.95", work, work is not None and work >= 0.95, "guest"))
    return targets


def target(name, goal, value, met, source, unit=""):
    return {"target": name, "goal": goal, "value": value, "unit": unit, "met": bool(met),
            "command": COMMANDS[source]}


# Reaction time of the cgroup actuator (transition -> file written), from the priority
# runs that carried the policy out through cgroup files; the poll period is memcg-run's
# default (--period 100 ms): the poll source's goal is one period.
POLL_PERIOD_MS = 100
REACTION_GOAL_MS = {"tracepoint": 10, "poll": POLL_PERIOD_MS}


def reaction_summary(records):
    """{(abi, config, source): {"runs", "writes", "median_ms": spread of the runs'
    medians, "max_ms": the largest}} over the priority runs with writes."""
    out = {}
    for r in records:
        re = r.get("reaction") if r.get("bench") == "priority" else None
        if not re or not re.get("writes"):
            continue
        key = (r["abi"], r["config"], re["source"])
        out.setdefault(key, []).append(re)
    return {k: {"runs": len(v), "writes": sum(x["writes"] for x in v),
                "median_ms": spread([x["median_ms"] for x in v]),
                "max_ms": max(x["max_ms"] for x in v)} for k, v in out.items()}


def reaction_targets(summary):
    out = []
    for (abi, config, source), s in sorted(summary.items()):
        if config != "both-policy" and config != "both-policy-cgroup":
            continue
        m = med(s["median_ms"])
        goal = REACTION_GOAL_MS[source]
        out.append(target(f"{abi}: reaction time (transition -> cgroup file written), {source} "
                          "source, median of the runs' medians", f"< {goal} ms", m,
                          m is not None and m < goal, "guest", unit="ms"))
    return out


# Overheads and the compiler's figures

def tp_programs(records):
    return {r["program"]: r for r in records if "program" in r and "xlated_insns" in r}


def charge_summary(records):
    runs = [r for r in records if r.get("bench") == "charge"]
    out = {}
    for abi in sorted({r["abi"] for r in runs}):
        out[abi] = {str(p).lower(): spread([r["ns_per_page"] for r in runs
                                            if r["abi"] == abi and r["policy"] == p])
                    for p in (False, True)}
    return out


def other_targets(rec):
    out = []
    progs = tp_programs(rec.get("codegen", []))
    mine, base = progs.get("memcgc"), progs.get("hand-written C")
    if mine and base:
        r = ratio(mine["ns_per_event_median"], base["ns_per_event_median"])
        out.append(target("tracepoint program per event, memcgc / hand-written C", "<= 1.2",
                          r, r is not None and r <= 1.2, "codegen", unit="x"))
        for k in ("xlated_insns", "verified_insns"):
            out.append(target(f"tracepoint program {k.replace('_', ' ')}, memcgc vs hand-written C",
                              f"<= {base[k]}", mine[k], mine[k] <= base[k], "codegen"))
    objdump = {r["function"]: r["insns"] for r in rec.get("codegen", [])
               if r.get("bench") == "objdump_insns" and r["section"].startswith("tp/")}
    if "count_memcg_events" in objdump and "baseline" in objdump:
        n, b = objdump["count_memcg_events"], objdump["baseline"]
        out.append(target("tracepoint program, llvm-objdump instructions, memcgc vs "
                          "hand-written C", f"<= {b}", n, n <= b, "codegen"))
    for r in rec.get("codegen", []):
        if r.get("bench") == "compile" and r["policy"].endswith("examples/priority.mcp"):
            out.append(target("whole compile of the demo policy (median)", "< 50 ms",
                              r["median_ms"], r["median_ms"] < 50, "codegen", unit="ms"))
    for r in rec.get("frontend", []):
        if r.get("bench") == "frontend" and r.get("rules", 0) >= 5000:
            out.append(target(f"front end, {r['rules']:,} rules (median, in process)", "< 100 ms",
                              r["median_ms"], r["median_ms"] < 100, "frontend", unit="ms"))
    return out


# Plots

def gnuplot(script, path):
    subprocess.run(["gnuplot"], input=f"set terminal svg size 760,380 font 'sans,11'\n"
                   f"set output '{path}'\n{script}", text=True, check=True)


def plot_priority(abi, table, plot_dir):
    """Median throughput of each workload per configuration, min-max bars."""
    data = os.path.join(plot_dir, f"priority-{abi}.dat")
    with open(data, "w") as f:
        for i, (config, label) in enumerate(CONFIGS):
            t = table.get(config)
            if not t:
                continue
            row = [f'"{config}"']
            for w in ("high", "low"):
                s = t[w] or {"median": 0, "min": 0, "max": 0}
                row += [str(s["median"]), str(s["min"]), str(s["max"])]
            f.write(" ".join(row) + "\n")
    svg = os.path.join(plot_dir, f"priority-{abi}.svg")
    gnuplot(f"""set title "Priority experiment, {abi} guest (emulated): median, min-max over runs"
set style data histograms
set style histogram errorbars gap 2 lw 1
set style fill solid 0.6 border -1
set ylabel "stress-ng bogo ops/s"
set xtics rotate by -25 font ',9'
set key top right
set yrange [0:*]
plot '{data}' using 2:3:4:xtic(1) title 'high', '' using 5:6:7 title 'low'
""", svg)
    os.remove(data)
    return os.path.basename(svg)


def plot_tp(progs, plot_dir):
    data = os.path.join(plot_dir, "tracepoint.dat")
    with open(data, "w") as f:
        for name, r in progs.items():
            f.write(f'"{name}" {r["ns_per_event_median"]} {r["ns_per_event_min"]} '
                    f'{r["ns_per_event_max"]}\n')
    svg = os.path.join(plot_dir, "tracepoint.svg")
    gnuplot(f"""set title "memcg:count_memcg_events, ns per event (median, min-max of rounds)"
set style data histograms
set style histogram errorbars gap 2 lw 1
set style fill solid 0.6 border -1
set ylabel "ns per event"
set yrange [0:*]
set key off
plot '{data}' using 2:3:4:xtic(1)
""", svg)
    os.remove(data)
    return os.path.basename(svg)


# The markdown

def md_table(header, rows):
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(str(c) for c in row) + " |" for row in rows]
    return "\n".join(lines)


def md_priority(summary, setup, plots):
    out = ["## The priority experiment (guest, emulated)", "",
           f"Command: `{COMMANDS['guest']}`. The guest is QEMU without KVM (TCG software "
           "emulation) on this 2-core machine: absolute throughput is far below native; "
           "compare configurations with each other, not with the RFC's figures. Each cell is "
           "the median of the runs with (min–max); runs of every configuration are "
           "interleaved in rounds, so drift hits all of them alike.", ""]
    for abi, table in summary.items():
        s = setup.get(abi, {})
        out += [f"### {abi}: {POLICY.get(abi, '')}", ""]
        if s:
            out += ["Setup: " + ", ".join(f"{k} `{v if isinstance(v, str) else json.dumps(v)}`"
                                           for k, v in s.items()
                                           if k not in ("bench", "abi")), ""]
        d = derived(table)
        rows = []
        for config, label in CONFIGS:
            if config not in table:
                continue
            t, x = table[config], d[config]
            rows.append([label, fmt_spread(t["high"]), fmt_spread(t["low"]),
                         fmt(x["high_over_low"]), fmt(x["high_of_solo"], 2),
                         fmt(x["low_of_solo"], 2)])
        out += [md_table(["configuration", "high, bogo ops/s", "low, bogo ops/s", "high/low",
                          "high / high alone", "low / low alone"], rows), ""]
        if abi in plots:
            out += [f"![{abi} priority experiment](bench/{plots[abi]})", ""]
    return out


def md_reaction(summary):
    if not summary:
        return []
    out = ["### Reaction time of the cgroup actuator (guest, emulated)", "",
           "From a rule's transition (the BPF code's clock) to memcg-run's write of the "
           "cgroup file, as the write begins (the value is in effect then; the reclaim the "
           "kernel does inside a write of a lower memory.high is not counted), in the "
           "priority runs that carried the policy out through cgroup files; memcg-run's own "
           "figures (docs/memcg-run.md, \"Reaction time\"). The guest's two vCPUs are busy "
           "with both workloads, so memcg-run waits for a CPU: at nice -20, its default with "
           "the cgroup actuator, except in the --nice keep row. "
           "With the poll source the transition is seen at a poll, up to one period "
           f"({POLL_PERIOD_MS} ms) after the counter crossed.", ""]
    rows = [[abi, dict(CONFIGS).get(config, config), source, s["runs"], s["writes"],
             fmt_spread(s["median_ms"]), fmt(s["max_ms"])]
            for (abi, config, source), s in sorted(summary.items())]
    return out + [md_table(["kernel", "configuration", "source", "runs", "writes",
                            "median ms, median of runs (min–max)", "max ms"], rows), ""]


def md_overhead(rec, charge, tp_plot):
    out = ["## Overhead", "", "### The tracepoint program, per event (host)", "",
           f"Command: `{COMMANDS['codegen']}`: the three programs attached to "
           "`memcg:count_memcg_events` at once, same workload, same run, kernel BPF stats.", ""]
    progs = tp_programs(rec.get("codegen", []))
    rows = [[n, r["xlated_insns"], r["verified_insns"], r["run_cnt"],
             f"{r['ns_per_event_median']} ({r['ns_per_event_min']}–{r['ns_per_event_max']})"]
            for n, r in progs.items()]
    out += [md_table(["program", "xlated insns", "verified insns", "events",
                      "ns per event, median (min–max)"], rows), ""]
    if tp_plot:
        out += [f"![per-event cost](bench/{tp_plot})", ""]
    out += ["### The hooks on the charge path (guest, emulated)", "",
            f"Command: `{COMMANDS['guest']}` (bench/charge_bench.c): ns per page charged, "
            "rounds with and without the policy attached interleaved in one boot.", ""]
    rows = []
    for abi, s in charge.items():
        rows.append([abi, fmt_spread(s["false"]), fmt_spread(s["true"]),
                     fmt(ratio(med(s["true"]), med(s["false"])), 3)])
    out += [md_table(["ABI", "without policy, ns/page", "with policy, ns/page",
                      "with / without"], rows) if rows else "(not run)", ""]
    return out


def md_compiler(rec):
    out = ["## Compiler and runtime", "", f"Commands: `{COMMANDS['frontend']}`, "
           f"`{COMMANDS['codegen']}`, `{COMMANDS['runtime']}`.", ""]
    refused = " (refused after the check: past the kernel's limits)"
    rows = [[r["policy"] + (refused if r.get("refused") else ""), r.get("rules", ""),
             f"{r['median_ms']} ({r['min_ms']}–{r['max_ms']})", r["runs"]]
            for r in rec.get("frontend", []) if r.get("bench") == "frontend"]
    out += ["Front end, parse and check in process (ms):", "",
            md_table(["policy", "rules", "median (min–max)", "runs"], rows), ""]
    rows = [[r["policy"] + (" (`memcgc --check`)" if r["bench"] == "check-process" else "") +
             (refused if r.get("status") else ""),
             f"{r['median_ms']} ({r['min_ms']}–{r['max_ms']})", r["runs"]]
            for r in rec.get("frontend", []) + rec.get("codegen", [])
            if r.get("bench") in ("compile", "check-process")]
    out += ["Whole process (`memcgc -o` unless noted), ms:", "",
            md_table(["policy", "median (min–max)", "runs"], rows), ""]
    for r in rec.get("runtime", []):
        out += ["`" + json.dumps(r) + "`", ""]
    return out


def main():
    bench_dir, results_path, md_path, plot_dir = sys.argv[1:5]
    rec = read_records(bench_dir)
    os.makedirs(plot_dir, exist_ok=True)
    summary, setup = summarise_priority(rec.get("guest", []))
    charge = charge_summary(rec.get("guest", []))
    reaction = reaction_summary(rec.get("guest", []))
    targets = other_targets(rec) + priority_targets(summary) + reaction_targets(reaction)
    plots = {abi: plot_priority(abi, t, plot_dir) for abi, t in summary.items()}
    progs = tp_programs(rec.get("codegen", []))
    tp_plot = plot_tp(progs, plot_dir) if progs else None
    machine = {"host_kernel": platform.release(), "cpus": os.cpu_count(),
               "date": datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC")}
    with open(results_path, "w") as f:
        json.dump({"machine": machine, "commands": COMMANDS, "targets": targets,
                   "priority": summary, "priority_derived": {a: derived(t) for a, t in summary.items()},
                   "charge": charge, "records": rec,
                   "reaction": {" ".join(k): v for k, v in reaction.items()}},
                  f, indent=1, sort_keys=True)
        f.write("\n")
    md = ["# Benchmarks", "",
          f"Written by `make bench` (bench/report.py) on {machine['date']}: host kernel "
          f"{machine['host_kernel']}, {machine['cpus']} CPUs. Raw records and summaries: "
          "bench/results.json. Nothing below is typed in by hand; run `make bench` to "
          "reproduce it.", "", "## Targets", ""]
    md += [md_table(["target", "goal", "measured", "met", "command"],
                    [[t["target"], t["goal"], f"{fmt(t['value'], 2)} {t['unit']}".strip(),
                      "yes" if t["met"] else "**no**", f"`{t['command']}`"] for t in targets]), ""]
    md += md_priority(summary, setup, plots) + md_reaction(reaction) + md_overhead(rec, charge, tp_plot) + md_compiler(rec)
    notes = os.path.join(os.path.dirname(os.path.abspath(__file__)), "notes.md")
    if os.path.exists(notes):   # prose on reading the figures: no figure is typed in there
        with open(notes) as f:
            md += ["", f.read()]
    with open(md_path, "w") as f:
        f.write("\n".join(md))
    for t in targets:
        print(f"{'met    ' if t['met'] else 'NOT MET'} {t['target']}: {fmt(t['value'], 2)} "
              f"{t['unit']} (goal {t['goal']})")
    print(f"report: {results_path}, {md_path}")


if __name__ == "__main__":
    main()
