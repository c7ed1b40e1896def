#!/usr/bin/env python3
"""Golden tests of memcgc's front end: each .mcp file says how to run memcgc on it and what
it must print, in comment lines at its end:

    #! args: --emit=ast -I dir      arguments before the file (default: --check)
    #! exit: 1                       expected exit status (default: 0 in ok/, 1 elsewhere)
    #> text                          a line memcgc prints on stdout
    #2> text                         a line memcgc prints on stderr

Files and directories whose names start with `_` are not tests: tests import them.
memcgc runs in the file's directory with the file's name as its argument, so the paths in
the diagnostics are short and stable; `$STDLIB` in an expected line stands for the
standard library directory. Every line is compared, so a test asserts the whole rendered
diagnostic: position, message, source line, caret and hints.

usage: golden.py MEMCGC DIR... [--bless]   (--bless rewrites the expectations)
"""
import os
import re
import subprocess
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
STDLIB = os.path.join(ROOT, "stdlib")


def split_test(text):
    """The policy part of a test file, and its directives."""
    body, args, exit_code = [], None, None
    for line in text.splitlines():
        if line.startswith("#! args:"):
            args = line[len("#! args:"):].split()
        elif line.startswith("#! exit:"):
            exit_code = int(line[len("#! exit:"):])
        elif line.startswith("#>") or line.startswith("#2>"):
            continue
        else:
            body.append(line)
    while body and body[-1] == "":
        body.pop()
    return body, args, exit_code


def expected_lines(text, prefix):
    out = []
    for line in text.splitlines():
        if line.startswith(prefix + " ") or line == prefix:
            out.append(line[len(prefix) + 1:])
    return out


def run(memcgc, path, args):
    proc = subprocess.run([memcgc] + args + [os.path.basename(path)],
                          cwd=os.path.dirname(path), stdout=subprocess.PIPE,
                          stderr=subprocess.PIPE, text=True, errors="replace", timeout=60)
    # The source hash covers the test file, expectations included: it cannot be golden.
    norm = lambda s: [re.sub(r"^source-hash [0-9a-f]{16}$", "source-hash HASH",
                             l.replace(STDLIB, "$STDLIB")) for l in s.splitlines()]
    return proc.returncode, norm(proc.stdout), norm(proc.stderr)


def bless(path, text, code, out, err, default_exit):
    body, args, _ = split_test(text)
    lines = list(body)
    if args is not None:
        lines.append("#! args: " + " ".join(args))
    if code != default_exit:
        lines.append(f"#! exit: {code}")
    lines += [("#> " + l).rstrip() if l else "#>" for l in out]
    lines += [("#2> " + l).rstrip() if l else "#2>" for l in err]
    with open(path, "w") as f:
        f.write("\n".join(lines) + "\n")


def check(memcgc, path, blessing):
    name = os.path.relpath(path, os.path.join(ROOT, "tests"))
    with open(path) as f:
        text = f.read()
    _, args, exit_code = split_test(text)
    default_exit = 0 if "/ok/" in path else 1
    args = ["--check"] if args is None else args
    code, out, err = run(memcgc, path, args)
    if blessing:
        bless(path, text, code, out, err, default_exit)
    want_exit = default_exit if exit_code is None else exit_code
    want_out = [l.rstrip() for l in expected_lines(text, "#>")]
    want_err = [l.rstrip() for l in expected_lines(text, "#2>")]
    out = [l.rstrip() for l in out]
    err = [l.rstrip() for l in err]
    if blessing or (code, out, err) == (want_exit, want_out, want_err):
        print(f"PASS {name}")
        return
    print(f"FAIL {name}: exit {code} (want {want_exit})" if code != want_exit
          else f"FAIL {name}: output differs")
    for label, got, want in (("stdout", out, want_out), ("stderr", err, want_err)):
        if got != want:
            print(f"  {label} differs; got:")
            for l in got[:40]:
                print("  | " + l)
            print("  want:")
            for l in want[:40]:
                print("  | " + l)


def main(argv):
    blessing = "--bless" in argv
    argv = [a for a in argv if a != "--bless"]
    memcgc = os.path.abspath(argv[1])
    for d in argv[2:]:
        for dirpath, dirs, files in os.walk(d):
            dirs[:] = sorted(x for x in dirs if not x.startswith("_"))
            for f in sorted(files):
                if f.endswith(".mcp") and not f.startswith("_"):
                    check(memcgc, os.path.join(os.path.abspath(dirpath), f), blessing)


if __name__ == "__main__":
    main(sys.argv)
