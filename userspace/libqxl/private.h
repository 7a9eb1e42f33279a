/* SPDX-License-Identifier: MIT */
/*
 * libqxl internals: the real structs behind the public handles, buffer
 * management, the drawable encoder and pixel format helpers.
 */
#ifndef LIBQXL_PRIVATE_H
#define LIBQXL_PRIVATE_H

#include <stdbool.h>
#include <stdint.h>

#include <pixman.h>
#include <spice/enums.h>
#include <spice/qxl_dev.h>

/* qxl-ng's ioctl header, not libdrm's older upstream copy of the same name. */
#include "../../uapi/qxl_drm.h"

#include "libqxl.h"

#define QXL_PUBLIC __attribute__((visibility("default")))

/* The driver's limits, from its uapi header. */
#define QXL_MAX_DIM		((unsigned int)QXL_NG_MAX_DIM)
#define QXL_MAX_COMMANDS	((unsigned int)QXL_NG_EXEC_MAX_COMMANDS)
#define QXL_MAX_RELOCS		((unsigned int)QXL_NG_EXEC_MAX_RELOCS)
#define QXL_MAX_CLIP_RECTS	((unsigned int)QXL_NG_EXEC_MAX_CLIP_RECTS)
/* The driver takes the drawable without its 8-byte release_info. */
#define QXL_RELEASE_INFO_SIZE	8u
#define QXL_DRAW_CMD_SIZE	(sizeof(QXLDrawable) - QXL_RELEASE_INFO_SIZE)
/* Small device allocations (image descriptors, transforms, small pixel
 * blocks) come from a shared stream buffer of this size. */
#define QXL_STREAM_SIZE		(256u * 1024u)

/* A buffer of device memory (ALLOC or ALLOC_SURF), mapped. */
struct qxl_bo {
	struct qxl_device *dev;
	uint32_t handle;
	uint32_t size;
	uint8_t *map;
	unsigned int refs;
};

/* A piece of a buffer holding data for one command. */
struct qxl_alloc {
	struct qxl_bo *bo;
	uint32_t offset;
	uint8_t *ptr;
};

struct qxl_device {
	int fd;
	char node[64];
	bool render_node;
	enum qxl_policy policy;
	struct qxl_bo *stream;	/* current stream buffer, may be NULL */
	uint32_t stream_used;
	uint32_t image_serial;
};

struct qxl_surface {
	struct qxl_device *dev;
	struct qxl_bo *bo;
	enum qxl_format format;
	uint32_t width;
	uint32_t height;
	uint32_t stride;
};

struct qxl_image {
	struct qxl_device *dev;
	struct qxl_bo *bo;	/* QXLImage at 0, pixels at QXL_IMAGE_DATA_OFFSET */
	enum qxl_format format;	/* as given by the user */
	uint32_t width;
	uint32_t height;
};

#define QXL_IMAGE_DATA_OFFSET	64u

/* One drawable being built, with its relocations. */
struct qxl_cmd {
	union {
		QXLDrawable drawable;
		uint8_t bytes[sizeof(QXLDrawable)];
	} u;
	struct drm_qxl_reloc relocs[QXL_MAX_RELOCS];
	unsigned int nrelocs;
	int error;		/* first encoding error, reported at submit */
};

/* bo.c */
int qxl_bo_new(struct qxl_device *dev, uint32_t size, struct qxl_bo **out);
int qxl_bo_new_surface(struct qxl_device *dev, uint32_t format, uint32_t width,
		       uint32_t height, uint32_t stride, struct qxl_bo **out);
void qxl_bo_unref(struct qxl_bo *bo);
int qxl_stream_alloc(struct qxl_device *dev, uint32_t size, struct qxl_alloc *out);
void qxl_alloc_done(struct qxl_alloc *a);

/* cmd.c */
void qxl_cmd_init(struct qxl_cmd *cmd, const struct qxl_surface *dst, uint8_t type,
		  uint8_t effect, int32_t x, int32_t y, uint32_t w, uint32_t h);
void qxl_cmd_reloc_surf(struct qxl_cmd *cmd, uint32_t dst_handle, uint32_t dst_offset,
			const struct qxl_surface *src);
void qxl_cmd_reloc_bo(struct qxl_cmd *cmd, uint32_t dst_handle, uint32_t dst_offset,
		      const struct qxl_bo *src, uint32_t src_offset);
void qxl_cmd_depend(struct qxl_cmd *cmd, unsigned int slot, const struct qxl_surface *src,
		    int32_t x, int32_t y, uint32_t w, uint32_t h);
int qxl_cmd_submit(struct qxl_device *dev, struct qxl_cmd *cmd);
void qxl_image_encode_bitmap(QXLImage *img, uint64_t id, uint8_t bitmap_format,
			     uint32_t width, uint32_t height, uint32_t stride);
void qxl_image_encode_surface(QXLImage *img, uint64_t id, uint32_t width, uint32_t height);
uint64_t qxl_next_image_id(struct qxl_device *dev);

/* format.c */
bool qxl_format_valid(uint32_t format);
uint32_t qxl_format_min_stride(enum qxl_format format, uint32_t width);
pixman_format_code_t qxl_format_pixman(enum qxl_format format);
uint32_t qxl_format_color(enum qxl_format format, uint32_t argb);
/* The bitmap format the device gets for pixels of @format, and the pixman
 * format libqxl converts them to first (equal to the format's own when no
 * conversion is needed). */
uint8_t qxl_format_bitmap(enum qxl_format format, pixman_format_code_t *upload_format);
int qxl_convert_rect(pixman_format_code_t src_fmt, const void *src, uint32_t src_stride,
		     int32_t sx, int32_t sy, pixman_format_code_t dst_fmt, void *dst,
		     uint32_t dst_stride, uint32_t w, uint32_t h);

/* surface.c */
int qxl_surface_sync(struct qxl_surface *surf, int32_t x, int32_t y, uint32_t w, uint32_t h);
bool qxl_rect_inside(int32_t x, int32_t y, uint32_t w, uint32_t h, uint32_t bw, uint32_t bh);
int qxl_put_pixels(struct qxl_surface *dst, int32_t x, int32_t y, uint32_t w, uint32_t h,
		   enum qxl_format format, const void *pixels, uint32_t stride);

/* composite.c / fallback.c */
int qxl_composite_check(const struct qxl_surface *dst, const struct qxl_composite_op *op);
uint32_t qxl_composite_flags(const struct qxl_composite_op *op);
bool qxl_composite_wants_device(enum qxl_policy policy, uint32_t caps,
				const struct qxl_surface *dst, const struct qxl_composite_op *op);
int qxl_composite_device(struct qxl_surface *dst, const struct qxl_composite_op *op);
int qxl_composite_fallback(struct qxl_surface *dst, const struct qxl_composite_op *op);
pixman_image_t *qxl_surface_pixman(struct qxl_surface *surf);

#endif /* LIBQXL_PRIVATE_H */
