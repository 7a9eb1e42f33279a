// SPDX-License-Identifier: GPL-2.0-only
/*
 * The builders of every command the driver hands the device, in one place
 * next to the rings (qxl_ring.c) that carry them, as virtio-gpu's
 * virtgpu_vq.c does for its commands.
 *
 * A builder fills a command, or a part of one, in the buffer it is given,
 * from plain arguments: it takes no lock, does no I/O and allocates nothing,
 * and what it needs of the device (the mm_time a draw carries, a device
 * address) is an argument. Its caller keeps the logic: what to draw,
 * reserving device memory, copying pixels, pushing the command. A builder
 * of a whole structure clears it first, so that the device never reads a
 * stale field of a reused block; the few that add to a structure built
 * before (qxl_cmd_draw_clip_rects()) say so.
 *
 * Commands are built in the device memory pool, which the device reads
 * only once qxl_ring_push() hands the block over; the order in which a
 * builder writes the fields of a block does not matter before that.
 *
 * EXECBUFFER's commands are built by userspace: the verifier in
 * qxl_exec.c only rewrites what it has checked.
 *
 * Port arguments. Some ports take their arguments from fields of the RAM
 * header, of which there is one copy: UPDATE_AREA the area and the surface,
 * CREATE_PRIMARY the primary's description, MEMSLOT_ADD the slot's range,
 * MONITORS_CONFIG the address of the monitors config, which spice-server
 * reads on its own thread until the operation ends. The rule for them:
 *
 *   Port arguments are written only by qxl_port_args_write(), which only
 *   the port chokepoint calls (qxl_io_async_args() and qxl_io_write_args()
 *   in qxl_hw.c): under io_lock, once no asynchronous operation is
 *   outstanding, immediately before the port write that consumes them.
 *   The monitors config, which the device reads through its address, is
 *   built there too.
 *
 * Callers build a struct qxl_port_args with the pure qxl_port_*()
 * builders and hand it to the chokepoint; none writes those fields
 * (tests/checkpatch.sh checks). As io_lock and io_pending let one
 * operation run at a time, and the device takes the RAM header's fields
 * when the port is written (QEMU copies them in its port handler) and the
 * monitors config before the IO_CMD interrupt that ends the operation, the
 * arguments of one operation are never replaced by another's before the
 * device has read them.
 */

#include <linux/io.h>
#include <linux/string.h>

#include <drm/drm_rect.h>

#include "qxl_drv.h"
#include "qxl_kunit.h"

/* ------------------------------------------------------------------ */
/* Draws (QXL_CMD_DRAW)                                                 */

/**
 * qxl_cmd_rect - a rectangle as the device reads it
 * @hw: the rectangle to fill
 * @x1: left edge
 * @y1: top edge
 * @x2: right edge (exclusive)
 * @y2: bottom edge (exclusive)
 */
void qxl_cmd_rect(struct qxl_rect *hw, int x1, int y1, int x2, int y2)
{
	hw->left = cpu_to_le32(x1);
	hw->top = cpu_to_le32(y1);
	hw->right = cpu_to_le32(x2);
	hw->bottom = cpu_to_le32(y2);
}

/**
 * qxl_cmd_draw - the header of a draw on the primary surface
 * @draw: the drawable to fill; its payload (draw->u) is left zero
 * @type: the draw type (QXL_DRAW_*)
 * @mm_time: the device's multimedia time (qxl_mm_time())
 * @x1: left edge of the area drawn
 * @y1: top edge
 * @x2: right edge (exclusive)
 * @y2: bottom edge (exclusive)
 *
 * The draw is opaque, unclipped and depends on no other surface.
 */
void qxl_cmd_draw(struct qxl_drawable *draw, u8 type, u32 mm_time, int x1, int y1, int x2,
		  int y2)
{
	unsigned int i;

	memset(draw, 0, sizeof(*draw));
	draw->surface_id = 0;
	draw->effect = QXL_EFFECT_OPAQUE;
	draw->type = type;
	qxl_cmd_rect(&draw->bbox, x1, y1, x2, y2);
	draw->clip.type = cpu_to_le32(QXL_CLIP_TYPE_NONE);
	draw->mm_time = cpu_to_le32(mm_time);
	for (i = 0; i < ARRAY_SIZE(draw->surfaces_dest); i++)
		draw->surfaces_dest[i] = cpu_to_le32(QXL_SURFACE_NONE);
}

/**
 * qxl_cmd_draw_copy - a DRAW_COPY onto the primary surface, unclipped
 * @draw: the drawable to fill
 * @mm_time: the device's multimedia time
 * @image: device address of the source image (struct qxl_image)
 * @sx: left edge of the source area in the image
 * @sy: top edge of the source area
 * @dx: where its left edge goes on the primary surface
 * @dy: where its top edge goes
 * @w: width of the area
 * @h: height of the area
 */
void qxl_cmd_draw_copy(struct qxl_drawable *draw, u32 mm_time, u64 image, int sx, int sy,
		       int dx, int dy, u32 w, u32 h)
{
	qxl_cmd_draw(draw, QXL_DRAW_COPY, mm_time, dx, dy, dx + w, dy + h);
	draw->u.copy.src_bitmap = cpu_to_le64(image);
	qxl_cmd_rect(&draw->u.copy.src_area, sx, sy, sx + w, sy + h);
	draw->u.copy.rop_descriptor = cpu_to_le16(QXL_ROPD_OP_PUT);
}

QXL_KUNIT_EXPORT(qxl_cmd_draw_copy);

/**
 * qxl_cmd_draw_surface_copy - a DRAW_COPY of part of an off-screen surface
 *	onto the primary surface
 * @draw: the drawable to fill
 * @mm_time: the device's multimedia time
 * @image: device address of the surface's image (qxl_cmd_image_surface())
 * @surface_id: the surface
 * @src: the part copied, surface coordinates
 * @dx: offset from surface to primary surface coordinates
 * @dy: offset from surface to primary surface coordinates
 */
void qxl_cmd_draw_surface_copy(struct qxl_drawable *draw, u32 mm_time, u64 image,
			       u32 surface_id, const struct drm_rect *src, int dx, int dy)
{
	qxl_cmd_draw_copy(draw, mm_time, image, src->x1, src->y1, src->x1 + dx, src->y1 + dy,
			  drm_rect_width(src), drm_rect_height(src));
	/* The device renders what is pending on the surface first. */
	draw->surfaces_dest[0] = cpu_to_le32(surface_id);
	qxl_cmd_rect(&draw->surfaces_rects[0], src->x1, src->y1, src->x2, src->y2);
}

QXL_KUNIT_EXPORT(qxl_cmd_draw_surface_copy);

/**
 * qxl_cmd_draw_fill - a solid FILL of an area of the primary surface
 * @draw: the drawable to fill
 * @mm_time: the device's multimedia time
 * @color: the colour, XRGB
 * @x1: left edge
 * @y1: top edge
 * @x2: right edge (exclusive)
 * @y2: bottom edge (exclusive)
 */
void qxl_cmd_draw_fill(struct qxl_drawable *draw, u32 mm_time, u32 color, int x1, int y1,
		       int x2, int y2)
{
	struct qxl_fill fill = {};

	static_assert(sizeof(fill) <= sizeof(draw->u));
	qxl_cmd_draw(draw, QXL_DRAW_FILL, mm_time, x1, y1, x2, y2);
	fill.brush.type = cpu_to_le32(QXL_BRUSH_TYPE_SOLID);
	fill.brush.u.color = cpu_to_le32(color);
	fill.rop_descriptor = cpu_to_le16(QXL_ROPD_OP_PUT);
	memcpy(&draw->u, &fill, sizeof(fill));
}

QXL_KUNIT_EXPORT(qxl_cmd_draw_fill);

/**
 * qxl_cmd_draw_clip_rects - clip a draw to a list of rectangles
 * @draw: the drawable, built before (qxl_cmd_draw_copy()); only its clip
 *	changes
 * @rects: device address of the list (qxl_cmd_clip_rects())
 */
void qxl_cmd_draw_clip_rects(struct qxl_drawable *draw, u64 rects)
{
	draw->clip.type = cpu_to_le32(QXL_CLIP_TYPE_RECTS);
	draw->clip.data = cpu_to_le64(rects);
}

/**
 * qxl_cmd_clip_rects - a draw's list of clip rectangles, in one chunk
 * @cr: the list to fill; room for @n rectangles must follow it
 * @clips: the rectangles
 * @n: how many
 * @dx: offset added to every rectangle
 * @dy: offset added to every rectangle
 */
void qxl_cmd_clip_rects(struct qxl_clip_rects *cr, const struct drm_rect *clips, u32 n,
			int dx, int dy)
{
	struct qxl_rect *r = (struct qxl_rect *)cr->chunk.data;
	u32 i;

	cr->num_rects = cpu_to_le32(n);
	cr->chunk.data_size = cpu_to_le32(n * sizeof(*r));
	cr->chunk.prev_chunk = 0;
	cr->chunk.next_chunk = 0;
	for (i = 0; i < n; i++)
		qxl_cmd_rect(&r[i], clips[i].x1 + dx, clips[i].y1 + dy, clips[i].x2 + dx,
			     clips[i].y2 + dy);
}

/**
 * qxl_cmd_image_bitmap - an image of 32-bit pixels, top-down, not cached
 * @image: the image to fill
 * @w: width in pixels
 * @h: height in pixels
 * @stride: bytes from one row to the next
 * @data: device address of the first pixel
 */
void qxl_cmd_image_bitmap(struct qxl_image *image, u32 w, u32 h, u32 stride, u64 data)
{
	memset(image, 0, sizeof(*image));
	image->descriptor.id = cpu_to_le64(QXL_IMAGE_GROUP_DRIVER_DONT_CACHE);
	image->descriptor.type = QXL_IMAGE_BITMAP;
	image->descriptor.width = cpu_to_le32(w);
	image->descriptor.height = cpu_to_le32(h);
	image->bitmap.format = QXL_BITMAP_FMT_32BIT;
	image->bitmap.flags = QXL_BITMAP_DIRECT | QXL_BITMAP_TOP_DOWN;
	image->bitmap.x = cpu_to_le32(w);
	image->bitmap.y = cpu_to_le32(h);
	image->bitmap.stride = cpu_to_le32(stride);
	image->bitmap.data = cpu_to_le64(data);
}

/**
 * qxl_cmd_image_surface - an image that is an off-screen surface
 * @image: the image to fill
 * @surface_id: the surface
 * @w: its width
 * @h: its height
 */
void qxl_cmd_image_surface(struct qxl_image *image, u32 surface_id, u32 w, u32 h)
{
	memset(image, 0, sizeof(*image));
	image->descriptor.type = QXL_IMAGE_SURFACE;
	image->descriptor.width = cpu_to_le32(w);
	image->descriptor.height = cpu_to_le32(h);
	/* QXLSurfaceImage: the surface id is where a bitmap would start. */
	put_unaligned_le32(surface_id, &image->bitmap);
}

/* ------------------------------------------------------------------ */
/* The cursor (QXL_CMD_CURSOR, on the cursor ring)                      */

/**
 * qxl_cmd_cursor - a command of the cursor ring
 * @cmd: the command to fill
 * @type: QXL_CURSOR_SET, QXL_CURSOR_MOVE or QXL_CURSOR_HIDE
 * @x: for SET and MOVE, where the hotspot is on the primary surface
 * @y: the same, vertically
 * @shape: for SET, device address of the shape (qxl_cmd_cursor_shape())
 *
 * A SET also shows the cursor. SPICE clients take the position only from
 * MOVE: a SET is followed by one.
 */
void qxl_cmd_cursor(struct qxl_cursor_cmd *cmd, enum qxl_cursor_cmd_type type, int x, int y,
		    u64 shape)
{
	memset(cmd, 0, sizeof(*cmd));
	cmd->type = type;
	switch (type) {
	case QXL_CURSOR_SET:
		cmd->u.set.position.x = cpu_to_le16((u16)x);
		cmd->u.set.position.y = cpu_to_le16((u16)y);
		cmd->u.set.visible = 1;
		cmd->u.set.shape = cpu_to_le64(shape);
		break;
	case QXL_CURSOR_MOVE:
		cmd->u.position.x = cpu_to_le16((u16)x);
		cmd->u.position.y = cpu_to_le16((u16)y);
		break;
	case QXL_CURSOR_HIDE:
		break;
	}
}

/**
 * qxl_cmd_cursor_shape - the header of a cursor image with alpha
 * @shape: the shape to fill; its @w x @h pixels, straight-alpha ARGB8888
 *	with no padding, follow it (shape->chunk.data) and are the caller's
 * @w: width in pixels
 * @h: height in pixels
 * @hot_x: the hotspot, from the image's left edge
 * @hot_y: the hotspot, from its top edge
 */
void qxl_cmd_cursor_shape(struct qxl_cursor *shape, u32 w, u32 h, u32 hot_x, u32 hot_y)
{
	u32 bytes = w * h * 4;

	memset(shape, 0, sizeof(*shape));
	shape->type = cpu_to_le16(QXL_CURSOR_TYPE_ALPHA);
	shape->width = cpu_to_le16(w);
	shape->height = cpu_to_le16(h);
	shape->hot_spot_x = cpu_to_le16(hot_x);
	shape->hot_spot_y = cpu_to_le16(hot_y);
	shape->data_size = cpu_to_le32(bytes);
	shape->chunk.data_size = cpu_to_le32(bytes);
}

/* ------------------------------------------------------------------ */
/* Off-screen surfaces (QXL_CMD_SURFACE)                                */

/**
 * qxl_cmd_surface_create - create an off-screen surface over device memory
 * @cmd: the command to fill
 * @surface_id: the surface's hardware id
 * @format: QXL_SURF_FMT_*
 * @w: width in pixels
 * @h: height in pixels
 * @stride: bytes from one row to the next, negative for bottom-up
 * @data: device address of its memory
 * @flags: QXL_SURF_FLAG_KEEP_DATA to keep the pixels the memory holds
 *	(re-creation after a reset), else 0
 */
void qxl_cmd_surface_create(struct qxl_surface_cmd *cmd, u32 surface_id, u32 format, u32 w,
			    u32 h, s32 stride, u64 data, u32 flags)
{
	memset(cmd, 0, sizeof(*cmd));
	cmd->surface_id = cpu_to_le32(surface_id);
	cmd->type = QXL_SURFACE_CMD_CREATE;
	cmd->flags = cpu_to_le32(flags);
	cmd->create.format = cpu_to_le32(format);
	cmd->create.width = cpu_to_le32(w);
	cmd->create.height = cpu_to_le32(h);
	cmd->create.stride = cpu_to_le32(stride);
	cmd->create.data = cpu_to_le64(data);
}

QXL_KUNIT_EXPORT(qxl_cmd_surface_create);

/**
 * qxl_cmd_surface_destroy - destroy an off-screen surface
 * @cmd: the command to fill
 * @surface_id: the surface's hardware id
 */
void qxl_cmd_surface_destroy(struct qxl_surface_cmd *cmd, u32 surface_id)
{
	memset(cmd, 0, sizeof(*cmd));
	cmd->surface_id = cpu_to_le32(surface_id);
	cmd->type = QXL_SURFACE_CMD_DESTROY;
}

QXL_KUNIT_EXPORT(qxl_cmd_surface_destroy);

/* ------------------------------------------------------------------ */
/* Messages (QXL_CMD_MESSAGE)                                           */

/**
 * qxl_cmd_message - an empty message, one NUL byte of text
 * @msg: the command to fill
 *
 * The device only logs a message and releases it at once, which is what
 * qxl_release_nudge() sends them for.
 */
void qxl_cmd_message(struct qxl_message_cmd *msg)
{
	memset(msg, 0, sizeof(*msg));
}

/* ------------------------------------------------------------------ */
/* The monitors config (QXL_IO_MONITORS_CONFIG_ASYNC)                   */

/**
 * qxl_cmd_monitors_config - where the heads are in the primary surface
 * @mc: the config to fill; room for @n heads must follow it
 * @heads: every head's rectangle, width 0 for a head that is off
 * @n: the number of heads, all of them on or off
 *
 * The device, and through it every SPICE client, learns the layout from
 * this.
 */
void qxl_cmd_monitors_config(struct qxl_monitors_config *mc, const struct qxl_head_rect *heads,
			     unsigned int n)
{
	unsigned int i;

	mc->count = cpu_to_le16(n);
	mc->max_allowed = cpu_to_le16(n);
	for (i = 0; i < n; i++) {
		const struct qxl_head_rect *r = &heads[i];

		mc->heads[i] = (struct qxl_head_config){
			.id = cpu_to_le32(i),
			.width = cpu_to_le32(r->w),
			.height = cpu_to_le32(r->h),
			.x = cpu_to_le32(r->x),
			.y = cpu_to_le32(r->y),
		};
	}
}

QXL_KUNIT_EXPORT(qxl_cmd_monitors_config);

/* ------------------------------------------------------------------ */
/* Port arguments in the RAM header                                     */

/**
 * qxl_port_update_area - the arguments of UPDATE_AREA
 * @args: the arguments to fill
 * @surface_id: the surface to render, 0 for the primary
 * @r: the area
 */
void qxl_port_update_area(struct qxl_port_args *args, u32 surface_id, const struct drm_rect *r)
{
	memset(args, 0, sizeof(*args));
	qxl_cmd_rect(&args->update.area, r->x1, r->y1, r->x2, r->y2);
	args->update.surface_id = cpu_to_le32(surface_id);
}

QXL_KUNIT_EXPORT(qxl_port_update_area);

/**
 * qxl_port_primary - the arguments of CREATE_PRIMARY
 * @args: the arguments to fill
 * @w: width of the primary surface
 * @h: height
 * @mem: device address of its memory, at the start of BAR0
 *
 * The primary is XRGB8888, top-down, with rows of @w pixels, and the
 * client's mouse in its "server" mode.
 */
void qxl_port_primary(struct qxl_port_args *args, u32 w, u32 h, u64 mem)
{
	struct qxl_surface_create *cs = &args->primary;

	memset(args, 0, sizeof(*args));
	cs->width = cpu_to_le32(w);
	cs->height = cpu_to_le32(h);
	cs->stride = cpu_to_le32(w * 4);
	cs->format = cpu_to_le32(QXL_SURF_FMT_32_XRGB);
	cs->position = 0;
	cs->mouse_mode = cpu_to_le32(1);
	cs->flags = 0;
	cs->type = cpu_to_le32(QXL_SURF_TYPE_PRIMARY);
	cs->mem = cpu_to_le64(mem);
}

QXL_KUNIT_EXPORT(qxl_port_primary);

/**
 * qxl_port_memslot - the arguments of MEMSLOT_ADD
 * @args: the arguments to fill
 * @start: guest-physical start of the slot
 * @end: guest-physical end (exclusive)
 */
void qxl_port_memslot(struct qxl_port_args *args, u64 start, u64 end)
{
	memset(args, 0, sizeof(*args));
	args->memslot.mem_start = cpu_to_le64(start);
	args->memslot.mem_end = cpu_to_le64(end);
}

QXL_KUNIT_EXPORT(qxl_port_memslot);

/**
 * qxl_port_monitors_config - the arguments of MONITORS_CONFIG_ASYNC
 * @args: the arguments to fill
 * @config: the block of device memory the config is built in, with room
 *	for @n heads
 * @addr: its device address
 * @heads: every head's rectangle (qxl_cmd_monitors_config())
 * @n: the number of heads
 *
 * The device reads the config itself until the operation ends, so it is
 * built by qxl_port_args_write() too, under the same rule as the RAM
 * header's fields; @heads must stay as they are until then.
 */
void qxl_port_monitors_config(struct qxl_port_args *args, struct qxl_monitors_config *config,
			      u64 addr, const struct qxl_head_rect *heads, unsigned int n)
{
	memset(args, 0, sizeof(*args));
	args->monitors.config = config;
	args->monitors.addr = addr;
	args->monitors.heads = heads;
	args->monitors.n = n;
}

QXL_KUNIT_EXPORT(qxl_port_monitors_config);

/**
 * qxl_port_takes_args - whether a port reads arguments from the RAM header
 * @port: the port
 *
 * Return: true for the ports qxl_port_args_write() writes arguments for.
 */
bool qxl_port_takes_args(enum qxl_io_port port)
{
	switch (port) {
	case QXL_IO_UPDATE_AREA:
	case QXL_IO_UPDATE_AREA_ASYNC:
	case QXL_IO_MEMSLOT_ADD:
	case QXL_IO_MEMSLOT_ADD_ASYNC:
	case QXL_IO_CREATE_PRIMARY_ASYNC:
	case QXL_IO_MONITORS_CONFIG_ASYNC:
		return true;
	default:
		return false;
	}
}

QXL_KUNIT_EXPORT(qxl_port_takes_args);

/**
 * qxl_port_args_write - put a port's arguments where the device reads them
 * @ram: the RAM header
 * @port: the port about to be written
 * @args: its arguments
 *
 * The only writer of the RAM header's argument fields. Only the port
 * chokepoint calls it (qxl_hw.c), under io_lock, with no asynchronous
 * operation outstanding, immediately before the port write. The fields are
 * written one by one, in the order of the RAM header.
 */
void qxl_port_args_write(struct qxl_ram __iomem *ram, enum qxl_io_port port,
			 const struct qxl_port_args *args)
{
	const struct qxl_surface_create *cs = &args->primary;

	switch (port) {
	case QXL_IO_UPDATE_AREA:
	case QXL_IO_UPDATE_AREA_ASYNC:
		writel(le32_to_cpu(args->update.area.top), &ram->update_area.top);
		writel(le32_to_cpu(args->update.area.left), &ram->update_area.left);
		writel(le32_to_cpu(args->update.area.bottom), &ram->update_area.bottom);
		writel(le32_to_cpu(args->update.area.right), &ram->update_area.right);
		writel(le32_to_cpu(args->update.surface_id), &ram->update_surface);
		break;
	case QXL_IO_MEMSLOT_ADD:
	case QXL_IO_MEMSLOT_ADD_ASYNC:
		writeq(le64_to_cpu(args->memslot.mem_start), &ram->mem_slot.mem_start);
		writeq(le64_to_cpu(args->memslot.mem_end), &ram->mem_slot.mem_end);
		break;
	case QXL_IO_CREATE_PRIMARY_ASYNC:
		writel(le32_to_cpu(cs->width), &ram->create_surface.width);
		writel(le32_to_cpu(cs->height), &ram->create_surface.height);
		writel(le32_to_cpu(cs->stride), &ram->create_surface.stride);
		writel(le32_to_cpu(cs->format), &ram->create_surface.format);
		writel(le32_to_cpu(cs->position), &ram->create_surface.position);
		writel(le32_to_cpu(cs->mouse_mode), &ram->create_surface.mouse_mode);
		writel(le32_to_cpu(cs->flags), &ram->create_surface.flags);
		writel(le32_to_cpu(cs->type), &ram->create_surface.type);
		writeq(le64_to_cpu(cs->mem), &ram->create_surface.mem);
		break;
	case QXL_IO_MONITORS_CONFIG_ASYNC:
		qxl_cmd_monitors_config(args->monitors.config, args->monitors.heads,
					args->monitors.n);
		/* The config must be complete in memory before the device reads it. */
		wmb();
		writeq(args->monitors.addr, &ram->monitors_config);
		break;
	default:
		break;
	}
}

QXL_KUNIT_EXPORT(qxl_port_args_write);
