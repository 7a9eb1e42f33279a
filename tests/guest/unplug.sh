#!/bin/sh
# Unbind/rebind and PCI remove/rescan, 10 times each, while a client holds
# the card open with a mapped buffer; then the display must work again.
fail() { echo "@@TEST $1 FAIL $2"; exit 1; }
dev=$(ls /sys/bus/pci/drivers/qxl/ | grep -m1 '^0000:')
[ -n "$dev" ] || fail unplug-setup "no PCI device bound to qxl"

# The card is usable once its connector is registered, not when the node appears.
wait_card() {
	t=0
	while { [ ! -e /dev/dri/card0 ] || [ ! -e /sys/class/drm/card0-Virtual-1 ]; } &&
	      [ "$t" -lt 100 ]; do
		sleep 0.1
		t=$((t + 1))
	done
	[ -e /dev/dri/card0 ] && [ -e /sys/class/drm/card0-Virtual-1 ]
}

hold() { # start a holder and wait until it has its mapping
	# Empty the file first: the redirection below happens in the child,
	# possibly after the first grep, which must not see the last round's.
	: >/tmp/hold.out
	hold_fd "$1" $2 >>/tmp/hold.out 2>&1 &
	HOLD=$!
	t=0
	while ! grep -q ready /tmp/hold.out && [ "$t" -lt 50 ]; do sleep 0.1; t=$((t + 1)); done
	grep -q ready /tmp/hold.out
}

i=1
while [ "$i" -le 10 ]; do
	hold 1.5 || fail unplug-unbind-rebind-x10 "holder did not start (round $i): $(cat /tmp/hold.out)"
	echo "$dev" >/sys/bus/pci/drivers/qxl/unbind || fail unplug-unbind-rebind-x10 "unbind failed (round $i)"
	wait "$HOLD" || fail unplug-unbind-rebind-x10 "holder died (round $i): $(cat /tmp/hold.out)"
	echo "$dev" >/sys/bus/pci/drivers/qxl/bind || fail unplug-unbind-rebind-x10 "bind failed (round $i)"
	wait_card || fail unplug-unbind-rebind-x10 "no card after rebind (round $i)"
	i=$((i + 1))
done
echo "@@TEST unplug-unbind-rebind-x10 PASS 10 rounds with an open fd and a mapped buffer"

i=1
while [ "$i" -le 10 ]; do
	hold 1.5 || fail unplug-remove-rescan-x10 "holder did not start (round $i): $(cat /tmp/hold.out)"
	echo 1 >"/sys/bus/pci/devices/$dev/remove" || fail unplug-remove-rescan-x10 "remove failed (round $i)"
	wait "$HOLD" || fail unplug-remove-rescan-x10 "holder died (round $i): $(cat /tmp/hold.out)"
	echo 1 >/sys/bus/pci/rescan
	wait_card || fail unplug-remove-rescan-x10 "no card after rescan (round $i)"
	i=$((i + 1))
done
echo "@@TEST unplug-remove-rescan-x10 PASS 10 rounds with an open fd and a mapped buffer"

# A 2D client: render node, a mapped device surface, fills in flight.
i=1
while [ "$i" -le 5 ]; do
	hold 1.5 2d || fail unplug-2d-client-x5 "holder did not start (round $i): $(cat /tmp/hold.out)"
	echo "$dev" >/sys/bus/pci/drivers/qxl/unbind || fail unplug-2d-client-x5 "unbind failed (round $i)"
	wait "$HOLD" || fail unplug-2d-client-x5 "holder died (round $i): $(cat /tmp/hold.out)"
	echo "$dev" >/sys/bus/pci/drivers/qxl/bind || fail unplug-2d-client-x5 "bind failed (round $i)"
	wait_card || fail unplug-2d-client-x5 "no card after rebind (round $i)"
	i=$((i + 1))
done
echo "@@TEST unplug-2d-client-x5 PASS 5 rounds with a render-node client submitting to a mapped surface ($(grep 2d: /tmp/hold.out))"
