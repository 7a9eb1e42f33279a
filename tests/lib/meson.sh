# SPDX-License-Identifier: GPL-2.0-only
# The one build of everything that is not the kernel module: the root
# meson.build, configured in build/meson. Sourced by the test scripts.
#
#   meson_build [TARGET...]    configure build/meson if needed, build the
#                              targets (ninja paths, e.g. tests/guest/kms_test)
#                              or everything
#   guest_bin NAME...          build the guest programs NAME (tests/guest,
#                              tests/consumers, tests/libqxl) and copy them to
#                              build/guest/bin, where mkinitramfs takes them
#   sanitize_build TARGET...   the same tree built by clang with ASan + UBSan
#                              and the libFuzzer programs, in
#                              build/meson-sanitize (tests/spice)

QXL_TOP=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
MESON_BUILD=${MESON_BUILD:-$QXL_TOP/build/meson}
SANITIZE_BUILD=${SANITIZE_BUILD:-$QXL_TOP/build/meson-sanitize}

meson_build() {
	if [ ! -f "$MESON_BUILD/build.ninja" ]; then
		meson setup "$MESON_BUILD" "$QXL_TOP" || return 1
	fi
	ninja -C "$MESON_BUILD" "$@"
}

guest_bin() {
	local name src
	mkdir -p "$QXL_TOP/build/guest/bin"
	for name in "$@"; do
		src=$(cd "$QXL_TOP" && ls tests/guest/"$name".c tests/consumers/"$name".c \
			tests/libqxl/"$name".c 2>/dev/null | head -n 1)
		if [ -z "$src" ]; then
			echo "guest_bin: no guest program $name in tests/{guest,consumers,libqxl}" >&2
			return 1
		fi
		meson_build "${src%.c}" || return 1
		cp "$MESON_BUILD/${src%.c}" "$QXL_TOP/build/guest/bin/" || return 1
	done
}

# Errors are fatal (-fno-sanitize-recover); -O1 keeps the fuzzer fast.
sanitize_build() {
	if [ ! -f "$SANITIZE_BUILD/build.ninja" ]; then
		CC=clang meson setup "$SANITIZE_BUILD" "$QXL_TOP" \
			-Db_sanitize=address,undefined -Db_lundef=false -Dfuzzer=true \
			-Doptimization=1 -Dc_args=-fno-sanitize-recover=all \
			-Dc_link_args=-fno-sanitize-recover=all || return 1
	fi
	ninja -C "$SANITIZE_BUILD" "$@"
}
