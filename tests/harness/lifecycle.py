"""VM lifecycle events for vmtest.py, asked for by the guest (host requests):

  hibernate        the guest is about to hibernate: when its QEMU exits, start
                   a new QEMU on the same swap disk (--swap-mib) that resumes
                   the image (kernel argument qtest.resume=vda, see /init in
                   mkinitramfs), and connect a new SPICE client to it
  migrate live     start a second QEMU with -incoming on 127.0.0.1, tell the
                   SPICE client where it is (client_migrate_info), migrate,
                   wait for the client to follow, quit the source
  migrate file     pause, migrate to a file, quit the source, start a new QEMU
                   that loads the file and continue (as libvirt's save/restore
                   and managedsave do)

The guest keeps running in the new QEMU: the answer to its request goes on
the new QEMU's control channel. Every QEMU is stopped by its PID; every wait
is bounded.
"""

import os
import signal
import subprocess
import sys
import time

MIGRATE_TIMEOUT_S = 180
FOLLOW_TIMEOUT_S = 30


def log(msg):
    # vmtest's log(); not imported: vmtest imports this module first
    sys.stderr.write("vmtest: %s\n" % msg)


def stop_qemu(qemu, qmp):
    """Quit a QEMU that no longer runs the guest; by PID if it does not quit."""
    try:
        qmp.cmd("quit")
    except (RuntimeError, OSError):
        pass
    qmp.close()
    try:
        qemu.wait(timeout=10)
    except subprocess.TimeoutExpired:
        os.kill(qemu.pid, signal.SIGKILL)
        qemu.wait(timeout=5)


def switch_to(run, qemu, ctl, port, gen, qmp):
    """From now on the guest is in QEMU number GEN."""
    if run.ctl:
        run.ctl.close()
    run.qemu, run.ctl, run.port, run.gen, run.qmp = qemu, ctl, port, gen, qmp


def new_client(run):
    """A new SPICE client for the current QEMU (the old one lost its server)."""
    return run.start_client("spice-client-%d.log" % run.gen)


def poweroff_ignored(run):
    """True once a hibernating guest's image is written ("reboot: Power down")
    but its QEMU is still running --hibernate-quit-after seconds later; QEMU
    is then quit here, as the power-off should have ended it. Measured: on
    QEMU 7.2's q35, after an S3 cycle in the same boot, the S5 write has no
    effect (Debian's 6.1 release kernel and the debug kernel alike; i440fx
    powers off): the kernel stalls 10 s in it, then halts, and the halt's
    reboot notifiers call perf_reboot() with interrupts off (a core WARNING
    in smp_call_function_single())."""
    after = run.a.hibernate_quit_after
    if not (after and run.hibernating and run.powered_down is not None and
            time.monotonic() >= run.powered_down + after):
        return False
    log("the hibernated guest said 'reboot: Power down' %.0f s ago and QEMU still runs "
        "(q35 ignores ACPI S5 after an S3 cycle): quitting it" % after)
    stop_qemu(run.qemu, run.qmp)
    return True


def restart_after_hibernation(run, deadline):
    import vmtest
    run.hibernating = False
    run.powered_down = None
    rc = run.qemu.returncode
    run.read_console()
    run.qmp.close()
    gen = run.gen + 1
    t0 = time.monotonic()
    qemu, ctl, port = run.start_qemu(run.img, deadline, gen, ["append=qtest.resume=vda"])
    qmp = vmtest.QMP(run.sock("qmp", gen), min(deadline, time.monotonic() + 20))
    switch_to(run, qemu, ctl, port, gen, qmp)
    log("guest hibernated (QEMU exited with %s); QEMU %d resumes it" % (rc, gen))
    if run.client:
        err = new_client(run)
        if err:
            run.report("FAIL", "hibernate-spice-client", err)
    log("QEMU %d started in %.1f s" % (gen, time.monotonic() - t0))


def wait_migrated(qmp, timeout):
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        r = qmp.cmd("query-migrate")
        status = r.get("status")
        if status == "completed":
            return None, r
        if status in ("failed", "cancelled"):
            return "migration %s: %s" % (status, r.get("error-desc", "")), r
        time.sleep(0.2)
    return "migration did not complete within %d s" % timeout, None


def client_follows(run, port):
    """Wait until the SPICE client's session is on the destination's port."""
    end = time.monotonic() + FOLLOW_TIMEOUT_S
    last = ""
    while time.monotonic() < end:
        last = run.client.request("session")
        words = last.split()
        if words[:1] == ["ok"] and len(words) >= 4 and words[2] == str(port) \
                and words[3] == "none":
            return None
        time.sleep(0.2)
    return "the SPICE client did not follow to port %d within %d s (%s)" % (
        port, FOLLOW_TIMEOUT_S, last)


def probe_follows(run, port):
    """Wait until spice-probe (--spice-probe) is on the destination's port with
    its migration finished; (error or None, its `migration` answer)."""
    end = time.monotonic() + FOLLOW_TIMEOUT_S
    last = ""
    while time.monotonic() < end:
        last = run.probe.request("migration")
        if last.startswith("ok") and " port=%d " % port in last + " " and \
                " phase=idle" in last:
            run.probe.port = port
            return None, last
        time.sleep(0.2)
    return "spice-probe did not follow to port %d within %d s (%s)" % (
        port, FOLLOW_TIMEOUT_S, last), last


def migrate(run, mode):
    import vmtest
    deadline = time.monotonic() + MIGRATE_TIMEOUT_S
    gen = run.gen + 1
    t0 = time.monotonic()
    if mode == "live":
        mport = vmtest.free_port()
        qemu, ctl, port = run.start_qemu(run.img, deadline, gen,
                                         ["-incoming", "tcp:127.0.0.1:%d" % mport])
        qmp = vmtest.QMP(run.sock("qmp", gen), min(deadline, time.monotonic() + 20))
        if run.client or run.probe:
            run.qmp.cmd("client_migrate_info", protocol="spice", hostname="127.0.0.1",
                        port=port)
        run.qmp.cmd("migrate", uri="tcp:127.0.0.1:%d" % mport)
        err, info = wait_migrated(run.qmp, MIGRATE_TIMEOUT_S)
        if err:
            stop_qemu(qemu, qmp)
            return False, err
        follow = client_follows(run, port) if run.client else None
        pfollow, pinfo = probe_follows(run, port) if run.probe else (None, "")
        old_qemu, old_qmp = run.qemu, run.qmp
        switch_to(run, qemu, ctl, port, gen, qmp)
        stop_qemu(old_qemu, old_qmp)
        if follow:
            run.report("FAIL", "migrate-spice-client-follows", follow)
            new_client(run)
        if pfollow:
            run.report("FAIL", "migrate-spice-probe-follows", pfollow)
        detail = "live migration to QEMU %d in %.1f s (downtime %s ms)%s" % (
            gen, time.monotonic() - t0, info.get("downtime", "?"),
            "; the SPICE client followed" if run.client and not follow else "") + (
            "; spice-probe followed (%s)" % " ".join(pinfo.split()[1:3])
            if run.probe and not pfollow else "")
        return True, detail
    if mode == "file":
        path = os.path.join(run.tmp, "saved-%d.vm" % gen)
        # as libvirt's save and managedsave do: pause, then write the state
        run.qmp.cmd("stop")
        run.qmp.cmd("migrate", uri="exec:cat > %s" % path)
        err, info = wait_migrated(run.qmp, MIGRATE_TIMEOUT_S)
        if err:
            return False, err
        size = os.path.getsize(path)
        stop_qemu(run.qemu, run.qmp)
        qemu, ctl, port = run.start_qemu(run.img, deadline, gen,
                                         ["-incoming", "exec:cat %s" % path])
        qmp = vmtest.QMP(run.sock("qmp", gen), min(deadline, time.monotonic() + 20))
        switch_to(run, qemu, ctl, port, gen, qmp)
        end = time.monotonic() + 60
        while True:
            status = qmp.cmd("query-status").get("status")
            if status == "running":
                break
            if status == "paused":
                qmp.cmd("cont")
            if time.monotonic() > end:
                return False, "the restored VM is not running after 60 s"
            time.sleep(0.2)
        if run.client:
            err = new_client(run)
            if err:
                return False, err
        return True, "saved %d MiB and restored into QEMU %d in %.1f s" % (
            size >> 20, gen, time.monotonic() - t0)
    return False, "migrate: unknown mode %r (live or file)" % mode


def hibernate(run, kind, args, line):
    """hibernate (host request)"""
    if not run.a.swap_mib:
        return False, "hibernate needs a swap disk (vmtest.py --swap-mib)"
    run.hibernating = True
    return True, "QEMU will be restarted on the swap disk when it exits"


def migrate_request(run, kind, args, line):
    """migrate [live|file] (host request)"""
    return migrate(run, args[0] if args else "live")


# the host requests served here (tests/harness/host_requests.py)
REQUESTS = {"hibernate": hibernate, "migrate": migrate_request}
