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

#ifndef DRM_CLIENT_CAP_CURSOR_PLANE_HOTSPOT
#define DRM_CLIENT_CAP_CURSOR_PLANE_HOTSPOT 6
#endif

/* Kernels >= 6.8 keep the hotspot in the plane state (HOTSPOT_X/Y). */
static int hotspot_in_plane;

static int probe_hotspot_cap(void)
{
	int f = open("/dev/dri/card0", O_RDWR | O_CLOEXEC), ok;

	ok = f >= 0 && !drmSetClientCap(f, DRM_CLIENT_CAP_ATOMIC, 1) &&
	     !drmSetClientCap(f, DRM_CLIENT_CAP_CURSOR_PLANE_HOTSPOT, 1);
	if (f >= 0)
		close(f);
	return ok;
}

/* One atomic commit of the cursor plane with hotspot (hx, hy). */
static int atomic_cursor(uint32_t plane, uint32_t fb, int x, int y, int hx, int hy)
{
	static const char *const names[] = { "FB_ID", "CRTC_ID", "CRTC_X", "CRTC_Y", "CRTC_W",
		"CRTC_H", "SRC_X", "SRC_Y", "SRC_W", "SRC_H", "HOTSPOT_X", "HOTSPOT_Y" };
	uint64_t vals[] = { fb, dev.crtc_id, x, y, 64, 64, 0, 0, 64 << 16, 64 << 16, hx, hy };
	drmModeAtomicReq *req = drmModeAtomicAlloc();
	int ret = 0;

	for (unsigned int i = 0; req && i < 12 && !ret; i++) {
		uint32_t id = kms_prop_id(&dev, plane, DRM_MODE_OBJECT_PLANE, names[i]);

		ret = id ? drmModeAtomicAddProperty(req, plane, id, vals[i]) < 0 : -ENOENT;
	}
	if (!req)
		return -ENOMEM;
	if (!ret)
		ret = drmModeAtomicCommit(dev.fd, req, 0, NULL) ? -errno : 0;
	drmModeAtomicFree(req);
	return ret;
}

/*
 * An atomic client that declares hotspot support sets the hotspot through
 * the cursor plane's HOTSPOT_X/Y properties (what mutter >= 46 and KWin
 * do); it reaches the SPICE client, and a hotspot change alone is sent.
 */
static void atomic_hotspot(uint32_t plane, uint32_t fb, const uint32_t q[4])
{
	int ret;

	if (!hotspot_in_plane) {
		qt_result("cursor-atomic-hotspot", QT_SKIP,
			  "kernel before 6.8: no HOTSPOT_X/Y properties, the hotspot is the framebuffer's");
		return;
	}
	ret = drmSetClientCap(dev.fd, DRM_CLIENT_CAP_ATOMIC, 1) ? -errno :
	      drmSetClientCap(dev.fd, DRM_CLIENT_CAP_CURSOR_PLANE_HOTSPOT, 1) ? -errno :
	      atomic_cursor(plane, fb, 200, 150, 3, 4);
	qt_result("cursor-atomic-hotspot", ret || client_cursor(1, 64, 64, 3, 4, 203, 154, q),
		  "atomic commit with HOTSPOT_X/Y 3,4 at 200,150: %s", ret ? strerror(-ret) : "sent");
	ret = ret ? ret : atomic_cursor(plane, fb, 200, 150, 10, 12);
	qt_result("cursor-atomic-hotspot-change",
		  ret || client_cursor(1, 64, 64, 10, 12, 210, 162, q),
		  "only the hotspot changes to 10,12: %s", ret ? strerror(-ret) : "sent");
	drmSetClientCap(dev.fd, DRM_CLIENT_CAP_ATOMIC, 0);
	drmSetClientCap(dev.fd, DRM_CLIENT_CAP_UNIVERSAL_PLANES, 1);
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
	hotspot_in_plane = probe_hotspot_cap();
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

	/*
	 * The plane's pixels are pre-multiplied (its blend mode); SPICE
	 * clients blend straight alpha: the client gets each colour divided
	 * by its alpha, rounded (transparent stays 0, opaque unchanged).
	 */
	{
		static const uint32_t pm[4] = { 0x80402010, 0x00000000, 0x40102030, 0xff112233 };
		uint32_t straight[4];
		struct kfb c3;

		for (int i = 0; i < 4; i++) {
			uint32_t a = pm[i] >> 24, v = pm[i] & (a == 255 ? ~0u : 0xff000000u);

			for (int k = 0; a && a != 255 && k < 24; k += 8) {
				uint32_t ch = ((((pm[i] >> k) & 255) * 255 + a / 2) / a);

				v |= (ch > 255 ? 255 : ch) << k;
			}
			straight[i] = v;
		}
		ret = kfb_create(&dev, &c3, 64, 64);
		if (!ret) {
			paint_cursor(&c3, pm);
			ret = drmModeSetCursor2(dev.fd, dev.crtc_id, c3.handle, 64, 64, 5, 7);
		}
		if (!ret)
			ret = drmModeMoveCursor(dev.fd, dev.crtc_id, 100, 200);
		qt_result("cursor-premultiplied-to-straight",
			  ret || client_cursor(1, 64, 64, 5, 7, 105, 207, straight),
			  "pre-multiplied %08x %08x %08x %08x reach the client as %08x %08x %08x %08x",
			  pm[0], pm[1], pm[2], pm[3], straight[0], straight[1], straight[2],
			  straight[3]);
		drmModeSetCursor(dev.fd, dev.crtc_id, 0, 0, 0);
		if (!ret)
			kfb_destroy(&dev, &c3);
	}

	/* Atomic: a new image through the cursor plane's FB_ID. */
	if (plane && !kfb_create(&dev, &c2, 64, 64)) {
		uint32_t h[4] = { c2.handle }, p[4] = { c2.pitch }, o[4] = { 0 }, argb = 0;
		int x = 300, y = 250, hx, hy;

		paint_cursor(&c2, q2);
		/* Cursor planes take ARGB8888 only. */
		ret = drmModeAddFB2(dev.fd, 64, 64, DRM_FORMAT_ARGB8888, h, p, o, &argb, 0);
		if (!ret)
			ret = drmModeSetPlane(dev.fd, plane, dev.crtc_id, argb, 0, x, y, 64, 64,
					      0, 0, 64 << 16, 64 << 16);
		/*
		 * Before 6.8 the hotspot belongs to the framebuffer (this one has
		 * none); from 6.8 it is a property of the plane, which SetPlane
		 * leaves as SetCursor2 set it.
		 */
		hx = hotspot_in_plane ? 5 : 0;
		hy = hotspot_in_plane ? 7 : 0;
		qt_result("cursor-plane-update",
			  ret || client_cursor(1, 64, 64, hx, hy, x + hx, y + hy, q2),
			  "SetPlane on the cursor plane at %d,%d (hotspot %d,%d %s): %s", x, y,
			  hx, hy, hotspot_in_plane ? "kept in the plane state" : "of the new fb",
			  ret ? strerror(errno) : "sent");
		atomic_hotspot(plane, argb, q2);
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
