#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""spice-probe following a QEMU live migration (no guest OS: SeaBIOS's text
screen on qxl-vga; the guest runs, and is paused only to compare pictures).

migrate_check.py PROBE WORKDIR NAME MODE [--qemu CMD] [--seamless on|off]
                 [--cap [+|-]NAME]...
MODE: seamless | semi-seamless | switch-host (the protocol spice-probe must
report after the migration) | cancel (the migration fails: spice-server
sends MIGRATE_CANCEL, spice-probe stays on the source).

Starts the source QEMU and spice-probe --control on it, a destination QEMU
with -incoming, runs QMP client_migrate_info + migrate, then checks that
spice-probe answers `migration` with the expected protocol and the
destination's port, that its picture equals the destination's QMP
screendump, and that it exits 0 after `quit`. Prints one verdict line;
exit 0/1. Everything it starts it stops by PID; every wait is bounded."""
import argparse
import json
import os
import shlex
import socket
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
sys.path.insert(0, os.path.join(HERE, "..", "harness"))
import images  # noqa: E402
import probe_host  # noqa: E402
from qmp import qmp  # noqa: E402


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


class Fail(Exception):
    pass


def wait_until(what, fn, timeout, step=0.2):
    end = time.monotonic() + timeout
    while True:
        r = fn()
        if r:
            return r
        if time.monotonic() >= end:
            raise Fail("timed out (%d s) waiting for %s" % (timeout, what))
        time.sleep(step)


class Qemu:
    def __init__(self, cmd, work, name, port, seamless, incoming=None):
        self.qsock = os.path.join(work, name + ".qmp")
        self.log = os.path.join(work, name + ".log")
        args = cmd + ["-nodefaults", "-machine", "pc", "-m", "64", "-vga", "none", "-device", "qxl-vga",
                      "-spice", "port=%d,addr=127.0.0.1,disable-ticketing=on,image-compression=off,"
                      "seamless-migration=%s" % (port, seamless),
                      "-display", "none", "-qmp", "unix:%s,server=on,wait=off" % self.qsock, "-no-reboot"]
        if incoming:
            args += ["-incoming", incoming]
        self.proc = subprocess.Popen(args, stdin=subprocess.DEVNULL, stdout=open(self.log, "w"),
                                     stderr=subprocess.STDOUT)

        def up():
            if self.proc.poll() is not None:
                raise Fail("QEMU %s exited: %s" % (name, open(self.log).read().strip()[-300:]))
            try:
                return "return" in qmp(self.qsock, "query-status", timeout=2)
            except OSError:
                return False
        wait_until("QEMU %s's QMP" % name, up, 60)

    def cmd(self, *a):
        r = qmp(self.qsock, *a)
        if "error" in r:
            raise Fail("QMP %s: %s" % (a[0], r["error"].get("desc")))
        return r["return"]

    def stop(self):
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=5)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(timeout=5)


def answer_fields(r):
    return dict(kv.split("=", 1) for kv in r.split()[1:] if "=" in kv)


def same_picture(p, q, work, name, timeout):
    """spice-probe's PNG equals q's screendump. The guest is paused for
    each comparison (the text cursor blinks on the virtual clock; pausing
    makes spice-server flush its pending drawing) and resumed after."""
    end = time.monotonic() + timeout
    n, msg = 0, "?"
    while time.monotonic() < end:
        n += 1
        q.cmd("stop")
        time.sleep(0.8)
        png = os.path.join(work, "%s-%d.png" % (name, n))
        dump = os.path.join(work, "%s-dump-%d.ppm" % (name, n))
        r = p.request("png " + png)
        if r.startswith("ok"):
            q.cmd("screendump", {"filename": dump})
        q.cmd("cont")
        if r.startswith("ok"):
            a, b = images.read(png), images.read(dump)
            if a == b:
                return "%dx%d" % (a[0], a[1])
            msg = "png differs from the screendump (%dx%d vs %dx%d)" % (a[0], a[1], b[0], b[1])
        else:
            msg = "png: " + r
        time.sleep(0.5)
    raise Fail(msg)


def log_events(path):
    out = []
    for line in open(path):
        try:
            out.append(json.loads(line))
        except ValueError:
            raise Fail("log line is not JSON: %r" % line[:100])
    return out


def run(a):
    qemu = shlex.split(a.qemu)
    sport, dport, mport = free_port(), free_port(), free_port()
    started = []
    p = None
    try:
        t0 = time.monotonic()
        src = Qemu(qemu, a.work, a.name + "-src", sport, a.seamless)
        started.append(src)
        time.sleep(4)   # SeaBIOS prints its boot messages
        probe_host.PROBE = a.probe
        p = probe_host.SpiceProbe(sport, a.work, 120, [x for c in a.cap for x in ("--cap", c)],
                                  name=a.name + "-probe")
        if not p.wait_linked(20):
            raise Fail("display/inputs not linked: %s" % p.request("status"))
        pic = same_picture(p, src, a.work, a.name + "-src", 15)
        dst = Qemu(qemu, a.work, a.name + "-dst", dport, a.seamless, "tcp:127.0.0.1:%d" % mport)
        started.append(dst)
        src.cmd("client_migrate_info", {"protocol": "spice", "hostname": "127.0.0.1", "port": dport})
        want_phase = {"seamless": "connected-seamless", "semi-seamless": "connected",
                      "cancel": "connected", "switch-host": "idle"}[a.mode]
        if a.mode == "switch-host":
            time.sleep(1)   # nothing must happen: no MIGRATE_BEGIN without the cap
        wait_until("spice-probe to link to the destination (phase=%s)" % want_phase,
                   lambda: answer_fields(p.request("migration")).get("phase") == want_phase, 20)
        uri = "tcp:127.0.0.1:%d" % (free_port() if a.mode == "cancel" else mport)
        src.cmd("migrate", {"uri": uri})

        def migrated():
            st = src.cmd("query-migrate").get("status")
            if st in ("failed", "cancelled") and a.mode != "cancel":
                raise Fail("migration %s" % st)
            if st == "completed" and a.mode == "cancel":
                raise Fail("migration completed, expected it to fail")
            return st == ("failed" if a.mode == "cancel" else "completed")
        wait_until("query-migrate", migrated, 60)
        if a.mode == "cancel":
            wait_until("MIGRATE_CANCEL (phase=idle)",
                       lambda: answer_fields(p.request("migration")).get("phase") == "idle", 20)
            f = answer_fields(p.request("migration"))
            if f.get("protocol") != "none" or f.get("port") != str(sport):
                raise Fail("after the cancel: %s" % p.request("migration"))
            pic = same_picture(p, src, a.work, a.name + "-after", 15)
            where = "source port %d" % sport
        else:
            wait_until("spice-probe on the destination with protocol=%s" % a.mode,
                       lambda: answer_fields(p.request("migration")).get("protocol") == a.mode and
                       answer_fields(p.request("migration")).get("port") == str(dport), 30)
            pic = same_picture(p, dst, a.work, a.name + "-dst", 20)
            where = "destination port %d" % dport
        if p.request("quit") != "ok bye":
            raise Fail("quit not acknowledged")
        p.proc.wait(timeout=10)
        if p.proc.returncode != 0:
            raise Fail("spice-probe exited %d: %s" % (p.proc.returncode, open(p.errf.name).read()[-300:]))
        errs = [x for x in open(p.errf.name).read().splitlines() if x.startswith("spice-probe:") and not x.startswith("spice-probe: notify")]
        if errs:
            raise Fail("spice-probe reported: %s" % errs[0])
        ev = log_events(p.log_path)
        check_log(a.mode, ev)
        sw = [e["t"] for e in ev if e.get("migration") == "switched"]
        acks = len([e for e in ev if sw and e.get("t", 0) >= sw[0] and e.get("ch") == "display" and
                    e.get("dir") == "out" and e.get("name") == "ack"])
        return "%s: on the %s, png == screendump %s, %d display ACKs after the switch, %.1f s" % (
            a.mode, where, pic, acks, time.monotonic() - t0)
    finally:
        if p:
            p.stop()
        for q in reversed(started):
            q.stop()


def check_log(mode, ev):
    """The JSON log shows the protocol's steps."""
    mig = [e.get("migration") for e in ev if "migration" in e]
    sent = [(e.get("ch"), e.get("name")) for e in ev if e.get("dir") == "out"]
    summary = [e for e in ev if e.get("event") == "summary"]
    if not summary or summary[-1].get("rc") != 0:
        raise Fail("no summary with rc 0 in the log")
    need = {"seamless": ["begin", "seamless_ack", "connected", "channel", "switched"],
            "semi-seamless": ["begin", "connected", "switched"],
            "switch-host": ["switch_host", "switched"],
            "cancel": ["begin", "connected", "cancel"]}[mode]
    for n in need:
        if n not in mig:
            raise Fail("no {\"migration\":\"%s\"} in the log (got %s)" % (n, mig))
    want_out = {"seamless": [("main", "migrate_dst_do_seamless"), ("main", "migrate_connected_seamless"),
                             ("display", "migrate_data")],
                "semi-seamless": [("main", "migrate_connected"), ("main", "migrate_end")],
                "cancel": [("main", "migrate_connected")], "switch-host": []}[mode]
    for w in want_out:
        if w not in sent:
            raise Fail("spice-probe never sent %s %s" % w)
    inits = sent.count(("display", "init"))
    want_inits = {"seamless": 1, "semi-seamless": 2, "switch-host": 2, "cancel": 1}[mode]
    if inits != want_inits:
        raise Fail("%d display init messages sent, expected %d" % (inits, want_inits))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("probe")
    ap.add_argument("work")
    ap.add_argument("name")
    ap.add_argument("mode", choices=["seamless", "semi-seamless", "switch-host", "cancel"])
    ap.add_argument("--qemu", default="qemu-system-x86_64")
    ap.add_argument("--seamless", default="off", choices=["on", "off"])
    ap.add_argument("--cap", action="append", default=[])
    a = ap.parse_args()
    try:
        print(run(a))
        return 0
    except (Fail, RuntimeError, OSError, subprocess.TimeoutExpired) as e:
        print(str(e).replace("\n", " "))
        return 1


if __name__ == "__main__":
    sys.exit(main())
