#!/bin/bash
# The main job: install what is needed, build qxl-ng, boot a guest that uses
# it, and show it working. SPICE listens on 127.0.0.1:$DEMO_PORT for a viewer
# (remote-viewer spice://127.0.0.1:5930) while an animation drawn with
# damage-only updates runs for $DEMO_SECONDS; a screendump is saved.
set -eu
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top"
port=${DEMO_PORT:-5930}
secs=${DEMO_SECONDS:-60}
out=build/demo

# QXL_SETUP: what installs the dependencies (tests/first_run.sh substitutes it)
[ "${QXL_SKIP_SETUP:-0}" = 1 ] || ${QXL_SETUP:-tests/setup.sh}
make module
mkdir -p build/guest/bin "$out"
cc -std=c11 -O2 -Wall -Wextra -Werror $(pkg-config --cflags libdrm) -Itests/guest \
	tests/guest/demo_anim.c tests/guest/qtest.c -o build/guest/bin/demo_anim $(pkg-config --libs libdrm)
cc -std=c11 -O2 -Wall -Wextra -Werror $(pkg-config --cflags libdrm) -Itests/guest \
	tests/consumers/qthost.c tests/guest/qtest.c -o build/guest/bin/qthost $(pkg-config --libs libdrm)

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
