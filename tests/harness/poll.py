# SPDX-License-Identifier: GPL-2.0-only
"""Bounded polling, the shape of most host checks: ask again until the
answer is what the guest said, or give up after a fixed time and say what was
seen last."""

import time


def until(fn, timeout, interval):
    """Call FN() every INTERVAL seconds until it returns (True, detail) or
    TIMEOUT seconds have passed; return its last (ok, detail)."""
    end = time.monotonic() + timeout
    while True:
        ok, detail = fn()
        if ok or time.monotonic() >= end:
            return ok, detail
        time.sleep(interval)


def settle(diff_fn, timeout, interval):
    """until() for DIFF_FN returning None once satisfied, else what is still
    wrong (a RuntimeError's text counts as that); returns the last of these."""
    def once():
        try:
            diff = diff_fn()
        except RuntimeError as e:
            diff = str(e)
        return diff is None, diff
    return until(once, timeout, interval)[1]
