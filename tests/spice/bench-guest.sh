#!/bin/bash
# SPDX-License-Identifier: MIT
# On-demand benchmark (issue 5): time from a guest draw to spice-probe's display
# model holding it. Boots a vmtest.py guest with the qxl-ng driver (or
# --module KO) and spice-probe --control as the SPICE client; the guest
# (tests/guest/spice_probe_test rounds=N) fills its 1024x768 dumb framebuffer
# with a colour, timestamps, calls DIRTYFB and asks the host; the host maps the
# guest's CLOCK_MONOTONIC to its own (min offset over 8 probe-clock requests)
# and subtracts it from the time spice-probe applied the display message that
# made its model that solid colour. Prints every figure and min/median/p90/max.
#   tests/spice/bench-guest.sh [ROUNDS] [extra vmtest.py options...]
set -u
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
ROUNDS=${1:-10}
shift || true
OUT=$(mktemp /tmp/spice-bench-guest.XXXXXX)
LOGS=$(mktemp -d /tmp/spice-bench-guest-logs.XXXXXX)
trap 'rm -rf "$OUT" "$LOGS"' EXIT
# shellcheck source=tests/lib/meson.sh
. "$ROOT/tests/lib/meson.sh"
{ meson_build userspace/tools/spice-probe && guest_bin spice_probe_test; } >/dev/null || exit 1
timeout 600 "$ROOT/tests/harness/vmtest.py" --spice-probe --timeout 500 "$@" \
	--keep-logs "$LOGS" --tests "spice_probe_test rounds=$ROUNDS" >"$OUT" 2>&1
rc=$?
grep -E '^(PASS|FAIL|SKIP) ' "$OUT"
grep -o 'latency_ms=[0-9.]*' "$OUT" | cut -d= -f2 | sort -n | awk '
	{ v[NR] = $1; s = s " " $1 }
	END {
		if (NR == 0) { print "no latency figures"; exit 1 }
		printf "draw-to-spice-probe-model latency, 1024x768 full frame, %d samples (ms):%s\n", NR, s
		printf "min %.1f  median %.1f  p90 %.1f  max %.1f\n", v[1], v[int((NR + 1) / 2)],
			v[int(NR * 0.9 + 0.999)], v[NR]
	}'
grep -o 'clock calibration round trip [0-9]* us' "$LOGS/console.log" 2>/dev/null |
	sed 's/$/ (the figures are low by at most this)/'
exit $rc
