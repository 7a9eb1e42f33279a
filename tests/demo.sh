#!/bin/bash
# The main job: install what is needed, build qxl-ng and show it working in a
# guest whose display SPICE serves on 127.0.0.1:$DEMO_PORT (5930) to a viewer:
#   remote-viewer spice://127.0.0.1:5930
#
# DEMO=desktop (the default): Debian 13 with GNOME, qxl-ng installed in it by
#   DKMS (tests/desktop/: the image is built the first time, about 3 minutes
#   and 1.6 GB under ~/.cache/qxl-ng/desktop, then reused). The VM runs
#   $DEMO_SECONDS (300) once the desktop shows; Ctrl-C ends it sooner.
# DEMO=busybox: the quick one (a minute): a busybox guest where an animation
#   drawn with damage-only updates runs for $DEMO_SECONDS (60).
# Both save a screendump to build/demo/screen.png.
set -eu
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top"
port=${DEMO_PORT:-5930}
demo=${DEMO:-desktop}
out=build/demo

case $demo in
desktop) secs=${DEMO_SECONDS:-300} ;;
busybox) secs=${DEMO_SECONDS:-60} ;;
*) echo "demo: DEMO=$demo: expected desktop or busybox" >&2; exit 2 ;;
esac

# QXL_SETUP: what installs the dependencies (tests/first_run.sh substitutes it)
[ "${QXL_SKIP_SETUP:-0}" = 1 ] || ${QXL_SETUP:-tests/setup.sh}
mkdir -p "$out"
rm -f "$out/screen.png"

if [ "$demo" = desktop ]; then
	# image.sh prints the image's directory last (a pipeline's status is
	# tail's: the directory itself says whether it worked)
	img=$(tests/desktop/image.sh --cached 2>/dev/null | tail -n 1)
	if [ -n "$img" ] && [ -d "$img" ]; then
		echo "demo: desktop image $img (cached)"
	else
		echo "demo: building the desktop image (Debian 13, GNOME, qxl-ng by DKMS): about"
		echo "      3 minutes with a fast mirror (1.6 GB; less when only qxl-ng changed);"
		echo "      progress below, log in build/logs/"
		t0=$(date +%s)
		img=$(tests/desktop/image.sh | tail -n 1)
		if [ -z "$img" ] || [ ! -d "$img" ]; then
			echo "demo: the desktop image could not be built (above; tests/desktop/image.sh)" >&2
			exit 1
		fi
		echo "demo: image built in $(($(date +%s) - t0)) s: $img"
	fi
	echo "demo: booting GNOME on qxl-ng (QEMU TCG: one to two minutes to the desktop);"
	echo "      SPICE on 127.0.0.1:$port, no password"
	rm -rf "$out/desktop"
	trap : INT   # Ctrl-C ends boot.py (which stops QEMU), not this script
	rc=0
	tests/desktop/boot.py --image "$img" --out "$out/desktop" --demo "$secs" \
		--spice-port "$port" --timeout 600 || rc=$?
	trap - INT
	run=$(ls -d "$out"/desktop/run-* | tail -n 1)
	if [ $rc -eq 0 ] && [ -s "$out/desktop/screen.png" ]; then
		cp "$out/desktop/screen.png" "$out/screen.png"
		echo "demo: screendump saved to $out/screen.png; logs in $run"
		exit 0
	fi
	echo "demo: the desktop did not come up; logs in $run" >&2
	exit 1
fi

make module
mkdir -p "$out"
# shellcheck source=tests/lib/meson.sh
. tests/lib/meson.sh
guest_bin demo_anim qthost

cat >build/guest/bin/demo.sh <<EOS
#!/bin/sh
dmesg | grep -E 'qxl' | sed 's/^/guest: /'
demo_anim $secs &
sleep 8
qthost "screendump-stats"
wait
EOS
chmod +x build/guest/bin/demo.sh

echo "demo: SPICE on 127.0.0.1:$port for about $((secs + 10)) s; connect with"
echo "      remote-viewer spice://127.0.0.1:$port"
rm -rf "$out/logs"
python3 tests/harness/vmtest.py --module drivers/qxl/qxl.ko --spice-port "$port" \
	--cmd-timeout $((secs + 60)) --timeout $((secs + 240)) \
	--tests "demo.sh" --keep-logs "$out/logs" -v 2> >(grep -a -E 'guest: |demo:|qxl-ng' >&2)
dump=$(ls "$out"/logs/dump-*.ppm 2>/dev/null | tail -n 1)
if [ -n "$dump" ]; then
	/usr/bin/python3 -c 'import sys; from PIL import Image; Image.open(sys.argv[1]).save(sys.argv[2])' \
		"$dump" "$out/screen.png"
	echo "demo: screendump saved to $out/screen.png"
fi
