#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-only
# The SPICE client asks for a 1280x800 monitor (through the vdagent port, which
# this script holds open in place of a vdagent daemon); within 10 s the first
# connector must offer 1280x800 as its preferred mode. Needs vmtest.py
# --spice-client --vdagent.
. /tests/scripts/qtlib.sh
qt_hold_agent_port client_monitors || exit 0
if ! out=$(qthost client-monitors 1280x800+0+0); then
	qt_result client_monitors FAIL "$(echo "$out" | tail -n 1)"
	qt_stop $AG
	exit 1
fi
i=0
pref=
while [ $i -lt 100 ]; do
	pref=$(modetest -M qxl -c 2>/dev/null | grep -m1 'type: preferred' | awk '{print $2}')
	[ "$pref" = 1280x800 ] && break
	sleep 0.1; i=$((i + 1))
done
qt_stop $AG
if [ "$pref" = 1280x800 ]; then
	qt_result client_monitors PASS "preferred mode 1280x800 after ${i}00 ms"
else
	qt_result client_monitors FAIL "preferred mode is '$pref' 10 s after the client asked for 1280x800"
	exit 1
fi
