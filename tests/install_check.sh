#!/bin/bash
# SPDX-License-Identifier: MIT
# The installed libraries (libqxl, libqxl-scanout) as a program outside the
# tree finds them: `meson install` into a scratch DESTDIR, then a consumer
# built with nothing but `pkg-config --cflags --libs` and run against the
# installed .so files. Prints PASS/FAIL lines; exit status 1 on any FAIL.
set -u
top=$(cd "$(dirname "$0")/.." && pwd)
build=$top/build/meson
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
rc=0

if ! DESTDIR=$work/root meson install -C "$build" --no-rebuild >"$work/install.log" 2>&1; then
	echo "FAIL install-meson: meson install failed: $(tail -n 3 "$work/install.log" | tr '\n' ' ')"
	exit 1
fi
echo "PASS install-meson: $(find "$work/root" -type f | wc -l) files into a scratch DESTDIR"
pcdir=$(dirname "$(find "$work/root" -name libqxl.pc | head -n 1)")
libdir=$(dirname "$pcdir")

# consumer LIBRARY HEADER CALL: build and run a program that calls CALL
consumer() {
	local lib=$1 header=$2 call=$3 flags out
	printf '#include <stdio.h>\n#include <%s>\nint main(void)\n{\n\t%s;\n\tputs("ok");\n\treturn 0;\n}\n' \
		"$header" "$call" >"$work/$lib.c"
	if ! flags=$(PKG_CONFIG_PATH=$pcdir PKG_CONFIG_SYSROOT_DIR=$work/root \
		pkg-config --cflags --libs "$lib" 2>&1); then
		echo "FAIL install-$lib: pkg-config: $flags"
		rc=1
		return
	fi
	# shellcheck disable=SC2086
	if ! out=$(cc -std=c11 -Wall -Wextra -Werror "$work/$lib.c" -o "$work/$lib" $flags 2>&1); then
		echo "FAIL install-$lib: a consumer does not build with pkg-config's flags ($flags): $out"
		rc=1
		return
	fi
	if ! out=$(LD_LIBRARY_PATH=$libdir timeout 20 "$work/$lib" 2>&1) || [ "$out" != ok ]; then
		echo "FAIL install-$lib: the consumer did not run: $out"
		rc=1
		return
	fi
	echo "PASS install-$lib: header, pkg-config file and shared library ($flags)"
}
consumer libqxl libqxl.h "qxl_device_free(NULL)"
consumer libqxl-scanout qxl-scanout.h "qs_server_free(NULL)"
exit $rc
