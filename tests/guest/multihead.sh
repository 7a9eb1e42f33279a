#!/bin/sh
# Hold the vdagent port open (in place of a vdagent daemon) so that the
# SPICE client's monitors config reaches the device, then run the test.
if [ ! -e /dev/vport0p1 ]; then
	echo "@@TEST multihead SKIP no vdagent port: run with vmtest.py --vdagent"
	exit 0
fi
agent_port.sh &
AG=$!
sleep 1
multihead_test "$@"
rc=$?
kill "$AG"
exit $rc
