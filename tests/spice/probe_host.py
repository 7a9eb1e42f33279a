# SPDX-License-Identifier: MIT
"""spice-probe as a second SPICE client of a vmtest.py guest (--spice-probe).

vmtest.py starts build/meson/userspace/tools/spice-probe --control against the VM's
SPICE port before the guest tests and serves the `probe-*` host requests
with the handlers here (REQUESTS, at the end; tests/harness/host_requests.py
merges them into vmtest's table). spice-probe answers one line per stdin command (see
Documentation/spice-wire.rst, "--control"); it is stopped with `quit`, then
SIGKILL by PID.

Requests (PASS/FAIL detail back to the guest):
  probe-screen <W> <H> <BG> [<X> <Y> <RW> <RH> <COLOR>]...
        spice-probe's PNG is exactly that picture (polled 10 s)
  probe-png-matches-screendump
        spice-probe's PNG equals a QMP screendump pixel for pixel (10 s)
  probe-matches-client
        spice-gtk (--spice-client) and spice-probe hold the same picture (10 s)
  probe-monitors <WxH+X+Y>...
        spice-probe sent that client monitors config through the agent (15 s)
  probe-key <CODE>[,<CODE>...]
        spice-probe sent press+release of those PC set-1 scancodes
  probe-clock <guest_us>
        calibration: the host keeps min(host_recv_us - guest_us) as the
        guest->host clock offset (both CLOCK_MONOTONIC; the serial delay of
        the request biases it by at most the one-way line time)
  probe-latency <W> <H> <COLOR> <guest_draw_us>
        waits (10 s) for spice-probe's model to be W x H of COLOR; detail
        latency_ms = time the display message that completed it arrived minus
        the guest's draw time mapped to host time (needs probe-clock first)
  probe-heads <WxH+X+Y>...
        spice-probe's display channel 0 got exactly these heads in the last
        MONITORS_CONFIG (polled 10 s)
  probe-streams [<min_frames>]
        spice-probe got a STREAM_CREATE, at least min_frames (default 1)
        stream frames and a STREAM_ACTIVATE_REPORT, sent MSGC_STREAM_REPORTs,
        and is still running (polled 10 s)
  probe-all-rendered
        every draw spice-probe received so far was rendered into its model
        (none of the kinds it only counts as "unrendered")
  probe-status
        spice-probe's status line
  probe-saw <MSG> [<KEY>=<VALUE> | <KEY>&=<BITS>]...
        spice-probe received a display-channel message named MSG (e.g.
        SURFACE_CREATE, DRAW_COMPOSITE; case-insensitive) whose JSON log entry
        has those fields (dotted keys reach into objects: mask.type=104;
        KEY&=BITS: all those bits set; KEY=A,B,C,D: a list such as a box
        [left,top,right,bottom]; numbers in any base Python's int(x, 0)
        reads). Derived keys: surface_format = the format of the last
        SURFACE_CREATE of the message's target surface; per image field F
        (src, mask) F.surface_format = the same for the surface that image
        names. Polled 10 s; the detail is the first match
  probe-none <MSG> [<KEY>=<VALUE> | <KEY>&=<BITS>]...
        once spice-probe has received no display message for a surface other
        than 0 for 1.5 s (at most 10 s), no display-channel message named MSG
        with those fields (as probe-saw) was received since spice-probe
        (re)connected (the guest should first probe-saw a message that the
        device sends after the ones it means)
  probe-surfaces-gone
        every off-screen surface (id != 0) spice-probe was sent a
        SURFACE_CREATE for got its SURFACE_DESTROY since (polled 10 s): run it
        after the program that owned them exited
  probe-reconnect [--cap [+|-]NAME]...
        stop spice-probe and connect a new one with those capability changes
        (its log: spice-probe-<N>.json); waits 30 s for it to link
"""

import json
import os
import re
import select
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.abspath(os.path.join(HERE, "..", ".."))
sys.path.insert(0, os.path.join(REPO, "tests", "harness"))
import child  # noqa: E402
import images  # noqa: E402
import poll  # noqa: E402

PROBE = os.path.join(REPO, "build", "meson", "userspace", "tools", "spice-probe")
CONVERGE_S = 10.0


class SpiceProbe:
    """The spice-probe --control process, started and stopped by PID."""

    def __init__(self, port, tmp, timeout, extra=(), name="spice-probe"):
        if not os.access(PROBE, os.X_OK):
            raise RuntimeError("%s is not built (make userspace)" % PROBE)
        self.tmp = tmp
        self.port = port
        self.timeout = timeout
        self.name = name
        self.log_path = os.path.join(tmp, name + ".json")
        self.errf = open(os.path.join(tmp, name + ".log"), "w")
        self.proc = subprocess.Popen(
            [PROBE, "-H", "127.0.0.1", "-p", str(port), "--control", "-t", str(timeout),
             "-l", self.log_path] + list(extra),
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=self.errf, bufsize=0)
        self.buf = b""
        self.nshot = 0
        self.clock_offset_us = None
        self.note = ""

    def request(self, line, timeout=20):
        if self.proc.poll() is not None:
            raise RuntimeError("spice-probe exited with %s (see spice-probe.log)" %
                               self.proc.returncode)
        self.errf.write("-> %s\n" % line)
        self.errf.flush()
        self.proc.stdin.write((line + "\n").encode())
        end = time.monotonic() + timeout
        while time.monotonic() < end:
            if b"\n" in self.buf:
                out, self.buf = self.buf.split(b"\n", 1)
                out = out.decode(errors="replace").strip()
                self.errf.write("<- %s\n" % out)
                self.errf.flush()
                return out
            r, _, _ = select.select([self.proc.stdout], [], [],
                                    max(0.0, end - time.monotonic()))
            if r:
                chunk = os.read(self.proc.stdout.fileno(), 65536)
                if not chunk:
                    raise RuntimeError("spice-probe exited (see spice-probe.log)")
                self.buf += chunk
        raise RuntimeError("spice-probe did not answer %r" % line)

    def wait_linked(self, timeout):
        """True once the display and inputs channels are linked."""
        def linked():
            r = self.request("status")
            return " display=1 " in r and " inputs=1 " in r, r
        return poll.until(linked, timeout, 0.2)[0]

    def snap(self):
        """spice-probe's picture; cut to head 0 when the primary is larger
        than its only head (what a client window shows)."""
        self.nshot += 1
        path = os.path.join(self.tmp, "probe-%03d.png" % self.nshot)
        r = self.request("png " + path)
        if not r.startswith("ok"):
            raise RuntimeError("spice-probe: %s" % r)
        img, self.note = images.client_window(images.read(path), r, "probe")
        return img

    def stop(self):
        child.quit_or_kill(self.proc)
        self.errf.close()


def display_messages(probe):
    """The display-channel messages spice-probe received so far, from its
    JSON-line log (every control command flushes the log first)."""
    probe.request("status")
    msgs = []
    with open(probe.log_path, errors="replace") as f:
        for line in f:
            try:
                m = json.loads(line)
            except ValueError:
                continue    # a line being written
            if m.get("ch") == "display" and m.get("dir") == "in" and "name" in m:
                msgs.append(m)
    return msgs


def cursor_state(probe, chan_id=0):
    """[visible, w, h, hot_x, hot_y, x, y] of the cursor as spice-probe's cursor
    channel CHAN_ID left it (INIT/SET, MOVE, HIDE), as strings like
    spice-cursor's."""
    probe.request("status")
    st = ["0", "0", "0", "0", "0", "0", "0"]
    with open(probe.log_path, errors="replace") as f:
        for line in f:
            try:
                m = json.loads(line)
            except ValueError:
                continue
            if m.get("ch") != "cursor" or m.get("dir") != "in" or m.get("id", 0) != chan_id:
                continue
            name = m.get("name")
            if name in ("init", "set") and "w" in m:
                st = ["0" if m.get("cursor_flags", 0) & 1 else "1", str(m["w"]), str(m["h"]),
                      str(m["hot_x"]), str(m["hot_y"]), str(m["x"]), str(m["y"])]
            elif name == "move" and "x" in m:
                st[5:7] = [str(m["x"]), str(m["y"])]
            elif name == "hide":
                st[0] = "0"
    return st


def field(m, key, formats):
    """m's value at a dotted key; F.surface_format is derived (see probe-saw)."""
    if key == "surface_format":
        return formats.get(m.get("surface"))
    if key.endswith(".surface_format"):
        img = m.get(key[:-len(".surface_format")])
        if not isinstance(img, dict) or "surface" not in img:
            return None
        return formats.get(img["surface"])
    v = m
    for k in key.split("."):
        if not isinstance(v, dict) or k not in v:
            return None
        v = v[k]
    return v


def matches(m, name, conds, formats):
    if m["name"].lower() != name:
        return False
    for key, op, want in conds:
        v = field(m, key, formats)
        if isinstance(want, list):
            if v != want:
                return False
            continue
        if not isinstance(v, int) or isinstance(v, bool):
            return False
        if (op == "=" and v != want) or (op == "&=" and v & want != want):
            return False
    return True


def saw(probe, name, conds):
    """The first display message matching (name, conds), or None, and how many
    of that name were received."""
    formats, count, first = {}, 0, None
    for m in display_messages(probe):
        if m["name"] == "surface_create" and "surface" in m:
            formats[m["surface"]] = m.get("format")
        if m["name"].lower() == name:
            count += 1
            if first is None and matches(m, name, conds, formats):
                first = m
    return first, count


def parse_conds(args):
    conds = []
    for a in args:
        mt = re.match(r"^([\w.]+)(&?=)(-?\w+(?:,-?\w+)*)$", a)
        if not mt or ("," in mt.group(3) and mt.group(2) != "="):
            raise ValueError("bad condition %r (KEY=VALUE[,VALUE...] or KEY&=BITS)" % a)
        try:
            vals = [int(v, 0) for v in mt.group(3).split(",")]
        except ValueError:
            raise ValueError("bad number in %r" % a)
        conds.append((mt.group(1), mt.group(2), vals if "," in mt.group(3) else vals[0]))
    return conds


def brief(m):
    """A message's log entry without the bulky or timing fields."""
    return json.dumps({k: v for k, v in m.items() if k not in ("t", "ch", "dir", "id")},
                      separators=(",", ":"))


def quiet(probe, quiet_s=1.5, timeout=CONVERGE_S):
    """Waits until spice-probe has received no display message for a surface
    other than 0 (the primary, where the console cursor blinks) for quiet_s
    (bounded by timeout); True if it got quiet."""
    end = time.monotonic() + timeout
    last, since = None, time.monotonic()
    while time.monotonic() < end:
        n = sum(1 for m in display_messages(probe) if m.get("surface", 0) != 0)
        if n != last:
            last, since = n, time.monotonic()
        elif time.monotonic() - since >= quiet_s:
            return True
        time.sleep(0.2)
    return False


def converge(get, want, compare, timeout=CONVERGE_S):
    """Poll get() until compare(want(), got) is None or timeout; last diff."""
    return poll.settle(lambda: compare(want(), get()), timeout, 0.3)


def msg_args(kind, args):
    """<MSG> [conditions] of probe-saw/probe-none: (name, conds), or raise
    ValueError with the usage or the bad condition."""
    if not args:
        raise ValueError("usage: %s <MSG> [KEY=VALUE|KEY&=BITS]..." % kind)
    return args[0].lower(), parse_conds(args[1:])


def needs_probe(fn):
    """The host request handler (tests/harness/host_requests.py) of FN(run,
    probe, kind, args): answers without calling FN when vmtest.Run `run` has
    no spice-probe."""
    def handler(run, kind, args, line):
        if run.probe is None:
            return False, "no spice-probe (run vmtest.py with --spice-probe)"
        return fn(run, run.probe, kind, args)
    return handler


@needs_probe
def unknown(run, probe, kind, args):
    """A probe-* kind not served here."""
    return False, "unknown probe request %r" % kind


def probe_saw(run, probe, kind, args):
    try:
        name, conds = msg_args(kind, args)
    except ValueError as e:
        return False, str(e)

    def once():
        m, count = saw(probe, name, conds)
        if m is not None:
            return True, "%s: %s" % (probe.name, brief(m))
        return False, "%s received %d %s message(s), none with %s" % (
            probe.name, count, args[0], " ".join(args[1:]) or "any fields")
    return poll.until(once, CONVERGE_S, 0.3)


def probe_none(run, probe, kind, args):
    try:
        name, conds = msg_args(kind, args)
    except ValueError as e:
        return False, str(e)
    q = quiet(probe)
    m, count = saw(probe, name, conds)
    what = " ".join(args)
    if m is not None:
        return False, "%s received %s: %s (%d %s in all)" % (
            probe.name, what, brief(m), count, args[0])
    return True, "%s received no %s (%d %s in all; %s)" % (
        probe.name, what, count, args[0], "display traffic quiet" if q else
        "display traffic never quiet for 1.5 s within 10 s")


def probe_surfaces_gone(run, probe, kind, args):
    def once():
        live = {}
        for m in display_messages(probe):
            sid = m.get("surface")
            if m["name"] == "surface_create" and sid:
                live[sid] = m
            elif m["name"] == "surface_destroy":
                live.pop(sid, None)
        if not live:
            return True, "%s: no off-screen surface left" % probe.name
        return False, "%s: %d off-screen surface(s) never destroyed after %d s: %s" % (
            probe.name, len(live), CONVERGE_S, " ".join(
                "%d(%dx%d fmt %s, created t=%d ms)" % (
                    k, v.get("width", 0), v.get("height", 0), v.get("format"),
                    v.get("t", 0)) for k, v in sorted(live.items())))
    return poll.until(once, CONVERGE_S, 0.3)


def probe_reconnect(run, probe, kind, args):
    extra = []
    for i in range(0, len(args), 2):
        if args[i] != "--cap" or i + 1 >= len(args) or \
                not re.match(r"^[+-]?[A-Z0-9_]+$", args[i + 1]):
            return False, "usage: probe-reconnect [--cap [+|-]NAME]..."
        extra += args[i:i + 2]
    probe.stop()
    run.probe = None
    n = getattr(run, "probe_generation", 1) + 1
    run.probe_generation = n
    new = SpiceProbe(probe.port, probe.tmp, probe.timeout, extra, "spice-probe-%d" % n)
    run.probe = new
    if not new.wait_linked(30):
        return False, "%s did not link within 30 s (see %s.log)" % (new.name, new.name)
    return True, "%s linked (%s)" % (new.name, " ".join(extra) or "default caps")


def probe_cursor(run, probe, kind, args):
    # probe-cursor <visible> <W> <H> <hotx> <hoty> <x> <y> [channel=N]:
    # spice-probe's cursor channel N (default 0) shows this (as spice-cursor
    # does for spice-gtk)
    want = args[:7]
    chan = 0
    for a in args[7:]:
        if not a.startswith("channel=") or not a[8:].isdigit():
            return False, "usage: probe-cursor VIS W H HX HY X Y [channel=N]"
        chan = int(a[8:])

    def once():
        got = cursor_state(probe, chan)
        if got == want:
            return True, "spice-probe cursor " + " ".join(got)
        return False, "spice-probe cursor %s, expected %s" % (" ".join(got), " ".join(want))
    return poll.until(once, CONVERGE_S, 0.2)


def probe_migration(run, probe, kind, args):
    # probe-migration <protocol>: spice-probe's last migration used it and
    # it is on the port of the QEMU the guest runs in now
    r = probe.request("migration")
    want = "protocol=%s" % (args[0] if args else "")
    ok = r.startswith("ok") and want in r.split() and "port=%d" % run.port in r.split()
    return ok, "spice-probe: %s (want %s, port=%d)" % (r, want, run.port)


def probe_status(run, probe, kind, args):
    r = probe.request("status")
    return r.startswith("ok"), r


def probe_streams(run, probe, kind, args):
    need = int(args[0]) if args else 1

    def once():
        r = probe.request("status")
        v = dict(re.findall(r"(\w+)=(\d+)", r))
        ok = (int(v.get("streams", 0)) >= 1 and int(v.get("stream_frames", 0)) >= need and
              int(v.get("stream_activate_reports", 0)) >= 1 and
              int(v.get("stream_reports_sent", 0)) >= 1)
        detail = " ".join(w for w in r.split() if w.startswith("stream"))
        return ok, detail if ok else "spice-probe: " + detail
    return poll.until(once, CONVERGE_S, 0.3)


def probe_all_rendered(run, probe, kind, args):
    r = probe.request("status")
    m = re.search(r"draws=(\d+) rendered=(\d+) unrendered=(\d+)", r)
    if not m:
        return False, r
    return int(m.group(3)) == 0 and int(m.group(1)) > 0, " ".join(r.split()[1:6])


def probe_heads(run, probe, kind, args):
    want = " ".join(args)

    def once():
        r = probe.request("status")
        got = r.split(" heads", 1)[1].strip() if " heads" in r else ""
        if got == want:
            return True, "spice-probe heads: " + got
        return False, "spice-probe heads %r, expected %r" % (got, want)
    return poll.until(once, CONVERGE_S, 0.2)


def probe_screen(run, probe, kind, args):
    exp = images.expected_image(args)
    diff = converge(probe.snap, lambda: exp, images.compare)
    if diff:
        return False, "spice-probe: " + diff + probe.note
    return True, "spice-probe picture ok (%dx%d)%s" % (exp[0], exp[1], probe.note)


def probe_png_matches_screendump(run, probe, kind, args):
    got = {}

    def dump():
        got["d"] = run.screendump()
        return got["d"]
    diff = converge(probe.snap, dump, images.compare)
    if diff:
        return False, "spice-probe PNG vs screendump: " + diff + probe.note
    return True, "spice-probe PNG equals the screendump (%dx%d)%s" % (
        got["d"][0], got["d"][1], probe.note)


# What an MJPEG frame may differ from the picture it encodes (qxl-stream at
# -q 90, 4:4:4): measured mean 0.3-0.4 and a few pixels off by 10-20 at
# sharp edges (tests/spice/test_stream.c), so a wrong or stale picture
# (mean > 10 for any change this suite makes) cannot pass.
STREAM_MEAN, STREAM_PEAK, STREAM_FRAC = 2.0, 48, 0.005


def probe_stream_matches(run, probe, kind, args):
    """probe-stream-matches ID: the picture spice-probe decoded from the MJPEG
    stream of display channel ID equals the QMP screendump within the
    codec's error (polled)."""
    if len(args) != 1 or not args[0].isdigit():
        return False, "usage: probe-stream-matches DISPLAY_ID"
    path = os.path.join(probe.tmp, "stream-%s.png" % args[0])
    got = {}

    def snap():
        r = probe.request("png-display %s %s" % (args[0], path))
        if not r.startswith("ok"):
            raise RuntimeError("spice-probe: %s" % r)
        return images.read(path)

    def dump():
        got["d"] = run.screendump()
        return got["d"]
    diff = converge(snap, dump, lambda e, g: images.near(e, g, STREAM_MEAN, STREAM_PEAK, STREAM_FRAC))
    if diff:
        return False, "stream of display %s vs screendump: %s" % (args[0], diff)
    st = probe.request("status")
    n = " ".join(w for w in st.split() if w.startswith(("stream_decoded=", "stream_bad=")))
    return True, "the decoded stream equals the screendump (%dx%d) within mean %.1f, %d; %s" % (
        got["d"][0], got["d"][1], STREAM_MEAN, STREAM_PEAK, n)


def probe_matches_client(run, probe, kind, args):
    if run.client is None:
        return False, "no spice-gtk client (run vmtest.py with --spice-client)"
    diff = converge(probe.snap, run.spice_snap, images.compare)
    if diff:
        return False, "spice-gtk vs spice-probe: " + diff
    return True, "spice-gtk and spice-probe hold the same picture%s" % run.spice_note


def probe_monitors(run, probe, kind, args):
    r = probe.request("monitors " + ",".join(args), timeout=20)
    return r.startswith("ok"), r


def probe_key(run, probe, kind, args):
    r = probe.request("key " + ",".join(args), timeout=15)
    return r.startswith("ok"), r


def probe_clock(run, probe, kind, args):
    host_us = time.monotonic_ns() // 1000
    off = host_us - int(args[0])
    if probe.clock_offset_us is None or off < probe.clock_offset_us:
        probe.clock_offset_us = off
    return True, "offset_us=%d" % probe.clock_offset_us


def probe_latency(run, probe, kind, args):
    w, h, rgb, draw_us = int(args[0], 0), int(args[1], 0), int(args[2], 0), int(args[3])
    if probe.clock_offset_us is None:
        return False, "no probe-clock calibration"
    r = probe.request("waitsolid %d %d %06x %d" % (w, h, rgb, CONVERGE_S * 1000),
                      timeout=CONVERGE_S + 5)
    m = re.match(r"ok t_us=(\d+)", r)
    if not m:
        return False, "spice-probe never showed %dx%d 0x%06x: %s" % (w, h, rgb, r)
    lat = (int(m.group(1)) - (draw_us + probe.clock_offset_us)) / 1000.0
    print("LOG probe-latency %dx%d 0x%06x latency_ms=%.1f" % (w, h, rgb, lat), flush=True)
    return True, "latency_ms=%.1f" % lat


# the probe-* host requests (tests/harness/host_requests.py; see above)
REQUESTS = {kind: needs_probe(fn) for kind, fn in {
    "probe-saw": probe_saw,
    "probe-none": probe_none,
    "probe-surfaces-gone": probe_surfaces_gone,
    "probe-reconnect": probe_reconnect,
    "probe-cursor": probe_cursor,
    "probe-migration": probe_migration,
    "probe-status": probe_status,
    "probe-streams": probe_streams,
    "probe-all-rendered": probe_all_rendered,
    "probe-heads": probe_heads,
    "probe-screen": probe_screen,
    "probe-png-matches-screendump": probe_png_matches_screendump,
    "probe-matches-client": probe_matches_client,
    "probe-stream-matches": probe_stream_matches,
    "probe-monitors": probe_monitors,
    "probe-key": probe_key,
    "probe-clock": probe_clock,
    "probe-latency": probe_latency,
}.items()}
