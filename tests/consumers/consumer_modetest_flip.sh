#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-only
# modetest -v: page flips for a few seconds, then stdin EOF ends it; must exit 0
# and report a flip frequency.
. /tests/scripts/qtlib.sh
conn=$(qt_first_connector)
if [ -z "$conn" ]; then
	qt_result modetest_flip FAIL "no connected connector in modetest -c"
	exit 1
fi
(sleep 7) | modetest -M qxl -s "$conn:1024x768" -v >/tmp/modetest-v.out 2>&1
rc=$?
freq=$(grep -m1 'freq:' /tmp/modetest-v.out)
if [ $rc -ne 0 ]; then
	qt_result modetest_flip FAIL "exit status $rc: $(tail -n 3 /tmp/modetest-v.out | tr '\n' ' ')"
elif [ -z "$freq" ]; then
	qt_result modetest_flip FAIL "no flip frequency reported: $(tail -n 3 /tmp/modetest-v.out | tr '\n' ' ')"
else
	qt_result modetest_flip PASS "$freq"
fi
