#!/usr/bin/env python3
"""A reader of memcg-run's recordings written from docs/record-format.md alone (not from
runtime/record_format.h), for the tests to check memcg-run against.

  record_reader.py dump FILE             header, table, and the events per bucket
  record_reader.py peak FILE CGROUP WINDOW_MS ITEM...
      the highest rate (events per second, whole) the replay's counter reaches
  record_reader.py expect FILE CGROUP THRESHOLD WINDOW_MS ITEM...
      the transitions a rule `when SIGNAL(CGROUP) over WINDOW_MS > THRESHOLD/s` must make
      in a replay, one `TIME_NS on|off` a line, with the rate computed here as
      docs/record-format.md ("Replay") defines it
"""
import struct
import sys


def read(path):
    data = open(path, "rb").read()
    magic, version, table_bytes, step_ns, start_unix_ns, nitems, ncgroups, entry_bytes, source, \
        start_ns = struct.unpack_from("<8sIIQQIIIIQ", data, 0)
    assert magic == b"memcgrec" and version == 1 and entry_bytes == 16, (magic, version, entry_bytes)
    at = 56

    def string():
        nonlocal at
        (n,) = struct.unpack_from("<I", data, at)
        s = data[at + 4:at + 4 + n].decode()
        at += 4 + n
        return s
    kernel = string()
    items = [string() for _ in range(nitems)]
    cgroups = []
    for _ in range(ncgroups):
        cid, parent = struct.unpack_from("<QI", data, at)
        at += 12
        name = string()
        path = string()
        cgroups.append({"id": cid, "parent": None if parent == 0xffffffff else parent,
                        "name": name, "path": path})
    assert at == 56 + table_bytes
    entries, last = [], 0
    for off in range(at, len(data) - 15, 16):
        bucket, cgroup, item, count = struct.unpack_from("<IHHQ", data, off)
        last = max(last, bucket + 1)
        if cgroup != 0xffff:
            entries.append((bucket, cgroup, item, count))
    return {"step_ns": step_ns, "kernel": kernel, "items": items, "cgroups": cgroups,
            "entries": entries, "buckets": last, "source": source, "start_unix_ns": start_unix_ns,
            "start_ns": start_ns}


def counted_in(rec, name):
    """The recorded cgroups whose events a cgroup bound to `name` counts: it and those below."""
    top = [i for i, c in enumerate(rec["cgroups"]) if c["name"] == name][0]
    found = set()
    for i in range(len(rec["cgroups"])):
        g = i
        while g is not None:
            if g == top:
                found.add(i)
            g = rec["cgroups"][g]["parent"]
    return found


def rates(rec, cgroup, window_ms, items):
    """(time, rate) of a counter at each bucket's end, the rate in milli-events per second
    as the BPF code has it: bucket b's events are fed 1 ns before its end, start + (b + 1) x
    step, into the counter's bucket of window_ms / 8 holding that time, and the rate at its
    end is the events of the counter's 8 buckets up to the one holding the end, x 1000 /
    window_ms."""
    step, bucket_ns = rec["step_ns"], window_ms * 1000000 // 8
    cols = {i for i, n in enumerate(rec["items"]) if n in items}
    groups = counted_in(rec, cgroup)
    fed = {}
    for bucket, cg, item, count in rec["entries"]:
        if cg in groups and item in cols:
            fed[bucket] = fed.get(bucket, 0) + count
    per = {}
    for b in range(rec["buckets"]):
        now = rec["start_ns"] + (b + 1) * step
        cur = now // bucket_ns
        per[(now - 1) // bucket_ns] = per.get((now - 1) // bucket_ns, 0) + fed.get(b, 0)
        total = sum(per.get(w, 0) for w in range(cur - 7, cur + 1))
        yield now, total * 1000 * 1000 // window_ms


def expect(rec, cgroup, threshold, window_ms, items):
    """The rule's transitions: on while the rate exceeds the threshold."""
    changes, active = [], False
    for now, rate in rates(rec, cgroup, window_ms, items):
        on = rate > threshold * 1000
        if on != active:
            changes.append((now, "on" if on else "off"))
            active = on
    return changes


def main():
    rec = read(sys.argv[2])
    if sys.argv[1] == "dump":
        print("kernel", rec["kernel"], "step_ns", rec["step_ns"], "buckets", rec["buckets"])
        for c in rec["cgroups"]:
            print("cgroup", c)
        for bucket, cg, item, count in rec["entries"]:
            print(bucket, rec["cgroups"][cg]["name"], rec["items"][item], count)
    elif sys.argv[1] == "peak":
        print(max((r for _, r in rates(rec, sys.argv[3], int(sys.argv[4]), sys.argv[5:])), default=0) // 1000)
    else:
        for now, what in expect(rec, sys.argv[3], int(sys.argv[4]), int(sys.argv[5]), sys.argv[6:]):
            print(now, what)


if __name__ == "__main__":
    main()
