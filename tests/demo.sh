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

[ "${QXL_SKIP_SETUP:-0}" = 1 ] || tests/setup.sh
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
	python3 - "$dump" "$out/screen.png" <<'PY'
import struct, sys, zlib
d = open(sys.argv[1], "rb").read()
parts = d.split(b"\n", 3)
w, h = map(int, parts[1].split())
px = parts[3]
raw = b"".join(b"\0" + px[y * w * 3:(y + 1) * w * 3] for y in range(h))
def chunk(t, b):
    return struct.pack(">I", len(b)) + t + b + struct.pack(">I", zlib.crc32(t + b))
open(sys.argv[2], "wb").write(b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", w, h, 8, 2, 0, 0, 0))
                              + chunk(b"IDAT", zlib.compress(raw)) + chunk(b"IEND", b""))
PY
	echo "demo: screendump saved to $out/screen.png"
fi
