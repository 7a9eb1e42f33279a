#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-only
# modetest -s: set 1024x768 with modetest's test pattern; the host checks that a
# screendump has that size and is mostly non-black (fbcon text is mostly black).
. /tests/scripts/qtlib.sh
W=1024; H=768
conn=$(qt_first_connector)
if [ -z "$conn" ]; then
	qt_result modetest_set FAIL "no connected connector in modetest -c"
	exit 1
fi
rm -f /tmp/mt.in; mkfifo /tmp/mt.in
# modetest drops the mode when stdin reaches EOF: keep a writer open.
modetest -M qxl -s "$conn:${W}x$H" </tmp/mt.in >/tmp/modetest.out 2>&1 &
MT=$!
sleep 100000 >/tmp/mt.in &
SL=$!
sleep 4
if ! kill -0 $MT 2>/dev/null; then
	qt_result modetest_set FAIL "modetest exited early: $(tr '\n' ' ' </tmp/modetest.out | cut -c1-300)"
	qt_stop $SL
	exit 1
fi
qt_check modetest_set screendump-nonblack $W $H $((W * H / 2))
rc=$?
qt_check modetest_spice spice-matches-screendump || rc=1
qt_stop $SL
qt_wait_gone $MT 10 || { qt_stop $MT; qt_result modetest_exit FAIL "modetest did not exit on EOF"; exit 1; }
exit $rc
