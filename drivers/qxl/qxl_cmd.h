/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The builders of the device's commands and of the arguments of its ports
 * (qxl_cmd.c): each fills a command, or a part of one, in the buffer it is
 * given, from plain arguments. They take no lock, do no I/O and allocate
 * nothing, so that KUnit can call them on a buffer in memory (qxl_kunit.c,
 * suite qxl_cmd). qxl_port_args_write() is the exception: it is the one
 * writer of the RAM header's port arguments, for the port chokepoint.
 */
#ifndef QXL_CMD_H
#define QXL_CMD_H

#include <linux/types.h>

#include "qxl_hw.h"

struct drm_rect;
struct qxl_head_rect;

/* Draws (QXL_CMD_DRAW) */
void qxl_cmd_rect(struct qxl_rect *hw, int x1, int y1, int x2, int y2);
void qxl_cmd_draw(struct qxl_drawable *draw, u8 type, u32 mm_time, int x1, int y1, int x2,
		  int y2);
void qxl_cmd_draw_copy(struct qxl_drawable *draw, u32 mm_time, u64 image, int sx, int sy,
		       int dx, int dy, u32 w, u32 h);
void qxl_cmd_draw_surface_copy(struct qxl_drawable *draw, u32 mm_time, u64 image,
			       u32 surface_id, const struct drm_rect *src, int dx, int dy);
void qxl_cmd_draw_fill(struct qxl_drawable *draw, u32 mm_time, u32 color, int x1, int y1,
		       int x2, int y2);
void qxl_cmd_draw_clip_rects(struct qxl_drawable *draw, u64 rects);
void qxl_cmd_clip_rects(struct qxl_clip_rects *cr, const struct drm_rect *clips, u32 n,
			int dx, int dy);
void qxl_cmd_image_bitmap(struct qxl_image *image, u32 w, u32 h, u32 stride, u64 data);
void qxl_cmd_image_surface(struct qxl_image *image, u32 surface_id, u32 w, u32 h);

/* The cursor (QXL_CMD_CURSOR) */
void qxl_cmd_cursor(struct qxl_cursor_cmd *cmd, enum qxl_cursor_cmd_type type, int x, int y,
		    u64 shape);
void qxl_cmd_cursor_shape(struct qxl_cursor *shape, u32 w, u32 h, u32 hot_x, u32 hot_y);

/* Off-screen surfaces (QXL_CMD_SURFACE) */
void qxl_cmd_surface_create(struct qxl_surface_cmd *cmd, u32 surface_id, u32 format, u32 w,
			    u32 h, s32 stride, u64 data, u32 flags);
void qxl_cmd_surface_destroy(struct qxl_surface_cmd *cmd, u32 surface_id);

/* Messages (QXL_CMD_MESSAGE) */
void qxl_cmd_message(struct qxl_message_cmd *msg);

/* The monitors config (QXL_IO_MONITORS_CONFIG_ASYNC) */
void qxl_cmd_monitors_config(struct qxl_monitors_config *mc, const struct qxl_head_rect *heads,
			     unsigned int n);

/**
 * struct qxl_port_args - what a port operation reads from the RAM header
 * @update: UPDATE_AREA: the area and the surface to render
 * @update.area: the area
 * @update.surface_id: the surface, 0 for the primary
 * @primary: CREATE_PRIMARY: the primary surface
 * @memslot: MEMSLOT_ADD: the slot's range
 * @monitors: MONITORS_CONFIG: the config, built when the arguments are
 *	written (qxl_port_monitors_config())
 * @monitors.config: the block of device memory it is built in
 * @monitors.addr: the block's device address, the RAM header's field
 * @monitors.heads: where the heads are
 * @monitors.n: the number of heads
 *
 * Built with the qxl_port_*() builders, in ordinary memory, and handed to
 * the port chokepoint (qxl_io_async_args(), qxl_io_write_args()), which
 * writes it into the RAM header when the device can take it (qxl_cmd.c).
 */
struct qxl_port_args {
	union {
		struct {
			struct qxl_rect area;
			__le32 surface_id;
		} update;
		struct qxl_surface_create primary;
		struct qxl_memslot_range memslot;
		struct {
			struct qxl_monitors_config *config;
			u64 addr;
			const struct qxl_head_rect *heads;
			unsigned int n;
		} monitors;
	};
};

/* Port arguments in the RAM header */
void qxl_port_update_area(struct qxl_port_args *args, u32 surface_id, const struct drm_rect *r);
void qxl_port_primary(struct qxl_port_args *args, u32 w, u32 h, u64 mem);
void qxl_port_memslot(struct qxl_port_args *args, u64 start, u64 end);
void qxl_port_monitors_config(struct qxl_port_args *args, struct qxl_monitors_config *config,
			      u64 addr, const struct qxl_head_rect *heads, unsigned int n);
bool qxl_port_takes_args(enum qxl_io_port port);
void qxl_port_args_write(struct qxl_ram __iomem *ram, enum qxl_io_port port,
			 const struct qxl_port_args *args);

#endif /* QXL_CMD_H */
