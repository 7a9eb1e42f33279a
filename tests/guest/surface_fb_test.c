// SPDX-License-Identifier: MIT
/*
 * Off-screen surfaces as framebuffers, the way upstream's Xorg qxl driver
 * uses them: an ALLOC_SURF buffer is added as a framebuffer, set on a
 * CRTC, and drawn with EXECBUFFER only (no DIRTYFB). The picture must reach
 * the screen (QMP screendump and the SPICE client) both at the modeset and
 * after later draws. A plain ALLOC buffer can be a cursor, not a primary
 * framebuffer; a framebuffer that does not match its surface is refused.
 */
#define _GNU_SOURCE
#include "kmsutil.h"
#include "qxlcmd.h"

#define W 1024
#define H 768
#define BG 0x204060u
#define C1 0xe0a020u
#define C2 0x30c070u

static struct kdev dev;

static int add_fb(uint32_t handle, uint32_t pitch, uint32_t *fb_id)
{
	uint32_t handles[4] = { handle }, pitches[4] = { pitch }, offsets[4] = { 0 };

	return drmModeAddFB2(dev.fd, W, H, DRM_FORMAT_XRGB8888, handles, pitches, offsets,
			     fb_id, 0) ? -errno : 0;
}

int main(void)
{
	drmModeModeInfo mode;
	uint32_t surf, plain, cursor, fb = 0, fb_plain = 0, fb_bad = 0;
	uint32_t *cpx;
	int ret, copies, copies2;

	ret = kms_open(&dev);
	if (ret || kms_find_mode(&dev, W, H, &mode)) {
		qt_result("surface-fb-open", QT_FAIL, "card0 or a %dx%d mode: %d", W, H, ret);
		return 1;
	}
	ret = qc_surf_alloc(dev.fd, 32, W, H, W * 4, &surf);
	qt_result("surface-fb-alloc", ret ? QT_FAIL : QT_PASS, "ALLOC_SURF %dx%d: %d", W, H, ret);
	if (ret)
		return 1;

	ret = add_fb(surf, W * 4, &fb);
	qt_result("surface-fb-addfb", ret ? QT_FAIL : QT_PASS, "AddFB2 of the surface: %d", ret);
	ret = add_fb(surf, W * 4 + 64, &fb_bad);
	qt_result("surface-fb-pitch-mismatch-refused", ret == -EINVAL ? QT_PASS : QT_FAIL,
		  "AddFB2 with a pitch other than the surface's stride: %d", ret);

	/* Drawn before it is shown: the modeset copies it. */
	qc_fill(dev.fd, surf, 0, 0, W, H, BG);
	qc_fill(dev.fd, surf, 100, 100, 300, 250, C1);
	ret = drmModeSetCrtc(dev.fd, dev.crtc_id, fb, 0, 0, &dev.conn_id, 1, &mode) ? -errno : 0;
	qt_result("surface-fb-setcrtc", ret ? QT_FAIL : QT_PASS, "SetCrtc: %d", ret);
	ret = qt_host("screen %d %d 0x%06x 100 100 200 150 0x%06x", W, H, BG, C1);
	qt_result("surface-fb-shown", ret ? QT_FAIL : QT_PASS,
		  "the surface's picture reaches the screen at the modeset");

	/* Drawn while shown: no DIRTYFB, the driver copies what changed. */
	copies = qt_status("scanout_copies");
	qc_fill(dev.fd, surf, 600, 400, 900, 700, C2);
	ret = qt_host("screen %d %d 0x%06x 100 100 200 150 0x%06x 600 400 300 300 0x%06x",
		      W, H, BG, C1, C2);
	copies2 = qt_status("scanout_copies");
	qt_result("surface-fb-draw-follows", ret || copies < 0 || copies2 <= copies ? QT_FAIL : QT_PASS,
		  "a fill on the shown surface reaches the screen without DIRTYFB: %s; "
		  "surface-to-primary copies %d -> %d", ret ? "not shown" : "shown", copies, copies2);

	/* A plain buffer is no primary framebuffer. */
	plain = qc_bo_alloc(dev.fd, W * H * 4);
	ret = add_fb(plain, W * 4, &fb_plain);
	if (!ret)
		ret = drmModeSetCrtc(dev.fd, dev.crtc_id, fb_plain, 0, 0, &dev.conn_id, 1,
				     &mode) ? -errno : 0;
	qt_result("plain-buffer-primary-refused", ret == -EINVAL ? QT_PASS : QT_FAIL,
		  "SetCrtc with a plain ALLOC buffer: %d (want -EINVAL)", ret);

	/* A plain buffer as cursor image, as the Xorg driver's cursors are. */
	cursor = qc_bo_alloc(dev.fd, 64 * 64 * 4);
	cpx = bo_map(dev.fd, cursor, 64 * 64 * 4);
	if (!cpx) {
		qt_result("cursor-from-device-buffer", QT_FAIL, "map: %s", strerror(errno));
		return 1;
	}
	for (int i = 0; i < 64 * 64; i++)
		cpx[i] = (i % 64) < 32 ? 0xffff0000 : 0xff0000ff;
	ret = drmModeSetCursor2(dev.fd, dev.crtc_id, cursor, 64, 64, 3, 4) ? -errno : 0;
	if (!ret)
		ret = drmModeMoveCursor(dev.fd, dev.crtc_id, 500, 300) ? -errno : 0;
	if (!ret)
		ret = qt_host("spice-cursor 1 64 64 3 4 503 304 ffff0000,ff0000ff,ffff0000,ff0000ff");
	qt_result("cursor-from-device-buffer", ret ? QT_FAIL : QT_PASS,
		  "SetCursor2 with an ALLOC buffer: the client shows its image");

	drmModeSetCursor(dev.fd, dev.crtc_id, 0, 0, 0);
	drmModeRmFB(dev.fd, fb);
	if (fb_plain)
		drmModeRmFB(dev.fd, fb_plain);
	qc_gem_close(dev.fd, surf);
	qc_gem_close(dev.fd, plain);
	qc_gem_close(dev.fd, cursor);
	(void)fb_bad;
	return 0;
}
