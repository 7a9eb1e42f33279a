"""The guest's kernel panics on purpose, for vmtest.py (host request):

  panic-expect <RGB>   the guest is about to panic (sysrq-trigger) while it
                       shows a full screen of colour RGB; run it with
                       --append panic=0 so that the panicked guest stays up

Then, once the console says "Kernel panic - not syncing", the screendump and
the SPICE client's picture must both show drm_panic's screen and nothing of
the picture before it: no pixel of RGB, nine tenths of it the panic screen's
background (black) and foreground (white), each at least a little. The result is reported as
panic-screendump and panic-spice, the command that panicked is counted as
finished, the run ends, and kernel messages from the request on (the panic's
own) are not held against the kernel log. Every wait is bounded.
"""

import time

from images import parse_color

PANIC_LINE = "Kernel panic - not syncing"
PANIC_TIMEOUT_S = 60   # from the request to the panic line on the console
SETTLE_S = 2.0         # drm_panic runs right after the line is printed
CONVERGE_S = 10.0


class Expect:
    def __init__(self, run, before):
        self.before = before
        self.con_index = len(run.con_lines)  # console lines from here are the panic's
        self.deadline = time.monotonic() + PANIC_TIMEOUT_S
        self.seen = None


def expect(run, kind, args, line):
    """panic-expect <RGB> (host request)"""
    if len(args) != 1:
        return False, "usage: panic-expect <RGB>"
    run.panic = Expect(run, parse_color(args[0]))
    return True, "waiting up to %d s for the panic" % PANIC_TIMEOUT_S


def judge(img, before):
    """(ok, counts): does IMG look like drm_panic's screen, with nothing of BEFORE?"""
    w, h, px = img
    n = w * h
    old = black = white = 0
    for i in range(0, len(px), 3):
        p = px[i:i + 3]
        if p == before:
            old += 1
        elif p == b"\0\0\0":
            black += 1
        elif min(p) >= 0xc0:
            white += 1
    counts = "%dx%d: %d black, %d white, %d of the old colour" % (w, h, black, white, old)
    # drm_panic fills the screen with its background colour and draws its
    # text or QR code (Debian 7.x's default panic_screen) in the foreground
    ok = (not old and black + white >= n * 9 // 10 and black >= n // 10 and
          white >= max(n // 2000, 1))
    return ok, counts


def check(run, name, snap):
    end = time.monotonic() + CONVERGE_S
    while True:
        try:
            ok, counts = judge(snap(), run.panic.before)
        except RuntimeError as e:
            ok, counts = False, str(e)
        if ok:
            run.report("PASS", name, counts)
            return "PASS"
        if time.monotonic() >= end:
            run.report("FAIL", name, "not the panic screen: " + counts)
            return "FAIL"
        time.sleep(0.5)


def poll(run):
    """Called from vmtest's loop while a panic is expected."""
    p = run.panic
    if p.seen is None:
        if any(PANIC_LINE in l for l in run.con_lines[p.con_index:]):
            p.seen = time.monotonic()
        elif time.monotonic() > p.deadline:
            run.report("FAIL", "panic", "no \"%s\" on the console within %d s" % (
                PANIC_LINE, PANIC_TIMEOUT_S))
            run.panic = None
            run.done = True
        return
    if time.monotonic() - p.seen < SETTLE_S:
        return
    statuses = [check(run, "panic-screendump", run.screendump)]
    if run.client:
        statuses.append(check(run, "panic-spice", run.spice_snap))
    else:
        run.report("FAIL", "panic-spice", "no SPICE client (run vmtest.py with --spice-client)")
        statuses.append("FAIL")
    if run.cur is not None:
        run.cmd_tests.setdefault(run.cur, []).extend(statuses)
        run.cmd_rc[run.cur] = 0
    run.kernel_log_until = p.con_index
    run.panic = None
    run.done = True


# the host requests served here (tests/harness/host_requests.py)
REQUESTS = {"panic-expect": expect}
