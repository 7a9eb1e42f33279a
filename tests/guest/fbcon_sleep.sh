#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-only
# The console across suspend to RAM or hibernation (issue 13):
#   fbcon_sleep.sh s3|s4
# With no KMS client the screen is fbcon's, drawn through the driver's fbdev
# emulation. QEMU resets the device at S3 wake-up, and S4 resumes in a new
# QEMU (vmtest.py --swap-mib); afterwards console output must reach the
# screen and the SPICE client with nothing done by userspace. Each step is
# checked before the event too, so that a check that cannot see the console
# fails there rather than passing after it.
. /tests/scripts/qtlib.sh

ev=${1:-s3}
case $ev in
s3)
	if ! grep -qw mem /sys/power/state 2>/dev/null || ! grep -qw deep /sys/power/mem_sleep 2>/dev/null; then
		qt_result fbcon-s3 SKIP "this VM offers no S3 (/sys/power/state, mem_sleep)"
		exit 0
	fi ;;
s4)
	if ! grep -qw disk /sys/power/state 2>/dev/null || [ ! -e /dev/vda ]; then
		qt_result fbcon-s4 SKIP "no hibernation support or no /dev/vda swap disk (--swap-mib)"
		exit 0
	fi ;;
*)
	qt_result fbcon-setup FAIL "usage: fbcon_sleep.sh s3|s4"
	exit 1 ;;
esac
size=$(cat /sys/class/graphics/fb0/virtual_size 2>/dev/null)
w=${size%,*} h=${size#*,}
if [ -z "$size" ] || [ ! -w /dev/tty0 ]; then
	qt_result fbcon-setup FAIL "no fbdev console (fb0 size '$size')"
	exit 1
fi
echo 0 >/sys/class/graphics/fbcon/cursor_blink

# console_draws WHEN: clear the console (a black screen), then fill 24 rows
# with '#' (many lit pixels); screen and client must follow each step.
console_draws() {
	printf '\033[H\033[2J' >/dev/tty0
	qt_check "fbcon-$1-clear" screendump-colors 0 0 "$w" "$h" 0x000000 99 || return 1
	i=0
	while [ $i -lt 24 ]; do
		printf '%0100d\n' 0 | tr 0 '#' >/dev/tty0
		i=$((i + 1))
	done
	qt_check "fbcon-$1-text" screendump-nonblack "$w" "$h" 20000 || return 1
	qt_check "fbcon-$1-client" spice-matches-screendump
}

console_draws "$ev-before" || exit 1
if [ "$ev" = s3 ]; then
	echo deep >/sys/power/mem_sleep
	qthost system-wakeup 500 || { qt_result fbcon-s3-event FAIL "the host cannot wake the VM"; exit 1; }
	how="suspended, woken by QMP system_wakeup"
	rc=0
	echo mem >/sys/power/state || rc=1
else
	if ! { mkswap /dev/vda >/dev/null && swapon /dev/vda && echo shutdown >/sys/power/disk &&
	       qthost hibernate; }; then
		qt_result fbcon-s4-event FAIL "swap or the host's hibernate request"
		exit 1
	fi
	how="hibernated, resumed by a new QEMU"
	rc=0
	echo disk >/sys/power/state || rc=1
fi
[ "$ev" = s4 ] && swapoff /dev/vda
if [ $rc -ne 0 ]; then
	qt_result "fbcon-$ev-event" FAIL "writing /sys/power/state failed"
	exit 1
fi
qt_result "fbcon-$ev-event" PASS "$how"
console_draws "$ev-after"
