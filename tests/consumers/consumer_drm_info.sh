#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-only
# drm_info: must run and name the driver qxl.
. /tests/scripts/qtlib.sh
drm_info >/tmp/drm_info.out 2>&1
rc=$?
if [ $rc -ne 0 ]; then
	qt_result drm_info FAIL "exit status $rc: $(tail -n 3 /tmp/drm_info.out | tr '\n' ' ')"
elif ! grep -q 'Driver: qxl ' /tmp/drm_info.out; then
	qt_result drm_info FAIL "output does not name driver qxl: $(grep -m1 Driver: /tmp/drm_info.out)"
else
	qt_result drm_info PASS "$(grep -m1 'Driver:' /tmp/drm_info.out | sed 's/^[^D]*//')"
fi
