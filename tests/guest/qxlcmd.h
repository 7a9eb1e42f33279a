/* SPDX-License-Identifier: MIT */
/*
 * Building QXL draw commands for EXECBUFFER in guest tests: the device's
 * structure offsets, relocations, and a few one-call draws.
 */
#ifndef QXLCMD_H
#define QXLCMD_H

#include <errno.h>
#include <fcntl.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>
#include <xf86drm.h>

#include <spice/enums.h>
#include <spice/qxl_dev.h>

/* qxl-ng's own header, not libdrm's upstream copy of the same name. */
#include "../../uapi/qxl_drm.h"

/*
 * Offsets in the device's structures, from spice-protocol's qxl_dev.h (the
 * device ABI the driver's qxl_hw.h also follows); a command's bytes start
 * at its struct qxl_release_info, as EXECBUFFER's command address does.
 */
enum {
	D_SURFACE = offsetof(QXLDrawable, surface_id),
	D_EFFECT = offsetof(QXLDrawable, effect),
	D_TYPE = offsetof(QXLDrawable, type),
	D_SELF = offsetof(QXLDrawable, self_bitmap),
	D_BBOX = offsetof(QXLDrawable, bbox),
	D_CLIP = offsetof(QXLDrawable, clip),
	D_SURF_DEST = offsetof(QXLDrawable, surfaces_dest),
	D_SURF_RECTS = offsetof(QXLDrawable, surfaces_rects),
	D_U = offsetof(QXLDrawable, u),
	D_SIZE = sizeof(QXLDrawable),
	FILL_BRUSH = offsetof(QXLDrawable, u.fill.brush),
	FILL_ROP = offsetof(QXLDrawable, u.fill.rop_descriptor),
	COPY_SRC = offsetof(QXLDrawable, u.copy.src_bitmap),
	COPY_AREA = offsetof(QXLDrawable, u.copy.src_area),
	COPY_ROP = offsetof(QXLDrawable, u.copy.rop_descriptor),
	COPY_MASK_BITMAP = offsetof(QXLDrawable, u.copy.mask.bitmap),
	CMP_FLAGS = offsetof(QXLDrawable, u.composite.flags),
	CMP_SRC = offsetof(QXLDrawable, u.composite.src),
	CMP_SRC_XFORM = offsetof(QXLDrawable, u.composite.src_transform),
	CMP_MASK = offsetof(QXLDrawable, u.composite.mask),
	I_TYPE = offsetof(QXLImage, descriptor.type),
	I_FLAGS = offsetof(QXLImage, descriptor.flags),
	I_W = offsetof(QXLImage, descriptor.width),
	I_H = offsetof(QXLImage, descriptor.height),
	I_FMT = offsetof(QXLImage, bitmap.format),
	I_BFLAGS = offsetof(QXLImage, bitmap.flags),
	I_X = offsetof(QXLImage, bitmap.x),
	I_Y = offsetof(QXLImage, bitmap.y),
	I_STRIDE = offsetof(QXLImage, bitmap.stride),
	I_PALETTE = offsetof(QXLImage, bitmap.palette),
	I_DATA = offsetof(QXLImage, bitmap.data),
	I_SIZE = sizeof(QXLImage),
	CHUNK_NEXT = offsetof(QXLDataChunk, next_chunk),
	CHUNK_HDR = sizeof(QXLDataChunk),
};

/* Short names for the protocol's values the tests use. */
#define DRAW_FILL QXL_DRAW_FILL
#define DRAW_COPY QXL_DRAW_COPY
#define DRAW_COPY_BITS QXL_COPY_BITS
#define DRAW_STROKE QXL_DRAW_STROKE
#define DRAW_COMPOSITE QXL_DRAW_COMPOSITE
#define ROPD_OP_PUT SPICE_ROPD_OP_PUT
#define FMT_XRGB SPICE_SURFACE_FMT_32_xRGB
#define FMT_ARGB SPICE_SURFACE_FMT_32_ARGB
#define BMP_32BIT SPICE_BITMAP_FMT_32BIT
#define BMP_RGBA SPICE_BITMAP_FMT_RGBA
#define BMP_DIRECT QXL_BITMAP_DIRECT
#define BMP_TOP_DOWN QXL_BITMAP_TOP_DOWN
#define IMG_BITMAP SPICE_IMAGE_TYPE_BITMAP
#define IMG_SURFACE SPICE_IMAGE_TYPE_SURFACE
#define OP_OVER QXL_OP_OVER

/* The values these tests were written against, checked at build time. */
_Static_assert(D_U == 123 && D_SIZE == 191 && COPY_MASK_BITMAP == 159 && CMP_MASK == 143 &&
	       I_DATA == 40 && I_SIZE == 48 && CHUNK_HDR == 20, "device ABI moved");
_Static_assert(DRAW_FILL == 1 && DRAW_COPY == 3 && DRAW_COPY_BITS == 4 && DRAW_STROKE == 10 &&
	       DRAW_COMPOSITE == 14 && ROPD_OP_PUT == 8 && FMT_XRGB == 32 && FMT_ARGB == 96 &&
	       BMP_32BIT == 8 && BMP_RGBA == 9 && BMP_DIRECT == 1 && BMP_TOP_DOWN == 4 &&
	       IMG_BITMAP == 0 && IMG_SURFACE == 104 && OP_OVER == 3, "protocol values moved");

struct cmd {
	uint8_t d[D_SIZE];
	struct drm_qxl_reloc r[128];
	unsigned int nr;
	uint32_t type, size;
};

static inline void put32(uint8_t *p, uint32_t v) { memcpy(p, &v, 4); }
static inline void put64(uint8_t *p, uint64_t v) { memcpy(p, &v, 8); }

static inline int xioctl(int f, unsigned long req, void *arg)
{
	return drmIoctl(f, req, arg) ? -errno : 0;
}

static inline uint32_t qc_bo_alloc(int fd, uint32_t size)
{
	struct drm_qxl_alloc a = { .size = size };

	return xioctl(fd, DRM_IOCTL_QXL_ALLOC, &a) ? 0 : a.handle;
}

static inline void *bo_map(int f, uint32_t handle, size_t size)
{
	struct drm_qxl_map m = { .handle = handle };
	void *p;

	if (xioctl(f, DRM_IOCTL_QXL_MAP, &m))
		return NULL;
	p = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED, f, m.offset);
	return p == MAP_FAILED ? NULL : p;
}

static inline int qc_surf_alloc(int fd, uint32_t fmt, uint32_t w, uint32_t h, int32_t stride,
				uint32_t *handle)
{
	struct drm_qxl_alloc_surf s = { .format = fmt, .width = w, .height = h, .stride = stride };
	int ret = xioctl(fd, DRM_IOCTL_QXL_ALLOC_SURF, &s);

	*handle = s.handle;
	return ret;
}

static inline void qc_gem_close(int fd, uint32_t handle)
{
	struct drm_gem_close c = { .handle = handle };

	xioctl(fd, DRM_IOCTL_GEM_CLOSE, &c);
}

static inline void reloc(struct cmd *c, uint32_t type, uint32_t dst_h, uint64_t dst_off,
		  uint32_t src_h, uint64_t src_off)
{
	c->r[c->nr++] = (struct drm_qxl_reloc){ .src_offset = src_off, .dst_offset = dst_off,
		.src_handle = src_h, .dst_handle = dst_h, .reloc_type = type };
}

static inline void put_rect(uint8_t *p, int x1, int y1, int x2, int y2)
{
	put32(p, y1);
	put32(p + 4, x1);
	put32(p + 8, y2);
	put32(p + 12, x2);
}

/* A drawable of @type onto surface @dst covering (x1,y1)-(x2,y2). */
static inline void draw_init(struct cmd *c, uint8_t type, uint32_t dst, int x1, int y1, int x2, int y2)
{
	memset(c, 0, sizeof(*c));
	c->type = 1;
	c->size = D_SIZE - 8;
	c->d[D_EFFECT] = 1;
	c->d[D_TYPE] = type;
	put_rect(c->d + D_BBOX, x1, y1, x2, y2);
	put32(c->d + D_SURF_DEST, -1);
	put32(c->d + D_SURF_DEST + 4, -1);
	put32(c->d + D_SURF_DEST + 8, -1);
	reloc(c, QXL_RELOC_TYPE_SURF, 0, D_SURFACE, dst, 0);
}

static inline int submit_on(int f, struct cmd *c)
{
	struct drm_qxl_command qc = { .command = (uintptr_t)(c->d + 8), .relocs = (uintptr_t)c->r,
		.type = c->type, .command_size = c->size, .relocs_num = c->nr };
	struct drm_qxl_execbuffer eb = { .commands_num = 1, .commands = (uintptr_t)&qc };

	return xioctl(f, DRM_IOCTL_QXL_EXECBUFFER, &eb);
}

static inline int qc_fill(int fd, uint32_t dst, int x1, int y1, int x2, int y2, uint32_t color)
{
	struct cmd c;

	draw_init(&c, DRAW_FILL, dst, x1, y1, x2, y2);
	put32(c.d + FILL_BRUSH, 1);
	put32(c.d + FILL_BRUSH + 4, color);
	c.d[FILL_ROP] = ROPD_OP_PUT;
	return submit_on(fd, &c);
}

static inline int qc_update(int fd, uint32_t h, int x1, int y1, int x2, int y2)
{
	struct drm_qxl_update_area u = { .handle = h, .left = x1, .top = y1, .right = x2,
					 .bottom = y2 };

	return xioctl(fd, DRM_IOCTL_QXL_UPDATE_AREA, &u);
}

/*
 * A child process opens its own render-node file and allocates a buffer of
 * @size bytes, or with @size 0 a 1x1 XRGB surface: 1 if it got it, 0 if
 * not, -1 if the child could not run. (Shares are per process.)
 */
static inline int qc_other_process_allocates(uint32_t size)
{
	int status;
	pid_t pid = fork();

	if (pid == 0) {
		int f = open("/dev/dri/renderD128", O_RDWR | O_CLOEXEC);
		uint32_t h;

		if (!size)
			_exit(f >= 0 && !qc_surf_alloc(f, FMT_XRGB, 1, 1, 4, &h) ? 0 : 1);
		_exit(f >= 0 && qc_bo_alloc(f, size) ? 0 : 1);
	}
	if (pid < 0 || waitpid(pid, &status, 0) != pid || !WIFEXITED(status))
		return -1;
	return WEXITSTATUS(status) == 0;
}

#endif /* QXLCMD_H */
