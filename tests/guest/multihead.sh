#!/bin/sh
# Hold the vdagent port open (in place of a vdagent daemon) so that the
# SPICE client's monitors config reaches the device, then run the test.
. /tests/scripts/qtlib.sh
qt_hold_agent_port multihead || exit 0
multihead_test "$@"
rc=$?
kill "$AG"
exit $rc
