#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""spice-probe --control against a real spice-server without a guest OS
(SeaBIOS text screen): status, png (== QMP screendump, guest paused),
key, waitsolid timing out, monitors without an agent, unknown command, quit.
control_check.py PROBE PORT QMP_SOCKET WORKDIR -> one verdict line, exit 0/1."""
import os
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
sys.path.insert(0, os.path.join(HERE, "..", "harness"))
import images  # noqa: E402
import probe_host  # noqa: E402
from qmp import qmp  # noqa: E402


def main():
    probe_path, port, qsock, work = sys.argv[1:5]
    probe_host.PROBE = probe_path
    p = probe_host.SpiceProbe(int(port), work, 40)
    try:
        if not p.wait_linked(20):
            print("display/inputs not linked: %s" % p.request("status"))
            return 1
        end = time.monotonic() + 20
        while "primary=0x0" in p.request("status") and time.monotonic() < end:
            time.sleep(0.2)
        msg = "?"
        for _ in range(3):
            qmp(qsock, "stop")
            time.sleep(0.8)
            png = os.path.join(work, "ctl.png")
            r = p.request("png " + png)
            if not r.startswith("ok"):
                print("png: " + r)
                return 1
            dump = os.path.join(work, "ctl-dump.ppm")
            qmp(qsock, "screendump", {"filename": dump})
            a, b = images.read(png), images.read(dump)
            qmp(qsock, "cont")
            if a == b:
                msg = None
                break
            msg = "png differs from the screendump (%dx%d vs %dx%d)" % (a[0], a[1], b[0], b[1])
            time.sleep(1)
        if msg:
            print(msg)
            return 1
        checks = [
            ("key 0x1e,0x11d", "ok 2 keys sent (KEY_SCANCODE)"),
            ("waitsolid 720 400 123456 300", "err model is not 720x400 of 0x123456"),
            ("frobnicate", "err unknown command frobnicate"),
            ("png", "err usage: png PATH"),
        ]
        for cmd, want in checks:
            r = p.request(cmd)
            if r != want:
                print("%r answered %r, expected %r" % (cmd, r, want))
                return 1
        t0 = time.monotonic()
        r = p.request("monitors 800x600+0+0", timeout=25)
        if not r.startswith("err agent never connected") or time.monotonic() - t0 < 14:
            print("monitors without an agent answered %r after %.1f s" % (r, time.monotonic() - t0))
            return 1
        if p.request("quit") != "ok bye":
            print("quit not acknowledged")
            return 1
        p.proc.wait(timeout=5)
        if p.proc.returncode != 0:
            print("spice-probe exited %d after quit" % p.proc.returncode)
            return 1
        print("status/png/key/waitsolid/monitors/quit ok; png == screendump %dx%d" % (a[0], a[1]))
        return 0
    finally:
        p.stop()


if __name__ == "__main__":
    sys.exit(main())
