#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Tiny QMP client: qmp.py SOCKET COMMAND [JSON-ARGS]. Prints the return value
as JSON; exits 1 on an error reply. Every wait is bounded (10 s)."""
import json
import socket
import sys


def qmp(path, cmd, args=None, timeout=10.0):
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.settimeout(timeout)
    s.connect(path)
    f = s.makefile('rwb')
    json.loads(f.readline())                      # greeting
    f.write(b'{"execute":"qmp_capabilities"}\n')
    f.flush()
    json.loads(f.readline())
    req = {"execute": cmd}
    if args:
        req["arguments"] = args
    f.write(json.dumps(req).encode() + b"\n")
    f.flush()
    while True:
        r = json.loads(f.readline())
        if "return" in r or "error" in r:
            s.close()
            return r


if __name__ == "__main__":
    r = qmp(sys.argv[1], sys.argv[2], json.loads(sys.argv[3]) if len(sys.argv) > 3 else None)
    print(json.dumps(r))
    sys.exit(1 if "error" in r else 0)
