#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
# The README's first command on a fresh machine, which has no kernel headers
# until tests/setup.sh installs them: `make demo` must work at the first try
# (it once computed KVER before the headers existed and failed).
#
# In a private mount namespace an empty tmpfs hides /usr/src, and a copy of
# the checkout's files (build/first-run/src) is used. Then:
#   first-run-no-headers  `make module` says the headers are missing and what
#                         to run, and fails;
#   first-run-make-demo   `make demo` with QXL_SETUP standing in for
#                         tests/setup.sh (it makes the headers appear, as the
#                         apt-get install of linux-headers-amd64 would) builds
#                         the module; boots the desktop VM (tests/desktop/,
#                         the image built first if it is not cached) for
#                         DEMO_SECONDS=3 once GNOME shows, and saves the
#                         screendump as a PNG.
# Prints PASS/FAIL lines; about 2 minutes with the desktop image cached (one
# module build, GNOME's boot), 5 more to build the image.
set -u
top=$(cd "$(dirname "$0")/.." && pwd)
work=$top/build/first-run
rm -rf "$work"
mkdir -p "$work/src" "$work/realsrc"
(cd "$top" && git ls-files -z | tar --null -T - -cf -) | tar -C "$work/src" -xf -

cat >"$work/setup-stub.sh" <<EOS
#!/bin/sh
# stands in for tests/setup.sh: the headers appear
mount --bind "$work/realsrc" /usr/src
EOS
chmod +x "$work/setup-stub.sh"

export work
unshare -m --propagation private bash -c '
	mount --bind /usr/src "$work/realsrc" &&
	mount -t tmpfs -o size=1m,mode=755 tmpfs /usr/src || exit 2
	cd "$work/src" || exit 2
	if make module >"$work/no-headers.log" 2>&1; then
		echo "FAIL first-run-no-headers: make module succeeded with /usr/src empty"
	elif grep -q "kernel headers not found.*run tests/setup.sh" "$work/no-headers.log"; then
		echo "PASS first-run-no-headers: $(grep -m1 "kernel headers not found" "$work/no-headers.log")"
	else
		echo "FAIL first-run-no-headers: no clear message (log $work/no-headers.log)"
	fi
	# a free port: 5930 may be taken by a viewer demo the user runs
	port=$(/usr/bin/python3 -c "import socket; s = socket.socket(); s.bind((\"127.0.0.1\", 0)); print(s.getsockname()[1])")
	env -u QXL_SKIP_SETUP QXL_SETUP=$work/setup-stub.sh DEMO_SECONDS=3 DEMO_PORT=$port \
		timeout -k 10 1500 make demo \
		>"$work/demo.log" 2>&1
	rc=$?
	if [ $rc -eq 0 ] && [ -s build/demo/screen.png ] &&
	   /usr/bin/python3 -c "import sys; from PIL import Image; Image.open(sys.argv[1]).verify()" \
		build/demo/screen.png; then
		echo "PASS first-run-make-demo: $(grep -a -m1 "^PASS desktop-gnome/desktop:" "$work/demo.log" |
			sed "s/^PASS //"); build/demo/screen.png saved"
	else
		# the reason goes into the FAIL line: run-all.sh keeps only those
		why=$(grep -a -E "^(FAIL |demo: |error|E: )|[Ee]rror:|timed out" "$work/demo.log" |
			tail -n 3 | tr "\n" " " | cut -c1-400)
		echo "FAIL first-run-make-demo: exit status $rc: ${why:-no message} (log $work/demo.log)"
		tail -n 15 "$work/demo.log" | sed "s/^/    /"
	fi
'
