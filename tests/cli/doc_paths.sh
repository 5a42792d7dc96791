#!/usr/bin/env bash
# Every repository path cited in the code, the scripts and the docs exists (docs/…,
# scripts/…, arch_configs/…, workloads/…, tests/…, pruning/…, sim/…, sweep/…, cli/…,
# technology/…): a renamed or missing file fails here instead of sending a reader nowhere.
set -u
src=$2
cd "$src" || exit 1
/usr/bin/python3 - <<'P'
import os, re, subprocess, sys
files = subprocess.run(["git", "ls-files"], capture_output=True, text=True).stdout.split() if os.path.isdir(".git") else []
if not files:
    for d, _, fs in os.walk("."):
        if "/build" in d or "/.git" in d or "/results" in d:
            continue
        files += [os.path.join(d, f)[2:] for f in fs]
pat = re.compile(r"(?<![\w/.-])((?:docs|scripts|arch_configs|workloads|tests|pruning|sim|sweep|cli|technology)/[\w./-]*[\w])")
missing = []
for f in files:
    if not f.endswith((".md", ".cpp", ".h", ".sh", ".py", ".txt", ".json", ".def")) or f.startswith(("results/", "build")):
        continue
    try:
        text = open(f, encoding="utf-8").read()
    except (UnicodeDecodeError, OSError):
        continue
    for m in pat.finditer(text):
        p = m.group(1).rstrip(".")
        line = text[: m.start()].count("\n") + 1
        ctx = text[max(0, m.start() - 1): m.end() + 1]
        if any(c in ctx for c in "<>*$%{}") or p.endswith("/") or "/." in p:
            continue  # a pattern, not a path
        if "." not in os.path.basename(p):
            continue  # prose such as "pruning/simulator contract", or a directory
        p = re.sub(r"(\.(?:md|cpp|h|json|sh|py))[.:,)]*$", r"\1", p)
        cands = [p, os.path.join(os.path.dirname(f), p)]
        if p.startswith("technology/"):
            cands.append(os.path.join("arch_configs", p))
        if not any(os.path.exists(c) for c in cands):
            missing.append("%s:%d: %s" % (f, line, p))
for m in missing:
    print("missing:", m)
print("%d cited paths missing" % len(missing))
sys.exit(1 if missing else 0)
P
