// SPDX-License-Identifier: MIT
/*
 * The demo shown by `make demo`: set the preferred mode, draw a gradient
 * with a title bar, then move a box around for the given number of seconds,
 * sending only the rectangles that changed. Watch it with any SPICE client.
 *
 * Usage: demo_anim [seconds]
 *
 * A 64x64 cursor (hotspot 4,4) sits at (300,200) with its top left corner.
 *
 * Signals, for tests that compare a still picture: SIGUSR1 holds the
 * picture after the frame being drawn (its damage sent) and moves the
 * cursor to (400,300); SIGUSR2 redraws the whole gradient in other colours
 * (a full-frame update) and holds; SIGTERM ends the animation as its time
 * would.
 */
#define _GNU_SOURCE
#include <signal.h>

#include "kmsutil.h"

static volatile sig_atomic_t held, tinted, stop;

static void on_signal(int sig)
{
	if (sig == SIGUSR1)
		held = 1;
	else if (sig == SIGUSR2)
		tinted = held = 1;
	else
		stop = 1;
}

static void gradient_tint(struct kfb *fb, uint32_t blue)

{
	uint32_t x, y;

	for (y = 0; y < fb->h; y++)
		for (x = 0; x < fb->w; x++)
			fb->px[y * (fb->pitch / 4) + x] =
				((x * 255 / fb->w) << 16) | ((y * 255 / fb->h) << 8) | blue;
	kfb_fill(fb, 0, 0, fb->w, 40, 0x202830);
	kfb_fill(fb, 10, 10, 200, 20, 0xe0e0e0);
}

static void gradient(struct kfb *fb)
{
	gradient_tint(fb, 0x60);
}

int main(int argc, char **argv)
{
	int seconds = argc > 1 ? atoi(argv[1]) : 60;
	struct kdev dev;
	struct kfb fb;
	double end;
	int x = 50, y = 80, dx = 7, dy = 5, frames = 0;
	const int bw = 96, bh = 96;
	struct kfb cur;
	bool cursor = false, moved = false;

	if (kms_open(&dev) || kfb_create(&dev, &fb, dev.pref.hdisplay, dev.pref.vdisplay)) {
		qt_result("demo", 1, "no qxl card or framebuffer");
		return 1;
	}
	gradient(&fb);
	if (kms_set(&dev, &fb, &dev.pref)) {
		qt_result("demo", 1, "modeset %dx%d: %s", dev.pref.hdisplay, dev.pref.vdisplay,
			  strerror(errno));
		return 1;
	}
	/* a dark frame around half-transparent white (premultiplied ARGB) */
	if (!kfb_create(&dev, &cur, 64, 64)) {
		kfb_fill(&cur, 0, 0, 64, 64, 0xff202020);
		kfb_fill(&cur, 4, 4, 56, 56, 0x80808080);
		cursor = !drmModeSetCursor2(dev.fd, dev.crtc_id, cur.handle, 64, 64, 4, 4) &&
			 !drmModeMoveCursor(dev.fd, dev.crtc_id, 300, 200);
	}
	printf("demo: %dx%d on the qxl-ng driver, animating for %d s%s\n", fb.w, fb.h, seconds,
	       cursor ? "" : " (no cursor)");
	fflush(stdout);
	signal(SIGUSR1, on_signal);
	signal(SIGUSR2, on_signal);
	signal(SIGTERM, on_signal);
	end = kms_now() + seconds;
	while (kms_now() < end && !stop) {
		drmModeClip clip[2];
		int ox = x, oy = y;
		uint32_t i, j;

		if (tinted) {
			tinted = 0;
			gradient_tint(&fb, 0xe0);
			kms_dirty(&dev, &fb, NULL, 0);
		}
		if (held) {
			if (cursor && !moved)
				moved = !drmModeMoveCursor(dev.fd, dev.crtc_id, 400, 300);
			usleep(16000);
			continue;
		}

		/* Restore the gradient under the old box, draw the new one. */
		for (j = oy; j < (uint32_t)(oy + bh); j++)
			for (i = ox; i < (uint32_t)(ox + bw); i++)
				fb.px[j * (fb.pitch / 4) + i] = ((i * 255 / fb.w) << 16) |
								((j * 255 / fb.h) << 8) | 0x60;
		x += dx;
		y += dy;
		if (x < 0 || x + bw > (int)fb.w) {
			dx = -dx;
			x += 2 * dx;
		}
		if (y < 40 || y + bh > (int)fb.h) {
			dy = -dy;
			y += 2 * dy;
		}
		kfb_fill(&fb, x, y, bw, bh, 0xffcc00);
		clip[0] = (drmModeClip){ ox, oy, ox + bw, oy + bh };
		clip[1] = (drmModeClip){ x, y, x + bw, y + bh };
		kms_dirty(&dev, &fb, clip, 2);
		frames++;
		usleep(16000);
	}
	qt_result("demo", 0, "%d frames of damage-only updates", frames);
	return 0;
}
