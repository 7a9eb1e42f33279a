#!/bin/sh
# SPDX-License-Identifier: MIT
# Loads evdev (a module in Debian's kernel; the suite adds it to the image as
# /extra/evdev.ko with vmtest.py --add) and runs spice_keys: a key scancode
# sent by spice-probe (vmtest.py --spice-probe) reaches /dev/input/event*.
. /tests/scripts/qtlib.sh
if [ ! -e /dev/input/event0 ]; then
	if [ -f /extra/evdev.ko ]; then
		insmod /extra/evdev.ko || { qt_result probe_key_a FAIL "insmod evdev failed"; exit 1; }
	else
		modprobe evdev 2>/dev/null
	fi
fi
i=0
while [ ! -e /dev/input/event0 ] && [ $i -lt 50 ]; do sleep 0.1; i=$((i + 1)); done
exec spice_keys
