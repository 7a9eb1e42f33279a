/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The builders of the device's commands (qxl_cmd.c): each fills a command,
 * or a part of one, in the buffer it is given, from plain arguments. They
 * take no lock, do no I/O and allocate nothing, so that KUnit can call
 * them on a buffer in memory (qxl_kunit.c, suite qxl_cmd).
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

#endif /* QXL_CMD_H */
