#!/bin/bash
# The docs check: the pages say what is true today, name every source file, and link
# only to files of this repository. Checks the tree it is in, from any directory; prints
# one line per check (`PASS docs/NAME` or `FAIL docs/NAME: reason` and indented detail
# lines), in the convention of tests/run.py. Exits 0 either way.
#
#   status-words    no page (docs/*.md, docs/*.1, README.md outside its "What works today"
#                   table) calls a piece the README table lists as working "planned",
#                   "being built", "not yet implemented" or the like: a piece's status is
#                   kept in that table only
#   source-files    every *.c, *.h, *.l, *.y under runtime/, compiler/ and grammar/ is
#                   named in a table of its page: runtime/ in docs/memcg-run.md, grammar/
#                   in docs/language.md, compiler/ in docs/language.md (front end) or
#                   docs/codegen.md (lowering, code generation, the command)
#   local-sources   no file cites a path outside the repository (`../shared/...`)
#   relative-links  every relative link of docs/*.md and of each README.md points at an
#                   existing file of the repository (and at a heading, if it names one)
#
# MEMCGC_DOCS_ROOT (default: the tree this script is in) is the tree to check.
exec python3 - "${MEMCGC_DOCS_ROOT:-$(dirname "$0")/../..}" <<'PY'
import os, re, subprocess, sys

root = sys.argv[1]
os.chdir(root)

def read(path):
    with open(path, encoding="utf-8", errors="replace") as f:
        return f.read()

def report(name, problems, reason):
    if problems:
        print(f"FAIL docs/{name}: {reason}")
        for p in problems:
            print(f"  {p}")
    else:
        print(f"PASS docs/{name}")

def tracked_files():
    """Every file of the tree: git's list (tracked and new, not ignored) when there is
    one, else a walk that skips build/ and .git."""
    try:
        out = subprocess.run(["git", "ls-files", "-z", "--cached", "--others",
                              "--exclude-standard"], capture_output=True, check=True)
        files = [f for f in out.stdout.decode().split("\0") if f and os.path.isfile(f)]
        if files:
            return sorted(set(files))
    except (OSError, subprocess.CalledProcessError):
        pass
    files = []
    for d, dirs, names in os.walk("."):
        dirs[:] = [x for x in dirs if x not in (".git", "build")]
        files += [os.path.relpath(os.path.join(d, n)) for n in names]
    return sorted(files)

def pages():
    return sorted("docs/" + f for f in os.listdir("docs")
                  if f.endswith(".md") or f.endswith(".1"))

# ---- 1. status-words -------------------------------------------------------------------
STATUS = re.compile(r"\b(planned|being (built|written|worked on)|not (yet )?implemented"
                    r"|not yet (built|written|supported|available|done|wired)"
                    r"|to be (written|built|implemented)|coming soon|work in progress"
                    r"|as (they|it) lands?|once [^.]{0,40}\blands?|will (soon )?(be added|land)"
                    r"|TODO|not (in|part of) (this|the) (build|tree) yet)\b", re.I)

def readme_table():
    """The README's "What works today" table: (its line numbers, the pieces' names)."""
    lines = read("README.md").split("\n")
    rows, terms, section = set(), set(), None
    for i, line in enumerate(lines):
        if line.startswith("## "):
            section = line[3:].strip().lower()
        elif section == "what works today" and line.startswith("|"):
            rows.add(i)
            cell = line.strip("|").split("|")[0].strip()
            if cell in ("piece", "---") or set(cell) <= set("-: "):
                continue
            plain = re.sub(r"\(.*?\)|`[^`]*`", "", cell).strip(" ,")
            if plain:
                terms.add(plain.lower())
            for span in re.findall(r"`([^`]+)`", cell):
                terms.add(span.lower())
                words = span.split()
                if words[0] == "make" and len(words) > 1:
                    terms.add(" ".join(words[:2]).lower())
                elif not words[0].startswith("-"):
                    terms.add(words[0].lower())
    return rows, terms

def paragraphs(path, skip=()):
    """(first line number, text) of each paragraph: blank lines and roff requests that
    start a paragraph or section separate them."""
    out, start, buf = [], None, []
    for i, line in enumerate(read(path).split("\n")):
        if i in skip or not line.strip() or re.match(r"\.(PP|P|LP|SH|SS|TP|IP|HP)\b", line):
            if buf:
                out.append((start + 1, " ".join(buf)))
            buf, start = [], None
            continue
        if start is None:
            start = i
        buf.append(line)
    if buf:
        out.append((start + 1, " ".join(buf)))
    return out

def check_status():
    rows, terms = readme_table()
    problems = []
    if not terms:
        problems.append("README.md: no \"What works today\" table with pieces found")
    for path in pages() + ["README.md"]:
        for line, text in paragraphs(path, rows if path == "README.md" else ()):
            plain = re.sub(r"\\f[BIRP]|\\-", lambda m: "-" if m.group() == "\\-" else "", text)
            for m in STATUS.finditer(plain):
                low = plain.lower()
                hit = sorted(t for t in terms if re.search(r"(?<![\w-])" + re.escape(t) + r"(?![\w-])", low))
                if hit:
                    problems.append(f"{path}:{line}: \"{m.group()}\" in a paragraph about "
                                    f"{', '.join(hit)} (the README table has it working; "
                                    "status belongs in that table only)")
    report("status-words", problems, "a page gives a working piece an earlier status")

# ---- 2. source-files -------------------------------------------------------------------
PAGES_OF = {"runtime": ["docs/memcg-run.md"], "grammar": ["docs/language.md"],
            "compiler": ["docs/language.md", "docs/codegen.md"]}

def table_names(page):
    names = set()
    if not os.path.exists(page):
        return names
    for line in read(page).split("\n"):
        if line.startswith("|"):
            for span in re.findall(r"`([^`]+)`", line):
                names.update(w.strip(",;") for w in span.split())
    return names

def check_sources():
    problems = []
    for f in tracked_files():
        top = f.split("/", 1)[0]
        if top not in PAGES_OF or not re.search(r"\.[chly]$", f):
            continue
        named = set().union(*(table_names(p) for p in PAGES_OF[top]))
        if f not in named and os.path.basename(f) not in named:
            problems.append(f"{f}: in no file table of {' or '.join(PAGES_OF[top])}")
    report("source-files", problems, "a source file its docs page does not name")

# ---- 3. local-sources ------------------------------------------------------------------
OUTSIDE = re.compile(r"(\.\./)+shared/|\bshared/reference/")

def check_outside():
    problems = []
    me = os.path.normpath("tests/docs/check-docs.sh")
    for f in tracked_files():
        if os.path.normpath(f) == me:
            continue
        try:
            with open(f, "rb") as fh:
                data = fh.read()
        except OSError:
            continue
        if b"\0" in data[:8192]:
            continue
        for n, line in enumerate(data.decode("utf-8", "replace").split("\n"), 1):
            if OUTSIDE.search(line):
                problems.append(f"{f}:{n}: {line.strip()[:120]}")
    report("local-sources", problems,
           "a file cites ../shared/, which is not part of the repository "
           "(put the fact in the project's docs and cite that page)")

# ---- 4. relative-links -----------------------------------------------------------------
LINK = re.compile(r"!?\[[^\]]*\]\(\s*<?([^)\s>]+)>?(?:\s+\"[^\"]*\")?\s*\)")

def anchors(path):
    """The anchors of a Markdown page's headings, as GitHub makes them."""
    seen, out = {}, set()
    text = re.sub(r"^```.*?^```", "", read(path), flags=re.S | re.M)
    for h in re.findall(r"^#{1,6}\s+(.*?)\s*#*\s*$", text, flags=re.M):
        a = re.sub(r"[^\w\- ]", "", h.strip().lower()).replace(" ", "-")
        n = seen.get(a, 0)
        seen[a] = n + 1
        out.add(a if n == 0 else f"{a}-{n}")
    return out

def check_links():
    problems = []
    mds = [f for f in tracked_files()
           if (f.startswith("docs/") and f.endswith(".md") and f.count("/") == 1)
           or os.path.basename(f) == "README.md"]
    for f in mds:
        in_code = False
        for n, line in enumerate(read(f).split("\n"), 1):
            if line.lstrip().startswith("```"):
                in_code = not in_code
                continue
            if in_code:
                continue
            for target in LINK.findall(re.sub(r"`[^`]*`", "", line)):
                if re.match(r"[a-z][a-z0-9+.-]*:", target, re.I):
                    continue
                path, _, anchor = target.partition("#")
                full = os.path.normpath(os.path.join(os.path.dirname(f), path) if path else f)
                if full.startswith(".."):
                    problems.append(f"{f}:{n}: {target} leaves the repository")
                elif not os.path.exists(full):
                    problems.append(f"{f}:{n}: {target} does not exist")
                elif anchor and full.endswith(".md") and anchor not in anchors(full):
                    problems.append(f"{f}:{n}: {target}: {full} has no heading #{anchor}")
    report("relative-links", problems, "a relative link to a file that does not exist")

check_status()
check_sources()
check_outside()
check_links()
PY
