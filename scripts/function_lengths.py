#!/usr/bin/env python3
"""Functions longer than a limit in the project's C++ sources (issue 20: none over 120 lines).

    scripts/function_lengths.py [LIMIT]      (default 120; exits 1 when any is longer)

A brace scan, not a parser: every block that opens on a line which is not a namespace,
class, struct or enum, with comments and string literals ignored, is measured from its
opening to its closing line. Tests are left out.
"""
import os
import re
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
DIRS = ["pruning", "sim", "cli", "sweep"]


def blocks(path):
    lines = open(path, encoding="utf-8").read().split("\n")
    stack = []
    for i, line in enumerate(lines):
        code = re.sub(r"//.*", "", line)
        code = re.sub(r'"(\\.|[^"\\])*"', '""', code)
        code = re.sub(r"'(\\.|[^'\\])'", "''", code)
        for ch in code:
            if ch == "{":
                stack.append((i, line))
            elif ch == "}" and stack:
                start, text = stack.pop()
                yield start + 1, i - start + 1, text.strip()


def main():
    limit = int(sys.argv[1]) if len(sys.argv) > 1 else 120
    found = []
    for d in DIRS:
        for dirpath, _, files in os.walk(os.path.join(ROOT, d)):
            for f in sorted(files):
                if not f.endswith((".cpp", ".h")):
                    continue
                path = os.path.join(dirpath, f)
                for line, n, text in blocks(path):
                    if n > limit and not re.match(r"(namespace|class|struct|enum|union)\b", text) and "namespace" not in text:
                        found.append((n, os.path.relpath(path, ROOT), line, text[:90]))
    for n, path, line, text in sorted(found, reverse=True):
        print(f"{n:5d} lines  {path}:{line}  {text}")
    print(f"{len(found)} function(s) over {limit} lines")
    return 1 if found else 0


if __name__ == "__main__":
    sys.exit(main())
