# SPDX-License-Identifier: GPL-2.0-only
"""QEMU's qxl trace events, timed on the host's clock (vmtest.py --qxl-trace).

For the latency breakdown of tests/bench.sh: when the guest's notify of new
commands reached QEMU, when spice-server's worker took the next command off
the ring. Debian 12's QEMU 7.2 writes trace lines without timestamps, so
QEMU gets a FIFO as its trace file and a thread stamps each line with
time.monotonic() as it arrives (QEMU flushes after every event). The events
are off until a request turns them on (QMP trace-event-set-state), so the
rest of a run pays nothing.
"""

import collections
import os
import threading
import time

EVENTS = ("qxl_io_write", "qxl_ring_command_get")


class Trace:
    def __init__(self, path):
        os.mkfifo(path)
        self.path = path
        self.lines = collections.deque(maxlen=50000)
        self.lock = threading.Lock()
        # opening a FIFO blocks until QEMU opens it for writing: a thread
        threading.Thread(target=self._read, daemon=True).start()

    def qemu_args(self):
        return ["-trace", "file=" + self.path]

    def _read(self):
        buf = b""
        with open(self.path, "rb", buffering=0) as f:
            while True:
                chunk = f.read(65536)
                if not chunk:
                    return
                now = time.monotonic()
                buf += chunk
                *lines, buf = buf.split(b"\n")
                with self.lock:
                    self.lines.extend((now, ln.decode(errors="replace")) for ln in lines)

    def enable(self, qmp, on):
        for name in EVENTS:
            qmp.cmd("trace-event-set-state", name=name, enable=on)

    def since(self, t0):
        """[(time, line)] of the events that arrived at or after T0."""
        with self.lock:
            return [(t, ln) for t, ln in self.lines if t >= t0]


def breakdown(events, t_arm):
    """(notify, pickup): when after T_ARM the guest's first NOTIFY_CMD reached
    QEMU, and when the device's worker next took a command after it (either
    None when the trace has none)."""
    notify = next((t for t, ln in events
                   if ln.startswith("qxl_io_write") and "NOTIFY_CMD" in ln and t >= t_arm), None)
    pickup = None
    if notify is not None:
        pickup = next((t for t, ln in events
                       if ln.startswith("qxl_ring_command_get") and t >= notify), None)
    return notify, pickup
