// SPDX-License-Identifier: MIT
/*
 * The panic screen: a client shows a full screen of one colour, the kernel
 * panics (sysrq-trigger), and the host must see drm_panic's screen in the
 * screendump and in the SPICE client (tests/harness/panic.py). Must be the
 * last command of its suite, run with --append panic=0: it does not return.
 * On a kernel without drm_panic (before 6.10, or CONFIG_DRM_PANIC off; the
 * driver says which in qxl_status) it SKIPs without panicking.
 */
#define _GNU_SOURCE
#include "kmsutil.h"

#define COLOUR 0xc02020u

int main(void)
{
	struct kdev dev;
	struct kfb fb;
	drmModeClip all;
	int fd, screen = qt_status("panic_screen");

	if (screen < 0) {
		qt_result("panic-setup", QT_FAIL, "no panic_screen in qxl_status");
		return 1;
	}
	if (!screen) {
		qt_result("panic-screen", QT_SKIP,
			  "this kernel has no drm_panic (6.10+, CONFIG_DRM_PANIC)");
		return 0;
	}
	if (kms_open(&dev) || kfb_create(&dev, &fb, dev.pref.hdisplay, dev.pref.vdisplay)) {
		qt_result("panic-setup", QT_FAIL, "no qxl KMS device or buffer: %s",
			  strerror(errno));
		return 1;
	}
	kfb_fill(&fb, 0, 0, fb.w, fb.h, COLOUR);
	all = (drmModeClip){ 0, 0, fb.w, fb.h };
	if (kms_set(&dev, &fb, &dev.pref) || kms_dirty(&dev, &fb, &all, 1)) {
		qt_result("panic-setup", QT_FAIL, "modeset: %s", strerror(errno));
		return 1;
	}
	qt_result("panic-before", qt_host("screen %u %u 0x%06x", fb.w, fb.h, COLOUR) ?
		  QT_FAIL : QT_PASS, "");
	if (qt_host("panic-expect 0x%06x", COLOUR)) {
		qt_result("panic-screen", QT_FAIL, "the host does not expect the panic");
		return 1;
	}
	fflush(stdout);
	sync();
	fd = open("/proc/sysrq-trigger", O_WRONLY);
	if (fd < 0 || write(fd, "c", 1) != 1)
		qt_result("panic-screen", QT_FAIL, "sysrq-trigger: %s", strerror(errno));
	return 1;
}
