#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-only
"""Boot a qxl-ng test guest under QEMU (TCG) and report its results.

Prints one line per result: "PASS <name>", "FAIL <name>: <reason>",
"SKIP <name>: <reason>", and exits 0 only if nothing failed. See
tests/harness/README.md for the guest protocol and the host requests served.
"""

import argparse
import bisect
import errno
import json
import os
import re
import select
import shlex
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time

import child
import host_requests
import images
import lifecycle
import panic
import qxltrace

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.abspath(os.path.join(HERE, "..", ".."))
sys.path.insert(0, os.path.join(REPO, "tests", "spice"))
import probe_host  # noqa: E402  (spice-probe: --spice-probe)

SPICE_PYTHON = "/usr/bin/python3"  # Debian's, where python3-gi lives

KERNEL_BAD = re.compile(
    r"(Oops|BUG:|kernel BUG|WARNING:|Call Trace|Kernel panic|"
    r"general protection fault|Unable to handle|UBSAN:|KASAN:|"
    r"suspected memory leak|list_add corruption|list_del corruption|refcount_t:|"
    r"INFO: task .* blocked|DEBUG_LOCKS_WARN_ON|possible circular locking|"
    r"possible recursive locking|inconsistent lock state|suspicious RCU usage|"
    r"trying to register non-static key|rcu: INFO|detected stalls?|"
    r"page allocation failure|soft lockup|hard LOCKUP)")

# A kernel message on the console: "[    3.141592] ..." (CONFIG_PRINTK_TIME=y).
KERNEL_LINE = re.compile(r"\[\s*\d+\.\d{6}\]")

def log(msg):
    sys.stderr.write("vmtest: %s\n" % msg)
    sys.stderr.flush()


# ---------------------------------------------------------------- QMP

class QMP:
    def __init__(self, path, deadline):
        self.sock = None
        while time.monotonic() < deadline:
            try:
                s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
                s.connect(path)
                self.sock = s
                break
            except OSError:
                s.close()
                time.sleep(0.1)
        if self.sock is None:
            raise RuntimeError("cannot connect to QMP socket %s" % path)
        self.sock.settimeout(30)
        self.f = self.sock.makefile("rw", encoding="utf-8")
        self._read()  # greeting
        self.cmd("qmp_capabilities")

    def _read(self):
        line = self.f.readline()
        if not line:
            raise RuntimeError("QMP connection closed")
        return json.loads(line)

    def cmd(self, execute, **arguments):
        msg = {"execute": execute}
        if arguments:
            msg["arguments"] = arguments
        self.f.write(json.dumps(msg) + "\n")
        self.f.flush()
        while True:
            r = self._read()
            if "return" in r:
                return r["return"]
            if "error" in r:
                raise RuntimeError("QMP %s: %s" % (execute, r["error"].get("desc")))

    def close(self):
        try:
            self.sock.close()
        except OSError:
            pass


# ---------------------------------------------------------------- SPICE client

class SpiceClient:
    """The spice_client.py process, started and stopped by PID."""

    def __init__(self, port, logpath, inputs=False):
        self.logf = open(logpath, "w")
        self.proc = subprocess.Popen(
            [SPICE_PYTHON, os.path.join(HERE, "spice_client.py"), "--port", str(port)] +
            (["--inputs"] if inputs else []),
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=self.logf,
            bufsize=0)
        self.buf = b""
        self.events = []
        # answers read while polling for events (spice-latency-arm's arrives
        # while the guest is still busy), for reply()
        self.answers = []

    def _lines(self, timeout):
        """Read what is available within timeout; return complete lines."""
        out = []
        end = time.monotonic() + timeout
        while True:
            left = end - time.monotonic()
            r, _, _ = select.select([self.proc.stdout], [], [], max(left, 0))
            if r:
                chunk = os.read(self.proc.stdout.fileno(), 65536)
                if not chunk:
                    raise RuntimeError("SPICE client exited (see spice-client.log)")
                self.buf += chunk
                while b"\n" in self.buf:
                    line, self.buf = self.buf.split(b"\n", 1)
                    out.append(line.decode(errors="replace").strip())
            if out or left <= 0:
                return out

    def poll_events(self):
        for line in self._lines(0):
            self._note(line)

    def _note(self, line):
        self.logf.write("<- %s\n" % line)
        self.logf.flush()
        if line.startswith("event "):
            self.events.append(line[6:])
        elif line.startswith(("ok", "err")):
            self.answers.append(line)

    def wait_event(self, prefix, timeout):
        end = time.monotonic() + timeout
        while time.monotonic() < end:
            if any(e.startswith(prefix) for e in self.events):
                return True
            if self.proc.poll() is not None:
                return False
            for line in self._lines(min(0.5, max(end - time.monotonic(), 0))):
                self._note(line)
        return any(e.startswith(prefix) for e in self.events)

    def send(self, line):
        """Send a command; its answer is read by reply()."""
        self.answers = []   # a late answer to an earlier command is not this one's
        self.logf.write("-> %s\n" % line)
        self.proc.stdin.write((line + "\n").encode())
        self.proc.stdin.flush()

    def request(self, line, timeout=15):
        self.send(line)
        return self.reply(line, timeout)

    def reply(self, line, timeout=15):
        """The answer ("ok ..." or "err ...") to the command LINE sent last."""
        if self.answers:
            return self.answers.pop(0)
        end = time.monotonic() + timeout
        while time.monotonic() < end:
            for l in self._lines(min(1.0, max(end - time.monotonic(), 0))):
                self._note(l)
            if self.answers:
                return self.answers.pop(0)
        raise RuntimeError("SPICE client did not answer %r" % line)

    def stop(self):
        child.quit_or_kill(self.proc)
        self.logf.close()


# ---------------------------------------------------------------- the run

def allow_core():
    """In QEMU's child: allow a core dump (guest RAM is excluded with
    dump-guest-core=off), so that a crash can be turned into a backtrace."""
    import resource
    try:
        resource.setrlimit(resource.RLIMIT_CORE,
                           (resource.RLIM_INFINITY, resource.RLIM_INFINITY))
    except (ValueError, OSError):
        pass


def free_port():
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


def default_kver():
    import glob
    kernels = glob.glob("/boot/vmlinuz-*-amd64")
    if not kernels:
        raise SystemExit("vmtest: no /boot/vmlinuz-*-amd64 (run tests/setup.sh)")

    def key(p):
        v = p.split("vmlinuz-", 1)[1]
        return [int(x) if x.isdigit() else x for x in re.split(r"[.-]", v)]
    return sorted(kernels, key=key)[-1].split("vmlinuz-", 1)[1]


class Run:
    def __init__(self, args):
        self.a = args
        self.results = []  # (status, name, reason)
        self.tmp = tempfile.mkdtemp(prefix="qxl-vmtest-")
        self.qemu = None
        self.client = None
        self.probe = None  # spice-probe --control (--spice-probe), tests/spice/probe_host.py
        self.trace = None  # QEMU's qxl trace events (--qxl-trace), qxltrace.py
        self.lat_arm = None  # when the last spice-latency-arm request came
        self.qmp = None
        self.ctl = None
        self.ctl_buf = b""
        self.con_off = 0
        self.con_part = ""
        self.con_lines = []
        self.cmds = []
        self.cur = None  # index of the running command
        self.cmd_tests = {}  # command index -> list of statuses
        self.cmd_rc = {}
        self.cmd_host_fail = {}  # command index -> last failed host check
        self.done = False
        self.booted = False  # /init ran (its "@@BOOT" line was seen)
        self.nshot = 0
        self.spice_note = ""
        self.start = time.monotonic()
        self.wakeup = None  # (delay_s, give_up_at): a pending system-wakeup request
        self.reset_at = None  # monotonic time of a pending system-reset request
        self.reset_cmd = None  # index of the command whose reset is pending or done
        self.gen = 0  # which QEMU runs the guest: 0 at boot, +1 per restore or migration
        self.hibernating = False  # the guest said it hibernates: QEMU exits, restart it
        self.powered_down = None  # monotonic time the hibernating guest said "Power down"
        self.panic = None  # panic.Expect: the guest said it is about to panic
        self.kernel_log_until = None  # console lines from here on are an expected panic's
        self.img = self.port = None

    # ---- results
    def report(self, status, name, reason=""):
        name = self.a.prefix + name
        self.results.append((status, name, reason))
        line = status + " " + name + (": " + reason if reason else "")
        print(line, flush=True)

    # ---- setup
    def build_image(self):
        listf = os.path.join(self.tmp, "list")
        with open(listf, "w") as f:
            for c in self.cmds:
                f.write(c + "\n")
        img = os.path.join(self.tmp, "initramfs.cpio.gz")
        cmd = [os.path.join(HERE, "mkinitramfs"), "-o", img, "--tests-file", listf,
               "--kver", self.kver, "--module", self.module, "--level", "1"]
        if self.a.moddir:
            cmd += ["--moddir", self.a.moddir]
        mods = list(self.a.modules) + (["virtio_blk"] if self.a.swap_mib else [])
        if mods:
            cmd += ["--modules"] + mods
        if self.a.with_weston:
            cmd.append("--with-weston")
        if self.a.with_udev:
            cmd.append("--with-udev")
        if getattr(self.a, "with_xorg", False):
            cmd.append("--with-xorg")
        if getattr(self.a, "with_mesa", False):
            cmd.append("--with-mesa")
        for extra in self.a.add:
            cmd += ["--add", extra]
        # the KUnit suites built with the module under test, where its kernel
        # has KUnit (tests/guest/kunit.sh loads them)
        kunit = os.path.join(os.path.dirname(self.module), "qxl_kunit.ko")
        if os.path.isfile(kunit):
            cmd += ["--add", kunit + ":/extra/qxl_kunit.ko"]
        if self.a.modparams:
            pf = os.path.join(self.tmp, "modparams")
            with open(pf, "w") as f:
                f.write(self.a.modparams + "\n")
            cmd += ["--add", pf + ":/tests/modparams"]
        subprocess.run(cmd, check=True)
        return img

    def sock(self, name, gen=None):
        """The unix socket NAME of QEMU number GEN (the current one by default):
        a restored or migrated guest runs in a new QEMU with its own sockets."""
        gen = self.gen if gen is None else gen
        return os.path.join(self.tmp, "%s%s.sock" % (name, "-%d" % gen if gen else ""))

    def qemu_cmd(self, img, port, gen=0, extra=()):
        dev = "qxl-vga,id=video0"
        if self.a.device_props:
            dev += "," + self.a.device_props
        append = "console=ttyS0 loglevel=5 panic=-1 qtest.timeout=%d %s %s %s" % (
            self.a.cmd_timeout, "qtest.disk=vda" if self.a.swap_mib else "",
            self.a.append or "", " ".join(
                e[len("append="):] for e in extra if e.startswith("append=")))
        cmd = shlex.split(self.a.qemu) + ["-m", str(self.a.mem), "-smp", "1", "-accel", "tcg",
               "-machine", "dump-guest-core=off",
               "-kernel", self.kernel, "-initrd", img, "-append", append.strip(),
               "-display", "none", "-nodefaults", "-no-reboot", "-vga", "none",
               "-device", "VGA" if self.a.no_qxl else dev,
               "-qmp", "unix:%s,server=on,wait=off" % self.sock("qmp", gen),
               "-spice", "port=%d,addr=127.0.0.1,disable-ticketing=on,"
               "image-compression=off,jpeg-wan-compression=never,"
               "zlib-glz-wan-compression=never,streaming-video=off" % port,
               "-chardev", "file,id=con,path=%s/console.log,append=on" % self.tmp,
               "-serial", "chardev:con",
               "-chardev", "socket,id=ctl,path=%s,server=on,wait=off" % self.sock("ctl", gen),
               "-serial", "chardev:ctl"]
        if self.a.vdagent:
            cmd += ["-device", "virtio-serial-pci",
                    "-chardev", "spicevmc,id=vdagent,name=vdagent",
                    "-device", "virtserialport,chardev=vdagent,name=com.redhat.spice.0"]
        if self.a.swap_mib:
            cmd += ["-drive", "file=%s/swap.img,format=raw,if=virtio" % self.tmp]
        for arg in self.a.qemu_arg:
            cmd += shlex.split(arg)
        if self.trace and not gen:
            cmd += self.trace.qemu_args()
        cmd += [e for e in extra if not e.startswith("append=")]
        return cmd

    def start_qemu(self, img, deadline, gen=0, extra=()):
        """Start QEMU number GEN (0 at boot; later ones restore or receive the
        guest, with EXTRA arguments) and connect its control channel; retry
        on a port clash. Returns (Popen, control socket, SPICE port)."""
        suffix = "-%d" % gen if gen else ""
        for attempt in range(3):
            port = (self.a.spice_port if not gen else 0) or free_port()
            cmd = self.qemu_cmd(img, port, gen, extra)
            with open(os.path.join(self.tmp, "qemu%s.cmd" % suffix), "w") as f:
                f.write(" ".join(shlex.quote(c) for c in cmd) + "\n")
            qlog = open(os.path.join(self.tmp, "qemu%s.log" % suffix), "w")
            env = None
            if self.a.spice_probe and self.a.spice_client:
                # two clients at once (spice-probe + spice-gtk): spice-server
                # otherwise drops the first when the second connects
                env = dict(os.environ, SPICE_DEBUG_ALLOW_MC="1")
            qemu = subprocess.Popen(cmd, stdin=subprocess.DEVNULL, stdout=qlog,
                                    stderr=subprocess.STDOUT, cwd=self.tmp,
                                    preexec_fn=allow_core, env=env)
            qlog.close()
            try:
                ctl = self.connect_ctl(qemu, self.sock("ctl", gen),
                                       min(deadline, time.monotonic() + 20))
                return qemu, ctl, port
            except RuntimeError:
                with open(os.path.join(self.tmp, "qemu%s.log" % suffix)) as f:
                    err = f.read().strip()
                if qemu.poll() is None:
                    raise
                if attempt < 2 and re.search(r"(?i)address already in use|failed to", err):
                    log("QEMU failed to start (%s); retrying" % err[-200:])
                    for name in ("qmp", "ctl"):
                        try:
                            os.unlink(self.sock(name, gen))
                        except FileNotFoundError:
                            pass
                    continue
                raise RuntimeError("QEMU exited at start: %s" % err[-500:])
        raise RuntimeError("QEMU did not start")

    def start_client(self, logname):
        """A SPICE client for the current QEMU (replacing any earlier one);
        None once its display channel is open, else why not."""
        if self.client:
            self.client.stop()
        self.client = SpiceClient(self.port, os.path.join(self.tmp, logname),
                                  self.a.spice_inputs)
        if self.client.wait_event("display-open", 30):
            return None
        self.client.stop()
        self.client = None
        return "client did not open the display channel within 30 s (see %s)" % logname

    def connect_ctl(self, qemu, path, deadline):
        while time.monotonic() < deadline:
            if qemu.poll() is not None:
                raise RuntimeError("QEMU exited at start (see qemu.log)")
            s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
            try:
                s.connect(path)
                s.setblocking(False)
                return s
            except OSError:
                s.close()
                time.sleep(0.05)
        raise RuntimeError("cannot connect to control socket")

    # ---- console
    def read_console(self):
        path = os.path.join(self.tmp, "console.log")
        try:
            with open(path, "rb") as f:
                f.seek(self.con_off)
                data = f.read()
        except FileNotFoundError:
            return
        if not data:
            return
        self.con_off += len(data)
        text = self.con_part + data.decode(errors="replace")
        lines = text.split("\n")
        self.con_part = lines.pop()
        for line in lines:
            self.console_line(line.rstrip("\r"))

    def console_line(self, line):
        if self.a.verbose:
            sys.stderr.write("guest| %s\n" % line)
        self.con_lines.append(line)
        if line.startswith("@@BOOT"):
            self.booted = True
        if self.hibernating and "reboot: Power down" in line and self.powered_down is None:
            self.powered_down = time.monotonic()
        if line.startswith("host: FAIL") or line.startswith("qt_host: "):
            if self.cur is not None:
                self.cmd_host_fail[self.cur] = line
        m = re.search(r"@@(START|END|TEST|INIT-ERR|DONE|SYNC|REBOOT)\b ?(.*)", line)
        if not m:
            return
        kind, rest = m.group(1), m.group(2)
        if kind == "START":
            n, _, cmd = rest.partition(" ")
            self.cur = int(n) - 1
            self.cmd_tests.setdefault(self.cur, [])
        elif kind == "END":
            n, _, rc = rest.partition(" ")
            idx = int(n) - 1
            self.cmd_rc[idx] = int(rc) if rc.strip().lstrip("-").isdigit() else -1
            self.finish_cmd(idx)
        elif kind == "TEST":
            parts = rest.split(" ", 2)
            if len(parts) < 2:
                self.report("FAIL", "protocol", "malformed @@TEST line: %r" % line)
                return
            name, status = parts[0], parts[1]
            msg = parts[2].strip() if len(parts) > 2 else ""
            if self.cur is not None:
                self.cmd_tests.setdefault(self.cur, []).append(status)
            if status == "PASS":
                self.report("PASS", name)
            elif status == "SKIP":
                if msg:
                    self.report("SKIP", name, msg)
                else:
                    self.report("FAIL", name, "SKIP without a reason")
            else:
                self.report("FAIL", name, msg or "failed")
        elif kind == "REBOOT":
            # the boot after a system-reset request: it ends the command that asked
            idx = int(rest.split()[0]) - 1 if rest.split() and rest.split()[0].isdigit() else -1
            if self.reset_cmd is not None and idx == self.reset_cmd:
                self.report("PASS", "system-reset-reboot", "the guest booted again after "
                            "command %d's reset and goes on after it" % (idx + 1))
                self.cmd_rc[idx] = 0
                self.finish_cmd(idx)
                self.qmp.cmd("set-action", reboot="shutdown")
            else:
                self.report("FAIL", "system-reset-reboot", "a reboot after command %s, but the "
                            "host reset the VM during %s" % (idx + 1, self.reset_cmd))
            self.reset_cmd = None
        elif kind == "INIT-ERR":
            self.report("FAIL", "init", rest)
        elif kind == "DONE":
            self.done = True

    def cmd_name(self, idx):
        base = os.path.basename(self.cmds[idx].split()[0]) if self.cmds[idx].split() else "cmd"
        same = [i for i in range(idx) if self.cmds[i].split()[:1] == self.cmds[idx].split()[:1]]
        return base + ("#%d" % (len(same) + 1) if same else "")

    def finish_cmd(self, idx):
        rc = self.cmd_rc.get(idx)
        statuses = self.cmd_tests.get(idx, [])
        name = self.cmd_name(idx)
        if rc == 137:
            self.report("FAIL", name, "killed after the %d s per-command timeout" %
                        self.a.cmd_timeout)
        elif not statuses:
            if rc == 0:
                self.report("PASS", name)
            else:
                why = self.cmd_host_fail.get(idx)
                self.report("FAIL", name, "exit status %s%s" % (rc, "; " + why if why else ""))
        elif rc != 0 and "FAIL" not in statuses:
            self.report("FAIL", name, "exit status %s" % rc)

    # ---- control channel
    def serve_ctl(self):
        try:
            data = self.ctl.recv(65536)
        except BlockingIOError:
            return
        except OSError as e:
            if e.errno in (errno.EAGAIN, errno.EWOULDBLOCK):
                return
            raise
        if not data:
            return
        self.ctl_buf += data
        while b"\n" in self.ctl_buf:
            raw, self.ctl_buf = self.ctl_buf.split(b"\n", 1)
            line = raw.decode(errors="replace").strip("\r\n\0 ")
            if not line:
                continue
            if self.a.verbose:
                log("ctl <- %s" % line)
            if line == "HELLO":
                self.send_ctl("GO")
                continue
            m = re.match(r"CHECK (\S+) (.*)$", line)
            if not m:
                log("ignoring control line %r" % line)
                continue
            seq, req = m.group(1), m.group(2)
            try:
                ok, detail = self.handle(req)
            except Exception as e:  # a broken request must not kill the run
                ok, detail = False, "%s: %s" % (type(e).__name__, e)
            detail = detail.replace("\n", " ")
            self.send_ctl("RESULT %s %s %s" % (seq, "PASS" if ok else "FAIL", detail))

    def send_ctl(self, line):
        if self.a.verbose:
            log("ctl -> %s" % line)
        data = (line + "\n").encode()
        end = time.monotonic() + 10
        while data and time.monotonic() < end:
            try:
                n = self.ctl.send(data)
                data = data[n:]
            except BlockingIOError:
                time.sleep(0.01)

    # ---- host requests
    def screendump(self):
        self.nshot += 1
        path = os.path.join(self.tmp, "dump-%03d.ppm" % self.nshot)
        self.qmp.cmd("screendump", filename=path)
        return images.read(path)

    def spice_snap(self):
        """The SPICE client's picture. Its primary surface can be larger than the
        one head it shows (a multi-head capable driver): then the picture is cut
        to head 0's rectangle from the client's monitors config, like a client
        window shows it, and self.spice_note says so."""
        self.nshot += 1
        path = os.path.join(self.tmp, "spice-%03d.ppm" % self.nshot)
        r = self.client.request("snap " + path)
        if not r.startswith("ok"):
            raise RuntimeError("SPICE client: %s" % r)
        img, self.spice_note = images.client_window(images.read(path), r, "client")
        return img

    def handle(self, req):
        """Answer one host request (host_requests.py): (ok, detail)."""
        words = req.split()
        if not words:
            return False, "empty request"
        kind, args = words[0], words[1:]
        fn = host_requests.handler(kind)
        if fn is None:
            return False, "unknown request kind %r" % kind
        return fn(self, kind, args, req)

    # ---- main
    def run(self):
        a = self.a
        self.kver = a.kver or default_kver()
        self.kernel = a.kernel or "/boot/vmlinuz-%s" % self.kver
        moddir = a.moddir or "/lib/modules/%s" % self.kver
        if a.module:
            self.module = a.module
        else:
            ours = os.path.join(REPO, "drivers", "qxl", "qxl.ko")
            self.module = ours if os.path.isfile(ours) else \
                os.path.join(moddir, "kernel/drivers/gpu/drm/qxl/qxl.ko")
        for t in a.tests:
            self.cmds += [c.strip() for c in t.split(";") if c.strip()]
        deadline = self.start + a.timeout
        log("module %s, kernel %s, %d guest commands, tmp %s" %
            (self.module, self.kernel, len(self.cmds), self.tmp))
        img = self.build_image()
        boot_t0 = time.monotonic()
        try:
            if a.swap_mib:
                with open(os.path.join(self.tmp, "swap.img"), "wb") as f:
                    f.truncate(a.swap_mib << 20)
            self.img = img
            if a.qxl_trace:
                self.trace = qxltrace.Trace(os.path.join(self.tmp, "qxl-trace.fifo"))
            self.qemu, self.ctl, port = self.start_qemu(img, deadline)
            self.port = port
            self.qmp = QMP(self.sock("qmp"), min(deadline, time.monotonic() + 20))
            if a.spice_probe:
                # started first, so it is the client owning the agent port
                self.probe = probe_host.SpiceProbe(port, self.tmp, a.timeout + 30)
                if not self.probe.wait_linked(30):
                    self.report("FAIL", "spice-probe", "spice-probe did not link its display "
                                "channel within 30 s (see spice-probe.log)")
                    self.probe.stop()
                    self.probe = None
            if a.spice_client:
                err = self.start_client("spice-client.log")
                if err:
                    self.report("FAIL", "spice-client", err)
            self.loop(deadline)
        except Exception as e:
            self.report("FAIL", "harness", "%s: %s" % (type(e).__name__, e))
        except KeyboardInterrupt as e:
            self.report("FAIL", "harness", "interrupted (%s)" % (e or "SIGINT"))
        finally:
            self.read_console()
            if self.con_part:
                self.console_line(self.con_part)
                self.con_part = ""
            self.stop_all()
        log("guest ran %.1f s" % (time.monotonic() - boot_t0))
        self.finish(deadline)
        return self.exit_code()

    def loop(self, deadline):
        while not self.done:
            if (not self.booted and self.a.boot_timeout and
                    time.monotonic() >= self.start + self.a.boot_timeout):
                self.report("FAIL", "boot", "guest did not finish booting: /init did not run "
                            "within %d s%s" % (self.a.boot_timeout, self.guest_where()))
                return
            if time.monotonic() >= deadline:
                last = self.cmd_name(self.cur) if self.cur is not None else "boot"
                self.report("FAIL", last, "guest did not finish within the %d s global "
                            "timeout (last test started: %s)%s"
                            % (self.a.timeout, last, self.guest_where()))
                return
            self.read_console()
            if self.panic:
                panic.poll(self)
            if self.done:
                return
            exited = self.qemu.poll() is not None  # once: QEMU may exit in between
            if not exited and lifecycle.poweroff_ignored(self):
                exited = True
            if exited and self.hibernating:
                lifecycle.restart_after_hibernation(self, deadline)
                continue
            if exited:
                time.sleep(0.2)
                self.read_console()
                if not self.done:
                    last = self.cmd_name(self.cur) if self.cur is not None else "boot"
                    rc = self.qemu.returncode
                    try:
                        with open(os.path.join(self.tmp, "qemu%s.log" % (
                                "-%d" % self.gen if self.gen else "")), errors="replace") as f:
                            qtail = " ".join(f.read().split())[-300:]
                    except OSError:
                        qtail = ""
                    if rc < 0:
                        why = "QEMU crashed (signal %d)%s" % (-rc, self.qemu_backtrace())
                    else:
                        why = "QEMU exited with status %d (guest panic or reset?)" % rc
                    self.report("FAIL", last, "guest stopped before finishing: %s%s" % (
                        why, "; qemu.log: " + qtail if qtail else ""))
                return
            if self.wakeup:
                self.poll_wakeup()
            if self.reset_at is not None and time.monotonic() >= self.reset_at:
                self.reset_at = None
                # -no-reboot makes a reset a shutdown: this one must reboot
                self.qmp.cmd("set-action", reboot="reset")
                self.qmp.cmd("system_reset")
                log("sent system_reset (command %d asked)" % (self.reset_cmd + 1))
            fds = [self.ctl]
            if self.client:
                fds.append(self.client.proc.stdout)
            r, _, _ = select.select(fds, [], [], 0.2)
            if self.ctl in r:
                self.serve_ctl()
            if self.client and self.client.proc.stdout in r:
                try:
                    self.client.poll_events()
                except RuntimeError as e:
                    self.report("FAIL", "spice-client", str(e))
                    self.client = None

    def poll_wakeup(self):
        delay, give_up = self.wakeup
        status = self.qmp.cmd("query-status").get("status")
        if status == "suspended":
            time.sleep(delay)
            self.qmp.cmd("system_wakeup")
            log("guest suspended; sent system_wakeup after %.1f s" % delay)
            self.wakeup = None
        elif time.monotonic() > give_up:
            log("system-wakeup: the guest never suspended (status %s)" % status)
            self.wakeup = None

    def qemu_backtrace(self):
        """Backtrace of QEMU's crashing thread from its core file (gdb, 60 s max),
        saved as qemu-backtrace.txt; a short summary for the FAIL line."""
        time.sleep(0.5)
        cores = [f for f in os.listdir(self.tmp) if f == "core" or f.startswith("core.")]
        if not cores:
            return " (no core file)"
        gdb = shutil.which("gdb")
        if not gdb:
            return " (core file kept; install gdb for a backtrace)"
        exe = shutil.which(shlex.split(self.a.qemu)[0]) or self.a.qemu
        try:
            out = subprocess.run([gdb, "-batch", "-nx", "-ex", "bt 30", "-ex",
                                  "thread apply all bt 12", exe,
                                  os.path.join(self.tmp, cores[0])],
                                 capture_output=True, text=True, timeout=60).stdout
        except (subprocess.TimeoutExpired, OSError) as e:
            return " (gdb failed: %s)" % e
        with open(os.path.join(self.tmp, "qemu-backtrace.txt"), "w") as f:
            f.write(out)
        frames = re.findall(r"^#\d+\s+(?:0x[0-9a-f]+ in )?(\S+) \(", out, re.M)
        uniq = [f for i, f in enumerate(frames) if i == 0 or f != frames[i - 1]]
        return " at %s (qemu-backtrace.txt)" % " < ".join(uniq[:5]) if uniq else ""

    def system_map(self):
        """The kernel's System.map: next to the image, or Debian's in /boot."""
        for p in (os.path.join(os.path.dirname(os.path.dirname(os.path.dirname(
                  os.path.dirname(self.kernel)))), "System.map"),
                  "/boot/System.map-%s" % self.kver):
            if os.path.isfile(p):
                return p
        return None

    def guest_where(self):
        """Where a stuck guest's vCPU is: its RIP sampled five times, as symbols when
        the guest runs with nokaslr and the kernel's System.map is at hand ("" when
        QMP does not answer)."""
        rips = []
        for _ in range(5):
            try:
                out = self.qmp.cmd("human-monitor-command",
                                   **{"command-line": "info registers"})
            except Exception:
                break
            m = re.search(r"RIP=([0-9a-f]+)", out)
            if m:
                rips.append(int(m.group(1), 16))
            time.sleep(0.2)
        if not rips:
            return ""
        addrs, names = [], []
        # with KASLR the addresses are moved by an offset nobody printed
        path = self.system_map() if "nokaslr" in self.a.append.split() else None
        if path:
            with open(path) as f:
                for line in f:
                    parts = line.split()
                    if len(parts) == 3 and parts[1] in "tTwW":
                        addrs.append(int(parts[0], 16))
                        names.append(parts[2])
        where = []
        for rip in rips:
            i = bisect.bisect_right(addrs, rip) - 1
            if i >= 0 and rip - addrs[i] < 0x100000:
                where.append("%s+%#x" % (names[i], rip - addrs[i]))
            else:
                where.append("%#x" % rip)
        return "; vCPU at %s" % ", ".join(where)

    def stop_all(self):
        if self.probe:
            try:
                self.probe.stop()
            except Exception as e:
                log("stopping spice-probe: %s" % e)
        if self.client:
            try:
                self.client.stop()
            except Exception as e:
                log("stopping SPICE client: %s" % e)
        if self.qmp:
            self.qmp.close()
        if self.ctl:
            self.ctl.close()
        if self.qemu and self.qemu.poll() is None:
            # poweroff -f normally ends QEMU by itself; give it a moment first
            try:
                self.qemu.wait(timeout=3)
            except subprocess.TimeoutExpired:
                os.kill(self.qemu.pid, signal.SIGTERM)
                try:
                    self.qemu.wait(timeout=5)
                except subprocess.TimeoutExpired:
                    os.kill(self.qemu.pid, signal.SIGKILL)
                    self.qemu.wait(timeout=5)

    def finish(self, deadline):
        # commands that started but never ended
        for idx in sorted(self.cmd_tests):
            if idx not in self.cmd_rc and self.done:
                self.report("FAIL", self.cmd_name(idx), "no end marker")
        started = set(self.cmd_tests)
        if self.done:
            for idx in range(len(self.cmds)):
                if idx not in started:
                    self.report("FAIL", self.cmd_name(idx), "never started")
        bad = [l for l in self.con_lines[:self.kernel_log_until] if KERNEL_BAD.search(l) and
               KERNEL_LINE.search(l) and "@@" not in l]
        if bad:
            self.report("FAIL", "kernel-log", bad[0].strip()[:300] +
                        (" (+%d more lines)" % (len(bad) - 1) if len(bad) > 1 else ""))
            # what led to it: run-all shows the tail of this log when a suite fails
            kern = [l for l in self.con_lines[:self.kernel_log_until]
                    if KERNEL_LINE.search(l) and "@@" not in l]
            first = kern.index(bad[0]) if bad[0] in kern else 0
            for l in kern[max(0, first - 4):first + 16]:
                log("console: " + l.rstrip()[:200])
        elif self.done:
            self.report("PASS", "kernel-log")
        failed = any(s == "FAIL" for s, _, _ in self.results)
        keep = self.a.keep_logs
        if keep:
            os.makedirs(keep, exist_ok=True)
            for fn in os.listdir(self.tmp):
                path = os.path.join(self.tmp, fn)
                if (fn.endswith((".sock", ".cpio.gz")) or fn == "core" or fn.startswith("core.")
                        or not os.path.isfile(path)):   # sockets, the trace FIFO
                    continue
                shutil.copy(path, keep)
            log("logs kept in %s" % keep)
        elif failed:
            tail = self.con_lines[-40:]
            log("last console lines:\n  " + "\n  ".join(tail))
        shutil.rmtree(self.tmp, ignore_errors=True)

    def exit_code(self):
        return 1 if any(s == "FAIL" for s, _, _ in self.results) else 0


def main():
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--module", help="module under test (default: drivers/qxl/qxl.ko if "
                    "built, else the kernel's in-tree qxl.ko)")
    ap.add_argument("--tests", action="append", default=[],
                    help='guest command lines, "cmd1;cmd2;...", run in order (repeatable)')
    ap.add_argument("--device-props", default="", help='extra qxl-vga properties, '
                    'e.g. "xres=1280,yres=800,max_outputs=2"')
    ap.add_argument("--spice-client", action="store_true",
                    help="connect a real SPICE client before the guest tests start")
    ap.add_argument("--spice-inputs", action="store_true",
                    help="the SPICE client also connects its inputs channel (as real "
                    "clients do; needed to follow a migration)")
    ap.add_argument("--spice-probe", action="store_true",
                    help="also connect build/meson/userspace/tools/spice-probe --control before the "
                    "guest tests; serves the probe-* host requests (tests/spice/probe_host.py)")
    ap.add_argument("--timeout", type=int, default=600, help="global bound in seconds")
    ap.add_argument("--boot-timeout", type=int, default=0,
                    help="fail early when /init has not run after this many seconds (0: off)")
    ap.add_argument("--cmd-timeout", type=int, default=180,
                    help="bound for each guest command in seconds")
    ap.add_argument("--kver", help="kernel version (default: newest /boot/vmlinuz-*-amd64)")
    ap.add_argument("--kernel", help="kernel image (default: /boot/vmlinuz-KVER)")
    ap.add_argument("--moddir", help="module tree (default: /lib/modules/KVER)")
    ap.add_argument("--append", default="", help="extra kernel command line")
    ap.add_argument("--modparams", default="", help="parameters for insmod /qxl.ko")
    ap.add_argument("--keep-logs", metavar="DIR", help="copy console/QEMU/client logs "
                    "and every screendump / SPICE client picture to DIR")
    ap.add_argument("--with-weston", action="store_true", help="put weston in the image")
    ap.add_argument("--with-xorg", action="store_true",
                    help="put Xorg (qxl + modesetting DDX), xeyes, xclock, x11perf in the image")
    ap.add_argument("--with-mesa", action="store_true",
                    help="put kmscube + Mesa (kms_swrast, llvmpipe) in the image")
    ap.add_argument("--modules", action="append", default=[], metavar="NAME",
                    help="a module of the kernel's tree /init loads before the one under "
                    "test (repeatable; one the tree lacks is left out)")
    ap.add_argument("--add", action="append", default=[], metavar="SRC:DST",
                    help="put host file SRC at DST in the guest image (repeatable)")
    ap.add_argument("--no-qxl", action="store_true",
                    help="a standard VGA card instead of qxl-vga (loading without a device)")
    ap.add_argument("--with-udev", action="store_true",
                    help="put systemd-udevd in the image; /init starts it before the tests")
    ap.add_argument("--vdagent", action="store_true",
                    help="add a virtio-serial vdagent port (client monitors config)")
    ap.add_argument("--mem", type=int, default=1024, help="guest memory in MiB")
    ap.add_argument("--swap-mib", type=int, default=0,
                    help="a virtio disk of this size (/dev/vda) for hibernation")
    ap.add_argument("--hibernate-quit-after", type=float, default=0,
                    help="quit a QEMU still running this many seconds after the hibernating "
                         "guest printed 'reboot: Power down' (the image is written): QEMU's "
                         "q35 ignores ACPI S5 after an S3 cycle; 0: never (a hang fails)")
    ap.add_argument("--spice-port", type=int, default=0,
                    help="fixed SPICE port on 127.0.0.1 (default: a free one), for viewers")
    ap.add_argument("--qemu", default="qemu-system-x86_64",
                    help="the QEMU command (shell words), e.g. "
                    "\"tests/harness/qemu-release trixie\" for Debian 13's")
    ap.add_argument("--qemu-arg", action="append", default=[],
                    help="extra QEMU arguments (shell-split; repeatable)")
    ap.add_argument("--qxl-trace", action="store_true",
                    help="time QEMU's qxl events on the host (spice-latency-arm/-wait: "
                    "the latency breakdown of tests/bench.sh)")
    ap.add_argument("--prefix", default="", help="prefix for result names, e.g. 'smoke/'")
    ap.add_argument("-v", "--verbose", action="store_true", help="echo the guest console")
    args = ap.parse_args()
    words = shlex.split(args.qemu)
    if "/" in words[0]:  # QEMU runs in the temporary directory
        args.qemu = shlex.join([os.path.abspath(words[0])] + words[1:])

    def on_term(signum, frame):
        # unwind through Run.run()'s finally: QEMU and the client are stopped by PID
        raise KeyboardInterrupt("signal %d" % signum)
    signal.signal(signal.SIGTERM, on_term)
    signal.signal(signal.SIGHUP, on_term)
    return Run(args).run()


if __name__ == "__main__":
    sys.exit(main())
