# SPDX-License-Identifier: GPL-2.0-only
"""The host requests of vmtest.py: what a guest test asks the host with
"CHECK <seq> <kind> <args...>" on the control channel (tests/harness/README.md,
"Host checks").

A handler is a function (run, kind, args, line) -> (ok, detail): RUN is
vmtest's Run, KIND the request's first word, ARGS the other words, LINE the
whole request. REQUESTS maps every kind to its handler: this module's (the
pictures, the SPICE client, the log, QMP wake-up and reset) and the ones
lifecycle.py, panic.py and tests/spice/probe_host.py export as their REQUESTS.
"""

import os
import re
import sys
import time

import images
import poll
import qxltrace
import lifecycle
import panic
from images import compare, expected_image, fast_nonblack, parse_color

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "spice"))
import probe_host  # noqa: E402

SPICE_CONVERGE_S = 10.0
SCREENDUMP_CONVERGE_S = 2.0


def handler(kind):
    """The handler of KIND, or None if no module serves it."""
    fn = REQUESTS.get(kind)
    if fn is None and kind.startswith("probe-"):
        fn = probe_host.unknown
    return fn


def check_screendump(run, exp):
    return poll.settle(lambda: compare(exp, run.screendump()), SCREENDUMP_CONVERGE_S, 0.25)


def check_spice(run, exp):
    return poll.settle(lambda: compare(exp, run.spice_snap()), SPICE_CONVERGE_S, 0.3)


def log_line(run, kind, args, line):
    """log <text>: vmtest prints "LOG <text>"."""
    print("LOG %s" % line[4:].strip(), flush=True)
    return True, "logged"


def screen(run, kind, args, line):
    """screen, screendump-only, spice-only <W> <H> <BG> [<X> <Y> <RW> <RH> <COLOR>]...:
    the screendump and/or the SPICE client's picture is that picture."""
    exp = expected_image(args)
    notes = []
    if kind in ("screen", "screendump-only"):
        diff = check_screendump(run, exp)
        if diff:
            return False, "screendump: " + diff
        notes.append("screendump ok")
    if kind in ("screen", "spice-only"):
        if run.client is None:
            if kind == "spice-only":
                return False, "no SPICE client (run vmtest.py with --spice-client)"
            notes.append("no SPICE client connected, checked the screendump only")
        else:
            diff = check_spice(run, exp)
            if diff:
                return False, "spice client: " + diff + run.spice_note
            notes.append("spice client ok" + run.spice_note)
    return True, "; ".join(notes) + " (%dx%d)" % (exp[0], exp[1])


def screendump_region(run, kind, args, line):
    """screendump-region <X> <Y> <W> <H> <BG> [rects]: the W x H rectangle
    of the screendump at (X, Y) is that picture (the dump may be larger,
    e.g. a primary surface wider than the heads it carries)."""
    x0, y0 = int(args[0], 0), int(args[1], 0)
    exp = expected_image(args[2:])

    def once():
        dump = run.screendump()
        w, h, _ = dump
        if x0 + exp[0] > w or y0 + exp[1] > h:
            diff = "screendump %dx%d does not contain %dx%d+%d+%d" % (
                w, h, exp[0], exp[1], x0, y0)
        else:
            diff = compare(exp, images.crop(dump, x0, y0, exp[0], exp[1]))
        if diff is None:
            return True, "region %dx%d+%d+%d of the %dx%d screendump ok" % (
                exp[0], exp[1], x0, y0, w, h)
        return False, "screendump region %dx%d+%d+%d: %s" % (exp[0], exp[1], x0, y0, diff)
    return poll.until(once, SCREENDUMP_CONVERGE_S, 0.25)


def screendump_colors(run, kind, args, line):
    """screendump-colors <X> <Y> <W> <H> <COLOR> <MINPCT> [...]: in each
    rectangle of the screendump, at least MINPCT percent of the pixels are
    exactly COLOR (windows of X clients whose exact pixels depend on
    antialiasing and the time of day); screendumps polled for up to 10 s."""
    if not args or len(args) % 6:
        return False, "expected <X> <Y> <W> <H> <COLOR> <MINPCT> [...]"
    groups = []
    for i in range(0, len(args), 6):
        x, y, rw, rh = (int(v, 0) for v in args[i:i + 4])
        groups.append((x, y, rw, rh, parse_color(args[i + 4]), float(args[i + 5])))

    def once():
        w, h, px = run.screendump()
        bad, notes = [], []
        for x, y, rw, rh, col, need in groups:
            name = "%dx%d+%d+%d 0x%s" % (rw, rh, x, y, col.hex())
            if rw <= 0 or rh <= 0 or x < 0 or y < 0 or x + rw > w or y + rh > h:
                bad.append("%s: outside the %dx%d screendump" % (name, w, h))
                continue
            n = 0
            for yy in range(y, y + rh):
                row = px[(yy * w + x) * 3:(yy * w + x + rw) * 3]
                n += sum(1 for j in range(0, len(row), 3) if row[j:j + 3] == col)
            pct = 100.0 * n / (rw * rh)
            note = "%s %.1f%%" % (name, pct)
            notes.append(note)
            if pct < need:
                bad.append("%s, expected >= %g%%" % (note, need))
        if not bad:
            return True, "; ".join(notes)
        return False, "screendump %dx%d: %s" % (w, h, "; ".join(bad))
    return poll.until(once, SPICE_CONVERGE_S, 0.25)


def screendump_stats(run, kind, args, line):
    """screendump-stats: the screendump's size and non-black pixels."""
    img = run.screendump()
    return True, "size=%dx%d nonblack=%d" % (img[0], img[1], fast_nonblack(img[2]))


def screendump_nonblack(run, kind, args, line):
    """screendump-nonblack <W> <H> [<min-nonblack-pixels>]"""
    w, h = int(args[0]), int(args[1])
    need = int(args[2]) if len(args) > 2 else 1
    img = run.screendump()
    nb = fast_nonblack(img[2])
    detail = "size=%dx%d nonblack=%d" % (img[0], img[1], nb)
    if (img[0], img[1]) != (w, h):
        return False, detail + ", expected size %dx%d" % (w, h)
    if nb < need:
        return False, detail + ", expected at least %d non-black pixels" % need
    return True, detail


def screendump_size(run, kind, args, line):
    """screendump-size <W> <H> [<timeout_s>]: poll screendumps (0.25 s apart)
    until one is W x H; detail says when (ms after the request)."""
    w, h = int(args[0]), int(args[1])
    limit = min(float(args[2]) if len(args) > 2 else 10.0, 100.0)
    t0 = time.monotonic()
    while True:
        img = run.screendump()
        ms = (time.monotonic() - t0) * 1000.0
        if (img[0], img[1]) == (w, h):
            return True, "size=%dx%d after_ms=%.0f nonblack=%d" % (
                w, h, ms, fast_nonblack(img[2]))
        if ms >= limit * 1000.0:
            return False, "screendump still %dx%d after %.1f s, expected %dx%d" % (
                img[0], img[1], ms / 1000.0, w, h)
        time.sleep(0.25)


def screendump_differs(run, kind, args, line):
    """screendump-differs [<ms between dumps>]: two dumps must differ."""
    ms = int(args[0]) if args else 1000
    a = run.screendump()
    time.sleep(ms / 1000.0)
    b = run.screendump()
    if a == b:
        return False, "two screendumps %d ms apart are identical (%dx%d, nonblack=%d)" % (
            ms, a[0], a[1], fast_nonblack(a[2]))
    return True, "screendumps differ (%dx%d then %dx%d)" % (a[0], a[1], b[0], b[1])


def spice_latency(run, kind, args, line):
    """spice-latency <W> <H> <COLOR>: time from this request until the
    SPICE client's picture is that solid color (benchmarks only)."""
    if run.client is None:
        return False, "no SPICE client (run vmtest.py with --spice-client)"
    t0 = time.monotonic()
    exp = expected_image(args)
    while True:
        try:
            diff = compare(exp, run.spice_snap())
        except RuntimeError as e:
            diff = str(e)
        if diff is None:
            return True, "latency_ms=%.1f" % ((time.monotonic() - t0) * 1000)
        if time.monotonic() - t0 > SPICE_CONVERGE_S:
            return False, "spice client never matched: " + diff
        time.sleep(0.005)


def spice_latency_arm(run, kind, args, line):
    """spice-latency-arm <W> <H> <COLOR>: start timing until the SPICE client
    shows W x H of that one color, checked by the client at each of its
    display updates; the guest commits the picture next and then asks
    spice-latency-wait. With --qxl-trace, QEMU's qxl events are recorded
    meanwhile (benchmarks only)."""
    if run.client is None:
        return False, "no SPICE client (run vmtest.py with --spice-client)"
    if len(args) != 3:
        return False, "usage: spice-latency-arm <W> <H> <COLOR>"
    w, h, rgb = int(args[0], 0), int(args[1], 0), int(args[2], 0)
    if run.trace:
        run.trace.enable(run.qmp, True)
    run.lat_arm = time.monotonic()
    run.client.send("waitsolid %d %d %06x %d" % (w, h, rgb, SPICE_CONVERGE_S * 1000))
    return True, "armed"


def spice_latency_wait(run, kind, args, line):
    """spice-latency-wait [<IOCTL_US>]: the answer to the last
    spice-latency-arm, as times in ms from the arm: client_ms (the client
    showed the picture), and with --qxl-trace notify_ms (the guest's
    NOTIFY_CMD reached QEMU), pickup_ms (spice-server's worker took the next
    command after it), first_update_ms (the client's first display update
    after the arm);
    IOCTL_US is the guest's own time for the commit ioctl, echoed as
    ioctl_ms."""
    if run.client is None or run.lat_arm is None:
        return False, "no spice-latency-arm before"
    t_arm, run.lat_arm = run.lat_arm, None
    try:
        r = run.client.reply("waitsolid", SPICE_CONVERGE_S + 5)
    finally:
        if run.trace:
            run.trace.enable(run.qmp, False)
    w = r.split()
    if len(w) != 4 or w[0] != "ok":
        return False, "spice client never showed the picture: " + r
    ms = lambda t: "%.2f" % ((t - t_arm) * 1000.0)
    t_match, t_first = int(w[2]) / 1e6, int(w[3]) / 1e6
    parts = ["client_ms=" + ms(t_match)]
    if args:
        parts.append("ioctl_ms=%.2f" % (int(args[0]) / 1000.0))
    if t_first:
        parts.append("first_update_ms=" + ms(t_first))
    if run.trace:
        notify, pickup = qxltrace.breakdown(run.trace.since(t_arm), t_arm)
        parts.append("notify_ms=" + (ms(notify) if notify else "none"))
        parts.append("pickup_ms=" + (ms(pickup) if pickup else "none"))
    return True, " ".join(parts)


def spice_matches_screendump(run, kind, args, line):
    """spice-matches-screendump: for static pictures, the client must
    converge to the screendump."""
    if run.client is None:
        return True, "no SPICE client connected, nothing to compare"
    dump = run.screendump()
    diff = check_spice(run, dump)
    if diff:
        return False, "spice client vs screendump: " + diff
    return True, "spice client matches the screendump (%dx%d)" % (dump[0], dump[1])


def spice_stream_matches(run, kind, args, line):
    """spice-stream-matches <id>: spice-gtk's picture of display channel ID
    (a stream device's: its MJPEG frames decoded by spice-gtk) equals the
    screendump within the codec's error (probe_host.STREAM_*)."""
    if run.client is None:
        return False, "no SPICE client (run vmtest.py with --spice-client)"
    if len(args) != 1 or not args[0].isdigit():
        return False, "usage: spice-stream-matches DISPLAY_ID"
    got = {}

    def snap():
        run.nshot += 1
        path = os.path.join(run.tmp, "spice-d%s-%03d.ppm" % (args[0], run.nshot))
        r = run.client.request("snap %s %s" % (path, args[0]))
        if not r.startswith("ok"):
            raise RuntimeError("SPICE client, display %s: %s" % (args[0], r))
        return images.read(path)

    def dump():
        got["d"] = run.screendump()
        return got["d"]
    diff = poll.settle(lambda: images.near(dump(), snap(), probe_host.STREAM_MEAN,
                                           probe_host.STREAM_PEAK, probe_host.STREAM_FRAC),
                       SPICE_CONVERGE_S, 0.3)
    if diff:
        return False, "spice-gtk's display %s vs screendump: %s" % (args[0], diff)
    return True, "spice-gtk's display %s equals the screendump (%dx%d) within the codec's error" % (
        args[0], got["d"][0], got["d"][1])


def client_monitors(run, kind, args, line):
    """client-monitors <WxH+X+Y>...: the SPICE client asks for this layout
    (needs --vdagent and the guest holding /dev/vport0p1 open)."""
    if run.client is None:
        return False, "no SPICE client (run vmtest.py with --spice-client)"
    r = run.client.request("monitors " + " ".join(args), timeout=20)
    return r.startswith("ok"), r


def spice_cursor(run, kind, args, line):
    """spice-cursor <visible> <W> <H> <hotx> <hoty> <x> <y> <c0>,<c1>,<c2>,<c3>:
    the client's cursor, with the ARGB colours (hex) of the image at the
    centres of its four quadrants; polled for up to 10 s."""
    if run.client is None:
        return False, "no SPICE client (run vmtest.py with --spice-client)"
    want = args[:7]
    cols = [int(c, 16) for c in args[7].split(",")] if len(args) > 7 else []

    def once():
        r = run.client.request("cursor").split()
        got = r[1:8]
        ok = r[:1] == ["ok"] and got == want
        if ok and cols and len(r) > 8 and r[8] != "-":
            raw = [bytes.fromhex(s) for s in r[8].split(",")]
            bgra = [bytes((c & 255, (c >> 8) & 255, (c >> 16) & 255, c >> 24))
                    for c in cols]
            rgba = [bytes(((c >> 16) & 255, (c >> 8) & 255, c & 255, c >> 24))
                    for c in cols]
            ok = raw == bgra or raw == rgba
        if ok:
            return True, "client cursor " + " ".join(r[1:])
        return False, "client cursor %s, expected %s %s" % (
            " ".join(r[1:]), " ".join(want), args[7] if len(args) > 7 else "")
    return poll.until(once, SPICE_CONVERGE_S, 0.1)


def spice_monitors(run, kind, args, line):
    """spice-monitors <WxH+X+Y>...: the client's display channel must report
    exactly these monitors (the guest's MONITORS_CONFIG)."""
    if run.client is None:
        return False, "no SPICE client (run vmtest.py with --spice-client)"
    want = " ".join(args)

    def once():
        run.nshot += 1
        path = os.path.join(run.tmp, "spice-%03d.ppm" % run.nshot)
        r = run.client.request("snap " + path)
        got = " ".join(re.findall(r"\d+x\d+\+\d+\+\d+", r))
        if got == want:
            return True, "client monitors: " + got
        return False, "client monitors %r, expected %r" % (got, want)
    return poll.until(once, SPICE_CONVERGE_S, 0.2)


def system_wakeup(run, kind, args, line):
    """system-wakeup <delay_ms>: once QMP query-status says the guest is
    suspended (polled for up to 60 s), wait delay_ms and send QMP
    system_wakeup. Answered at once: the guest suspends after it."""
    run.wakeup = (int(args[0], 0) / 1000.0 if args else 1.0, time.monotonic() + 60)
    return True, "system_wakeup armed"


def system_reset(run, kind, args, line):
    """system-reset <delay_ms>: QMP system_reset after delay_ms (answered at
    once). The next boot's /init goes on after the asking command (its
    number is on the --swap-mib disk) and says "@@REBOOT N"."""
    if run.cur is None:
        return False, "no command is running"
    run.reset_at = time.monotonic() + (int(args[0], 0) / 1000.0 if args else 0.5)
    run.reset_cmd = run.cur
    return True, "system_reset armed"


def spice_info(run, kind, args, line):
    """spice-info: the client's primary surface."""
    if run.client is None:
        return False, "no SPICE client"
    r = run.client.request("info")
    return r.startswith("ok"), r


def merge(*tables):
    """One table of several; a kind in two of them is a bug."""
    out = {}
    for table in tables:
        for kind, fn in table.items():
            if kind in out:
                raise ValueError("host request %r has two handlers" % kind)
            out[kind] = fn
    return out


REQUESTS = merge({
    "log": log_line,
    "screen": screen,
    "screendump-only": screen,
    "spice-only": screen,
    "screendump-region": screendump_region,
    "screendump-colors": screendump_colors,
    "screendump-stats": screendump_stats,
    "screendump-nonblack": screendump_nonblack,
    "screendump-size": screendump_size,
    "screendump-differs": screendump_differs,
    "spice-latency": spice_latency,
    "spice-latency-arm": spice_latency_arm,
    "spice-latency-wait": spice_latency_wait,
    "spice-matches-screendump": spice_matches_screendump,
    "spice-stream-matches": spice_stream_matches,
    "client-monitors": client_monitors,
    "spice-cursor": spice_cursor,
    "spice-monitors": spice_monitors,
    "system-wakeup": system_wakeup,
    "system-reset": system_reset,
    "spice-info": spice_info,
}, lifecycle.REQUESTS, panic.REQUESTS, probe_host.REQUESTS)
