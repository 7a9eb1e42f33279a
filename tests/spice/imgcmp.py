#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Compare two images pixel for pixel (RGB). Reads what python3-pil reads
(PNG, PPM, ...; tests/harness/images.py). Prints a one-line verdict;
exit 0 if identical, 1 if they differ, 2 on a read error."""
import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "harness"))
import images  # noqa: E402


def main():
    try:
        a, b = images.read(sys.argv[1]), images.read(sys.argv[2])
    except Exception as e:  # noqa: BLE001
        print("read error: %s" % e)
        return 2
    if a[:2] != b[:2]:
        print("size differs: %dx%d vs %dx%d" % (a[0], a[1], b[0], b[1]))
        return 1
    w = a[0]
    diff = [i for i in range(0, len(a[2]), 3) if a[2][i:i + 3] != b[2][i:i + 3]]
    if diff:
        i = diff[0] // 3
        print("%d pixels differ, first at (%d,%d): %s vs %s" % (
            len(diff), i % w, i // w, a[2][3 * i:3 * i + 3].hex(), b[2][3 * i:3 * i + 3].hex()))
        return 1
    print("identical %dx%d" % (a[0], a[1]))
    return 0


if __name__ == "__main__":
    sys.exit(main())
