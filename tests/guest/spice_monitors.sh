#!/bin/sh
# SPDX-License-Identifier: MIT
# spice-probe (vmtest.py --spice-probe --vdagent) sends a client monitors
# config (MAIN_AGENT_START + MAIN_AGENT_DATA with VD_AGENT_MONITORS_CONFIG)
# asking for 1280x800; within 10 s the first connector's preferred mode must
# be 1280x800. The vdagent port is held open by cat in place of a vdagent.
# Then 1152x864 the same way (a second request from the same client).
. /tests/scripts/qtlib.sh
if [ ! -e /dev/vport0p1 ]; then
	qt_result probe_monitors SKIP "no vdagent port (vmtest.py --vdagent)"
	exit 0
fi
cat /dev/vport0p1 >/dev/null &
AG=$!
sleep 1
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
		qt_result $name PASS "preferred mode $want after ${i}00 ms"
	else
		qt_result $name FAIL "preferred mode is '$pref' 10 s after spice-probe asked for $want"
		rc=1
	fi
done
qt_stop $AG
exit $rc
