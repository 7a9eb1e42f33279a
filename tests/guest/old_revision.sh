#!/bin/sh
# Booted with qxl-vga revision=3: the driver must refuse the device with a
# clear message and create no card.
name=refuse-old-revision
if [ -e /dev/dri/card0 ]; then
	echo "@@TEST $name FAIL /dev/dri/card0 exists for a revision 3 device"
	exit 1
fi
msg=$(dmesg | grep -E 'qxl.*revision 3 is too old' | head -n 1)
if [ -z "$msg" ]; then
	echo "@@TEST $name FAIL no 'revision 3 is too old' message in dmesg"
	exit 1
fi
echo "@@TEST $name PASS ${msg#*] }"
