#!/bin/bash
# Build the module through DKMS exactly as a user installing the package
# would, but into a private DKMS tree under build/ so that nothing on the
# build host changes. Prints one PASS/FAIL line.
set -u
top=$(cd "$(dirname "$0")/.." && pwd)
kver=${KVER:-$(ls -d /usr/src/linux-headers-*-amd64 2>/dev/null | sed 's,.*/linux-headers-,,' | sort -V | tail -n 1)}
ver=$(sed -n 's/^PACKAGE_VERSION="\(.*\)"/\1/p' "$top/dkms.conf")
work=$top/build/dkms
command -v dkms >/dev/null || { echo "FAIL dkms-build: dkms not installed (tests/setup.sh installs it)"; exit 1; }
rm -rf "$work"
mkdir -p "$work/src/qxl-ng-$ver" "$work/tree"
cp -r "$top/dkms.conf" "$top/Kconfig" "$top/drivers" "$top/uapi" "$work/src/qxl-ng-$ver/"
find "$work/src" \( -name '*.o' -o -name '*.ko' -o -name '*.cmd' -o -name '*.mod*' \
	-o -name modules.order -o -name Module.symvers \) -delete
log=$work/dkms.log
if dkms add -m qxl-ng -v "$ver" --sourcetree "$work/src" --dkmstree "$work/tree" >"$log" 2>&1 &&
   dkms build -m qxl-ng -v "$ver" -k "$kver" --sourcetree "$work/src" --dkmstree "$work/tree" >>"$log" 2>&1 &&
   ko=$(find "$work/tree" -name 'qxl.ko*' | head -n 1) && [ -n "$ko" ] &&
   modinfo "$ko" | grep -q '^version: *'"$ver"; then
	echo "PASS dkms-build: qxl-ng $ver built for $kver by dkms"
else
	echo "FAIL dkms-build: see $log"; tail -n 20 "$log" | sed 's/^/    /'
	exit 1
fi
