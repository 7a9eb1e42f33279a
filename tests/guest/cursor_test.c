// SPDX-License-Identifier: MIT
/*
 * Cursor planes: the legacy SetCursor2 (image + hotspot), MoveCursor and
 * hide reach a connected SPICE client with the right image, hotspot and
 * position; an atomic commit on the cursor plane does too; a cursor larger
 * than the device takes is refused. Run with --spice-client.
 */
#define _GNU_SOURCE
#include "kmsutil.h"

static struct kdev dev;

/* Four quadrants of different colours, so a flipped image shows. */
static void paint_cursor(struct kfb *c, const uint32_t q[4])
{
	kfb_fill(c, 0, 0, c->w / 2, c->h / 2, q[0]);
	kfb_fill(c, c->w / 2, 0, c->w / 2, c->h / 2, q[1]);
	kfb_fill(c, 0, c->h / 2, c->w / 2, c->h / 2, q[2]);
	kfb_fill(c, c->w / 2, c->h / 2, c->w / 2, c->h / 2, q[3]);
}

static int client_cursor(int visible, int w, int h, int hx, int hy, int x, int y,
			 const uint32_t q[4])
{
	return qt_host("spice-cursor %d %d %d %d %d %d %d %08x,%08x,%08x,%08x", visible, w, h,
		       hx, hy, x, y, q[0], q[1], q[2], q[3]);
}

static uint32_t cursor_plane(void)
{
	drmModePlaneRes *pr = drmModeGetPlaneResources(dev.fd);
	uint32_t i, id = 0;

	for (i = 0; pr && i < pr->count_planes && !id; i++) {
		drmModeObjectProperties *p = drmModeObjectGetProperties(dev.fd, pr->planes[i],
									 DRM_MODE_OBJECT_PLANE);
		drmModePlane *pl = drmModeGetPlane(dev.fd, pr->planes[i]);
		uint32_t j;

		for (j = 0; p && j < p->count_props; j++) {
			drmModePropertyRes *prop = drmModeGetProperty(dev.fd, p->props[j]);

			if (prop && !strcmp(prop->name, "type") &&
			    p->prop_values[j] == DRM_PLANE_TYPE_CURSOR && pl &&
			    (pl->possible_crtcs & 1))
				id = pr->planes[i];
			drmModeFreeProperty(prop);
		}
		drmModeFreePlane(pl);
		drmModeFreeObjectProperties(p);
	}
	drmModeFreePlaneResources(pr);
	return id;
}

int main(void)
{
	static const uint32_t q1[4] = { 0xffff0000, 0xff00ff00, 0xff0000ff, 0xffffffff };
	static const uint32_t q2[4] = { 0xff102030, 0xff405060, 0xff708090, 0xffa0b0c0 };
	drmModeModeInfo mode;
	struct kfb fb, c, c2, big;
	uint32_t plane;
	int ret;

	if (kms_open(&dev) || kms_find_mode(&dev, 1024, 768, &mode) ||
	    kfb_create(&dev, &fb, 1024, 768) || kfb_create(&dev, &c, 64, 64)) {
		qt_result("cursor-setup", 1, "no qxl card, mode or buffers");
		return 1;
	}
	kfb_fill(&fb, 0, 0, 1024, 768, 0x303030);
	kms_set(&dev, &fb, &mode);
	plane = cursor_plane();
	qt_result("cursor-plane", plane ? 0 : 1, "cursor plane %u for CRTC 0", plane);
	{
		/* Compositors size their cursor buffers by these: the real limit. */
		uint64_t cw = 0, ch = 0;

		drmGetCap(dev.fd, DRM_CAP_CURSOR_WIDTH, &cw);
		drmGetCap(dev.fd, DRM_CAP_CURSOR_HEIGHT, &ch);
		qt_result("cursor-size-cap", cw == 256 && ch == 256 ? 0 : 1,
			  "DRM_CAP_CURSOR_WIDTH/HEIGHT %llu x %llu, want 256 x 256 (the largest accepted)",
			  (unsigned long long)cw, (unsigned long long)ch);
	}

	paint_cursor(&c, q1);
	ret = drmModeSetCursor2(dev.fd, dev.crtc_id, c.handle, 64, 64, 5, 7);
	if (!ret)
		ret = drmModeMoveCursor(dev.fd, dev.crtc_id, 100, 200);
	/* MoveCursor places the image; SPICE positions the hotspot: +5,+7. */
	qt_result("cursor-set-hotspot", ret || client_cursor(1, 64, 64, 5, 7, 105, 207, q1),
		  "SetCursor2 64x64 hotspot 5,7 then MoveCursor 100,200: %s",
		  ret ? strerror(errno) : "sent");

	ret = drmModeMoveCursor(dev.fd, dev.crtc_id, 600, 400);
	qt_result("cursor-move", ret || client_cursor(1, 64, 64, 5, 7, 605, 407, q1),
		  "MoveCursor 600,400");

	ret = drmModeSetCursor(dev.fd, dev.crtc_id, 0, 0, 0);
	qt_result("cursor-hide", ret || qt_host("spice-cursor 0 64 64 5 7 605 407"),
		  "SetCursor with no buffer hides it");

	/* Atomic: a new image through the cursor plane's FB_ID. */
	if (plane && !kfb_create(&dev, &c2, 64, 64)) {
		uint32_t h[4] = { c2.handle }, p[4] = { c2.pitch }, o[4] = { 0 }, argb = 0;
		int x = 300, y = 250;

		paint_cursor(&c2, q2);
		/* Cursor planes take ARGB8888 only. */
		ret = drmModeAddFB2(dev.fd, 64, 64, DRM_FORMAT_ARGB8888, h, p, o, &argb, 0);
		if (!ret)
			ret = drmModeSetPlane(dev.fd, plane, dev.crtc_id, argb, 0, x, y, 64, 64,
					      0, 0, 64 << 16, 64 << 16);
		qt_result("cursor-plane-update",
			  ret || client_cursor(1, 64, 64, 0, 0, x, y, q2),
			  "SetPlane on the cursor plane at %d,%d: %s", x, y,
			  ret ? strerror(errno) : "sent");
		drmModeSetPlane(dev.fd, plane, dev.crtc_id, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0);
		if (argb)
			drmModeRmFB(dev.fd, argb);
		kfb_destroy(&dev, &c2);
	}

	/* Larger than the device takes: refused, nothing changes. */
	if (plane && !kfb_create(&dev, &big, 512, 512)) {
		uint32_t h[4] = { big.handle }, p[4] = { big.pitch }, o[4] = { 0 }, argb = 0;

		ret = drmModeAddFB2(dev.fd, 512, 512, DRM_FORMAT_ARGB8888, h, p, o, &argb, 0) ?
		      -errno : 0;
		if (!ret)
			ret = drmModeSetPlane(dev.fd, plane, dev.crtc_id, argb, 0, 0, 0, 512, 512,
					      0, 0, 512 << 16, 512 << 16) ? -errno : 0;
		if (argb)
			drmModeRmFB(dev.fd, argb);
		qt_result("cursor-too-large", ret == -EINVAL ? 0 : 1, "512x512 cursor: %s",
			  ret ? strerror(-ret) : "accepted");
		kfb_destroy(&dev, &big);
	}
	return 0;
}
