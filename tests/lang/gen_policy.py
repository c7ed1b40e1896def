#!/usr/bin/env python3
"""Random valid policies from the grammar of docs/language.md (issue 12): cgroups with and
without paths, parameters of every type, defines with and without parameters, rules with
conditions of every operator (comparisons of rate arithmetic and of shares of time,
`over`, `and`, `or`, `not`, parentheses, signals, pressure, event(), define uses), `for`, and every action with values, holds and
`;`. Seeded: the same seed gives the same policies. Values stay in their ranges and within
memcgc's limits, so every policy must compile, and its tracepoint side and syscall entry
must load (tests/lang/run-random.sh).

usage: gen_policy.py SEED COUNT OUTDIR
"""
import os
import random
import sys

SIGNALS = ["pgscan", "pgsteal", "pgfault", "pgmajfault", "pgrefill", "pgactivate",
           "pgdeactivate", "swpin", "swpout"]
EVENTS = ["PGPGIN", "PGPGOUT", "PSWPIN", "PSWPOUT", "PGFAULT", "PGMAJFAULT", "PGREFILL",
          "PGACTIVATE", "PGDEACTIVATE", "PGLAZYFREE", "PGSCAN_KSWAPD", "PGSCAN_DIRECT",
          "PGSTEAL_KSWAPD", "PGSTEAL_DIRECT", "SWPIN_ZERO", "SWPOUT_ZERO"]
WINDOWS = ["100ms", "250ms", "500ms", "1s", "2s", "5s", "10s", "30s", "1min"]
RATE_UNITS = ["/s", "/ms", " / s", "/min", "/h"]


class Gen:
    def __init__(self, rng):
        self.r = rng
        self.cgroups, self.params, self.defines = [], {}, []
        self.signals = rng.sample(SIGNALS, 5)
        self.pressure = rng.choice(["pressure", "pressure_full"])
        self.events = rng.sample(EVENTS, 2)
        self.windows = rng.sample(WINDOWS, 1)       # with the default 1 s: two at most
        if "1s" in self.windows:
            self.windows = ["2s"]

    def number(self, lo=1, hi=1000):
        n = self.r.randint(lo, hi)
        return f"{n:_}" if n >= 1000 and self.r.random() < 0.5 else str(n)

    def rate_literal(self):
        unit = self.r.choice(RATE_UNITS)
        if unit.strip() in ("/min",):
            return f"{self.r.randint(1, 100) * 60}{unit}"     # whole milli-events per second
        if unit.strip() == "/h":
            return f"{self.r.randint(1, 100) * 3600}{unit}"
        if unit.strip() == "/ms":
            return f"{self.r.randint(1, 50)}{unit}"
        return f"{self.number(1, 100000)}{unit}" if self.r.random() < 0.8 else f"{self.r.randint(1, 99)}.5/s"

    def signal(self):
        # 5 signals, a pressure signal and 2 events of 8 cgroups over 2 windows: 128
        # distinct signals at most, memcgc's limit
        cg = self.r.choice(self.cgroups)
        if self.r.random() < 0.15:
            return f"event({cg}, {self.r.choice(self.events)})"
        return f"{self.r.choice(self.signals)}({cg})"

    def window(self):
        return self.r.choice(self.windows)

    def rate(self, depth):
        """A rate expression: its values stay far below 64 bits."""
        choice = self.r.random()
        if depth <= 0 or choice < 0.35:
            return self.signal()
        if choice < 0.45:
            return self.rate_literal()
        if choice < 0.52 and self.param_of("rate"):
            return self.param_of("rate")
        if choice < 0.62:
            op = self.r.choice(["+", "-"])
            return f"{self.rate(depth - 1)} {op} {self.rate(depth - 1)}"
        if choice < 0.72:
            k = self.r.choice([self.number(1, 20), "0.5", "1.25", self.param_of("number") or "2"])
            return f"{k} * {self.rate(depth - 1)}" if self.r.random() < 0.5 else f"{self.rate(depth - 1)} * {k}"
        if choice < 0.78:
            return f"{self.rate(depth - 1)} / {self.number(1, 50)}"
        if choice < 0.88:
            return f"({self.rate(depth - 1)}) over {self.window()}"
        if choice < 0.93:
            return f"-({self.rate(depth - 1)})"
        return f"({self.rate(depth - 1)})"

    def percent(self):
        return self.r.choice(["5%", "0.5%", "12.25%", "100%", "0%", "0.0000001%", "2 %",
                              f"{self.r.randint(0, 100)}%"])

    def share(self, depth):
        """A share-of-time expression (pressure)."""
        choice = self.r.random()
        if depth <= 0 or choice < 0.4:
            return f"{self.pressure}({self.r.choice(self.cgroups)})"
        if choice < 0.5:
            return self.percent()
        if choice < 0.6 and self.param_of("share"):
            return self.param_of("share")
        if choice < 0.7:
            return f"{self.share(depth - 1)} {self.r.choice(['+', '-'])} {self.share(depth - 1)}"
        if choice < 0.8:
            return f"{self.share(depth - 1)} * {self.number(1, 20)}"
        return f"({self.share(depth - 1)}) over {self.window()}"

    def param_of(self, kind):
        names = [n for n, k in self.params.items() if k == kind]
        return self.r.choice(names) if names else None

    def comparison(self, depth):
        use = [d for d in self.defines if d[1] == "cond"]
        if use and self.r.random() < 0.15:
            name, _, arity = self.r.choice(use)
            return name if arity == 0 else f"{name}({', '.join(self.r.choice(self.cgroups) for _ in range(arity))})"
        op = self.r.choice(["<", ">", "<=", ">=", "==", "!="])
        if self.r.random() < 0.15:
            return f"{self.share(depth)} {op} {self.share(depth - 1)}"
        left = self.rate(depth)
        rdefs = [d for d in self.defines if d[1] == "rate"]
        if rdefs and self.r.random() < 0.2:
            name, _, arity = self.r.choice(rdefs)
            left = name if arity == 0 else f"{name}({', '.join(self.r.choice(self.cgroups) for _ in range(arity))})"
        return f"{left} {op} {self.rate(depth - 1)}"

    def condition(self, depth, terms):
        if depth <= 0 or terms <= 1 or self.r.random() < 0.3:
            return self.comparison(2)
        choice = self.r.random()
        if choice < 0.4:
            return f"{self.condition(depth - 1, terms // 2)} and {self.condition(depth - 1, terms // 2)}"
        if choice < 0.8:
            return f"{self.condition(depth - 1, terms // 2)} or {self.condition(depth - 1, terms // 2)}"
        if choice < 0.9:
            return f"not ({self.condition(depth - 1, terms - 1)})"
        return f"({self.condition(depth - 1, terms - 1)})"

    def duration(self, lo_ms, hi_ms):
        ms = self.r.randint(lo_ms, hi_ms)
        return self.r.choice([f"{ms}ms", f"{ms * 1000}us", f"{ms / 1000:g}s" if ms % 1000 == 0 else f"{ms}ms"])

    def action(self):
        cg = self.r.choice(self.cgroups)
        kind = self.r.choice(["over_high", "high_delay", "protect_low", "protect_min"])
        if kind == "over_high":
            v = self.r.choice([f"{self.number(1, 4096)} pages", f"{self.r.randint(1, 64)} MiB",
                               f"{self.r.randint(1, 1024)} KiB", self.number(1, 100),
                               self.param_of("size") or "1 GiB"])
            text = f"over_high({cg}) += {v}"
        elif kind == "high_delay":
            v = self.duration(11, 2000) if self.r.random() < 0.8 else (self.param_of("duration") or "50ms")
            text = f"high_delay({cg}) = {v}"
        else:
            text = f"{kind}({cg})"
        if self.r.random() < 0.4:
            text += f" {self.r.choice(['hold', 'for'])} {self.duration(0, 60000)}"
        return text + (";" if self.r.random() < 0.2 else "")

    def policy(self, size):
        r = self.r
        lines = [f"# generated: {size}"]
        for i in range(r.randint(1, 8)):
            name = f"cg{i}"
            self.cgroups.append(name)
            lines.append(f"cgroup {name}" + (f' = "/sys/fs/cgroup/{name}.slice"' if r.random() < 0.3 else ""))
        defaults = {"rate": lambda: self.rate_literal(), "size": lambda: f"{r.randint(1, 512)} MiB",
                    "duration": lambda: self.duration(11, 2000), "number": lambda: str(r.randint(1, 9)),
                    "share": lambda: self.percent()}
        for i in range(r.randint(0, 4)):
            kind = r.choice(list(defaults))
            self.params[f"p{i}"] = kind
            lines.append(f"param p{i} = {defaults[kind]()}")
        for i in range(r.randint(0, 3)):
            if r.random() < 0.5:
                lines.append(f"define d{i}(x) = {self.signals[0]}(x) + {self.signals[1]}(x)")
                self.defines.append((f"d{i}", "rate", 1))
            else:
                lines.append(f"define d{i}(x, y) = {self.signals[2]}(x) > 2 * {self.signals[2]}(y) over {self.windows[0]}")
                self.defines.append((f"d{i}", "cond", 2))
        for _ in range(size):
            rule = f"when {self.condition(r.randint(1, 4), r.randint(1, 8))}"
            if r.random() < 0.2:
                rule += f" for {self.duration(0, 10000)}"
            lines.append(rule + ":")
            for _ in range(r.randint(1, 3)):
                lines.append("    " + self.action())
        return "\n".join(lines) + "\n"


def main():
    seed, count, out = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3]
    os.makedirs(out, exist_ok=True)
    for i in range(count):
        rng = random.Random(seed * 1000003 + i)
        size = rng.choice([1, 2, 4, 8, 16, 24, 42, 50]) if rng.random() < 0.9 else rng.randint(1, 50)
        with open(os.path.join(out, f"p{seed}-{i}.mcp"), "w") as f:
            f.write(Gen(rng).policy(size))


if __name__ == "__main__":
    main()
