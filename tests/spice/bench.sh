#!/bin/bash
# SPDX-License-Identifier: MIT
# On-demand benchmark of libspice-wire's demarshalling (not part of run.sh's
# pass/fail): records a session from QEMU's real spice-server (SeaBIOS text
# screen on qxl-vga, TCG, no guest OS) with spice-probe --record, then prints
# messages/s and MB/s for: validation only, validation + display model,
# validation + JSON log line; and the same on a synthetic 3000-draw session.
#   tests/spice/bench.sh [SECONDS_PER_RUN]
set -u
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
# shellcheck source=tests/lib/meson.sh
. "$ROOT/tests/lib/meson.sh"
SECS=${1:-2}
WORK=$(mktemp -d /tmp/spice-bench.XXXXXX)
meson_build userspace/tools/spice-probe userspace/tools/spice-probe-bench >/dev/null || exit 1
PORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
qemu-system-x86_64 -nodefaults -m 64 -vga none -device qxl-vga \
	-spice "port=$PORT,addr=127.0.0.1,disable-ticketing=on,image-compression=off" \
	-display none >"$WORK/qemu.log" 2>&1 &
QPID=$!
trap 'kill $QPID 2>/dev/null; wait $QPID 2>/dev/null; rm -rf "$WORK"' EXIT
sleep 3
timeout 30 "$MESON_BUILD/userspace/tools/spice-probe" -p "$PORT" -t 5 --record "$WORK/session.rec" 2>/dev/null
B=$MESON_BUILD/userspace/tools/spice-probe-bench
for mode in "" --model --json; do
	echo "recorded ${mode:-validate}: $($B --seconds "$SECS" $mode "$WORK/session.rec")"
done
for mode in "" --model --json; do
	echo "synthetic ${mode:-validate}: $($B --seconds "$SECS" $mode --synthetic 3000)"
done
