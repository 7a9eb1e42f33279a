/* SPDX-License-Identifier: MIT */
/*
 * Small helpers shared by the in-guest KMS tests: open the card, find the
 * pipe, make dumb framebuffers and paint them. Header-only so that every
 * test stays a single translation unit next to qtest.c.
 */
#ifndef QXL_TESTS_KMSUTIL_H
#define QXL_TESTS_KMSUTIL_H

#include <errno.h>
#include <fcntl.h>
#include <linux/netlink.h>
#include <poll.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <drm_fourcc.h>
#include <xf86drm.h>
#include <xf86drmMode.h>

#include "qtest.h"

struct kfb {
	uint32_t w, h, pitch, handle, fb_id;
	uint64_t size;
	uint32_t *px;
};

struct kdev {
	int fd;
	uint32_t conn_id, crtc_id, plane_id;
	drmModeModeInfo pref;
};

static inline double kms_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

/* qsort's comparison of doubles (times), ascending */
static inline int kms_cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

static inline int kms_open(struct kdev *d)
{
	drmModeRes *res;
	drmModeConnector *c = NULL;
	drmModePlaneRes *pr;
	drmVersion *v;
	int i;

	memset(d, 0, sizeof(*d));
	d->fd = open("/dev/dri/card0", O_RDWR | O_CLOEXEC);
	if (d->fd < 0)
		return -errno;
	v = drmGetVersion(d->fd);
	if (!v || strcmp(v->name, "qxl") != 0) {
		drmFreeVersion(v);
		return -ENODEV;
	}
	drmFreeVersion(v);
	drmSetClientCap(d->fd, DRM_CLIENT_CAP_UNIVERSAL_PLANES, 1);
	res = drmModeGetResources(d->fd);
	if (!res || res->count_crtcs < 1)
		return -ENODEV;
	d->crtc_id = res->crtcs[0];
	for (i = 0; i < res->count_connectors; i++) {
		c = drmModeGetConnector(d->fd, res->connectors[i]);
		if (c && c->connection == DRM_MODE_CONNECTED && c->count_modes > 0)
			break;
		drmModeFreeConnector(c);
		c = NULL;
	}
	drmModeFreeResources(res);
	if (!c)
		return -ENODEV;
	d->conn_id = c->connector_id;
	d->pref = c->modes[0];
	for (i = 0; i < c->count_modes; i++)
		if (c->modes[i].type & DRM_MODE_TYPE_PREFERRED)
			d->pref = c->modes[i];
	drmModeFreeConnector(c);

	pr = drmModeGetPlaneResources(d->fd);
	if (pr && pr->count_planes > 0)
		d->plane_id = pr->planes[0];
	drmModeFreePlaneResources(pr);
	return 0;
}

static inline int kms_find_mode(struct kdev *d, int w, int h, drmModeModeInfo *out)
{
	drmModeConnector *c = drmModeGetConnector(d->fd, d->conn_id);
	int i, ret = -ENOENT;

	for (i = 0; c && i < c->count_modes; i++) {
		if (c->modes[i].hdisplay == w && c->modes[i].vdisplay == h) {
			*out = c->modes[i];
			ret = 0;
			break;
		}
	}
	drmModeFreeConnector(c);
	return ret;
}

static inline int kfb_create(struct kdev *d, struct kfb *fb, uint32_t w, uint32_t h)
{
	struct drm_mode_create_dumb cr = { .width = w, .height = h, .bpp = 32 };
	struct drm_mode_map_dumb map = { 0 };
	uint32_t handles[4] = { 0 }, pitches[4] = { 0 }, offsets[4] = { 0 };
	void *p;

	memset(fb, 0, sizeof(*fb));
	if (drmIoctl(d->fd, DRM_IOCTL_MODE_CREATE_DUMB, &cr))
		return -errno;
	fb->w = w;
	fb->h = h;
	fb->pitch = cr.pitch;
	fb->size = cr.size;
	fb->handle = cr.handle;
	handles[0] = cr.handle;
	pitches[0] = cr.pitch;
	if (drmModeAddFB2(d->fd, w, h, DRM_FORMAT_XRGB8888, handles, pitches, offsets,
			  &fb->fb_id, 0))
		return -errno;
	map.handle = cr.handle;
	if (drmIoctl(d->fd, DRM_IOCTL_MODE_MAP_DUMB, &map))
		return -errno;
	p = mmap(NULL, cr.size, PROT_READ | PROT_WRITE, MAP_SHARED, d->fd, map.offset);
	if (p == MAP_FAILED)
		return -errno;
	fb->px = p;
	return 0;
}

static inline void kfb_destroy(struct kdev *d, struct kfb *fb)
{
	struct drm_mode_destroy_dumb ds = { .handle = fb->handle };

	if (fb->px)
		munmap(fb->px, fb->size);
	if (fb->fb_id)
		drmModeRmFB(d->fd, fb->fb_id);
	if (fb->handle)
		drmIoctl(d->fd, DRM_IOCTL_MODE_DESTROY_DUMB, &ds);
	memset(fb, 0, sizeof(*fb));
}

static inline void kfb_fill(struct kfb *fb, int x, int y, int w, int h, uint32_t color)
{
	int i, j;

	for (j = y; j < y + h && j < (int)fb->h; j++)
		for (i = x; i < x + w && i < (int)fb->w; i++)
			fb->px[j * (fb->pitch / 4) + i] = color;
}

static inline int kms_set(struct kdev *d, struct kfb *fb, drmModeModeInfo *mode)
{
	if (drmModeSetCrtc(d->fd, d->crtc_id, fb->fb_id, 0, 0, &d->conn_id, 1, mode))
		return -errno;
	return 0;
}

/*
 * The start of the flip tests: 1024x768 framebuffers @a, filled with @ca,
 * and @b, filled with @cb, @a shown in the 1024x768 @mode. 0, or -1 with
 * what failed in @why.
 */
static inline int kms_flip_pair(struct kdev *d, drmModeModeInfo *mode, struct kfb *a,
				struct kfb *b, uint32_t ca, uint32_t cb, const char **why)
{
	int ret;

	if (kms_find_mode(d, 1024, 768, mode) || kfb_create(d, a, 1024, 768) ||
	    kfb_create(d, b, 1024, 768)) {
		*why = "no 1024x768 mode or framebuffers";
		return -1;
	}
	kfb_fill(a, 0, 0, a->w, a->h, ca);
	kfb_fill(b, 0, 0, b->w, b->h, cb);
	ret = kms_set(d, a, mode);
	if (ret) {
		*why = strerror(-ret);
		return -1;
	}
	return 0;
}

static inline int kms_dirty(struct kdev *d, struct kfb *fb, drmModeClip *clips, int n)
{
	if (drmModeDirtyFB(d->fd, fb->fb_id, clips, n))
		return -errno;
	return 0;
}

/* The id of the property called @name on a KMS object, 0 if it has none. */
static inline uint32_t kms_prop_id(struct kdev *d, uint32_t obj, uint32_t type, const char *name)
{
	drmModeObjectProperties *props = drmModeObjectGetProperties(d->fd, obj, type);
	uint32_t id = 0, i;

	for (i = 0; props && i < props->count_props; i++) {
		drmModePropertyRes *p = drmModeGetProperty(d->fd, props->props[i]);

		if (p && !strcmp(p->name, name))
			id = p->prop_id;
		drmModeFreeProperty(p);
	}
	drmModeFreeObjectProperties(props);
	return id;
}

/* A socket on the kernel's uevents (NETLINK_KOBJECT_UEVENT), or -1. */
static inline int kms_uevent_socket(void)
{
	struct sockaddr_nl addr = { .nl_family = AF_NETLINK, .nl_groups = 1 };
	int fd = socket(AF_NETLINK, SOCK_DGRAM | SOCK_CLOEXEC, NETLINK_KOBJECT_UEVENT);

	if (fd >= 0 && bind(fd, (struct sockaddr *)&addr, sizeof(addr))) {
		close(fd);
		fd = -1;
	}
	return fd;
}

/* Wait, bounded, for one DRM event (flip or vblank); returns its sequence. */
static inline int kms_wait_event(struct kdev *d, int timeout_ms, unsigned int *frame,
				 double *when)
{
	struct pollfd pfd = { .fd = d->fd, .events = POLLIN };
	char buf[1024];
	struct drm_event_vblank *ev = (struct drm_event_vblank *)buf;
	ssize_t n;

	if (poll(&pfd, 1, timeout_ms) != 1)
		return -ETIMEDOUT;
	n = read(d->fd, buf, sizeof(buf));
	if (n < (ssize_t)sizeof(*ev))
		return -EIO;
	if (frame)
		*frame = ev->sequence;
	if (when)
		*when = ev->tv_sec + ev->tv_usec / 1e6;
	return 0;
}

#endif /* QXL_TESTS_KMSUTIL_H */
