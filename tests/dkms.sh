#!/bin/bash
# Build the module through DKMS exactly as a user installing the package
# would, but into a private DKMS tree under build/ so that nothing on the
# build host changes: for the host's Debian 12 kernel, then inside the chroot
# of each release in $DKMS_RELEASES (default: trixie, Debian 13's 6.12, and
# trixie-backports, the newest kernel Debian ships; tests/kernels/chroot.sh
# makes or reuses them), and dkms install each into a private install tree.
# Prints PASS/FAIL lines per kernel (build, install).
set -u
top=$(cd "$(dirname "$0")/.." && pwd)
ver=$(sed -n 's/^PACKAGE_VERSION="\(.*\)"/\1/p' "$top/dkms.conf")
rc=0

# dkms_build NAME ROOT KVER: dkms add + build of a clean copy of the sources,
# in ROOT ("" for the host) against KVER's headers.
dkms_build() {
	local name=$1 root=$2 kver=$3 work=$top/build/dkms/$1 in=/ ko log
	if [ -n "$root" ]; then
		work=$root/tmp/qxl-ng-dkms
		in=/tmp/qxl-ng-dkms
	fi
	rm -rf "$work"
	mkdir -p "$work/src/qxl-ng-$ver" "$work/tree"
	cp -r "$top/dkms.conf" "$top/Kconfig" "$top/drivers" "$top/uapi" "$work/src/qxl-ng-$ver/"
	find "$work/src" \( -name '*.o' -o -name '*.ko' -o -name '*.cmd' -o -name '*.mod*' \
		-o -name modules.order -o -name Module.symvers \) -delete
	[ -n "$root" ] || in=$work
	log=$top/build/dkms-$name.log
	# In a chroot, with /proc (objtool reads it) mounted in a private mount
	# namespace that ends with the command.
	run() {
		if [ -z "$root" ]; then
			"$@"
			return
		fi
		unshare -m --propagation private sh -c \
			'r=$1; shift; mount -t proc proc "$r/proc" && exec chroot "$r" "$@"' \
			sh "$root" "$@"
	}
	if run dkms add -m qxl-ng -v "$ver" --sourcetree "$in/src" --dkmstree "$in/tree" >"$log" 2>&1 &&
	   run dkms build -m qxl-ng -v "$ver" -k "$kver" --sourcetree "$in/src" \
		--dkmstree "$in/tree" >>"$log" 2>&1 &&
	   ko=$(find "$work/tree" -name 'qxl.ko*' | head -n 1) && [ -n "$ko" ] &&
	   modinfo "$ko" | grep -q '^version: *'"$ver" &&
	   modinfo "$ko" | grep -q '^vermagic: *'"$kver"' '; then
		echo "PASS dkms-build-$name: qxl-ng $ver built for $kver by dkms"
	else
		echo "FAIL dkms-build-$name: see $log"
		tail -n 20 "$log" | sed 's/^/    /'
		rc=1
		[ -z "$root" ] || [ -n "${DKMS_KEEP:-}" ] || rm -rf "$work"
		return
	fi
	# dkms install, into a private install tree: where a user's module
	# lands (<kver>/updates/dkms/, which modprobe prefers to the in-tree
	# qxl). --no-depmod: depmod would rewrite the modules.* of the build
	# host's own /lib/modules/<kver>.
	mkdir -p "$work/inst/$kver"
	ko=$work/inst/$kver/updates/dkms/qxl.ko
	if run dkms install -m qxl-ng -v "$ver" -k "$kver" --sourcetree "$in/src" \
		--dkmstree "$in/tree" --installtree "$in/inst" --no-depmod >>"$log" 2>&1 &&
	   ko=$(ls "$ko"* 2>/dev/null | head -n 1) && [ -n "$ko" ] &&
	   modinfo "$ko" | grep -q '^vermagic: *'"$kver"' '; then
		echo "PASS dkms-install-$name: ${ko#"$work/inst/"}"
	else
		echo "FAIL dkms-install-$name: no $kver/updates/dkms/qxl.ko after dkms install, see $log"
		tail -n 10 "$log" | sed 's/^/    /'
		rc=1
	fi
	[ -z "$root" ] || [ -n "${DKMS_KEEP:-}" ] || rm -rf "$work"
}

command -v dkms >/dev/null || { echo "FAIL dkms-build: dkms not installed (tests/setup.sh installs it)"; exit 1; }
mkdir -p "$top/build"
kver=${KVER:-$(ls -d /usr/src/linux-headers-*-amd64 2>/dev/null | sed 's,.*/linux-headers-,,' | sort -V | tail -n 1)}
dkms_build host "" "$kver"

for release in ${DKMS_RELEASES-trixie trixie-backports}; do
	if ! root=$("$top/tests/kernels/chroot.sh" "$release" 2>"$top/build/dkms-chroot-$release.log" |
		    tail -n 1) || [ ! -d "$root" ]; then
		echo "FAIL dkms-build-$release: no chroot (log build/dkms-chroot-$release.log)"
		rc=1
		continue
	fi
	hdr=$(ls -d "$root"/usr/src/linux-headers-*-amd64 | sort -V | tail -n 1)
	dkms_build "$release" "$root" "${hdr##*/linux-headers-}"
done
exit $rc
