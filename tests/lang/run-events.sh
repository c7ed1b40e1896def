#!/bin/bash
# The event table of compiler/signals.c against the kernels it claims (issue 12): every
# entry is an `enum vm_event_item` enumerator in the BTF of the host kernel and of the
# test kernel (unless the kernel option it is tagged with is off there), and every name
# listed as a node_stat_item is one. PGDEMOTE_* were listed as events; on 6.12 and 6.18
# they are node_stat_item entries, and event(w, PGDEMOTE_KHUGEPAGED) did not load.
# usage: run-events.sh [BTF CONFIG NAME]...   (default: the host and the test kernel)
set -u
root=$(cd "$(dirname "$0")/../.." && pwd)
if [ $# -eq 0 ]; then
	set -- /sys/kernel/btf/vmlinux /proc/config.gz "host-$(uname -r)" \
		/var/cache/memcgc/linux-6.12/obj/vmlinux /var/cache/memcgc/linux-6.12/obj/.config \
		test-kernel-6.12
fi
while [ $# -ge 3 ]; do
	btf=$1 config=$2 name=$3; shift 3
	if [ ! -r "$btf" ] || [ ! -r "$config" ]; then
		echo "SKIP events/$name: no BTF or config at $btf, $config"; continue
	fi
	if ! bpftool btf dump file "$btf" format raw >/tmp/events-btf.$$ 2>/dev/null; then
		echo "SKIP events/$name: bpftool cannot read $btf"; continue
	fi
	python3 - "$root/compiler/signals.c" /tmp/events-btf.$$ "$config" "$name" <<'PY'
import gzip, re, sys
src, dump, config, name = sys.argv[1:]
text = open(src).read()
table = re.search(r'vm_events\[\] = \{(.*?)\n\};', text, re.S).group(1)
events = re.findall(r'\{ "([A-Z0-9_]+)", (?:NULL|"([A-Z0-9_]+)") \}', table)
stats = re.findall(r'"([A-Z0-9_]+)"', re.search(r'node_stats\[\] = \{(.*?)\};', text, re.S).group(1))
def enum(which):
    out, on = set(), False
    for line in open(dump):
        if line.startswith('['):
            on = f"ENUM '{which}'" in line
        elif on:
            m = re.match(r"\s+'([A-Z0-9_]+)' val=", line)
            if m:
                out.add(m.group(1))
    return out
opener = gzip.open if config.endswith('.gz') else open
options = set(re.findall(r'^CONFIG_([A-Z0-9_]+)=[ym]', opener(config, 'rt').read(), re.M))
vm, node = enum('vm_event_item'), enum('node_stat_item')
bad = []
for ev, option in events:
    if ev in vm:
        continue
    if ev in node:
        bad.append(f'{ev} is an enum node_stat_item entry, not a vm_event_item')
    elif option and option not in options:
        continue        # the kernel was built without CONFIG_<option>
    else:
        bad.append(f'{ev} is not in enum vm_event_item' + (f' (CONFIG_{option} is on)' if option else ''))
for st in stats:
    if st not in node:
        bad.append(f'{st} is listed as a node_stat_item but is not one')
if not vm:
    print(f'SKIP events/{name}: no enum vm_event_item in its BTF')
elif bad:
    print(f'FAIL events/{name}: the event table does not match the kernel')
    for b in bad:
        print('  ' + b)
else:
    print(f'PASS events/{name} ({len(events)} events, {len(stats)} node_stat_item names)')
PY
	rm -f /tmp/events-btf.$$
done
