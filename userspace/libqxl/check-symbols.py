#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Check that a shared library exports exactly the symbols listed in a file.

usage: check-symbols.py LIBRARY SYMBOLS-FILE
Prints each missing or unexpected symbol and exits 1 if there is any.
"""
import subprocess
import sys


def main():
    lib, listf = sys.argv[1], sys.argv[2]
    out = subprocess.run(["nm", "-D", "--defined-only", lib], capture_output=True,
                         text=True, check=True).stdout
    got = {line.split()[-1] for line in out.splitlines()
           if len(line.split()) >= 3 and line.split()[1] in "TDBR"}
    with open(listf) as f:
        want = {s.strip() for s in f if s.strip() and not s.startswith("#")}
    bad = 0
    for s in sorted(want - got):
        print("missing: %s" % s)
        bad = 1
    for s in sorted(got - want):
        print("unexpected export: %s" % s)
        bad = 1
    print("%d symbols checked" % len(want))
    return bad


if __name__ == "__main__":
    sys.exit(main())
