// SPDX-License-Identifier: MIT
/*
 * PRIME, dma-buf and format/modifier checks of qxl-ng (issue 6, kernel side):
 *   prime_export_mmap  a dumb buffer exported with PRIME mmaps and shows the
 *                      same pixels, both ways (the in-tree driver: ENOSYS)
 *   prime_sync         DMA_BUF_IOCTL_SYNC start/end, bad flags refused
 *   prime_import_fb    the dma-buf imported on another file becomes a
 *                      framebuffer that is shown (host screen check)
 *   getfb2             handle, pitch, offset, modifier of a framebuffer
 *   in_formats         primary planes: exactly XRGB8888/ARGB8888 x LINEAR
 *   addfb2_refused     NV12 and an X-tiled modifier are refused, LINEAR works
 *
 * Usage: prime_test [subtest...]
 */
#define _GNU_SOURCE
#include <linux/dma-buf.h>
#include <sys/ioctl.h>

#include "kmsutil.h"

#ifndef DRM_FORMAT_MOD_LINEAR
#define DRM_FORMAT_MOD_LINEAR 0
#endif
#define X_TILED ((1ull << 56) | 1)	/* I915_FORMAT_MOD_X_TILED */

static struct kdev dev;

static int want(int argc, char **argv, const char *name)
{
	if (argc < 2)
		return 1;
	for (int i = 1; i < argc; i++)
		if (!strcmp(argv[i], name))
			return 1;
	return 0;
}

static void t_export_mmap(void)
{
	struct kfb fb;
	int fd = -1, ret;
	uint32_t *map;
	off_t size;

	if (kfb_create(&dev, &fb, 256, 64)) {
		qt_result("prime_export_mmap", 1, "dumb fb: %s", strerror(errno));
		return;
	}
	for (uint32_t i = 0; i < fb.size / 4; i++)
		fb.px[i] = 0x00010203u * i ^ 0x5a5a5a;
	ret = drmPrimeHandleToFD(dev.fd, fb.handle, DRM_CLOEXEC | DRM_RDWR, &fd);
	if (ret) {
		qt_result("prime_export_mmap", 1, "PRIME_HANDLE_TO_FD: %s", strerror(errno));
		goto out;
	}
	size = lseek(fd, 0, SEEK_END);
	map = mmap(NULL, fb.size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	if (map == MAP_FAILED) {
		qt_result("prime_export_mmap", 1, "mmap of the dma-buf: %s (the in-tree driver says ENOSYS)",
			  strerror(errno));
		goto out;
	}
	if ((uint64_t)size != fb.size) {
		qt_result("prime_export_mmap", 1, "dma-buf size %lld, buffer %llu", (long long)size,
			  (unsigned long long)fb.size);
	} else if (memcmp(map, fb.px, fb.size)) {
		qt_result("prime_export_mmap", 1, "the dma-buf mapping shows other pixels than the dumb mapping");
	} else {
		map[1000] = 0xdeadbeef;	/* and back: written through the dma-buf */
		__sync_synchronize();
		if (fb.px[1000] != 0xdeadbeef)
			qt_result("prime_export_mmap", 1, "write through the dma-buf not seen: 0x%08x", fb.px[1000]);
		else
			qt_result("prime_export_mmap", 0, "%llu bytes, same pixels both ways", (unsigned long long)fb.size);
	}
	munmap(map, fb.size);
out:
	if (fd >= 0)
		close(fd);
	kfb_destroy(&dev, &fb);
}

static void t_sync(void)
{
	struct kfb fb;
	int fd = -1;
	struct dma_buf_sync s;
	int r1, r2, r3, e3;

	if (kfb_create(&dev, &fb, 64, 64) || drmPrimeHandleToFD(dev.fd, fb.handle, DRM_CLOEXEC | DRM_RDWR, &fd)) {
		qt_result("prime_sync", 1, "setup: %s", strerror(errno));
		kfb_destroy(&dev, &fb);
		return;
	}
	s.flags = DMA_BUF_SYNC_START | DMA_BUF_SYNC_RW;
	r1 = ioctl(fd, DMA_BUF_IOCTL_SYNC, &s);
	s.flags = DMA_BUF_SYNC_END | DMA_BUF_SYNC_RW;
	r2 = ioctl(fd, DMA_BUF_IOCTL_SYNC, &s);
	s.flags = 0x100;
	r3 = ioctl(fd, DMA_BUF_IOCTL_SYNC, &s);
	e3 = errno;
	if (r1 || r2)
		qt_result("prime_sync", 1, "SYNC start %d end %d: %s", r1, r2, strerror(errno));
	else if (r3 == 0 || e3 != EINVAL)
		qt_result("prime_sync", 1, "bad flags gave %d (%s), want EINVAL", r3, strerror(e3));
	else
		qt_result("prime_sync", 0, "start/end RW ok, bad flags EINVAL");
	close(fd);
	kfb_destroy(&dev, &fb);
}

static void t_import_fb(void)
{
	struct drm_mode_create_dumb cr = { .width = 1024, .height = 768, .bpp = 32 };
	struct drm_mode_map_dumb mp = { 0 };
	uint32_t handles[4] = { 0 }, pitches[4] = { 0 }, offsets[4] = { 0 }, h2 = 0, fb_id = 0;
	int fd = -1, fd2 = -1;
	uint32_t *px = MAP_FAILED;
	drmModeModeInfo mode;

	if (kms_find_mode(&dev, 1024, 768, &mode)) {
		qt_result("prime_import_fb", 2, "no 1024x768 mode");
		return;
	}
	if (drmIoctl(dev.fd, DRM_IOCTL_MODE_CREATE_DUMB, &cr)) {
		qt_result("prime_import_fb", 1, "create dumb: %s", strerror(errno));
		return;
	}
	mp.handle = cr.handle;
	drmIoctl(dev.fd, DRM_IOCTL_MODE_MAP_DUMB, &mp);
	px = mmap(NULL, cr.size, PROT_READ | PROT_WRITE, MAP_SHARED, dev.fd, (off_t)mp.offset);
	if (px == MAP_FAILED || drmPrimeHandleToFD(dev.fd, cr.handle, DRM_CLOEXEC | DRM_RDWR, &fd)) {
		qt_result("prime_import_fb", 1, "map/export: %s", strerror(errno));
		goto out;
	}
	for (uint32_t y = 0; y < 768; y++)
		for (uint32_t x = 0; x < 1024; x++)
			px[y * (cr.pitch / 4) + x] = (x >= 300 && x < 500 && y >= 200 && y < 400) ? 0x00ff8000 : 0x00103050;
	/* a second file: the import makes a handle there, whose fb we show */
	fd2 = open("/dev/dri/card0", O_RDWR | O_CLOEXEC);
	if (fd2 < 0 || drmPrimeFDToHandle(fd2, fd, &h2)) {
		qt_result("prime_import_fb", 1, "PRIME_FD_TO_HANDLE on a second file: %s", strerror(errno));
		goto out;
	}
	handles[0] = h2;
	pitches[0] = cr.pitch;
	if (drmModeAddFB2(fd2, 1024, 768, DRM_FORMAT_XRGB8888, handles, pitches, offsets, &fb_id, 0)) {
		qt_result("prime_import_fb", 1, "ADDFB2 of the imported buffer: %s", strerror(errno));
		goto out;
	}
	if (drmModeSetCrtc(dev.fd, dev.crtc_id, fb_id, 0, 0, &dev.conn_id, 1, &mode)) {
		qt_result("prime_import_fb", 1, "SETCRTC with it: %s", strerror(errno));
		goto out;
	}
	if (qt_host("screen 1024 768 0x103050 300 200 200 200 0xff8000"))
		qt_result("prime_import_fb", 1, "the imported buffer is not what the screen shows");
	else
		qt_result("prime_import_fb", 0, "imported handle %u on a second file, shown by SETCRTC", h2);
out:
	if (fb_id)
		drmModeRmFB(fd2, fb_id);
	if (fd2 >= 0)
		close(fd2);
	if (fd >= 0)
		close(fd);
	if (px != MAP_FAILED)
		munmap(px, cr.size);
	struct drm_mode_destroy_dumb ds = { .handle = cr.handle };

	drmIoctl(dev.fd, DRM_IOCTL_MODE_DESTROY_DUMB, &ds);
}

static void t_getfb2(void)
{
	struct kfb fb;
	drmModeFB2 *f2;

	if (kfb_create(&dev, &fb, 320, 200)) {
		qt_result("getfb2", 1, "fb: %s", strerror(errno));
		return;
	}
	kfb_fill(&fb, 0, 0, 320, 200, 0x00abcdef);
	f2 = drmModeGetFB2(dev.fd, fb.fb_id);
	if (!f2) {
		qt_result("getfb2", 1, "GETFB2: %s", strerror(errno));
	} else {
		int ok = f2->width == 320 && f2->height == 200 && f2->pixel_format == DRM_FORMAT_XRGB8888 &&
			 f2->handles[0] && f2->pitches[0] == fb.pitch && f2->offsets[0] == 0 && !f2->handles[1] &&
			 (!(f2->flags & DRM_MODE_FB_MODIFIERS) || f2->modifier == DRM_FORMAT_MOD_LINEAR);
		/* the handle names the same memory */
		struct drm_mode_map_dumb mp = { .handle = f2->handles[0] };
		int same = 0;

		if (ok && !drmIoctl(dev.fd, DRM_IOCTL_MODE_MAP_DUMB, &mp)) {
			uint32_t *p = mmap(NULL, fb.size, PROT_READ, MAP_SHARED, dev.fd, (off_t)mp.offset);

			if (p != MAP_FAILED) {
				same = p[0] == 0x00abcdef && p[fb.pitch / 4 * 199 + 319] == 0x00abcdef;
				munmap(p, fb.size);
			}
		}
		qt_result("getfb2", ok && same ? 0 : 1,
			  "%ux%u %.4s handle %u pitch %u (want %u) offset %u flags 0x%x modifier 0x%llx, same memory %s",
			  f2->width, f2->height, (const char *)&f2->pixel_format, f2->handles[0], f2->pitches[0],
			  fb.pitch, f2->offsets[0], f2->flags, (unsigned long long)f2->modifier, same ? "yes" : "NO");
		if (f2->handles[0] && f2->handles[0] != fb.handle) {
			struct drm_gem_close gc = { .handle = f2->handles[0] };

			drmIoctl(dev.fd, DRM_IOCTL_GEM_CLOSE, &gc);
		}
		drmModeFreeFB2(f2);
	}
	kfb_destroy(&dev, &fb);
}

static void t_in_formats(void)
{
	drmModePlaneRes *pr = drmModeGetPlaneResources(dev.fd);
	char detail[1024] = "";
	size_t dl = 0;
	int bad = 0, primaries = 0;

	for (uint32_t i = 0; pr && i < pr->count_planes; i++) {
		drmModeObjectProperties *props = drmModeObjectGetProperties(dev.fd, pr->planes[i], DRM_MODE_OBJECT_PLANE);
		uint64_t type = 99, blob_id = 0;

		for (uint32_t k = 0; props && k < props->count_props; k++) {
			drmModePropertyRes *p = drmModeGetProperty(dev.fd, props->props[k]);

			if (p && !strcmp(p->name, "type"))
				type = props->prop_values[k];
			if (p && !strcmp(p->name, "IN_FORMATS"))
				blob_id = props->prop_values[k];
			drmModeFreeProperty(p);
		}
		drmModeFreeObjectProperties(props);
		if (type != DRM_PLANE_TYPE_PRIMARY && type != DRM_PLANE_TYPE_CURSOR)
			continue;
		primaries += type == DRM_PLANE_TYPE_PRIMARY;
		drmModePropertyBlobRes *b = blob_id ? drmModeGetPropertyBlob(dev.fd, (uint32_t)blob_id) : NULL;

		if (!b) {
			bad++;
			dl += (size_t)snprintf(detail + dl, sizeof(detail) - dl, "plane %u: no IN_FORMATS; ", pr->planes[i]);
			continue;
		}
		const struct drm_format_modifier_blob *h = b->data;
		const uint32_t *fmts = (const uint32_t *)((const char *)h + h->formats_offset);
		const struct drm_format_modifier *mods =
			(const struct drm_format_modifier *)((const char *)h + h->modifiers_offset);
		int ok;

		if (type == DRM_PLANE_TYPE_PRIMARY)
			ok = h->count_formats == 2 &&
			     ((fmts[0] == DRM_FORMAT_XRGB8888 && fmts[1] == DRM_FORMAT_ARGB8888) ||
			      (fmts[1] == DRM_FORMAT_XRGB8888 && fmts[0] == DRM_FORMAT_ARGB8888)) &&
			     h->count_modifiers == 1 && mods[0].modifier == DRM_FORMAT_MOD_LINEAR &&
			     (mods[0].formats & 3) == 3 && mods[0].offset == 0;
		else
			ok = h->count_formats == 1 && fmts[0] == DRM_FORMAT_ARGB8888 && h->count_modifiers == 1 &&
			     mods[0].modifier == DRM_FORMAT_MOD_LINEAR;
		bad += !ok;
		dl += (size_t)snprintf(detail + dl, sizeof(detail) - dl, "%s %u: %u formats",
				       type == DRM_PLANE_TYPE_CURSOR ? "cursor" : "primary",
				       pr->planes[i], h->count_formats);
		for (uint32_t f = 0; f < h->count_formats && dl < sizeof(detail) - 64; f++)
			dl += (size_t)snprintf(detail + dl, sizeof(detail) - dl, " %.4s", (const char *)&fmts[f]);
		dl += (size_t)snprintf(detail + dl, sizeof(detail) - dl, ", %u modifiers", h->count_modifiers);
		for (uint32_t m = 0; m < h->count_modifiers && dl < sizeof(detail) - 64; m++)
			dl += (size_t)snprintf(detail + dl, sizeof(detail) - dl, " 0x%llx",
					       (unsigned long long)mods[m].modifier);
		dl += (size_t)snprintf(detail + dl, sizeof(detail) - dl, "%s; ", ok ? "" : " (WRONG)");
		drmModeFreePropertyBlob(b);
		if (dl >= sizeof(detail) - 64)
			dl = sizeof(detail) - 64;
	}
	drmModeFreePlaneResources(pr);
	qt_result("in_formats", bad || !primaries ? 1 : 0, "%s", detail);
}

static void t_addfb2(void)
{
	struct drm_mode_create_dumb cr = { .width = 256, .height = 256, .bpp = 32 };
	uint32_t h[4] = { 0 }, p[4] = { 0 }, o[4] = { 0 }, fb = 0;
	uint64_t mods[4] = { 0 };
	int r_nv12, e_nv12, r_x, e_x, r_inv, e_inv, r_lin;

	if (drmIoctl(dev.fd, DRM_IOCTL_MODE_CREATE_DUMB, &cr)) {
		qt_result("addfb2_refused", 1, "dumb: %s", strerror(errno));
		return;
	}
	h[0] = h[1] = cr.handle;
	p[0] = p[1] = 256;
	o[1] = 256 * 256;
	r_nv12 = drmModeAddFB2(dev.fd, 256, 256, DRM_FORMAT_NV12, h, p, o, &fb, 0);
	e_nv12 = errno;
	if (!r_nv12)
		drmModeRmFB(dev.fd, fb);
	h[1] = 0;
	p[0] = cr.pitch;
	p[1] = 0;
	o[1] = 0;
	mods[0] = X_TILED;
	r_x = drmModeAddFB2WithModifiers(dev.fd, 256, 256, DRM_FORMAT_XRGB8888, h, p, o, mods, &fb,
					 DRM_MODE_FB_MODIFIERS);
	e_x = errno;
	if (!r_x)
		drmModeRmFB(dev.fd, fb);
	/* what kmscube sends for a Mesa kms_swrast buffer: the plane cannot
	 * take it (SETCRTC fails), so ADDFB2 must refuse it for kmscube to
	 * fall back to ADDFB2 without modifiers */
	mods[0] = DRM_FORMAT_MOD_INVALID;
	r_inv = drmModeAddFB2WithModifiers(dev.fd, 256, 256, DRM_FORMAT_XRGB8888, h, p, o, mods, &fb,
					   DRM_MODE_FB_MODIFIERS);
	e_inv = errno;
	if (!r_inv)
		drmModeRmFB(dev.fd, fb);
	mods[0] = DRM_FORMAT_MOD_LINEAR;
	r_lin = drmModeAddFB2WithModifiers(dev.fd, 256, 256, DRM_FORMAT_XRGB8888, h, p, o, mods, &fb,
					   DRM_MODE_FB_MODIFIERS);
	if (!r_lin)
		drmModeRmFB(dev.fd, fb);
	qt_result("addfb2_refused", !r_nv12 || !r_x || !r_inv || r_lin ? 1 : 0,
		  "NV12: %s; XRGB8888 X-tiled: %s; XRGB8888 MOD_INVALID with DRM_MODE_FB_MODIFIERS: %s; "
		  "XRGB8888 LINEAR: %s", r_nv12 ? strerror(e_nv12) : "ACCEPTED", r_x ? strerror(e_x) : "ACCEPTED",
		  r_inv ? strerror(e_inv) : "ACCEPTED", r_lin ? strerror(errno) : "accepted");
	struct drm_mode_destroy_dumb ds = { .handle = cr.handle };

	drmIoctl(dev.fd, DRM_IOCTL_MODE_DESTROY_DUMB, &ds);
}

int main(int argc, char **argv)
{
	int ret = kms_open(&dev);

	if (ret) {
		qt_result("prime_open", 1, "no qxl card: %s", strerror(-ret));
		return 1;
	}
	if (want(argc, argv, "prime_export_mmap"))
		t_export_mmap();
	if (want(argc, argv, "prime_sync"))
		t_sync();
	if (want(argc, argv, "getfb2"))
		t_getfb2();
	if (want(argc, argv, "in_formats"))
		t_in_formats();
	if (want(argc, argv, "addfb2_refused"))
		t_addfb2();
	if (want(argc, argv, "prime_import_fb"))
		t_import_fb();
	return 0;
}
