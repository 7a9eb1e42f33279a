#!/bin/sh
# SPDX-License-Identifier: MIT
# spice-probe (vmtest.py --spice-probe --vdagent) sends a client monitors
# config (MAIN_AGENT_START + MAIN_AGENT_DATA with VD_AGENT_MONITORS_CONFIG)
# asking for 1280x800; within 10 s the first connector's preferred mode must
# be 1280x800. The vdagent port is held open by cat in place of a vdagent.
# Then 1152x864 the same way (a second request from the same client), which
# modetest then sets: spice-probe must see that head (probe_monitors_follow)
# and the same picture as a screendump (probe_monitors_png).
. /tests/scripts/qtlib.sh
qt_hold_agent_port probe_monitors || exit 0
rc=0
for want in 1280x800 1152x864; do
	name=probe_monitors_$want
	if ! out=$(qthost probe-monitors ${want}+0+0); then
		qt_result $name FAIL "$(echo "$out" | tail -n 1)"
		rc=1
		continue
	fi
	i=0
	pref=
	while [ $i -lt 100 ]; do
		pref=$(modetest -M qxl -c 2>/dev/null | grep -m1 'type: preferred' | awk '{print $2}')
		[ "$pref" = $want ] && break
		sleep 0.1; i=$((i + 1))
	done
	if [ "$pref" = $want ]; then
		qt_result $name PASS "preferred mode $want after $((i * 100)) ms"
	else
		qt_result $name FAIL "preferred mode is '$pref' 10 s after spice-probe asked for $want"
		rc=1
	fi
done
# The guest follows: modetest sets the new preferred mode; spice-probe gets a
# MONITORS_CONFIG with that one head and its PNG equals the screendump.
conn=$(qt_first_connector)
rm -f /tmp/mt.in; mkfifo /tmp/mt.in
modetest -M qxl -s "$conn:1152x864" </tmp/mt.in >/tmp/modetest.out 2>&1 &
MT=$!
sleep 100000 >/tmp/mt.in &
SL=$!
qt_check probe_monitors_follow probe-heads 1152x864+0+0 || rc=1
qt_check probe_monitors_png probe-png-matches-screendump || rc=1
qt_stop $SL
qt_wait_gone $MT 10 || qt_stop $MT
qt_stop $AG
exit $rc
