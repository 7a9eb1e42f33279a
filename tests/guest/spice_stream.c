// SPDX-License-Identifier: MIT
/*
 * Video-like updates (issue 5, stream reports): with vmtest.py
 * --spice-probe --qemu-arg "-spice streaming-video=all", a 320x240 region
 * redrawn ~25 times a second makes spice-server turn its DRAW_COPYs into an
 * MJPEG stream; spice-probe advertises STREAM_REPORT, so the server sends
 * STREAM_ACTIVATE_REPORT and spice-probe answers MSGC_STREAM_REPORT.
 *
 *   probe_stream_reports   spice-probe saw STREAM_CREATE, stream frames and
 *                          STREAM_ACTIVATE_REPORT, sent stream reports, and
 *                          is still linked (the server accepted them)
 *   probe_stream_recovers  after the stream, a full-frame update brings
 *                          spice-probe's lossless picture back to the
 *                          screendump
 */
#define _GNU_SOURCE
#include "kmsutil.h"

int main(void)
{
	drmModeModeInfo mode;
	struct kdev dev;
	struct kfb fb;
	drmModeClip clip = { 200, 200, 520, 440 };
	double end;
	int frame = 0, rc = 0;

	if (kms_open(&dev) || kms_find_mode(&dev, 1024, 768, &mode) ||
	    kfb_create(&dev, &fb, 1024, 768)) {
		qt_result("probe_stream_reports", QT_FAIL, "no qxl card, 1024x768 mode or framebuffer");
		return 1;
	}
	kfb_fill(&fb, 0, 0, 1024, 768, 0x404040);
	if (kms_set(&dev, &fb, &mode)) {
		qt_result("probe_stream_reports", QT_FAIL, "modeset: %s", strerror(errno));
		return 1;
	}
	end = kms_now() + 6;
	while (kms_now() < end) {
		int x;

		/* moving vertical bars: every frame differs in content, not place */
		for (x = 0; x < 320; x += 16)
			kfb_fill(&fb, 200 + x, 200, 16, 240,
				 ((x / 16 + frame) & 1) ? 0xe0c020 + (uint32_t)(frame * 7 & 0xff)
							: 0x2040a0 + ((uint32_t)(frame * 13 & 0xff) << 16));
		kms_dirty(&dev, &fb, &clip, 1);
		frame++;
		usleep(40000);
	}
	printf("%d frames\n", frame);
	if (qt_host("probe-streams 10")) {
		qt_result("probe_stream_reports", QT_FAIL, "%d frames drawn; host detail above", frame);
		rc = 1;
	} else {
		qt_result("probe_stream_reports", QT_PASS, "%d frames drawn", frame);
	}
	usleep(500000);
	kfb_fill(&fb, 0, 0, 1024, 768, 0x305070);
	kfb_fill(&fb, 10, 10, 100, 100, 0xffffff);
	kms_dirty(&dev, &fb, NULL, 0);
	if (qt_host("probe-png-matches-screendump")) {
		qt_result("probe_stream_recovers", QT_FAIL, "host detail above");
		rc = 1;
	} else {
		qt_result("probe_stream_recovers", QT_PASS, "");
	}
	kfb_destroy(&dev, &fb);
	return rc;
}
