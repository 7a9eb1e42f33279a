#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0-only
"""A real SPICE client (spice-gtk's GLib binding) that can hand out its pixels.

Run with Debian's /usr/bin/python3 (python3-gi + gir1.2-spiceclientglib-2.0):

    spice_client.py --host 127.0.0.1 --port 5930

It connects to the server and opens the main and display channels like any
client. Every SPICE draw command the server sends is rendered by spice-gtk's
own canvas into the display channel's primary surface (client memory, built
only from what came over the wire). Commands on stdin, one per line:

    snap <path>   write that surface as a binary PPM; answers "ok <W> <H> <marked>"
                  or "err <reason>"
    waitsolid <W> <H> <RRGGBB> <ms>
                  answers "ok <elapsed ms> <match us> <first us>" as soon as the surface
                  is W x H of that one color (checked at every display-invalidate), or
                  "err timeout"; <match us> is the monotonic time (CLOCK_MONOTONIC, in
                  microseconds: Python's time.monotonic() * 1e6) of the update that made
                  it so, <first us> that of the first update after the request (0: none)
    monitors <WxH+X+Y>...
                  sends a client monitors config (one display per argument) through
                  the main channel, once the guest agent port is open (waits 15 s);
                  answers "ok sent <n>" or "err ..."
    info          answers "ok <W> <H> <format> <marked> <invalidates>" or "err ..."
    cursor        answers "ok <visible> <W> <H> <hotx> <hoty> <x> <y> <samples>" for the
                  cursor channel's last SET/MOVE/HIDE, where samples are the raw
                  bytes (hex) of the pixels at the centres of the image's quadrants
    session       "ok <host> <port> <migration-state>": where the session is
                  connected now (it moves when the client follows a migration)
    quit          disconnects and exits

Events printed unprompted on stdout: "event display-open", "event primary <W> <H>",
"event disconnected", "event migration <state>". vmtest.py drives this process
and kills it by PID.
"""

import argparse
import ctypes
import os
import sys

import gi
gi.require_version("SpiceClientGLib", "2.0")
from gi.repository import GLib, GObject, SpiceClientGLib  # noqa: E402

import images  # noqa: E402

FMT_16_555 = 1  # SPICE_SURFACE_FMT_16_555 (value 1 in the gir enum may differ)


class _GArray(ctypes.Structure):
    _fields_ = [("data", ctypes.c_void_p), ("len", ctypes.c_uint)]


class _MonitorConfig(ctypes.Structure):  # SpiceDisplayMonitorConfig
    _fields_ = [(n, ctypes.c_uint) for n in ("id", "surface_id", "x", "y", "width", "height")]


class Client:
    def __init__(self, host, port, inputs=False):
        self.inputs = inputs
        self.loop = GLib.MainLoop()
        self.session = SpiceClientGLib.Session()
        self.session.set_property("host", host)
        self.session.set_property("port", str(port))
        self.display = None
        self.others = {}  # channel id -> the other display channels (a stream device's)
        self.other_prim = {}  # channel id -> their primary, as self.prim
        self.main = None
        self.prim = None  # (format, width, height, stride, pointer)
        self.invalidates = 0
        self.marked = False
        self.channels = []
        self.waiting = None  # (w, h, (b, g, r), t0, timeout source id)
        self.first_update = 0  # monotonic us of the first invalidate while waiting
        # last cursor seen: [visible, w, h, hotx, hoty, x, y, samples]
        self.cursor = [0, 0, 0, 0, 0, -1, -1, "-"]
        GObject.Object.connect(self.session, "channel-new", self.on_channel_new)
        GObject.Object.connect(self.session, "disconnected", self.on_disconnected)
        GObject.Object.connect(self.session, "notify::migration-state", self.on_migration)

    def migration_state(self):
        return self.session.get_property("migration-state").value_nick

    def on_migration(self, session, pspec):
        self.say("event migration %s" % self.migration_state())

    def say(self, line):
        sys.stdout.write(line + "\n")
        sys.stdout.flush()

    def on_channel_new(self, session, channel):
        self.channels.append(channel)
        if isinstance(channel, SpiceClientGLib.MainChannel):
            self.main = channel
        elif isinstance(channel, SpiceClientGLib.InputsChannel) and self.inputs:
            # as every real client does; spice-gtk 0.42 crashes following a
            # migration without it
            channel.connect()
        elif isinstance(channel, SpiceClientGLib.CursorChannel):
            GObject.Object.connect(channel, "cursor-set", self.on_cursor_set)
            GObject.Object.connect(channel, "cursor-move", self.on_cursor_move)
            GObject.Object.connect(channel, "cursor-hide", self.on_cursor_hide)
            channel.connect()
        elif isinstance(channel, SpiceClientGLib.DisplayChannel):
            if channel.get_property("channel-id") != 0:
                # shown as spice-gtk shows it (streams decoded into its
                # surface), only for "snap PATH ID"
                cid = channel.get_property("channel-id")
                self.others[cid] = channel
                self.other_prim[cid] = None
                GObject.Object.connect(channel, "display-primary-create", self.on_other_primary, cid)
                GObject.Object.connect(channel, "display-primary-destroy",
                                       lambda ch, c: self.other_prim.update({c: None}), cid)
                channel.connect()
                return
            self.display = channel
            GObject.Object.connect(channel, "display-primary-create", self.on_primary_create)
            GObject.Object.connect(channel, "display-primary-destroy", self.on_primary_destroy)
            GObject.Object.connect(channel, "display-invalidate", self.on_invalidate)
            GObject.Object.connect(channel, "display-mark", self.on_mark)
            GObject.Object.connect(channel, "channel-event", self.on_channel_event)
            channel.connect()

    def on_other_primary(self, channel, fmt, width, height, stride, shmid, imgdata, cid):
        # a stream device's surface is in streaming mode: the pointer given
        # here is its buffer, display_channel_get_primary() does not find it
        self.other_prim[cid] = (fmt, width, height, stride, imgdata)

    def on_channel_event(self, channel, event):
        if event == SpiceClientGLib.ChannelEvent.OPENED:
            self.say("event display-open")
        elif event in (SpiceClientGLib.ChannelEvent.CLOSED,
                       SpiceClientGLib.ChannelEvent.ERROR_CONNECT,
                       SpiceClientGLib.ChannelEvent.ERROR_IO,
                       SpiceClientGLib.ChannelEvent.ERROR_LINK):
            self.say("event display-closed %s" % event)

    def on_primary_create(self, channel, fmt, width, height, stride, shmid, imgdata):
        self.prim = (fmt, width, height, stride, imgdata)
        self.say("event primary %d %d" % (width, height))
        if self.waiting:
            self.check_wait()

    def on_cursor_set(self, channel, w, h, hotx, hoty, rgba):
        samples = "-"
        if rgba and w and h:
            raw = ctypes.string_at(rgba, w * h * 4)
            pts = [(w // 4, h // 4), (3 * w // 4, h // 4), (w // 4, 3 * h // 4),
                   (3 * w // 4, 3 * h // 4)]
            samples = ",".join(raw[(y * w + x) * 4:(y * w + x) * 4 + 4].hex() for x, y in pts)
        self.cursor[0:5] = [1, w, h, hotx, hoty]
        self.cursor[7] = samples

    def on_cursor_move(self, channel, x, y):
        self.cursor[5:7] = [x, y]

    def on_cursor_hide(self, channel):
        self.cursor[0] = 0

    def on_primary_destroy(self, channel):
        self.prim = None
        self.marked = False

    def on_invalidate(self, channel, x, y, w, h):
        self.invalidates += 1
        if self.waiting:
            if not self.first_update:
                self.first_update = GLib.get_monotonic_time()
            self.check_wait()

    def is_solid(self, w, h, bgr):
        prim = self.primary()
        if prim is None or prim[1] != w or prim[2] != h or prim[3] < w * 4:
            return False
        stride, ptr = prim[3], prim[4]
        # a few pixels first: most updates while waiting are not the one
        want = bytes(bgr)
        for y in (0, h // 2, h - 1):
            for x in (0, w // 2, w - 1):
                if ctypes.string_at(ptr + y * stride + x * 4, 3) != want:
                    return False
        raw = ctypes.string_at(ptr, stride * h)
        if stride != w * 4:
            raw = b"".join(raw[y * stride:y * stride + w * 4] for y in range(h))
        n = w * h
        return (raw[0::4] == bytes((bgr[0],)) * n and raw[1::4] == bytes((bgr[1],)) * n
                and raw[2::4] == bytes((bgr[2],)) * n)

    def check_wait(self):
        w, h, bgr, t0, src = self.waiting
        if self.is_solid(w, h, bgr):
            now = GLib.get_monotonic_time()
            GLib.source_remove(src)
            self.waiting = None
            self.say("ok %.1f %d %d" % ((now - t0) / 1000.0, now, self.first_update))

    def send_monitors(self, specs):
        import re
        heads = []
        for sp in specs:
            m = re.fullmatch(r"(\d+)x(\d+)\+(\d+)\+(\d+)", sp)
            if not m:
                self.say("err bad monitor %r (want WxH+X+Y)" % sp)
                return
            heads.append(tuple(int(v) for v in m.groups()))
        if self.main is None:
            self.say("err no main channel")
            return
        t0 = GLib.get_monotonic_time()

        def attempt():
            if not self.main.get_property("agent-connected"):
                if GLib.get_monotonic_time() - t0 > 15 * 1000000:
                    self.say("err the guest agent port never opened (need --vdagent and "
                             "cat /dev/vport0p1 in the guest)")
                    return False
                return True
            for i in range(16):
                if i < len(heads):
                    w, h, x, y = heads[i]
                    self.main.update_display_enabled(i, True, False)
                    self.main.update_display(i, x, y, w, h, False)
                elif i < 4:
                    self.main.update_display_enabled(i, False, False)
            ok = self.main.send_monitor_config()
            self.say("ok sent %d" % len(heads) if ok else "err send_monitor_config failed")
            return False
        if attempt():
            GLib.timeout_add(100, attempt)

    def wait_timeout(self):
        if self.waiting:
            self.waiting = None
            self.say("err timeout")
        return False

    def on_mark(self, channel, mark):
        self.marked = bool(mark)

    def on_disconnected(self, session):
        self.say("event disconnected")
        self.loop.quit()

    def primary(self, chan_id=0):
        """(format, w, h, stride, pointer) of the primary surface of display
        channel CHAN_ID, or None."""
        display = self.display if chan_id == 0 else self.others.get(chan_id)
        if display is None:
            return None
        # spice_display_channel_get_primary() is the supported way; the pointer
        # from display-primary-create is the same buffer.
        try:
            ok, p = SpiceClientGLib.display_channel_get_primary(display, 0)
            if ok and isinstance(p.data, int) and p.data:
                return (int(p.format), p.width, p.height, p.stride, p.data)
        except (TypeError, AttributeError):
            pass
        if chan_id == 0:
            return self.prim
        return self.other_prim.get(chan_id)

    def monitors(self):
        """[(x, y, w, h)] of the display channel's monitors config (what the
        server last sent in MONITORS_CONFIG), [] if unknown. PyGObject turns the
        GArray property into an empty list, so read it with g_object_get."""
        try:
            getp = ctypes.pythonapi.PyCapsule_GetPointer
            getp.restype = ctypes.c_void_p
            getp.argtypes = [ctypes.py_object, ctypes.c_char_p]
            obj = getp(self.display.__gpointer__, None)
            gobject = ctypes.CDLL("libgobject-2.0.so.0")
            glib = ctypes.CDLL("libglib-2.0.so.0")
            gobject.g_object_get.argtypes = [ctypes.c_void_p, ctypes.c_char_p,
                                             ctypes.c_void_p, ctypes.c_void_p]
            arr = ctypes.POINTER(_GArray)()
            gobject.g_object_get(obj, b"monitors", ctypes.byref(arr), None)
        except (AttributeError, OSError, ValueError) as e:
            sys.stderr.write("monitors: %s\n" % e)
            return []
        if not arr:
            return []
        out = []
        mons = ctypes.cast(arr.contents.data, ctypes.POINTER(_MonitorConfig))
        for i in range(arr.contents.len):
            m = mons[i]
            out.append((m.x, m.y, m.width, m.height))
        glib.g_array_unref.argtypes = [ctypes.c_void_p]
        glib.g_array_unref(arr)
        return out

    def snap(self, path, chan_id=0):
        prim = self.primary(chan_id)
        if prim is None:
            return "err no primary surface"
        fmt, w, h, stride, ptr = prim
        if not ptr:
            return "err primary has no data pointer"
        raw = ctypes.string_at(ptr, stride * h)
        if stride >= w * 4:
            # 32-bit xRGB / ARGB, little-endian: B G R X in memory
            im = images.xrgb(raw, w, h, stride)
        else:
            # 16-bit: 555 (the only 16-bit primary format SPICE has); each
            # 5-bit channel widened by repeating its top bits (v << 3 | v >> 2),
            # not as PIL's "BGR;15" does (v * 255 / 31)
            out = bytearray(w * h * 3)
            for y in range(h):
                for x in range(w):
                    v = raw[y * stride + 2 * x] | raw[y * stride + 2 * x + 1] << 8
                    r, g, b = (v >> 10) & 31, (v >> 5) & 31, v & 31
                    o = (y * w + x) * 3
                    out[o:o + 3] = bytes(((r << 3) | (r >> 2), (g << 3) | (g >> 2),
                                          (b << 3) | (b >> 2)))
            im = images.pil((w, h, out))
        tmp = path + ".tmp"
        im.save(tmp, "PPM")
        os.replace(tmp, path)
        mons = " ".join("%dx%d+%d+%d" % (m[2], m[3], m[0], m[1]) for m in self.monitors())
        return "ok %d %d %d %s" % (w, h, int(self.marked), mons)

    def on_stdin(self, fd, cond):
        line = sys.stdin.readline()
        if not line:
            self.loop.quit()
            return False
        words = line.split()
        if not words:
            return True
        try:
            if words[0] == "snap" and len(words) in (2, 3):
                self.say(self.snap(words[1], int(words[2]) if len(words) == 3 else 0))
            elif words[0] == "waitsolid" and len(words) == 5:
                w, h, rgb, ms = int(words[1]), int(words[2]), int(words[3], 16), int(words[4])
                bgr = (rgb & 255, (rgb >> 8) & 255, (rgb >> 16) & 255)
                src = GLib.timeout_add(ms, self.wait_timeout)
                self.waiting = (w, h, bgr, GLib.get_monotonic_time(), src)
                self.first_update = 0
                self.check_wait()
            elif words[0] == "monitors" and len(words) >= 2:
                self.send_monitors(words[1:])
            elif words[0] == "cursor":
                self.say("ok " + " ".join(str(v) for v in self.cursor))
            elif words[0] == "info":
                prim = self.primary()
                if prim is None:
                    self.say("err no primary surface")
                else:
                    self.say("ok %d %d %d %d %d" % (prim[1], prim[2], prim[0],
                                                    int(self.marked), self.invalidates))
            elif words[0] == "session":
                # where the session is connected (it changes when the client
                # follows a migration) and its migration state
                self.say("ok %s %s %s" % (self.session.get_property("host"),
                                          self.session.get_property("port"),
                                          self.migration_state()))
            elif words[0] == "quit":
                self.session.disconnect()
                self.loop.quit()
                return False
            else:
                self.say("err unknown command")
        except Exception as e:  # keep serving; report the problem
            self.say("err %s: %s" % (type(e).__name__, e))
        return True

    def run(self):
        GLib.io_add_watch(sys.stdin.fileno(), GLib.IO_IN | GLib.IO_HUP, self.on_stdin)
        if not self.session.connect():
            self.say("err connect failed")
            return 1
        self.loop.run()
        return 0


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--host", default="127.0.0.1")
    ap.add_argument("--port", type=int, required=True)
    ap.add_argument("--inputs", action="store_true", help="connect the inputs channel too")
    args = ap.parse_args()
    return Client(args.host, args.port, args.inputs).run()


if __name__ == "__main__":
    sys.exit(main())
