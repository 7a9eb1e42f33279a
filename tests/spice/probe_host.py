# SPDX-License-Identifier: MIT
"""spice-probe as a second SPICE client of a vmtest.py guest (--spice-probe).

vmtest.py starts build/userspace/tools/spice-probe --control against the VM's
SPICE port before the guest tests and hands every `probe-*` host request to
handle() here. spice-probe answers one line per stdin command (see
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
"""

import os
import re
import select
import signal
import subprocess
import time
import zlib
import struct

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.abspath(os.path.join(HERE, "..", ".."))
PROBE = os.path.join(REPO, "build", "userspace", "tools", "spice-probe")
CONVERGE_S = 10.0


def read_png(path):
    """(w, h, RGB bytes) of the 8-bit PNGs spice-probe writes (filter 0 rows;
    other filters are decoded by tests/spice/imgcmp.py's reader)."""
    data = open(path, "rb").read()
    if data[:8] != b"\x89PNG\r\n\x1a\n":
        raise ValueError("%s: not a PNG" % path)
    pos, idat, w, h, bpp = 8, [], 0, 0, 0
    while pos < len(data):
        n, typ = struct.unpack(">I4s", data[pos:pos + 8])
        body = data[pos + 8:pos + 8 + n]
        pos += 12 + n
        if typ == b"IHDR":
            w, h, depth, ctype, _, _, interlace = struct.unpack(">IIBBBBB", body)
            if depth != 8 or interlace or ctype not in (0, 2, 6):
                raise ValueError("unsupported PNG")
            bpp = {0: 1, 2: 3, 6: 4}[ctype]
        elif typ == b"IDAT":
            idat.append(body)
        elif typ == b"IEND":
            break
    raw = zlib.decompress(b"".join(idat))
    stride = w * bpp
    rows = []
    for y in range(h):
        off = y * (stride + 1)
        if raw[off] != 0:
            import sys
            sys.path.insert(0, HERE)
            import imgcmp
            return imgcmp.read_png(path)
        rows.append(raw[off + 1:off + 1 + stride])
    px = b"".join(rows)
    if bpp == 4:
        px = b"".join(px[i:i + 3] for i in range(0, len(px), 4))
    elif bpp == 1:
        px = bytes(v for g in px for v in (g, g, g))
    return w, h, px


def crop(img, x, y, cw, ch):
    w, _, px = img
    return cw, ch, b"".join(px[((y + r) * w + x) * 3:((y + r) * w + x + cw) * 3]
                            for r in range(ch))


class SpiceProbe:
    """The spice-probe --control process, started and stopped by PID."""

    def __init__(self, port, tmp, timeout):
        if not os.access(PROBE, os.X_OK):
            raise RuntimeError("%s is not built (make userspace)" % PROBE)
        self.tmp = tmp
        self.errf = open(os.path.join(tmp, "spice-probe.log"), "w")
        self.proc = subprocess.Popen(
            [PROBE, "-H", "127.0.0.1", "-p", str(port), "--control", "-t", str(timeout),
             "-l", os.path.join(tmp, "spice-probe.json")],
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
        end = time.monotonic() + timeout
        while time.monotonic() < end:
            r = self.request("status")
            if " display=1 " in r and " inputs=1 " in r:
                return True
            time.sleep(0.2)
        return False

    def snap(self):
        """spice-probe's picture; cut to head 0 when the primary is larger
        than its only head (what a client window shows)."""
        self.nshot += 1
        path = os.path.join(self.tmp, "probe-%03d.png" % self.nshot)
        r = self.request("png " + path)
        if not r.startswith("ok"):
            raise RuntimeError("spice-probe: %s" % r)
        img = read_png(path)
        self.note = ""
        heads = re.findall(r"(\d+)x(\d+)\+(\d+)\+(\d+)", r)
        if len(heads) == 1:
            hw, hh, hx, hy = (int(v) for v in heads[0])
            if (hw, hh) != img[:2] and hx + hw <= img[0] and hy + hh <= img[1] and hw and hh:
                self.note = " (probe surface %dx%d, head 0 %dx%d+%d+%d)" % (
                    img[0], img[1], hw, hh, hx, hy)
                img = crop(img, hx, hy, hw, hh)
        return img

    def stop(self):
        if self.proc.poll() is None:
            try:
                self.proc.stdin.write(b"quit\n")
                self.proc.wait(timeout=3)
            except (OSError, subprocess.TimeoutExpired):
                pass
        if self.proc.poll() is None:
            os.kill(self.proc.pid, signal.SIGKILL)
            self.proc.wait(timeout=5)
        self.errf.close()


def converge(get, want, compare, timeout=CONVERGE_S):
    """Poll get() until compare(want(), got) is None or timeout; last diff."""
    end = time.monotonic() + timeout
    while True:
        try:
            diff = compare(want(), get())
        except RuntimeError as e:
            diff = str(e)
        if diff is None or time.monotonic() >= end:
            return diff
        time.sleep(0.3)


def handle(run, probe, kind, args, expected_image, compare):
    """One probe-* request for vmtest.Run `run`; returns (ok, detail)."""
    if probe is None:
        return False, "no spice-probe (run vmtest.py with --spice-probe)"
    if kind == "probe-status":
        r = probe.request("status")
        return r.startswith("ok"), r
    if kind == "probe-streams":
        need = int(args[0]) if args else 1
        end = time.monotonic() + CONVERGE_S
        while True:
            r = probe.request("status")
            v = dict(re.findall(r"(\w+)=(\d+)", r))
            ok = (int(v.get("streams", 0)) >= 1 and int(v.get("stream_frames", 0)) >= need and
                  int(v.get("stream_activate_reports", 0)) >= 1 and
                  int(v.get("stream_reports_sent", 0)) >= 1)
            detail = " ".join(w for w in r.split() if w.startswith("stream"))
            if ok:
                return True, detail
            if time.monotonic() >= end:
                return False, "spice-probe: " + detail
            time.sleep(0.3)
    if kind == "probe-all-rendered":
        r = probe.request("status")
        m = re.search(r"draws=(\d+) rendered=(\d+) unrendered=(\d+)", r)
        if not m:
            return False, r
        return int(m.group(3)) == 0 and int(m.group(1)) > 0, " ".join(r.split()[1:6])
    if kind == "probe-heads":
        want = " ".join(args)
        end = time.monotonic() + CONVERGE_S
        while True:
            r = probe.request("status")
            got = r.split(" heads", 1)[1].strip() if " heads" in r else ""
            if got == want:
                return True, "spice-probe heads: " + got
            if time.monotonic() >= end:
                return False, "spice-probe heads %r, expected %r" % (got, want)
            time.sleep(0.2)
    if kind == "probe-screen":
        exp = expected_image(args)
        diff = converge(probe.snap, lambda: exp, compare)
        if diff:
            return False, "spice-probe: " + diff + probe.note
        return True, "spice-probe picture ok (%dx%d)%s" % (exp[0], exp[1], probe.note)
    if kind == "probe-png-matches-screendump":
        got = {}

        def dump():
            got["d"] = run.screendump()
            return got["d"]
        diff = converge(probe.snap, dump, compare)
        if diff:
            return False, "spice-probe PNG vs screendump: " + diff + probe.note
        return True, "spice-probe PNG equals the screendump (%dx%d)%s" % (
            got["d"][0], got["d"][1], probe.note)
    if kind == "probe-matches-client":
        if run.client is None:
            return False, "no spice-gtk client (run vmtest.py with --spice-client)"
        diff = converge(probe.snap, run.spice_snap, compare)
        if diff:
            return False, "spice-gtk vs spice-probe: " + diff
        return True, "spice-gtk and spice-probe hold the same picture%s" % run.spice_note
    if kind == "probe-monitors":
        r = probe.request("monitors " + ",".join(args), timeout=20)
        return r.startswith("ok"), r
    if kind == "probe-key":
        r = probe.request("key " + ",".join(args), timeout=15)
        return r.startswith("ok"), r
    if kind == "probe-clock":
        host_us = time.monotonic_ns() // 1000
        off = host_us - int(args[0])
        if probe.clock_offset_us is None or off < probe.clock_offset_us:
            probe.clock_offset_us = off
        return True, "offset_us=%d" % probe.clock_offset_us
    if kind == "probe-latency":
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
    return False, "unknown probe request %r" % kind
