// SPDX-License-Identifier: MIT
/*
 * qxl-stream's frame sources (qxl-stream.h): a PNG file read with libpng,
 * and a CRTC of a DRM device mapped through PRIME with qxl-ng's damage.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include <drm_fourcc.h>
#include <linux/dma-buf.h>
#include <png.h>
#include <xf86drm.h>
#include <xf86drmMode.h>
#include <zlib.h>

#include "qxl-stream.h"
#include "qxl_drm.h"

/* Linux 6.8's cap (libdrm 2.4.120); older headers lack it. */
#ifndef DRM_CLIENT_CAP_CURSOR_PLANE_HOTSPOT
#define DRM_CLIENT_CAP_CURSOR_PLANE_HOTSPOT 6
#endif

#define MAX_SIDE 16384u		/* the stream protocol's limit we keep to */
#define MAX_CURSOR_SIDE 1024u

void qst_source_free(struct qst_source *s)
{
	if (s)
		s->ops->free(s);
}

/* ---- png:FILE --------------------------------------------------------- */
struct png_src {
	char *path;
	struct stat st;		/* of the file last read or tried */
	bool tried;		/* st is valid */
	bool have;		/* px holds a picture */
	uint8_t *px;
	uint32_t w, h;
};

/* Reads path into a fresh XRGB8888 buffer. */
static int pngsrc_load(const char *path, uint8_t **px, uint32_t *w, uint32_t *h)
{
	png_image img;

	memset(&img, 0, sizeof(img));
	img.version = PNG_IMAGE_VERSION;
	if (!png_image_begin_read_from_file(&img, path)) {
		fprintf(stderr, "qxl-stream: %s: %s\n", path, img.message);
		return -EINVAL;
	}
	if (!img.width || !img.height || img.width > MAX_SIDE || img.height > MAX_SIDE) {
		fprintf(stderr, "qxl-stream: %s: %ux%u is not 1..%u pixels a side\n", path, img.width,
			img.height, MAX_SIDE);
		png_image_free(&img);
		return -E2BIG;
	}
	img.format = PNG_FORMAT_BGRA;
	*px = malloc(PNG_IMAGE_SIZE(img));
	if (!*px) {
		png_image_free(&img);
		return -ENOMEM;
	}
	if (!png_image_finish_read(&img, NULL, *px, 0, NULL)) {
		fprintf(stderr, "qxl-stream: %s: %s\n", path, img.message);
		free(*px);
		*px = NULL;
		return -EINVAL;
	}
	*w = img.width;
	*h = img.height;
	return 0;
}

static bool same_file(const struct stat *a, const struct stat *b)
{
	return a->st_ino == b->st_ino && a->st_dev == b->st_dev && a->st_size == b->st_size &&
	       a->st_mtim.tv_sec == b->st_mtim.tv_sec && a->st_mtim.tv_nsec == b->st_mtim.tv_nsec;
}

static int pngsrc_begin_read(struct qst_source *s, struct qst_frame *f, bool *changed)
{
	struct png_src *p = s->priv;
	struct stat st;
	uint8_t *px;
	uint32_t w, h;

	*changed = false;
	if (stat(p->path, &st) == 0 && !(p->tried && same_file(&st, &p->st))) {
		int err = pngsrc_load(p->path, &px, &w, &h);

		/* a file that failed is not read (nor reported) again until it changes */
		p->tried = true;
		p->st = st;
		if (!err) {
			*changed = !p->have || w != p->w || h != p->h || memcmp(px, p->px, (size_t)w * h * 4);
			free(p->px);
			p->px = px;
			p->w = w;
			p->h = h;
			p->have = true;
		}
	}
	if (!p->have)
		return -EAGAIN;
	*f = (struct qst_frame){ p->w, p->h, p->w * 4, p->px };
	return 0;
}

static void pngsrc_end_read(struct qst_source *s)
{
	(void)s;
}

static int pngsrc_cursor(struct qst_source *s, struct qst_cursor *c)
{
	(void)s;
	(void)c;
	return -ENOENT;
}

static int pngsrc_display_info(struct qst_source *s, char *address, size_t n, uint32_t *head)
{
	(void)s;
	(void)address;
	(void)n;
	(void)head;
	return -ENOENT;
}

static void pngsrc_free(struct qst_source *s)
{
	struct png_src *p = s->priv;

	free(p->px);
	free(p->path);
	free(p);
	free(s);
}

static const struct qst_source_ops png_ops = {
	pngsrc_begin_read, pngsrc_end_read, pngsrc_cursor, pngsrc_display_info, pngsrc_free,
};

int qst_source_png_new(struct qst_source **out, const char *path)
{
	struct qst_source *s = calloc(1, sizeof(*s));
	struct png_src *p = calloc(1, sizeof(*p));

	if (!s || !p || !(p->path = strdup(path))) {
		free(p);
		free(s);
		return -ENOMEM;
	}
	s->ops = &png_ops;
	s->priv = p;
	*out = s;
	return 0;
}

/* ---- PCI address ------------------------------------------------------ */
int qst_pci_address(int drm_fd, char *out, size_t n)
{
	char link[64], path[PATH_MAX];
	struct stat st;
	size_t len;

	if (fstat(drm_fd, &st) || !S_ISCHR(st.st_mode))
		return -ENOENT;
	snprintf(link, sizeof(link), "/sys/dev/char/%u:%u/device", major(st.st_rdev), minor(st.st_rdev));
	if (!realpath(link, path))
		return -ENOENT;
	len = (size_t)snprintf(out, n, "pci");
	bool domain = false;
	for (char *save = NULL, *c = strtok_r(path, "/", &save); c; c = strtok_r(NULL, "/", &save)) {
		unsigned dom, bus, slot, fn;
		char end;

		if (sscanf(c, "%4x:%2x:%2x.%1x%c", &dom, &bus, &slot, &fn, &end) != 4)
			continue;
		if (!domain)
			len += (size_t)snprintf(out + len, len < n ? n - len : 0, "/%04x", dom);
		domain = true;
		len += (size_t)snprintf(out + len, len < n ? n - len : 0, "/%02x.%x", slot, fn);
	}
	if (!domain)
		return -ENOENT;
	return len < n ? 0 : -E2BIG;
}

/* ---- kms -------------------------------------------------------------- */
struct mapped_fb {
	uint32_t fb_id;
	int fd;			/* the dma-buf, -1 if none */
	uint8_t *map;
	size_t len;
	struct qst_frame frame;
};

struct kms_src {
	int fd;
	uint32_t crtc_id, crtc_index;
	bool damage_ioctl, first;
	uint32_t crc;			/* of the last picture, without the damage ioctl */
	struct mapped_fb fb;
	uint32_t last_w, last_h;	/* of the last picture, 0 before the first */
	uint8_t *dark;			/* black last_w x last_h while the CRTC is off */
	/* cursor plane: its properties' ids, 0 if absent */
	uint32_t cplane, p_fb, p_x, p_y, p_hx, p_hy;
	uint32_t cursor_fb;
	uint8_t *cursor_px;
	struct qst_cursor cursor;
};

static void unmap_fb(struct mapped_fb *m)
{
	if (m->map)
		munmap(m->map, m->len);
	if (m->fd >= 0)
		close(m->fd);
	m->map = NULL;
	m->fd = -1;
	m->fb_id = 0;
}

/* GETFB2 + PRIME + mmap of a one-plane XRGB/ARGB8888 linear framebuffer. */
static int map_fb(int drm_fd, uint32_t fb_id, struct mapped_fb *m)
{
	drmModeFB2 *fb = drmModeGetFB2(drm_fd, fb_id);
	int ret = 0;

	m->fd = -1;
	m->map = NULL;
	if (!fb) {
		ret = -errno;
		fprintf(stderr, "qxl-stream: GETFB2 %u: %s\n", fb_id, strerror(errno));
		return ret;
	}
	if (!fb->handles[0]) {
		fprintf(stderr, "qxl-stream: GETFB2 gave no handle: run as root (CAP_SYS_ADMIN) or DRM master\n");
		ret = -EACCES;
	} else if ((fb->pixel_format != DRM_FORMAT_XRGB8888 && fb->pixel_format != DRM_FORMAT_ARGB8888) ||
		   fb->handles[1] || ((fb->flags & DRM_MODE_FB_MODIFIERS) && fb->modifier != DRM_FORMAT_MOD_LINEAR)) {
		fprintf(stderr, "qxl-stream: framebuffer %u is %.4s with %s planes: only linear XR24/AR24\n", fb_id,
			(const char *)&fb->pixel_format, fb->handles[1] ? "several" : "one");
		ret = -EOPNOTSUPP;
	} else if (drmPrimeHandleToFD(drm_fd, fb->handles[0], DRM_CLOEXEC, &m->fd)) {
		ret = -errno;
		fprintf(stderr, "qxl-stream: PRIME export of framebuffer %u: %s\n", fb_id, strerror(errno));
	}
	if (fb->handles[0]) {
		struct drm_gem_close gc = { .handle = fb->handles[0] };

		drmIoctl(drm_fd, DRM_IOCTL_GEM_CLOSE, &gc);
	}
	if (!ret) {
		off_t size = lseek(m->fd, 0, SEEK_END);
		uint64_t need = fb->offsets[0] + (uint64_t)fb->pitches[0] * (fb->height - 1) + fb->width * 4ull;

		if (size < 0 || (uint64_t)size < need || fb->pitches[0] < fb->width * 4) {
			fprintf(stderr, "qxl-stream: framebuffer %u does not fit its buffer\n", fb_id);
			ret = -EINVAL;
		} else {
			m->len = (size_t)size;
			m->map = mmap(NULL, m->len, PROT_READ, MAP_SHARED, m->fd, 0);
			if (m->map == MAP_FAILED) {
				ret = -errno;
				m->map = NULL;
				fprintf(stderr, "qxl-stream: mmap of framebuffer %u: %s\n", fb_id, strerror(errno));
			}
		}
	}
	if (!ret) {
		m->fb_id = fb_id;
		m->frame = (struct qst_frame){ fb->width, fb->height, fb->pitches[0], m->map + fb->offsets[0] };
	} else {
		unmap_fb(m);
	}
	drmModeFreeFB2(fb);
	return ret;
}

static void dmabuf_sync(int fd, uint64_t flags)
{
	struct dma_buf_sync s = { .flags = flags | DMA_BUF_SYNC_READ };

	if (fd >= 0)
		ioctl(fd, DMA_BUF_IOCTL_SYNC, &s);
}

/* A CRTC turned off shows black at the size it had: the stream goes dark
 * rather than keep showing the last picture. Nothing before the first. */
static int dark_frame(struct kms_src *k, struct qst_frame *f, bool *changed)
{
	if (!k->last_w)
		return -EAGAIN;
	if (!k->dark) {
		k->dark = calloc((size_t)k->last_w * k->last_h, 4);
		if (!k->dark)
			return -ENOMEM;
		*changed = true;
	}
	*f = (struct qst_frame){ k->last_w, k->last_h, k->last_w * 4, k->dark };
	return 0;
}

static int kms_begin_read(struct qst_source *s, struct qst_frame *f, bool *changed)
{
	struct kms_src *k = s->priv;
	struct drm_mode_rect rects[16];
	struct drm_qxl_ng_scanout_damage d;
	uint32_t fb_id = 0;
	bool dirty = false;

	*changed = false;
	if (k->damage_ioctl) {
		memset(&d, 0, sizeof(d));
		d.crtc_id = k->crtc_id;
		d.max_rects = 16;
		d.rects_ptr = (uintptr_t)rects;
		if (drmIoctl(k->fd, DRM_IOCTL_QXL_NG_SCANOUT_DAMAGE, &d) == 0) {
			fb_id = d.fb_id;
			dirty = (d.flags & QXL_NG_DAMAGE_FULL) || d.num_rects;
		} else if (errno == ENOTTY || errno == EINVAL || errno == EOPNOTSUPP) {
			fprintf(stderr, "qxl-stream: no scanout damage ioctl (%s): comparing pictures instead\n",
				strerror(errno));
			k->damage_ioctl = false;
		} else {
			int err = -errno;

			fprintf(stderr, "qxl-stream: SCANOUT_DAMAGE: %s\n", strerror(errno));
			return err;
		}
	}
	if (!k->damage_ioctl) {
		drmModeCrtc *c = drmModeGetCrtc(k->fd, k->crtc_id);

		fb_id = c ? c->buffer_id : 0;
		drmModeFreeCrtc(c);
	}
	if (fb_id != k->fb.fb_id) {
		unmap_fb(&k->fb);
		if (fb_id) {
			int err = map_fb(k->fd, fb_id, &k->fb);

			if (err)
				return err;
		}
		dirty = true;
	}
	if (!fb_id)
		return dark_frame(k, f, changed);
	free(k->dark);
	k->dark = NULL;
	dmabuf_sync(k->fb.fd, DMA_BUF_SYNC_START);
	*f = k->fb.frame;
	k->last_w = f->width;
	k->last_h = f->height;
	if (!k->damage_ioctl) {
		uLong crc = crc32(0, NULL, 0);

		for (uint32_t y = 0; y < f->height; y++)
			crc = crc32(crc, f->pixels + (size_t)y * f->stride, f->width * 4);
		dirty |= (uint32_t)crc != k->crc;
		k->crc = (uint32_t)crc;
	}
	*changed = dirty || k->first;
	k->first = false;
	return 0;
}

static void kms_end_read(struct qst_source *s)
{
	struct kms_src *k = s->priv;

	dmabuf_sync(k->fb.fd, DMA_BUF_SYNC_END);
}

/* Copies the cursor framebuffer's pixels (at most MAX_CURSOR_SIDE a side). */
static int load_cursor(struct kms_src *k, uint32_t fb_id)
{
	struct mapped_fb m;
	int err = map_fb(k->fd, fb_id, &m);

	if (err)
		return err;
	if (m.frame.width > MAX_CURSOR_SIDE || m.frame.height > MAX_CURSOR_SIDE) {
		fprintf(stderr, "qxl-stream: cursor %ux%u is larger than %u a side: hidden\n", m.frame.width,
			m.frame.height, MAX_CURSOR_SIDE);
		unmap_fb(&m);
		return -E2BIG;
	}
	uint8_t *px = malloc((size_t)m.frame.width * m.frame.height * 4);
	if (!px) {
		unmap_fb(&m);
		return -ENOMEM;
	}
	dmabuf_sync(m.fd, DMA_BUF_SYNC_START);
	for (uint32_t y = 0; y < m.frame.height; y++)
		memcpy(px + (size_t)y * m.frame.width * 4, m.frame.pixels + (size_t)y * m.frame.stride,
		       (size_t)m.frame.width * 4);
	dmabuf_sync(m.fd, DMA_BUF_SYNC_END);
	free(k->cursor_px);
	k->cursor_px = px;
	k->cursor.width = (uint16_t)m.frame.width;
	k->cursor.height = (uint16_t)m.frame.height;
	k->cursor.argb = px;
	k->cursor.serial++;
	unmap_fb(&m);
	return 0;
}

static int kms_cursor(struct qst_source *s, struct qst_cursor *c)
{
	struct kms_src *k = s->priv;
	drmModeObjectProperties *props;
	uint64_t fb = 0, hx = 0, hy = 0;
	int64_t x = 0, y = 0;

	if (!k->cplane)
		return -ENOENT;
	props = drmModeObjectGetProperties(k->fd, k->cplane, DRM_MODE_OBJECT_PLANE);
	if (!props)
		return -errno;
	for (uint32_t i = 0; i < props->count_props; i++) {
		uint32_t id = props->props[i];
		uint64_t v = props->prop_values[i];

		if (id == k->p_fb)
			fb = v;
		else if (id == k->p_x)
			x = (int64_t)v;
		else if (id == k->p_y)
			y = (int64_t)v;
		else if (id == k->p_hx)
			hx = v;
		else if (id == k->p_hy)
			hy = v;
	}
	drmModeFreeObjectProperties(props);
	if (fb && fb != k->cursor_fb) {
		/* a cursor that cannot be read is hidden, and reported once */
		k->cursor_fb = (uint32_t)fb;
		if (load_cursor(k, (uint32_t)fb)) {
			free(k->cursor_px);
			k->cursor_px = NULL;
		}
	}
	k->cursor.visible = fb && k->cursor_px;
	k->cursor.hot_x = (uint16_t)(hx < k->cursor.width ? hx : 0);
	k->cursor.hot_y = (uint16_t)(hy < k->cursor.height ? hy : 0);
	k->cursor.x = (int32_t)(x + k->cursor.hot_x);
	k->cursor.y = (int32_t)(y + k->cursor.hot_y);
	*c = k->cursor;
	return 0;
}

static int kms_display_info(struct qst_source *s, char *address, size_t n, uint32_t *head)
{
	struct kms_src *k = s->priv;

	*head = k->crtc_index;
	return qst_pci_address(k->fd, address, n);
}

static void kms_free(struct qst_source *s)
{
	struct kms_src *k = s->priv;

	unmap_fb(&k->fb);
	free(k->dark);
	free(k->cursor_px);
	close(k->fd);
	free(k);
	free(s);
}

static const struct qst_source_ops kms_ops = {
	kms_begin_read, kms_end_read, kms_cursor, kms_display_info, kms_free,
};

static uint32_t prop_id(int fd, uint32_t obj, uint32_t type, const char *name, uint64_t *value)
{
	drmModeObjectProperties *props = drmModeObjectGetProperties(fd, obj, type);
	uint32_t id = 0;

	for (uint32_t i = 0; props && i < props->count_props && !id; i++) {
		drmModePropertyRes *p = drmModeGetProperty(fd, props->props[i]);

		if (p && !strcmp(p->name, name)) {
			id = p->prop_id;
			if (value)
				*value = props->prop_values[i];
		}
		drmModeFreeProperty(p);
	}
	drmModeFreeObjectProperties(props);
	return id;
}

/* The cursor plane of the CRTC, with the ids of the properties we read. */
static void find_cursor_plane(struct kms_src *k)
{
	drmModePlaneRes *pr;

	if (drmSetClientCap(k->fd, DRM_CLIENT_CAP_ATOMIC, 1)) {
		fprintf(stderr, "qxl-stream: no atomic properties (%s): no cursor\n", strerror(errno));
		return;
	}
	/* From 6.8 an atomic client sees the cursor plane of a virtual device
	 * (one with DRIVER_CURSOR_HOTSPOT) only with this cap, which also gives
	 * it HOTSPOT_X/Y; older kernels refuse the cap and show the plane. */
	drmSetClientCap(k->fd, DRM_CLIENT_CAP_CURSOR_PLANE_HOTSPOT, 1);
	pr = drmModeGetPlaneResources(k->fd);
	for (uint32_t i = 0; pr && i < pr->count_planes && !k->cplane; i++) {
		drmModePlane *pl = drmModeGetPlane(k->fd, pr->planes[i]);
		uint64_t type = 0;

		if (pl && (pl->possible_crtcs & (1u << k->crtc_index)) &&
		    prop_id(k->fd, pl->plane_id, DRM_MODE_OBJECT_PLANE, "type", &type) &&
		    type == DRM_PLANE_TYPE_CURSOR)
			k->cplane = pl->plane_id;
		drmModeFreePlane(pl);
	}
	drmModeFreePlaneResources(pr);
	if (!k->cplane)
		return;
	k->p_fb = prop_id(k->fd, k->cplane, DRM_MODE_OBJECT_PLANE, "FB_ID", NULL);
	k->p_x = prop_id(k->fd, k->cplane, DRM_MODE_OBJECT_PLANE, "CRTC_X", NULL);
	k->p_y = prop_id(k->fd, k->cplane, DRM_MODE_OBJECT_PLANE, "CRTC_Y", NULL);
	k->p_hx = prop_id(k->fd, k->cplane, DRM_MODE_OBJECT_PLANE, "HOTSPOT_X", NULL);
	k->p_hy = prop_id(k->fd, k->cplane, DRM_MODE_OBJECT_PLANE, "HOTSPOT_Y", NULL);
	if (!k->p_fb || !k->p_x || !k->p_y)
		k->cplane = 0;
}

int qst_source_kms_new(struct qst_source **out, const char *device, const char *crtc)
{
	struct qst_source *s = calloc(1, sizeof(*s));
	struct kms_src *k = calloc(1, sizeof(*k));
	drmModeRes *res;

	if (!s || !k) {
		free(k);
		free(s);
		return -ENOMEM;
	}
	k->fb.fd = -1;
	k->fd = open(device, O_RDWR | O_CLOEXEC);
	if (k->fd < 0) {
		int err = -errno;

		fprintf(stderr, "qxl-stream: %s: %s\n", device, strerror(errno));
		free(k);
		free(s);
		return err;
	}
	s->ops = &kms_ops;
	s->priv = k;
	res = drmModeGetResources(k->fd);
	if (!res || res->count_crtcs < 1) {
		fprintf(stderr, "qxl-stream: no CRTC on %s\n", device);
		drmModeFreeResources(res);
		kms_free(s);
		return -ENODEV;
	}
	k->crtc_index = 0;
	if (crtc) {
		char *end;
		unsigned long v = strtoul(crtc, &end, 0);

		k->crtc_index = UINT32_MAX;
		for (int i = 0; i < res->count_crtcs; i++)
			if (*crtc && !*end && (v == (unsigned long)i || v == res->crtcs[i]))
				k->crtc_index = (uint32_t)i;
	}
	if (k->crtc_index == UINT32_MAX) {
		fprintf(stderr, "qxl-stream: %s has no CRTC %s\n", device, crtc);
		drmModeFreeResources(res);
		kms_free(s);
		return -ENODEV;
	}
	k->crtc_id = res->crtcs[k->crtc_index];
	drmModeFreeResources(res);
	k->damage_ioctl = true;
	k->first = true;
	drmSetClientCap(k->fd, DRM_CLIENT_CAP_UNIVERSAL_PLANES, 1);
	find_cursor_plane(k);
	fprintf(stderr, "qxl-stream: following CRTC %u (index %u) of %s, cursor plane %u\n", k->crtc_id,
		k->crtc_index, device, k->cplane);
	*out = s;
	return 0;
}
