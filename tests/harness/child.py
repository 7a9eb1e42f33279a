# SPDX-License-Identifier: GPL-2.0-only
"""The harness's children that read commands on stdin (spice_client.py,
spice-probe --control): stopped by their PID, with bounded waits."""

import os
import signal
import subprocess


def quit_or_kill(proc, grace=3):
    """Ask PROC to quit ("quit" on its stdin); SIGKILL it by PID if it has not
    exited within GRACE seconds, and reap it."""
    if proc.poll() is None:
        try:
            proc.stdin.write(b"quit\n")
            proc.stdin.flush()
            proc.wait(timeout=grace)
        except (OSError, subprocess.TimeoutExpired):
            pass
    if proc.poll() is None:
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait(timeout=5)
