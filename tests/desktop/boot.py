#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0-only
"""Boot the Debian 13 GNOME (or KDE Plasma) image of tests/desktop/image.sh on
qxl-ng (QEMU TCG) and check from the host that the desktop comes up on Wayland.

    tests/desktop/boot.py [--desktop gnome|kde] [--image DIR] [--timeout 900]
                          [--machine q35] [--no-spice-client]
    tests/desktop/boot.py --desktop gnome --suite bookworm   Debian 12's GNOME 43:
                          mutter drives qxl with legacy KMS (results
                          desktop-gnome-bookworm/, a flip-diff check more)

Results, one per line: "PASS <name>[: detail]", "FAIL <name>: <reason>",
"SKIP <name>: <reason>"; timings as "TIME <what> <seconds>". Exit 0 only
without FAIL. The guest's consoles and pictures go to build/desktop/<run>/.

The guest: ttyS0 is the console (kernel and journal, to console.log); ttyS1
is a root shell (agetty --autologin, see customize.sh) on a unix socket that
this script drives with "echo markers". QEMU is stopped by its PID.
"""

import argparse
import base64
import os
import re
import select
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.abspath(os.path.join(HERE, "..", ".."))
sys.path.insert(0, os.path.join(REPO, "tests", "harness"))
import images  # noqa: E402  (exits naming python3-pil when it is missing)
from vmtest import QMP, SpiceClient, free_port  # noqa: E402
from PIL import ImageChops, ImageStat  # noqa: E402

PREFIX = "desktop-gnome/"   # "desktop-<desktop>/" ("desktop-gnome-bookworm/"), set by main
SUITE = "trixie"            # the image's Debian release, set by main
FAILED = []


class Desktop:
    """What differs between the desktops boot.py checks; the checks are the same."""

    def __init__(self, **kw):
        self.__dict__.update(kw)
        self.milestone_names = [name for name, _ in self.milestones]


GNOME = Desktop(
    name="gnome",
    # What the console says, and the milestone it marks (first match wins).
    milestones=[
        ("kernel", re.compile(r"Linux version \d")),
        ("qxl-ng", re.compile(r"qxl-ng \S+: revision")),
        ("gdm", re.compile(r"Started gdm\.service")),
        ("autologin", re.compile(r"session opened for user user\b")),
        ("kms", re.compile(r"Added device '([^']+)' \((\S+)\) using (\S+) mode setting")),
        ("shell-started", re.compile(r"GNOME Shell started at")),
    ],
    # the desktop is up once this milestone is seen and this process runs as user
    ready="shell-started", shell="gnome-shell",
    dm="gdm", compositor="mutter",
    user_bad=re.compile(r"gnome-shell\[\d+\]: .*(Segmentation|core dump|[Cc]rash)|"
                        r"Failed to start gdm|gnome-session.*Unrecoverable failure"),
    crash_txt="gnome-shell crash",
    band="top",          # GNOME Shell's top bar: dark, with bright text
    terminals=("kgx", "xterm"),
    image="gnome", append="", session="wayland",
)

# GNOME on Xorg: GNOME's image, told by the kernel command line to make GDM
# start Xorg (customize.sh's qxl-desktop-session unit). Xorg's modesetting
# driver is the DRM master and drives qxl-ng with legacy KMS; mutter is an X
# compositing manager.
XORG = Desktop(
    name="xorg",
    milestones=[
        ("kernel", re.compile(r"Linux version \d")),
        ("qxl-ng", re.compile(r"qxl-ng \S+: revision")),
        ("session-switch", re.compile(r"qxl-desktop-session: GDM logs user in to GNOME on Xorg")),
        ("gdm", re.compile(r"Started gdm\.service")),
        ("autologin", re.compile(r"session opened for user user\b")),
        ("shell-started", re.compile(r"GNOME Shell started at")),
    ],
    ready="shell-started", shell="gnome-shell",
    dm="gdm", compositor="mutter (X11)",
    user_bad=re.compile(r"(gnome-shell|Xorg)\[\d+\]: .*(Segmentation|core dump|[Cc]rash|Fatal server error)|"
                        r"Failed to start gdm|gnome-session.*Unrecoverable failure"),
    crash_txt="gnome-shell/Xorg crash",
    band="top",
    # xterm first: the X terminal the issue names, and GTK 4's kgx on X11
    # (llvmpipe, TCG) can miss mutter's 5 s ping, whose "not responding"
    # dialog then took the typed Return as "Force Quit"
    terminals=("xterm", "kgx"),
    image="gnome", append="qxl_desktop.session=xorg", session="x11",
)

KDE = Desktop(
    name="kde",
    milestones=[
        ("kernel", re.compile(r"Linux version \d")),
        ("qxl-ng", re.compile(r"qxl-ng \S+: revision")),
        ("sddm", re.compile(r"Started sddm\.service")),
        ("autologin", re.compile(r"session opened for user user\b")),
        # Plasma starts its session through systemd user units
        ("kwin", re.compile(r"Started plasma-kwin_wayland\.service")),
        ("plasmashell", re.compile(r"Started plasma-plasmashell\.service")),
    ],
    ready="plasmashell", shell="plasmashell",
    dm="sddm", compositor="kwin",
    user_bad=re.compile(r"(kwin_wayland|plasmashell)\[\d+\]: .*(Segmentation|core dump|[Cc]rash)|"
                        r"Failed to start sddm|plasma-kwin_wayland\.service: Failed|"
                        r"plasma-kwin_wayland\.service: Main process exited"),
    crash_txt="kwin_wayland/plasmashell crash",
    band="bottom",       # Plasma's panel
    terminals=("konsole", "xterm"),
    image="kde", append="", session="wayland",
)
DESKTOPS = {"gnome": GNOME, "kde": KDE, "xorg": XORG}
DESK = GNOME   # set by main
STAMP = re.compile(r"^\[\s*(\d+\.\d+)\] ")
# A userspace line on the console (journal forwarding) is "[time] proc[pid]: ...".
USER_LINE = re.compile(r"^\[\s*\d+\.\d+\] [^\s\[]+\[\d+\]: ")
KERNEL_BAD = re.compile(r"Oops|BUG:|WARNING:|Call Trace|Kernel panic|general protection fault")


class HardStop(BaseException):
    """SIGALRM/SIGTERM: not an OSError (TimeoutError is one), so no
    "except OSError" on the way swallows it."""


def say(status, name, detail=""):
    line = "%s %s%s%s" % (status, PREFIX, name, (": " + detail) if detail else "")
    print(line, flush=True)
    if status == "FAIL":
        FAILED.append(name)


def note(msg):
    sys.stderr.write("desktop-boot: %s\n" % msg)
    sys.stderr.flush()


def luma(px, i):
    return (299 * px[i] + 587 * px[i + 1] + 114 * px[i + 2]) // 1000


def describe(w, h, px):
    """Features of a picture: distinct colours (sampled), the top band's mean
    luminance and its bright pixels (text/icons of GNOME Shell's top bar; for
    KDE the bottom band: Plasma's panel)."""
    colours = set()
    for i in range(0, len(px), 3 * 97):
        colours.add(px[i:i + 3])
    band = min(24, h)
    rows = range(2, band) if DESK.band == "top" else range(h - band + 2, h)
    total = bright = 0
    for y in rows:
        for x in range(0, w, 2):
            lv = luma(px, (y * w + x) * 3)
            total += lv
            bright += lv > 170
    n = (band - 2) * ((w + 1) // 2)
    return {"colours": len(colours), "band_mean": total // max(n, 1), "band_bright": bright}


def looks_like_desktop(d):
    if DESK.band == "bottom":
        # Plasma (Breeze): a light panel at the bottom, with its text and icons;
        # the wallpaper (thousands of colours) comes last, well after the panel
        return d["colours"] >= 256 and d["band_mean"] > 120 and d["band_bright"] >= 20
    return d["colours"] >= 16 and d["band_mean"] < 90 and d["band_bright"] >= 20


class Console:
    """Follows the ttyS0 log file QEMU writes; stamps each line with the host
    time (seconds since QEMU started) it was first seen."""

    def __init__(self, path, t0, desk):
        self.path, self.t0, self.pos, self.part = path, t0, 0, b""
        self.milestones, self.user_bad = desk.milestones, desk.user_bad
        self.seen = {}  # milestone -> (host t, guest t or None, match)
        self.bad = []

    def poll(self):
        try:
            with open(self.path, "rb") as f:
                f.seek(self.pos)
                data = f.read()
        except FileNotFoundError:
            return
        self.pos += len(data)
        lines = (self.part + data).split(b"\n")
        self.part = lines.pop()
        now = time.monotonic() - self.t0
        for raw in lines:
            line = raw.decode(errors="replace").rstrip("\r")
            for name, rx in self.milestones:
                m = rx.search(line)
                if m and name not in self.seen:
                    g = STAMP.match(line)
                    self.seen[name] = (now, float(g.group(1)) if g else None, m)
                    note("[%6.1fs] %s: %s" % (now, name, line.strip()[:160]))
            user = USER_LINE.match(line)
            bad = self.user_bad.search(line) if user else KERNEL_BAD.search(line)
            if bad and len(self.bad) < 20:
                self.bad.append(line.strip())


# what the interactive shell prints about its background jobs in the middle of
# a command's output ("[1] 812", "[1]+  Terminated  sh -c ..."): not output
JOB_NOTICE = re.compile(r"^\[\d+\][+-]?(\s+\d+|\s+(Done|Terminated|Killed|Exit \d+|Stopped|Hangup)\b.*)\n",
                        re.M)


class Shell:
    """A root shell on the guest's ttyS1 (a QEMU unix socket chardev)."""

    def __init__(self, path):
        self.path, self.sock, self.buf, self.n = path, None, b"", 0

    def _connect(self):
        if self.sock is None:
            s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
            s.connect(self.path)
            s.setblocking(False)
            self.sock = s

    def _read_until(self, rx, timeout):
        end = time.monotonic() + timeout
        while True:
            m = rx.search(self.buf)
            if m:
                self.buf = self.buf[m.end():]
                return m
            left = end - time.monotonic()
            if left <= 0:
                return None
            r, _, _ = select.select([self.sock], [], [], min(left, 1.0))
            if r:
                chunk = self.sock.recv(65536)
                if not chunk:
                    raise RuntimeError("ttyS1 socket closed")
                self.buf += chunk

    def ready(self, timeout):
        """True once the shell answers (it comes with getty.target)."""
        self._connect()
        self.sock.sendall(b"\nstty -echo; PS1=''; echo @@RE''ADY\n")
        return self._read_until(re.compile(rb"@@READY"), timeout) is not None

    def run(self, cmd, timeout=60):
        """(exit status, output) of one shell command line; None on timeout."""
        self.n += 1
        n = self.n
        self.buf = b""
        self.sock.sendall(("echo @@B%d''; %s; echo @@E%d'' $?\n" % (n, cmd, n)).encode())
        if not self._read_until(re.compile(rb"@@B%d\r?\n" % n), timeout):
            return None
        m = self._read_until(re.compile(rb"([\s\S]*?)@@E%d (\d+)" % n), timeout)
        if not m:
            return None
        return int(m.group(2)), JOB_NOTICE.sub("", m.group(1).decode(errors="replace").replace("\r", ""))

    def close(self):
        if self.sock:
            self.sock.close()


def image_dir(args):
    if args.image:
        return args.image
    r = subprocess.run([os.path.join(HERE, "image.sh"), "--desktop", DESK.image,
                        "--suite", args.suite, "--cached"],
                       capture_output=True,
                       text=True, timeout=120)
    if r.returncode != 0:
        return None
    return r.stdout.strip().splitlines()[-1]


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--desktop", choices=sorted(DESKTOPS), default="gnome",
                    help="the image's desktop (default gnome)")
    ap.add_argument("--suite", choices=("trixie", "bookworm"), default="trixie",
                    help="the image's Debian release (default trixie; bookworm: GNOME "
                    "43, mutter's legacy KMS on qxl, kernel 6.1)")
    ap.add_argument("--image", help="image dir (default: tests/desktop/image.sh --desktop D "
                    "--suite S --cached)")
    ap.add_argument("--timeout", type=float, default=900, help="overall bound (s)")
    ap.add_argument("--mem", type=int, default=4096)
    ap.add_argument("--smp", type=int, default=2)
    ap.add_argument("--machine", help="e.g. q35 (default: QEMU's pc)")
    ap.add_argument("--append", default="", help="extra kernel command line")
    ap.add_argument("--no-spice-client", action="store_true")
    ap.add_argument("--heads", type=int, default=2,
                    help="qxl-vga max_outputs (default 2: the client monitors check)")
    ap.add_argument("--follow-bound", type=float, default=5,
                    help="seconds the desktop may take to follow a client monitors config (5)")
    ap.add_argument("--no-monitors", action="store_true",
                    help="skip the client monitors config check")
    ap.add_argument("--out", help="where the run dir goes (default build/desktop, "
                    "for KDE build/desktop-kde)")
    ap.add_argument("--freeze", type=float, default=0, metavar="SECONDS",
                    help="run each freeze reproducer (a VT printing dmesg, a terminal "
                    "painting gradients) this long (default 0: not run)")
    ap.add_argument("--spice-port", type=int,
                    help="SPICE's TCP port on 127.0.0.1 (default: a free one)")
    ap.add_argument("--demo", type=float, metavar="SECONDS",
                    help="make demo: no checks and no client of ours; once the desktop "
                    "shows, save it as OUT/screen.png and keep the VM running SECONDS "
                    "for a viewer (Ctrl-C ends it sooner)")
    args = ap.parse_args()
    global PREFIX, DESK, SUITE
    DESK = DESKTOPS[args.desktop]
    SUITE = args.suite
    if SUITE != "trixie" and DESK is not GNOME:
        ap.error("--suite %s: only with --desktop gnome" % SUITE)
    # trixie's names stay what they were; Debian 12's get the suite
    name = DESK.name if SUITE == "trixie" else "%s-%s" % (DESK.name, SUITE)
    PREFIX = "desktop-%s/" % name
    if not args.out:
        args.out = os.path.join(REPO, "build", "desktop" if name == "gnome" else "desktop-" + name)
    if args.demo is not None:
        args.no_spice_client = True  # the viewer's: spice-server serves one client
        args.timeout += args.demo

    img = image_dir(args)
    if not img or not os.path.exists(os.path.join(img, "root.img")):
        say("SKIP", "boot", "no cached image (run tests/desktop/image.sh%s%s first)" % (
            "" if DESK.image == "gnome" else " --desktop " + DESK.image,
            "" if SUITE == "trixie" else " --suite " + SUITE))
        return 0
    run = time.strftime("run-%Y%m%d-%H%M%S")
    out = os.path.join(args.out, run)
    os.makedirs(out, exist_ok=True)
    tmp = tempfile.mkdtemp(prefix="qxl-desktop-")
    # a per-run qcow2 overlay: root.img is never written
    if shutil.which("qemu-img"):
        disk = os.path.join(tmp, "disk.qcow2")
        subprocess.run(["qemu-img", "create", "-q", "-f", "qcow2", "-b",
                        os.path.join(img, "root.img"), "-F", "raw", disk], check=True, timeout=60)
        drive = "file=%s,if=virtio,format=qcow2" % disk
    else:   # no qemu-utils: QEMU makes the same overlay itself, in $TMPDIR
        drive = "file=%s,if=virtio,format=raw,snapshot=on" % os.path.join(img, "root.img")
    port = args.spice_port = args.spice_port or free_port()
    console_log = os.path.join(out, "console.log")
    qmp_sock = os.path.join(tmp, "qmp.sock")
    shell_sock = os.path.join(tmp, "ttyS1.sock")
    cmd = ["qemu-system-x86_64", "-accel", "tcg", "-m", str(args.mem), "-smp", str(args.smp),
           "-nodefaults", "-vga", "none", "-no-reboot", "-display", "none",
           "-kernel", os.path.join(img, "vmlinuz"), "-initrd", os.path.join(img, "initrd.img"),
           # qxl-ng cannot read max_outputs from the device: num_heads matches it
           "-append", " ".join(x for x in (
               "root=/dev/vda rw console=ttyS0 qxl.num_heads=%d" % args.heads,
               DESK.append, args.append) if x),
           "-drive", drive,
           "-device", "qxl-vga,max_outputs=%d" % args.heads,
           "-spice", "port=%d,addr=127.0.0.1,disable-ticketing=on" % port,
           "-device", "virtio-serial",
           "-chardev", "spicevmc,id=vdagent,name=vdagent",
           "-device", "virtserialport,chardev=vdagent,name=com.redhat.spice.0",
           "-serial", "file:" + console_log,
           "-chardev", "socket,id=shell,path=%s,server=on,wait=off" % shell_sock,
           "-serial", "chardev:shell",
           "-qmp", "unix:%s,server=on,wait=off" % qmp_sock]
    if args.machine:
        cmd[1:1] = ["-machine", args.machine]
    with open(os.path.join(out, "qemu.cmd"), "w") as f:
        f.write(" ".join(cmd) + "\n")
    note("image %s, output %s, SPICE 127.0.0.1:%d" % (img, out, port))
    t0 = time.monotonic()
    deadline = t0 + args.timeout
    qlog = open(os.path.join(out, "qemu.log"), "w")
    qemu = subprocess.Popen(cmd, stdout=qlog, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                            env=dict(os.environ, TMPDIR=tmp))
    qmp = client = None
    shell = Shell(shell_sock)
    console = Console(console_log, t0, DESK)
    times = {}
    result = False

    def hard_stop(signum, frame):
        raise HardStop("signal %d" % signum)
    # the checks after the deadline are bounded too: a hard stop 180 s later;
    # SIGTERM/SIGINT also end the run through the finally (QEMU by PID)
    signal.signal(signal.SIGALRM, hard_stop)
    signal.signal(signal.SIGTERM, hard_stop)
    signal.alarm(int(args.timeout) + 180 + int(2 * args.freeze) + (240 if args.freeze > 0 else 0))
    try:
        qmp = QMP(qmp_sock, min(deadline, time.monotonic() + 30))
        if not args.no_spice_client:
            client = SpiceClient(port, os.path.join(out, "spice-client.log"))
            if not client.wait_event("display-open", 30):
                note("SPICE client: no display channel within 30 s")
        result = watch(args, qemu, qmp, shell, console, client, deadline, t0, times, out)
    except KeyboardInterrupt:
        if args.demo is not None:   # how a viewer ends the demo
            note("demo: stopped by Ctrl-C after %.0f s" % (time.monotonic() - t0))
            result = "desktop-confirmed" in times
        else:
            say("FAIL", "harness", "interrupted after %.0f s" % (time.monotonic() - t0))
    except HardStop as e:
        say("FAIL", "harness", "stopped (%s) after %.0f s" % (e, time.monotonic() - t0))
    finally:
        signal.alarm(0)
        stop(qemu, qmp, client, shell)
        qlog.close()
        shutil.rmtree(tmp, ignore_errors=True)
    # console milestones: the guest's clock (kernel time stamp, from the
    # kernel's start) and when the host saw the line; host checks: host time
    for name in DESK.milestone_names:
        if name in console.seen:
            h, g, _ = console.seen[name]
            print("TIME %s %s (host %.1f s)" % (
                name, "%.1f s" % g if g is not None else "-", h), flush=True)
    for name, t in sorted(times.items(), key=lambda kv: kv[1]):
        print("TIME %s host %.1f s" % (name, t), flush=True)
    if console.bad:
        say("FAIL", "console", "%d bad lines, first: %s" % (len(console.bad), console.bad[0][:200]))
    else:
        say("PASS", "console", "no oops/warning/%s on ttyS0" % DESK.crash_txt)
    note("logs and pictures in %s" % out)
    return 1 if (FAILED or not result) else 0


def dump(qmp, out, n):
    path = os.path.join(out, "dump-%03d.ppm" % n)
    qmp.cmd("screendump", filename=path)
    return path, images.read(path)


def watch(args, qemu, qmp, shell, console, client, deadline, t0, times, out):
    """The boot, followed until the desktop shows or the deadline passes."""
    el = lambda: time.monotonic() - t0  # noqa: E731
    shell_ok = False
    shell_next = 0.0
    dump_next = 0.0
    ndump = 0
    user_shell = False
    desktop = None
    last = None
    while time.monotonic() < deadline:
        console.poll()
        if qemu.poll() is not None:
            say("FAIL", "boot", "QEMU exited with %d after %.0f s" % (qemu.returncode, el()))
            return False
        now = el()
        if not shell_ok and now >= shell_next:
            shell_next = now + 10
            try:
                shell_ok = shell.ready(3)
            except OSError:
                shell_ok = False
            if shell_ok:
                times["shell"] = el()
                say("PASS", "boot", "root shell on ttyS1 after %.0f s" % times["shell"])
        if shell_ok and not user_shell and now >= dump_next - 1:
            r = shell.run("ps -o user=,pid=,args= -C " + DESK.shell, 30)
            if r and re.search(r"^\s*user\s+\d+\s+\S*" + DESK.shell, r[1], re.M):
                user_shell = True
                times[DESK.shell + "-user"] = el()
                note("[%6.1fs] %s runs as user" % (el(), DESK.shell))
        if now >= dump_next:
            dump_next = now + (3 if user_shell else 10)
            ndump += 1
            path, (w, h, px) = dump(qmp, out, ndump)
            d = describe(w, h, px)
            note("[%6.1fs] screendump %dx%d %s" % (el(), w, h, d))
            # gnome-shell logs "GNOME Shell started" once its startup animation
            # is over: before that a still picture can be a half-faded one
            # (KDE: systemd has started plasmashell's unit)
            started = DESK.ready in console.seen
            if user_shell and started and looks_like_desktop(d):
                if last is not None and last == px:
                    desktop = (path, w, h, px, d)
                    times["desktop-confirmed"] = el()
                    break
                if last is None:
                    times["desktop-first-seen"] = el()
                last = px
                dump_next = now + 3   # confirm it holds still
            else:
                last = None
                if ndump % 6:   # keep about one rejected picture a minute
                    os.unlink(path)
        time.sleep(0.5)
    console.poll()
    if args.demo is not None:
        return demo_hold(args, qemu, desktop, el)
    try:
        report(args, qmp, shell, shell_ok, console, client, desktop, out, el, times)
    except (RuntimeError, OSError, ValueError, AttributeError) as e:
        say("FAIL", "harness", "checks after the boot: %s: %s" % (type(e).__name__, e))
    return desktop is not None


def demo_hold(args, qemu, desktop, el):
    """make demo: the desktop for a viewer, until --demo seconds pass."""
    if desktop is None:
        say("FAIL", "desktop", "no desktop on the screen after %.0f s" % el())
        return False
    path, w, h, px, d = desktop
    png = os.path.join(args.out, "screen.png")
    images.write(png, (w, h, px))
    say("PASS", "desktop", "%s on qxl-ng after %.0f s (%dx%d, saved as %s)" % (
        {"gnome": "GNOME", "kde": "KDE Plasma", "xorg": "GNOME on Xorg"}[DESK.name],
        el(), w, h, os.path.relpath(png, REPO)))
    print("demo: connect a viewer now: remote-viewer spice://127.0.0.1:%d "
          "(the VM runs %.0f s more; Ctrl-C stops it)" % (args.spice_port or 0, args.demo),
          flush=True)
    end = time.monotonic() + args.demo
    while time.monotonic() < end and qemu.poll() is None:
        time.sleep(min(1.0, max(0.0, end - time.monotonic())))
    if qemu.poll() is not None:
        say("FAIL", "demo", "QEMU exited with %d while the demo ran" % qemu.returncode)
        return False
    return True


def report(args, qmp, shell, shell_ok, console, client, desktop, out, el, times):
    q = lambda c, t=30: shell.run(c, t) if shell_ok else None  # noqa: E731
    # the driver
    r = q("cat /sys/module/qxl/version 2>/dev/null; modinfo -n qxl; "
          "dmesg | grep -m1 -o 'qxl-ng [^ ]*: revision.*'")
    if "qxl-ng" in console.seen or (r and "qxl-ng" in r[1]):
        detail = " ".join(r[1].split()) if r else console.seen["qxl-ng"][2].group(0)
        say("PASS", "qxl-ng-loaded", detail)
    else:
        say("FAIL", "qxl-ng-loaded", "no qxl-ng probe line (shell: %r)" % (r[1][:200] if r else None))
    # GDM (SDDM)
    r = q("systemctl is-active " + DESK.dm)
    if r and r[1].strip() == "active":
        say("PASS", DESK.dm, DESK.dm + " active")
    else:
        say("FAIL", DESK.dm, "systemctl is-active %s: %r" % (DESK.dm, r[1].strip() if r else "no shell"))
    if DESK is KDE:
        kwin_session_check(q, out)
    elif DESK is XORG:
        xorg_session_check(q, out)
    else:
        gnome_session_check(q, out)
    picture_checks(args, qmp, q, shell_ok, client, desktop, out, el)


def login_sessions(q, ps_cmd, grep, kind="wayland"):
    """loginctl's sessions (a dict each), the ps and journal lines asked for;
    the user's active sessions of type KIND."""
    r = q("for s in $(loginctl list-sessions --no-legend | awk '{print $1}'); do "
          "loginctl show-session $s -p Name -p Type -p Class -p State -p Service | tr '\\n' ' '; echo; done; "
          + ps_cmd + "; journalctl -b -o cat --no-pager | grep -E '" + grep + "' | tail -n 4")
    txt = r[1] if r else ""
    sessions = [dict(kv.split("=", 1) for kv in l.split() if "=" in kv) for l in txt.splitlines()]
    wl = [x for x in sessions if x.get("Name") == "user" and x.get("Type") == kind and
          x.get("Class") == "user" and x.get("State") in ("active", "online")]
    return txt, wl


def kwin_session_check(q, out):
    """kwin_wayland and plasmashell as user in a Wayland session, and the KMS
    path kwin's DRM backend took (its debug line, on for kwin_wayland_drm)."""
    txt, wl = login_sessions(q, "ps -o user=,pid=,args= -C kwin_wayland,plasmashell",
                             "Atomic Mode Setting|legacy mode|cursor offset issues")
    with open(os.path.join(out, "sessions.txt"), "w") as f:
        f.write(txt)
    kwin = re.search(r"^\s*user\s+\d+\s+\S*kwin_wayland", txt, re.M)
    shell = re.search(r"^\s*user\s+\d+\s+\S*plasmashell", txt, re.M)
    if re.search(r"Using Atomic Mode Setting", txt) and not re.search(r"legacy mode|disabled", txt):
        kms, kms_txt = "atomic", "kwin took atomic KMS (\"Using Atomic Mode Setting on gpu\")"
    elif re.search(r"legacy mode|Atomic Mode Setting disabled", txt):
        kms = "legacy"
        kms_txt = "kwin took legacy KMS: %s" % re.search(
            r"[^\n]*(legacy mode|Atomic Mode Setting disabled)[^\n]*", txt).group(0).strip()
    else:
        kms, kms_txt = None, "kwin's KMS line not found in the journal"
    if wl and kwin and shell and kms == "atomic":
        say("PASS", "kwin-wayland", "session of user (%s) is wayland, kwin_wayland and plasmashell "
            "run as user; %s" % (wl[0].get("Service", "?"), kms_txt))
    else:
        say("FAIL", "kwin-wayland", "session %s, kwin_wayland as user %s, plasmashell as user %s; %s" % (
            "wayland" if wl else "not wayland/none", "yes" if kwin else "no",
            "yes" if shell else "no", kms_txt))


def gnome_session_check(q, out):
    # GNOME Shell as user on Wayland, and mutter's KMS path
    txt, wl = login_sessions(q, "ps -o user=,pid=,args= -C gnome-shell", "mode setting|Added device")
    with open(os.path.join(out, "sessions.txt"), "w") as f:
        f.write(txt)
    ps = re.search(r"^\s*user\s+\d+\s+\S*gnome-shell", txt, re.M)
    kms = re.findall(r"Added device '([^']+)' \((\S+)\) using (\S+) mode setting", txt)
    kms_txt = ("mutter took %s KMS on %s (%s)" % (kms[-1][2], kms[-1][0], kms[-1][1])
               if kms else "mutter's KMS line not found")
    r = q("runuser -u user -- env XDG_RUNTIME_DIR=/run/user/1000 "
          "DBUS_SESSION_BUS_ADDRESS=unix:path=/run/user/1000/bus "
          "sh -c 'for k in \"interface enable-animations\" \"screensaver lock-enabled\" "
          "\"session idle-delay\"; do gsettings get org.gnome.desktop.$k; done' 2>/dev/null | tr '\\n' ' '")
    if r:
        note("user's settings (enable-animations, lock-enabled, idle-delay): %s" % r[1].strip())
    legacy_bad = legacy_kms_problem(kms)
    if wl and ps and legacy_bad:
        say("FAIL", "gnome-shell-wayland", "session of user (%s) is wayland, but %s; %s" % (
            wl[0].get("Service", "?"), legacy_bad, kms_txt))
    elif wl and ps:
        say("PASS", "gnome-shell-wayland", "session of user (%s) is wayland; %s%s" % (
            wl[0].get("Service", "?"), kms_txt, LEGACY_TXT if SUITE == "bookworm" else ""))
    else:
        say("FAIL", "gnome-shell-wayland", "session %s, gnome-shell as user %s; %s" % (
            "wayland" if wl else "not wayland/none", "yes" if ps else "no", kms_txt))
    if kms and kms[-1][1] != "qxl":
        say("FAIL", "mutter-kms-driver", "mutter uses %s, not qxl" % kms[-1][1])


def xorg_session_check(q, out):
    """GNOME on Xorg: user's session is x11, Xorg and gnome-shell run as user,
    and Xorg's log says its modesetting driver drives qxl-ng's card."""
    txt, x11 = login_sessions(q, "ps -o user=,pid=,args= -C gnome-shell,Xorg,spice-vdagent",
                              "qxl-desktop-session", kind="x11")
    r = q("grep -hE 'LoadModule: \"(modesetting|qxl)|modeset\\(0\\): (using drv|glamor|Output|"
          "Not using default mode|ShadowFB)|glamor|\\(EE\\)' /home/user/.local/share/xorg/Xorg.*.log "
          "| head -n 40; echo; " + USER_ENV + XORG_ENV + "xrandr --query | head -n 12")
    xlog = r[1] if r else ""
    with open(os.path.join(out, "sessions.txt"), "w") as f:
        f.write(txt + "\n--- Xorg log, xrandr\n" + xlog)
    shell = re.search(r"^\s*user\s+\d+\s+\S*gnome-shell", txt, re.M)
    xorg = re.search(r"^\s*user\s+\d+\s+\S*Xorg", txt, re.M)
    drv = re.search(r"modeset\(0\): using drv (\S+)", xlog)
    glamor = "glamor off" if re.search(r"glamor.*(fail|[Dd]isabl)|No glamor", xlog) else (
        "glamor on" if "glamor" in xlog else "glamor not mentioned")
    vdagent = re.search(r"^\s*user\s+\d+\s+\S*spice-vdagent", txt, re.M)
    detail = ("session of user (%s) is %s; Xorg as user %s, gnome-shell as user %s; "
              "modesetting driver on %s (%s); spice-vdagent (the session agent) %s" % (
                  x11[0].get("Service", "?") if x11 else "-", "x11" if x11 else "not x11/none",
                  "yes" if xorg else "no", "yes" if shell else "no",
                  drv.group(1) if drv else "? (no 'using drv' line)", glamor,
                  "runs as user" if vdagent else "not running"))
    if x11 and xorg and shell and drv:
        say("PASS", "gnome-xorg-session", detail)
    else:
        say("FAIL", "gnome-xorg-session", detail)


# mutter <= 45 has qxl on its atomic deny list: SETCRTC, legacy page flips
# (no damage clips), legacy cursor ioctls. Debian 12's image is there for that path.
LEGACY_TXT = " (the LEGACY path: mutter 43 denies atomic KMS to qxl)"


def legacy_kms_problem(kms):
    """Debian 12: why mutter's KMS line is not the legacy path on qxl, or None."""
    if SUITE != "bookworm":
        return None
    if not kms:
        return "mutter's KMS line was not found (legacy KMS not confirmed)"
    dev, driver, mode = kms[-1]
    if driver != "qxl" or mode != "non-atomic":
        return "mutter took %s mode setting on %s (%s), not non-atomic on qxl" % (mode, dev, driver)
    return None


def picture_checks(args, qmp, q, shell_ok, client, desktop, out, el):
    # the picture
    if desktop is None:
        w, h, px = dump(qmp, out, 999)[1]
        path = os.path.join(out, "last.png")
        images.write(path, (w, h, px))
        say("FAIL", "screendump-desktop", "no desktop picture within the bound; last %s %s" % (
            path, describe(w, h, px)))
        return
    path, w, h, px, d = desktop
    png = os.path.join(out, "desktop.png")
    images.write(png, (w, h, px))
    shutil.copyfile(png, os.path.join(os.path.dirname(out), "desktop-latest.png"))
    say("PASS", "screendump-desktop", "%dx%d, %d colours sampled, %s band mean %d with %d bright "
        "pixels: %s" % (w, h, d["colours"], DESK.band, d["band_mean"], d["band_bright"], png))
    if client is None:
        say("SKIP", "spice-matches-screendump", "--no-spice-client")
    else:
        spice_compare(qmp, client, out, el)
    if shell_ok:
        cursor_check(qmp, q, client, out)
    if args.no_monitors:
        say("SKIP", "client-monitors", "--no-monitors")
    elif client is None:
        say("SKIP", "client-monitors", "no SPICE client (--no-spice-client)")
    elif not shell_ok:
        say("SKIP", "client-monitors", "no root shell on ttyS1 to look at the guest's side")
    else:
        monitors_check(qmp, q, client, out, args.heads, args.follow_bound)
    if shell_ok:
        typed = typing_check(qmp, q, client, out)
        if typed:
            drag_check(qmp, q, client, out, *typed)
        else:
            say("SKIP", "window-drag", "no terminal window to drag (terminal-typing failed)")
    if shell_ok and SUITE == "bookworm":
        flipdiff_check(qmp, q, out)
    if shell_ok:
        freeze_checks(args, qmp, q, client, out)


def kms_state(q, out, name):
    """DRM's atomic state (debugfs): which planes gnome-shell's framebuffers
    are on. Saved as NAME, summarised; returns {plane: (fb, size)}."""
    r = q("cat /sys/kernel/debug/dri/0/state")
    if not r or r[0] != 0:
        note("no /sys/kernel/debug/dri/0/state")
        return {}
    with open(os.path.join(out, name), "w") as f:
        f.write(r[1])
    found = {}
    planes = []
    for blk in re.split(r"\n(?=plane\[)", r[1]):
        m = re.match(r"plane\[\d+\]: (\S+)", blk)
        if not m:
            continue
        fb = re.search(r"fb=(\d+)", blk)
        who = re.search(r"allocated by = (\S+)", blk)
        size = re.search(r"size=(\d+x\d+)", blk)
        pos = re.search(r"crtc-pos=(\S+)", blk)
        planes.append("%s fb=%s%s%s" % (m.group(1), fb.group(1) if fb else "-",
                                        " " + size.group(1) if size else "",
                                        " by " + who.group(1) if who else ""))
        found[m.group(1)] = (fb.group(1) if fb else "0", size.group(1) if size else "",
                             pos.group(1) if pos else "")
    note("KMS state (%s): %s" % (name, "; ".join(planes)))
    return found


def cursor_check(qmp, q, client, out):
    """Move the PS/2 mouse (QMP input-send-event): mutter should show its
    pointer on a cursor plane, and the SPICE client's cursor channel see it."""
    before = kms_state(q, out, "kms-state.txt")
    for _ in range(5):
        qmp.cmd("input-send-event", events=[
            {"type": "rel", "data": {"axis": "x", "value": 20}},
            {"type": "rel", "data": {"axis": "y", "value": 20}}])
        time.sleep(0.3)
    end = time.monotonic() + 20
    after = {}
    moved = []
    while time.monotonic() < end:
        time.sleep(2)
        after = kms_state(q, out, "kms-state-pointer.txt")
        cur = [(p, v) for p, v in after.items()
               if v[0] != "0" and before.get(p, ("0",))[0] == "0"]
        if cur:
            break
        # KWin, Xorg and mutter 43's legacy cursor ioctls (Debian 12) show
        # the pointer from the start (mutter on Wayland only once it moves):
        # then the plane that had it must have moved with the mouse
        moved = [(p, v) for p, v in after.items() if v[0] != "0" and
                 before.get(p, ("0",))[0] != "0" and v[2] != before[p][2]]
        if moved:
            break
    else:
        cur = moved = []
    # the client's cursor channel must have the pointer too: shown, of the
    # plane's size, its hotspot inside it (its position is not compared: in
    # SPICE's client mouse mode, with the agent, the client draws the
    # pointer where its own mouse is); it may come a moment after the plane
    plane = (moved or cur or [(None, ("0", "", ""))])[0][1][1]
    spice, client_ok = "no client", client is None
    end = time.monotonic() + 10
    while client and not client_ok and time.monotonic() < end:
        spice = client.request("cursor", 10)
        cw = re.match(r"ok (\d+) (\d+) (\d+) (-?\d+) (-?\d+) ", spice)
        client_ok = bool(
            cw and cw.group(1) == "1" and "%sx%s" % (cw.group(2), cw.group(3)) == plane and
            0 <= int(cw.group(4)) < int(cw.group(2)) and 0 <= int(cw.group(5)) < int(cw.group(3)))
        if not client_ok:
            time.sleep(1)
    if (moved or cur) and not client_ok:
        say("FAIL", "cursor-plane", "%s put the pointer on a %s plane, but the SPICE client's "
            "cursor is not shown at that size with a hotspot in it: %s" % (
                DESK.compositor, plane or "?", spice))
        return
    if moved and not cur:
        p, v = moved[0]
        say("PASS", "cursor-plane", "%s shows the pointer on %s (fb %s, %s) from the start; after a "
            "mouse move it is at %s (was %s); SPICE client cursor: %s" % (
                DESK.compositor, p, v[0], v[1], v[2], before[p][2], spice))
    elif cur:
        say("PASS", "cursor-plane", "after a mouse move %s shows the pointer on %s "
            "(fb %s, %s); SPICE client cursor: %s" % (DESK.compositor, cur[0][0], cur[0][1][0],
                                                      cur[0][1][1], spice))
    else:
        say("FAIL", "cursor-plane", "no plane got a framebuffer after a mouse move; "
            "SPICE client cursor: %s" % spice)


def spice_compare(qmp, client, out, el):
    """The SPICE client's picture against a screendump taken right after it
    (QEMU's default, lossy-capable compression: a tolerance, not exactness)."""
    best = None
    for i in range(3):
        sp = os.path.join(out, "spice-%d.ppm" % i)
        try:
            r = client.request("snap " + sp, 20)
        except RuntimeError as e:
            say("FAIL", "spice-matches-screendump", str(e))
            return
        if not r.startswith("ok"):
            say("FAIL", "spice-matches-screendump", "client: " + r)
            return
        sw, sh, spx = images.read(sp)
        _, (w, h, px) = dump(qmp, out, 900 + i)
        if (sw, sh) != (w, h):
            best = "size %dx%d vs %dx%d" % (sw, sh, w, h)
            time.sleep(2)
            continue
        differ = sum(1 for j in range(0, len(px), 3)
                     if max(abs(px[j] - spx[j]), abs(px[j + 1] - spx[j + 1]),
                            abs(px[j + 2] - spx[j + 2])) > 32)
        frac = differ / (w * h)
        best = frac if best is None or isinstance(best, str) or frac < best else best
        if frac < 0.01:
            break
        time.sleep(2)
    if isinstance(best, float) and best < 0.01:
        images.write(os.path.join(out, "spice.png"), (sw, sh, spx))
        say("PASS", "spice-matches-screendump", "%.3f%% of pixels differ by more than 32" %
            (100 * best))
    else:
        say("FAIL", "spice-matches-screendump", "%s" % (
            "%.2f%% of pixels differ" % (100 * best) if isinstance(best, float) else best))


def frac_differ(a, b):
    """The fraction of pixels of two same-size RGB byte strings that differ by
    more than 32 in some channel (PIL: per-channel difference, then the max)."""
    w, h, _ = a
    d = ImageChops.difference(images.pil(a), images.pil(b))
    r, g, bl = d.split()
    m = ImageChops.lighter(ImageChops.lighter(r, g), bl)
    return sum(m.histogram()[33:]) / float(w * h)


USER_ENV = ("runuser -u user -- env XDG_RUNTIME_DIR=/run/user/1000 "
            "DBUS_SESSION_BUS_ADDRESS=unix:path=/run/user/1000/bus ")
# X clients: GDM's Xorg (GNOME on Xorg) or mutter's Xwayland, with its cookie
XORG_ENV = ("DISPLAY=:0 XAUTHORITY=$(ls /run/user/1000/gdm/Xauthority "
            "/run/user/1000/.mutter-Xwaylandauth.* 2>/dev/null | head -n 1) ")


GUEST_CONNECTORS = ("for c in /sys/class/drm/card0-*; do echo \"${c##*/} $(cat $c/status) "
                    "$(head -n 2 $c/modes | tr '\\n' ' ')\"; done; "
                    "grep -E '^crtc|enable=|mode: |^plane|crtc-pos|fb=' /sys/kernel/debug/dri/0/state; ")


def connectors(txt):
    return " ".join("%s %s %s" % (m.group(1), m.group(2), m.group(3) or "")
                    for m in re.finditer(r"^card0-(\S+) (connected|disconnected) ?(\S+)?", txt, re.M))


def kwin_view(q, out, name):
    """guest_view for KWin: its outputs (enabled ones, with geometry) from
    KWin's supportInformation (D-Bus). Logical monitors as guest_view's:
    [(x, y, primary, connector)], primary always "false" (KWin has none)."""
    r = q(GUEST_CONNECTORS + USER_ENV + "dbus-send --session --print-reply --dest=org.kde.KWin "
          "/KWin org.kde.KWin.supportInformation | sed -n '/^Screens/,/^Compositing/p'", 40)
    txt = r[1] if r else "(no answer)"
    with open(os.path.join(out, name), "w") as f:
        f.write(txt)
    logical = []
    for blk in re.split(r"\n(?=Screen \d+:)", txt):
        nm = re.search(r"^\s*Name: (\S+)", blk, re.M)
        en = re.search(r"^\s*Enabled: (\S+)", blk, re.M)
        geo = re.search(r"^\s*Geometry: (-?\d+),(-?\d+),(\d+x\d+)", blk, re.M)
        if nm and geo and (not en or en.group(1) in ("1", "true")):
            logical.append((geo.group(1), geo.group(2), "false", nm.group(1), geo.group(3)))
    kwin = " ".join("%s@%s,%s %s" % (c, x, y, sz) for x, y, _, c, sz in logical)
    return ("connectors: %s; kwin outputs: %s" % (connectors(txt).strip(), kwin or "?"),
            [lm[:4] for lm in logical], txt)


def guest_view(q, out, name):
    """The guest's side of a layout: connectors (status, first modes), the
    CRTCs' modes and positions from DRM's atomic state, mutter's logical
    monitors (DisplayConfig GetCurrentState). Saved as NAME; one-line summary."""
    if DESK is KDE:
        return kwin_view(q, out, name)
    r = q(GUEST_CONNECTORS + USER_ENV + "gdbus call --session -d org.gnome.Mutter.DisplayConfig "
          "-o /org/gnome/Mutter/DisplayConfig -m org.gnome.Mutter.DisplayConfig.GetCurrentState", 40)
    txt = r[1] if r else "(no answer)"
    with open(os.path.join(out, name), "w") as f:
        f.write(txt)
    conn = connectors(txt)
    # logical monitors: [(x, y, scale, transform, primary, [(connector, vendor, ...)], props)]
    logical = re.findall(r"\((-?\d+), (-?\d+), (?:double )?[\d.]+, (?:uint32 )?\d+, (true|false), "
                         r"\[\('([^']+)'", txt)
    mutter = " ".join("%s@%s,%s%s" % (c, x, y, "*" if p == "true" else "") for x, y, p, c in logical)
    return "connectors: %s; mutter logical monitors: %s" % (conn.strip(), mutter or "?"), logical, txt


def monitors_check(qmp, q, client, out, heads, bound):
    """The SPICE client asks for a layout (monitors config through the main
    channel; QEMU hands it to qxl-ng as a client monitors config): GNOME must
    follow, the screendump (the whole primary surface) and the client's own
    surface and monitors must show it. Steps: one 1280x800, two 1024x768 side
    by side, one 1024x768 back."""
    r = q("systemctl is-active spice-vdagentd; ls -l /dev/virtio-ports/ 2>&1 | tail -n +2")
    note("vdagent: %s" % (" ".join(r[1].split()) if r else "?"))
    if r and not r[1].startswith("active"):
        q("systemctl start spice-vdagentd")
    # the kernel's hotplug uevents, with the guest's monotonic time stamps:
    # how much of the time is the driver's and how much the compositor's
    # DRM's KMS + ATOMIC debug log (dmesg): when mutter probes the connectors
    # and when its blocking (mode-setting) commits start and end
    q("echo 0x14 > /sys/module/drm/parameters/debug", 10)
    mon_pid = bg_pid(q("setsid udevadm monitor -k -u -s drm >/tmp/drm-uevents.log 2>&1 </dev/null "
                       "& echo $!; sleep 2"))
    steps = [("client-monitors-1280x800", ["1280x800+0+0"], (1280, 800)),
             ("client-monitors-two-heads", ["1024x768+0+0", "1024x768+1024+0"], (2048, 768)),
             ("client-monitors-back-to-one", ["1024x768+0+0"], (1024, 768))]
    for n, (name, layout, size) in enumerate(steps):
        if len(layout) > heads:
            say("SKIP", name, "qxl-vga has max_outputs=%d (--heads)" % heads)
            continue
        r = q("cat /proc/uptime", 10)
        g_send = float(r[1].split()[0]) if r and r[0] == 0 else None
        t0 = time.monotonic()
        try:
            r = client.request("monitors " + " ".join(layout), 25)
        except RuntimeError as e:
            r = "err " + str(e)
        if not r.startswith("ok"):
            say("FAIL", name, "client monitors config not sent: %s" % r)
            continue
        t_sent = time.monotonic() - t0
        want = " ".join(layout)
        got_dump = got_client = None
        t_dump = t_client = None
        state = ""
        hw0, hh0 = layout_size(layout[0])
        end = t0 + 30   # bound of the wait; the check asks for --follow-bound
        while time.monotonic() < end:
            # cheap polls (a screendump, the client's "info"); the client's
            # whole picture and monitors only once its size is right
            if t_dump is None:
                path, img = dump(qmp, out, 700 + n)
                got_dump = img
                if (img[0], img[1]) == size and looks_like_desktop(describe(*images.crop(img, 0, 0, hw0, hh0))):
                    t_dump = time.monotonic() - t0
            if t_client is None:
                info = client.request("info", 10).split()
                if info[:1] == ["ok"] and (int(info[1]), int(info[2])) == size:
                    sp = os.path.join(out, "spice-mon-%d.ppm" % n)
                    rr = client.request("snap " + sp, 20)
                    mons = " ".join(re.findall(r"\d+x\d+\+\d+\+\d+", rr))
                    if rr.startswith("ok"):
                        got_client = (images.read(sp), mons)
                        if mons == want and looks_like_desktop(describe(*images.crop(got_client[0], 0, 0, hw0, hh0))):
                            t_client = time.monotonic() - t0
            if t_dump is not None and t_client is not None:
                break
            time.sleep(0.2)
        uev = "-"
        r = q("cat /tmp/drm-uevents.log", 10)
        if r and g_send is not None:
            # KERNEL: the driver's uevent; UDEV: udevd done with it (what
            # mutter's GUdev client gets)
            got = []
            for src in ("KERNEL", "UDEV"):
                ts = [float(v) for v in re.findall(src + r"\s*\[(\d+\.\d+)\] change", r[1])
                      if float(v) > g_send]
                got.append("%.2f s" % (ts[0] - g_send) if ts else "-")
            uev = "%s (udev's after %s)" % tuple(got)
        kms_txt = kms_times(q, g_send)
        view, logical, _ = guest_view(q, out, "monitors-%d-%s.txt" % (n, name.split("-", 2)[2]))
        if got_dump:
            images.write(os.path.join(out, "monitors-%d-screendump.png" % n), got_dump)
        if got_client:
            images.write(os.path.join(out, "monitors-%d-spice.png" % n), got_client[0])
        # the client's picture against a fresh screendump, once both sizes agree
        cmp_txt = ""
        if t_dump is not None and t_client is not None:
            sp = os.path.join(out, "spice-mon-%d-b.ppm" % n)
            client.request("snap " + sp, 20)
            spx = images.read(sp)
            _, img = dump(qmp, out, 710 + n)
            if (spx[0], spx[1]) == (img[0], img[1]):
                frac = frac_differ(spx, img)
                cmp_txt = "; client vs screendump %.3f%% of pixels differ" % (100 * frac)
                if frac >= 0.01:
                    state = "client picture differs from the screendump (%.2f%%)" % (100 * frac)
            # every head shows something: the first the top bar, the others not black
            # (KDE: plasmashell draws a new output's wallpaper long after KWin
            # lit it, 13-22 s under load: wait for that, up to 60 s, and say
            # how long; the follow time stays KWin's: size and layout shown)
            if DESK is KDE and len(layout) > 1:
                t_heads, img, black = heads_drawn(qmp, out, 720 + n, layout, t0, 60)
                images.write(os.path.join(out, "monitors-%d-heads.png" % n), img)
                if t_heads is not None:
                    cmp_txt += "; plasmashell's wallpaper on every head after %.1f s" % t_heads
                else:
                    state = ("the new head stays %.0f%% black for 60 s (KWin lit the output; "
                             "plasmashell drew no wallpaper or panel there)" % (100 * black))
            for hd in layout[1:]:
                x, y = (int(v) for v in re.findall(r"\+(\d+)", hd))
                hw, hh = layout_size(hd)
                head = images.pil(img).crop((x, y, x + hw, y + hh))
                lum = ImageStat.Stat(head.convert("L")).mean[0]
                cmp_txt += "; head %s mean luma %.0f" % (hd, lum)
                if lum < 10:
                    state = "head %s is black (mean luma %.1f)" % (hd, lum)
        # mutter's layout: one logical monitor per head at the client's positions
        pos = sorted((int(x), int(y)) for x, y, _, _ in logical)
        want_pos = sorted(tuple(int(v) for v in re.findall(r"\+(\d+)", hd)) for hd in layout)
        if logical and pos != want_pos:
            state = state or "%s's %s at %s, the client asked %s" % (
                DESK.compositor, "outputs" if DESK is KDE else "logical monitors", pos, want_pos)
        timing = "sent after %.1f s, guest's drm change uevent after %s, screendump %s after %s, client %s after %s" % (
            t_sent, uev, "%dx%d" % got_dump[:2] if got_dump else "?", "%.1f s" % t_dump if t_dump is not None else "-",
            "%dx%d [%s]" % (got_client[0][0], got_client[0][1], got_client[1]) if got_client else "?",
            "%.1f s" % t_client if t_client is not None else "-")
        print("TIME client-monitors %s %s" % (name.split("-", 2)[2], timing), flush=True)
        print("TIME client-monitors %s guest: %s" % (name.split("-", 2)[2], kms_txt), flush=True)
        detail = "%s asked; %s%s; %s; guest: %s" % (want, timing, cmp_txt, view, kms_txt)
        if DESK is KDE and (t_dump is None or t_client is None or state):
            # KWin does not read hotplug_mode_update: whether it follows the
            # client's layout is its policy, not qxl-ng's (see README)
            say("SKIP", name, "kwin_wayland does not show the client's layout: %s; %s" % (
                state or "not within 30 s", detail))
        elif t_dump is None or t_client is None:
            say("FAIL", name, "not followed within 30 s: " + detail)
        elif state:
            say("FAIL", name, state + ": " + detail)
        elif max(t_dump, t_client) > bound:
            say("FAIL", name, "followed after %.1f s (bound %g s): %s" % (
                max(t_dump, t_client), bound, detail))
        else:
            say("PASS", name, "followed after %.1f s (bound %g s): %s" % (
                max(t_dump, t_client), bound, detail))
    if mon_pid:
        q("kill %s" % mon_pid, 10)
    q("echo 0 > /sys/module/drm/parameters/debug", 10)


def heads_drawn(qmp, out, n, layout, t0, limit):
    """(seconds since T0, screendump, black fraction) once every head but the
    first has under 1 % of black pixels (luma under 8: KWin's clear colour
    where plasmashell has drawn nothing yet), or (None, last screendump,
    black fraction) after LIMIT s."""
    img = None
    while True:
        _, img = dump(qmp, out, n)
        black = 0.0
        for hd in layout[1:]:
            x, y = (int(v) for v in re.findall(r"\+(\d+)", hd))
            hw, hh = layout_size(hd)
            hist = images.pil(img).crop((x, y, x + hw, y + hh)).convert("L").histogram()
            black = max(black, sum(hist[:8]) / float(hw * hh))
        if black < 0.01:
            return time.monotonic() - t0, img, black
        if time.monotonic() - t0 > limit:
            return None, img, black
        time.sleep(1)


def kms_times(q, g_send):
    """From DRM's debug log: the connector probes and the blocking commits
    (mode sets) since G_SEND (guest seconds), relative to it."""
    if g_send is None:
        return "-"
    r = q("dmesg | grep -E 'probed modes|committing [0-9a-f]+$|Clearing atomic state' | tail -n 600", 20)
    if not r:
        return "-"
    probes, commits, clears = [], [], []
    for m in re.finditer(r"^\[\s*(\d+\.\d+)\].*?(probed modes|committing [0-9a-f]+$|Clearing atomic state)",
                         r[1], re.M):
        t = float(m.group(1)) - g_send
        if t < 0:
            continue
        (probes if m.group(2) == "probed modes" else
         clears if m.group(2).startswith("Clearing") else commits).append(t)
    if not (probes or commits):
        return "no connector probe or blocking commit in DRM's debug log"
    txt = "connector probes %s" % ("+%.2f..+%.2f s (%d)" % (probes[0], probes[-1], len(probes))
                                   if probes else "none")
    if len(commits) > 4:    # Xorg: a legacy ioctl is a commit each
        done = [x for x in clears if x >= commits[-1]]
        return txt + "; %d blocking commits +%.2f..+%.2f s, the last done %s" % (
            len(commits), commits[0], commits[-1], "+%.2f s" % done[0] if done else "?")
    for c in commits:
        done = [x for x in clears if x >= c]
        txt += "; blocking commit +%.2f s%s" % (c, ", done +%.2f s" % done[0] if done else "")
    return txt


def bg_pid(r):
    """The PID of "cmd & echo $!" (the interactive shell also prints "[1] PID")."""
    pids = re.findall(r"^(\d+)$", r[1], re.M) if r else []
    return pids[-1] if pids else None


TOP_BAR = 32   # GNOME Shell's top bar (1024x768, scale 1): its clock ticks
PANEL = 48     # Plasma's bottom panel (40 px at 1024x768, Breeze), its clock ticks


def changes(img, base):
    """The box where IMG differs from BASE below the top bar (above Plasma's
    panel), or None."""
    d = ImageChops.difference(images.pil(img), images.pil(base))
    if DESK.band == "top":
        d.paste((0, 0, 0), (0, 0, img[0], TOP_BAR))
    else:
        d.paste((0, 0, 0), (0, max(img[1] - PANEL, 0), img[0], img[1]))
        # plasmashell re-renders its wallpaper now and then (after a layout
        # change): the whole picture off by a few levels. Count only real
        # changes (more than 32 in a channel, as frac_differ).
        d = d.point(lambda v: 255 if v > 32 else 0)
    return d.getbbox()


def settle(qmp, out, n, base, limit, min_size=1):
    """Screendumps until the picture differs from BASE below the top bar, by a
    box at least MIN_SIZE wide and high, and holds still for two dumps in a
    row (a window drawn); (image, seconds) or (last, None)."""
    t0 = time.monotonic()
    prev = last = None
    while time.monotonic() - t0 < limit:
        _, img = dump(qmp, out, n)
        last = img
        box = changes(img, base) if img[:2] == base[:2] else (0, 0, img[0], img[1])
        changed = box and box[2] - box[0] >= min_size and box[3] - box[1] >= min_size
        if changed and prev is not None and prev == img:
            return img, time.monotonic() - t0
        prev = img if changed else None
        time.sleep(1)
    return last, None


KEYS = {" ": "spc", "-": "minus", ".": "dot"}


def type_text(qmp, text):
    for ch in text:
        qmp.cmd("send-key", keys=[{"type": "qcode", "data": KEYS.get(ch, ch)}])
        time.sleep(0.05)


OVERVIEW = (USER_ENV + "gdbus call --session --dest org.gnome.Shell --object-path /org/gnome/Shell "
            "--method org.freedesktop.DBus.Properties.Get org.gnome.Shell OverviewActive")


def overview_closed(qmp, q):
    """GNOME Shell (>= 40) shows its Activities overview after login; a layout
    change from the client closes it, but without one (--no-monitors) a
    terminal would open inside the overview and the typed keys go to its
    search. Close it as a user does, with Escape; a note says what was done.
    False if it stays open (the typing check then fails, naming it)."""
    if DESK.shell != "gnome-shell":
        return True
    for attempt in range(4):
        r = q(OVERVIEW)
        if not r or r[0] != 0:
            note("overview: cannot ask GNOME Shell (%s)" % (r[1].strip()[-200:] if r else "timeout"))
            return True   # not known: the window checks still judge the picture
        if "true" not in r[1]:
            if attempt:
                note("overview: closed with Escape (%d press%s)" % (attempt, "es" if attempt > 1 else ""))
            return True
        if attempt == 3:
            break
        qmp.cmd("send-key", keys=[{"type": "qcode", "data": "esc"}])
        end = time.monotonic() + 10
        while time.monotonic() < end:
            time.sleep(1)
            r = q(OVERVIEW)
            if r and r[0] == 0 and "true" not in r[1]:
                break
    return False


def typing_check(qmp, q, client, out):
    """A terminal (gnome-console or konsole, else xterm on Xwayland) started in user's
    session; text typed through QMP send-key must change the picture inside
    the terminal's window, and the SPICE client must show the same picture."""
    name = "terminal-typing"
    if not overview_closed(qmp, q):
        say("FAIL", name, "GNOME Shell's overview stays open after Escape (keys would go to its search)")
        return None
    _, base = dump(qmp, out, 800)
    if DESK is KDE:
        # after the client layouts plasmashell redraws the wallpaper for a
        # while: the terminal's window is what changes after a still picture
        end = time.monotonic() + 60
        while time.monotonic() < end:
            time.sleep(1)
            _, img = dump(qmp, out, 800)
            if img == base:
                break
            base = img
    env = USER_ENV + XORG_ENV + ("WAYLAND_DISPLAY=wayland-0 " if DESK.session == "wayland" else "")
    win = t_win = None
    for prog in DESK.terminals:
        t0 = time.monotonic()
        r = q("setsid " + env + prog + " >/tmp/%s.log 2>&1 </dev/null & echo $!" % prog)
        pid = bg_pid(r)
        if not pid:
            continue
        win, t_win = settle(qmp, out, 801, base, 90, min_size=100)
        if t_win is not None:
            break
        q("kill %s" % pid)   # the one the shell started, by its PID
        note("%s: no window within 90 s (guest log /tmp/%s.log)" % (prog, prog))
    if t_win is None:
        say("FAIL", name, "no terminal window appeared (%s)" % ", ".join(DESK.terminals))
        return
    box = changes(win, base)
    print("TIME terminal-window %s %.1f s (launch to a still picture with it)" % (prog, t_win), flush=True)
    images.write(os.path.join(out, "terminal.png"), win)
    text = "echo qxl-ng typing"
    t0 = time.monotonic()
    type_text(qmp, text)
    qmp.cmd("send-key", keys=[{"type": "qcode", "data": "ret"}])
    typed, t_typed = settle(qmp, out, 802, win, 20)
    tbox = changes(typed, win) if typed[:2] == win[:2] else None
    images.write(os.path.join(out, "terminal-typed.png"), typed)
    detail = "%s window %s after %.1f s" % (prog, box, t_win)
    if t_typed is None or not tbox:
        say("FAIL", name, "typing %r changed nothing within 20 s (focus?); %s" % (text, detail))
        return
    inside = (tbox[0] >= box[0] and tbox[1] >= box[1] and tbox[2] <= box[2] and tbox[3] <= box[3])
    # and the window is still there: a dialog that the Return closed (mutter's
    # "not responding" one took it as Force Quit once) also changes only
    # inside its box
    still = changes(typed, base) if typed[:2] == base[:2] else None
    kept = bool(still) and all(abs(a - b) <= 24 for a, b in zip(still, box))
    cmp_txt = "no client"
    frac = None
    if client:
        sp = os.path.join(out, "spice-typed.ppm")
        rr = client.request("snap " + sp, 20)
        if rr.startswith("ok"):
            spx = images.read(sp)
            if spx[:2] == typed[:2]:
                frac = frac_differ(spx, typed)
                cmp_txt = "client vs screendump %.3f%% of pixels differ" % (100 * frac)
                images.write(os.path.join(out, "spice-typed.png"), spx)
            else:
                cmp_txt = "client %dx%d vs screendump %dx%d" % (spx[0], spx[1], typed[0], typed[1])
        else:
            cmp_txt = "client: " + rr
    print("TIME terminal-typing %.1f s (keys sent to a still picture with the text)" % (
        time.monotonic() - t0), flush=True)
    detail = "%r changed %s %s in %.1f s, the window %s; %s; %s" % (
        text, tbox, "inside the window" if inside else "NOT inside the window", t_typed,
        "still shown" if kept else "GONE or changed (now %s)" % (still,), detail, cmp_txt)
    if inside and kept and frac is not None and frac < 0.01:
        say("PASS", name, detail)
        return base, typed, box
    say("FAIL", name, detail)
    return None


def pointer_pos(q, out):
    """Where the pointer is: the top left of the cursor plane showing it (the
    plane with a framebuffer of cursor size; one head: CRTC coordinates are
    the screen's), or None."""
    for fb, _, pos in kms_state(q, out, "kms-state-drag.txt").values():
        m = re.match(r"(\d+)x(\d+)([+-]\d+)([+-]\d+)$", pos)
        if fb != "0" and m and int(m.group(1)) <= 512 and int(m.group(2)) <= 512:
            return int(m.group(3)), int(m.group(4))
    return None


def pointer_into(qmp, q, out, box, margin=60):
    """Relative PS/2 moves (the compositor accelerates them) until the pointer
    is inside BOX, MARGIN from its edges; the position or None."""
    tx, ty = (box[0] + box[2]) // 2, (box[1] + box[3]) // 2
    hidden = 0
    for _ in range(15):
        pos = pointer_pos(q, out)
        if pos is None:
            # hidden while typing (konsole under KWin): a small move shows it
            hidden += 1
            if hidden > 3:
                return None
            qmp.cmd("input-send-event", events=[
                {"type": "rel", "data": {"axis": "x", "value": 2}},
                {"type": "rel", "data": {"axis": "y", "value": 2}}])
            time.sleep(1)
            continue
        x, y = pos
        if box[0] + margin <= x <= box[2] - margin and box[1] + margin <= y <= box[3] - margin:
            return pos
        dx = max(-60, min(60, (tx - x) // 3))
        dy = max(-60, min(60, (ty - y) // 3))
        qmp.cmd("input-send-event", events=[
            {"type": "rel", "data": {"axis": "x", "value": dx}},
            {"type": "rel", "data": {"axis": "y", "value": dy}}])
        time.sleep(0.7)
    return None


def drag_check(qmp, q, client, out, base, before, box):
    """The terminal's window dragged with the mouse (Super + left button, the
    window-move gesture of mutter and KWin): the window must show up moved
    on the screendump, and the SPICE client must show the same picture."""
    name = "window-drag"
    start = pointer_into(qmp, q, out, box)
    if start is None:
        say("FAIL", name, "could not bring the pointer into the window %s (cursor plane: %s)" % (
            box, pointer_pos(q, out)))
        return
    t0 = time.monotonic()
    meta = {"type": "qcode", "data": "meta_l"}
    qmp.cmd("input-send-event", events=[{"type": "key", "data": {"down": True, "key": meta}}])
    time.sleep(0.3)
    qmp.cmd("input-send-event", events=[{"type": "btn", "data": {"down": True, "button": "left"}}])
    time.sleep(0.3)
    # towards the side with more room (xterm under Xorg opens at the top left)
    sx = 1 if (box[0] + box[2]) < before[0] else -1
    sy = 1 if (box[1] + box[3]) < before[1] else -1
    for _ in range(12):
        qmp.cmd("input-send-event", events=[
            {"type": "rel", "data": {"axis": "x", "value": 12 * sx}},
            {"type": "rel", "data": {"axis": "y", "value": 6 * sy}}])
        time.sleep(0.25)
    qmp.cmd("input-send-event", events=[{"type": "btn", "data": {"down": False, "button": "left"}}])
    time.sleep(0.3)
    qmp.cmd("input-send-event", events=[{"type": "key", "data": {"down": False, "key": meta}}])
    end = pointer_pos(q, out)
    after, t_after = settle(qmp, out, 803, before, 20)
    images.write(os.path.join(out, "window-dragged.png"), after)
    nbox = changes(after, base) if after[:2] == base[:2] else None
    detail = "pointer %s -> %s; window %s -> %s" % (start, end, box, nbox)
    if t_after is None or not nbox:
        say("FAIL", name, "the picture did not change within 20 s; " + detail)
        return
    # the trailing edges: the leading ones may leave the screen
    dx = nbox[0] - box[0] if sx > 0 else nbox[2] - box[2]
    dy = nbox[1] - box[1] if sy > 0 else nbox[3] - box[3]
    # the same size, unless the screen's edges (or GNOME's top bar, which
    # changes() leaves out) clipped the window's shadow before or after
    w, h = after[0], after[1]
    top = TOP_BAR if DESK.band == "top" else 0
    bottom = h - PANEL if DESK.band != "top" else h
    same = ((abs((nbox[2] - nbox[0]) - (box[2] - box[0])) <= 24 or
             min(nbox[0], box[0]) <= 0 or max(nbox[2], box[2]) >= w) and
            (abs((nbox[3] - nbox[1]) - (box[3] - box[1])) <= 24 or
             min(nbox[1], box[1]) <= top or max(nbox[3], box[3]) >= bottom))
    frac = None
    cmp_txt = "no client"
    if client:
        sp = os.path.join(out, "spice-dragged.ppm")
        rr = client.request("snap " + sp, 20)
        spx = images.read(sp) if rr.startswith("ok") else None
        if spx and spx[:2] == after[:2]:
            frac = frac_differ(spx, after)
            cmp_txt = "client vs screendump %.3f%% of pixels differ" % (100 * frac)
        else:
            cmp_txt = "client: %s" % (rr if spx is None else "size %dx%d" % spx[:2])
    print("TIME window-drag %.1f s (button down to a still picture)" % (time.monotonic() - t0),
          flush=True)
    detail = "dragged %s, window moved by (%+d, %+d), %s size; %s; %s" % (
        ("right" if sx > 0 else "left") + (" and down" if sy > 0 else " and up"),
        dx, dy, "same" if same else "NOT the same", detail, cmp_txt)
    # the window follows the drag by tens of pixels
    if dx * sx >= 24 and same and (client is None or (frac is not None and frac < 0.01)):
        say("PASS", name, detail)
    else:
        say("FAIL", name, detail)


# Debian bug 1054514's reproducers (QXL guests freezing with "Buffer eviction
# failed" on the in-tree driver): a text VT printing dmesg in a loop, and a
# terminal painting full-screen gradients. Each runs --freeze seconds.
GRADIENTS = r"""#!/bin/bash
# full-screen 256-colour gradients, forever; boot.py stops it by this PID
echo $$ >/tmp/qxl-gradients.pid
f=0
while :; do
	read -r rows cols < <(stty size)	# again each frame: the window grows
	for ((y = 0; y < rows - 1; y++)); do
		l=''
		for ((x = 0; x < cols; x += 2)); do
			l+="\e[48;5;$((16 + (x / 2 + y + f) % 216))m  "
		done
		printf '%b\e[0m\n' "$l"
	done
	f=$(((f + 1) % 216))
done
"""
# what a freeze of the in-tree driver logs, and what would be one of ours
FREEZE_BAD = r"evict|alloc.*fail|out of memory|qxl.*(fail|error|timed out|timeout)|BUG|WARNING|Call Trace"


def freeze_watch(qmp, q, client, out, seconds, step=5):
    """Every STEP s for SECONDS: a screendump and the SPICE client's picture,
    each must differ from the one before (the loop keeps drawing), and the
    root shell must answer. (ok, detail)."""
    end = time.monotonic() + seconds
    prev, run, worst, same = [None, None], [0, 0], [0, 0], [0, 0]
    n = errs = 0
    shell_max = 0.0
    while time.monotonic() < end:
        time.sleep(step)
        n += 1
        pics = [dump(qmp, out, 700)[1], None]
        if client:
            sp = os.path.join(out, "freeze-spice.ppm")
            r = client.request("snap " + sp, 20)
            if r.startswith("ok"):
                pics[1] = images.read(sp)
            else:
                errs += 1
        for i, img in enumerate(pics):
            if img is None:
                continue
            if prev[i] is not None and img == prev[i]:
                run[i] += 1
                same[i] += 1
            else:
                run[i] = 0
            worst[i] = max(worst[i], run[i])
            prev[i] = img
        t = time.monotonic()
        if q("cat /proc/loadavg", 30) is None:
            return False, "the root shell did not answer within 30 s after %d samples" % n
        shell_max = max(shell_max, time.monotonic() - t)
    # frozen: the same picture for three samples in a row (15 s)
    ok = n > 0 and worst[0] < 3 and (client is None or (worst[1] < 3 and errs == 0))
    return ok, ("%d samples %d s apart: screendump unchanged in %d (longest run %d), "
                "client unchanged in %s (longest run %s, %d snapshot errors); "
                "the root shell answered within %.1f s" % (
                    n, step, same[0], worst[0], same[1] if client else "-",
                    worst[1] if client else "-", errs, shell_max))


def freeze_end(qmp, q, client, out, dmesg_from, tag):
    """After a reproducer: the kernel's new lines (none bad), and once the
    picture holds still, the client against the screendump. (ok, detail)."""
    r = q("dmesg | tail -n +%d | grep -iE '%s' | head -n 5" % (dmesg_from + 1, FREEZE_BAD))
    bad = r[1].strip() if r else "(no shell)"
    _, still = dump(qmp, out, 701)
    end = time.monotonic() + 30
    while time.monotonic() < end:
        time.sleep(1)
        _, img = dump(qmp, out, 701)
        if img == still:
            break
        still = img
    images.write(os.path.join(out, "%s.png" % tag), still)
    frac = None
    if client:
        sp = os.path.join(out, "%s-spice.ppm" % tag)
        rr = client.request("snap " + sp, 20)
        spx = images.read(sp) if rr.startswith("ok") else None
        if spx and spx[:2] == still[:2]:
            frac = frac_differ(spx, still)
    cmp_txt = ("client vs screendump %.3f%% of pixels differ" % (100 * frac) if frac is not None
               else "no client picture to compare" if client else "no client")
    ok = not bad and (client is None or (frac is not None and frac < 0.01))
    return ok, "kernel: %s; %s" % ("no eviction/allocation failure/qxl error" if not bad
                                   else "new lines: " + " | ".join(bad.splitlines()), cmp_txt)


def dmesg_lines(q):
    r = q("dmesg | wc -l")
    return int(r[1].split()[0]) if r and r[1].split() else 0


def freeze_vt(args, qmp, q, client, out):
    """A text VT printing dmesg in a loop (fbcon on qxl-ng's fbdev, the
    compositor's VT in the background), then back to the desktop."""
    name = "freeze-vt-dmesg"
    r = q("cat /sys/class/tty/tty0/active")
    m = re.search(r"^tty\d+$", r[1], re.M) if r else None   # (job notices around it)
    if not m:
        say("FAIL", name, "no active VT (%r)" % (r[1][:200] if r else None))
        return
    orig = m.group(0)
    since = dmesg_lines(q)
    # tty8: logind starts a getty on tty1-6 when one is switched to
    q("chvt 8; sleep 1")
    q("sh -c 'echo $$ >/tmp/qxl-dmesg.pid; while :; do dmesg; date +%T.%N; done' "
      ">/dev/tty8 2>&1 </dev/null & echo $!")
    t0 = time.monotonic()
    ok, detail = freeze_watch(qmp, q, client, out, args.freeze)
    _, running = dump(qmp, out, 703)
    images.write(os.path.join(out, "freeze-vt-running.png"), running)
    text = 1 - images.pil(running).convert("L").histogram()[0] / float(running[0] * running[1])
    q("kill $(cat /tmp/qxl-dmesg.pid)")
    ok2, detail2 = freeze_end(qmp, q, client, out, since, "freeze-vt")
    ran = time.monotonic() - t0
    # back to the desktop: the compositor gets its VT (and DRM master) back
    q("chvt %s" % orig[3:])
    back = None
    end = time.monotonic() + 60
    last = None
    while time.monotonic() < end:
        time.sleep(1)
        _, img = dump(qmp, out, 702)
        if looks_like_desktop(describe(*img)) and img == last:
            back = time.monotonic() - (end - 60)
            break
        last = img
    detail3 = ("the desktop back %.1f s after chvt %s" % (back, orig[3:]) if back is not None
               else "no desktop within 60 s after chvt %s" % orig[3:])
    # a console full of text: a few % of its pixels lit
    say("PASS" if ok and ok2 and back is not None and text >= 0.02 else "FAIL", name,
        "tty8 for %.0f s (%.1f%% of the screen lit while it ran): %s; %s; %s" % (
            ran, 100 * text, detail, detail2, detail3))


def freeze_gradients(args, qmp, q, client, out):
    """xterm (full screen, on GDM's Xorg or mutter's Xwayland) painting
    256-colour gradients."""
    name = "freeze-terminal-gradients"
    since = dmesg_lines(q)
    b64 = base64.b64encode(GRADIENTS.encode()).decode()
    q("rm -f /tmp/qxl-gradients.pid; echo %s | base64 -d >/tmp/qxl-gradients.sh; "
      "chmod 755 /tmp/qxl-gradients.sh" % b64)
    q("sh -c 'echo $$ >/tmp/qxl-xterm.pid; exec %s xterm -fullscreen -e /tmp/qxl-gradients.sh' "
      ">/tmp/qxl-xterm.log 2>&1 </dev/null & echo $!" % (USER_ENV + XORG_ENV).replace("'", "'\\''"))
    end = time.monotonic() + 90
    started = None
    while time.monotonic() < end:
        r = q("cat /tmp/qxl-gradients.pid 2>/dev/null", 10)
        if r and r[1].strip().isdigit():
            started = r[1].strip()
            break
        time.sleep(2)
    if not started:
        r = q("cat /tmp/qxl-xterm.log; kill $(cat /tmp/qxl-xterm.pid) 2>/dev/null")
        say("FAIL", name, "the gradient script did not start within 90 s (xterm: %s)" % (
            " ".join(r[1].split())[:300] if r else "?"))
        return
    time.sleep(5)   # the window mapped, full screen
    t0 = time.monotonic()
    ok, detail = freeze_watch(qmp, q, client, out, args.freeze)
    _, full = dump(qmp, out, 703)
    images.write(os.path.join(out, "freeze-gradients-running.png"), full)
    colours = len(images.pil(full).getcolors(1 << 16) or [])
    lit = 1 - images.pil(full).convert("L").histogram()[0] / float(full[0] * full[1])
    q("kill %s; sleep 2; kill $(cat /tmp/qxl-xterm.pid) 2>/dev/null" % started)
    ok2, detail2 = freeze_end(qmp, q, client, out, since, "freeze-gradients")
    # full screen: most pixels are gradient (the palette's 216 colours,
    # a band of them at a time), not xterm's black
    say("PASS" if ok and ok2 and colours >= 32 and lit >= 0.6 else "FAIL", name,
        "xterm for %.0f s (%d colours, %.0f%% of the screen not black while it ran): %s; %s" % (
            time.monotonic() - t0, colours, 100 * lit, detail, detail2))


def freeze_checks(args, qmp, q, client, out):
    if args.freeze <= 0:
        for name in ("freeze-vt-dmesg", "freeze-terminal-gradients"):
            say("SKIP", name, "not asked for (--freeze SECONDS; tests/run-all.sh gives "
                "60 s, --full 600 s)")
        return
    freeze_vt(args, qmp, q, client, out)
    freeze_gradients(args, qmp, q, client, out)


QXL_STATUS = ("mountpoint -q /sys/kernel/debug || mount -t debugfs debugfs /sys/kernel/debug; "
              "cat /sys/kernel/debug/dri/0/qxl_status")


def qxl_status(q, out, name):
    """qxl-ng's debugfs counters ({field: value}), saved as NAME; None if unread."""
    r = q(QXL_STATUS, 20)
    if not r or r[0] != 0:
        return None
    with open(os.path.join(out, name), "w") as f:
        f.write(r[1])
    return dict(re.findall(r"^(\w+): (.*?)\s*$", r[1], re.M))


def legacy_flips(q, g0, out):
    """From DRM's atomic debug log since G0 (guest seconds): the nonblocking
    commits (with a legacy compositor: its page flips, drm_atomic_helper_page_flip;
    SETCRTC and the cursor ioctls commit blocking) and the framebuffers set.
    The lines go to OUT/flip-diff-dmesg.txt."""
    r = q("dmesg | grep -E 'committing [0-9a-f]+|Set \\[FB:' | tail -n 5000", 30)
    with open(os.path.join(out, "flip-diff-dmesg.txt"), "w") as f:
        f.write(r[1] if r else "(no answer)\n")
    flips, fbs = 0, set()
    for m in re.finditer(r"^\[\s*(\d+\.\d+)\].*?(committing [0-9a-f]+ nonblocking|Set \[FB:(\d+)\])",
                         r[1] if r else "", re.M):
        if float(m.group(1)) < g0:
            continue
        if m.group(3):
            fbs.add(m.group(3))
        else:
            flips += 1
    return flips, fbs


def counter(st, key):
    try:
        return int(st.get(key, "").split()[0])
    except (ValueError, IndexError):
        return None


def flipdiff_check(qmp, q, out):
    """Debian 12: mutter 43 flips without damage clips, so qxl-ng finds each
    flip's damage by comparing with its shadow (qxl_flipdiff.c): flip_diffs
    counts those comparisons, upload_pixels what went to the device. Typing
    into the terminal (still focused after terminal-typing) with DRM's atomic
    debug log on shows that legacy flips happen; the counters must show the
    comparison was used (flip_diffs > 0), not a whole upload of every frame."""
    name = "flip-diff"
    before = qxl_status(q, out, "qxl_status-before.txt")
    if before is None:
        say("FAIL", name, "no /sys/kernel/debug/dri/0/qxl_status")
        return
    r = q("cat /proc/uptime", 10)
    g0 = float(r[1].split()[0]) if r and r[0] == 0 else 0.0
    q("echo 0x10 > /sys/module/drm/parameters/debug", 10)
    t0 = time.monotonic()
    # a key at a time, slower than TCG's gnome-console draws: about a frame
    # (a flip) per key, not one frame for the whole line
    for ch in "echo flip diff":
        type_text(qmp, ch)
        time.sleep(0.5)
    qmp.cmd("send-key", keys=[{"type": "qcode", "data": "ret"}])
    time.sleep(3)
    q("echo 0 > /sys/module/drm/parameters/debug", 10)
    window = time.monotonic() - t0
    after = qxl_status(q, out, "qxl_status.txt")
    flips, fbs = legacy_flips(q, g0, out)
    if after is None:
        say("FAIL", name, "qxl_status unreadable after typing")
        return
    keys = ("flip_diffs", "flip_diff_us", "upload_pixels")
    tot = {k: counter(after, k) for k in keys}
    delta = {k: (tot[k] - counter(before, k)) if tot[k] is not None and counter(before, k) is not None
             else None for k in keys}
    prim = re.match(r"(\d+)x(\d+)", after.get("primary", ""))
    full = int(prim.group(1)) * int(prim.group(2)) if prim else None
    per_flip = ""
    if flips and delta["upload_pixels"] is not None and full:
        per_flip = ", %d px uploaded per flip on average (%.1f%% of the %s primary)" % (
            delta["upload_pixels"] // flips, 100.0 * delta["upload_pixels"] / flips / full,
            after.get("primary", "?").split()[0])
    print("TIME flip-diff window %.1f s: %d legacy flips, flip_diffs +%s, flip_diff_us +%s, "
          "upload_pixels +%s" % (window, flips, delta["flip_diffs"], delta["flip_diff_us"],
                                 delta["upload_pixels"]), flush=True)
    detail = ("flip_diffs %s, flip_diff_us %s, upload_pixels %s since boot; typing %r for %.1f s: "
              "%d legacy page flips (nonblocking commits) over %d framebuffers, flip_diffs +%s, "
              "flip_diff_us +%s, upload_pixels +%s%s; other counters: %s" % (
                  tot["flip_diffs"], tot["flip_diff_us"], tot["upload_pixels"], "echo flip diff",
                  window, flips, len(fbs), delta["flip_diffs"], delta["flip_diff_us"],
                  delta["upload_pixels"], per_flip,
                  ", ".join("%s %s" % (k, after[k]) for k in
                            ("primary", "device_errors", "exec_rejects", "resets") if k in after)))
    if not tot["flip_diffs"]:
        say("FAIL", name, "%s: %s" % (
            "legacy flips happened but flip_diffs is 0 (every flip uploaded whole?)" if flips
            else "no legacy flip seen and flip_diffs is 0", detail))
    else:
        say("PASS", name, "the flip-diff path is used: " + detail)


def layout_size(spec):
    w, h = re.match(r"(\d+)x(\d+)", spec).groups()
    return int(w), int(h)


def stop(qemu, qmp, client, shell):
    if client:
        client.stop()
    shell.close()
    if qemu.poll() is None and qmp:
        try:
            qmp.cmd("quit")
        except (RuntimeError, OSError):
            pass
    try:
        qemu.wait(timeout=15)
    except subprocess.TimeoutExpired:
        os.kill(qemu.pid, signal.SIGKILL)
        qemu.wait(timeout=15)
    if qmp:
        qmp.close()


if __name__ == "__main__":
    sys.exit(main())
