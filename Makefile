# SPDX-License-Identifier: GPL-2.0-only
#
# Top-level build for qxl-ng. The kernel module is built against Debian 12's
# kernel headers (never the build host's running kernel); override KDIR to use
# another tree, e.g. a debug kernel built from linux-source-6.1.

KVER ?= $(shell ls -d /usr/src/linux-headers-*-amd64 2>/dev/null | sed 's,.*/linux-headers-,,' | sort -V | tail -n 1)
KDIR ?= /usr/src/linux-headers-$(KVER)

# Not exported: `make demo` and `make test` install the headers first and
# their own `make module` must look again (an exported empty KVER made the
# first `make demo` on a fresh machine fail). Command-line values still
# reach sub-makes through MAKEFLAGS.

.PHONY: all module userspace clean check checkpatch sparse test bench bench-xorg demo

all: module userspace

module:
	@test -d "$(KDIR)" || { echo "error: kernel headers not found at KDIR=$(KDIR); run tests/setup.sh" >&2; exit 1; }
	$(MAKE) -C "$(KDIR)" M=$(CURDIR)/drivers/qxl CONFIG_DRM_QXL_NG=m W=1 KCFLAGS=-Werror modules

# Userspace, the guest test programs and the host unit tests: one meson tree
# (meson.build at the top), built in build/meson. `meson test -C build/meson
# --suite host` runs the unit tests.
userspace:
	@[ -f build/meson/build.ninja ] || meson setup build/meson .
	ninja -C build/meson

# Sparse over every driver file; any warning fails the target.
sparse:
	@mkdir -p build
	$(MAKE) -C "$(KDIR)" M=$(CURDIR)/drivers/qxl CONFIG_DRM_QXL_NG=m C=2 modules 2>&1 | tee build/sparse.log
	@! grep -E "(warning|error):" build/sparse.log

checkpatch:
	tests/checkpatch.sh

clean:
	$(MAKE) -C "$(KDIR)" M=$(CURDIR)/drivers/qxl clean || true
	rm -rf build

test:
	tests/run-all.sh

bench:
	tests/bench.sh

bench-xorg:
	tests/xorg/bench.sh

demo:
	tests/demo.sh
