// SPDX-License-Identifier: GPL-2.0-only
/*
 * Cursor planes.
 *
 * The device has one cursor, sent on the cursor ring: SET with an ARGB
 * image and its hotspot, MOVE, HIDE. Positions are where the hotspot is on
 * the primary surface. A SET is followed by a MOVE: SPICE clients take the
 * position only from MOVE. With several heads, the last update wins.
 */

#include <linux/slab.h>

#include <drm/drm_atomic.h>
#include <drm/drm_atomic_helper.h>
#include <drm/drm_blend.h>
#include <drm/drm_drv.h>
#include <drm/drm_format_helper.h>
#include <drm/drm_fourcc.h>
#include <drm/drm_framebuffer.h>
#include <drm/drm_modeset_helper_vtables.h>
#include <drm/drm_print.h>

#include "qxl_drv.h"
#include "qxl_plane.h"

#define QXL_CURSOR_SHAPE_OFF	192
static_assert(sizeof(struct qxl_cursor_cmd) <= QXL_CURSOR_SHAPE_OFF);

static const u32 qxl_cursor_formats[] = {
	DRM_FORMAT_ARGB8888,
};

static int qxl_cursor_plane_helper_atomic_check(struct drm_plane *plane,
						struct drm_atomic_commit *state)
{
	struct drm_plane_state *new_state = drm_atomic_get_new_plane_state(state, plane);
	struct drm_crtc_state *crtc_state = NULL;
	struct drm_framebuffer *fb = new_state->fb;

	if (fb && (fb->width > QXL_CURSOR_MAX || fb->height > QXL_CURSOR_MAX)) {
		drm_dbg_atomic(plane->dev, "cursor %ux%u larger than %ux%u\n",
			       fb->width, fb->height, QXL_CURSOR_MAX, QXL_CURSOR_MAX);
		return -EINVAL;
	}
	if (new_state->crtc)
		crtc_state = drm_atomic_get_new_crtc_state(state, new_state->crtc);
	return drm_atomic_helper_check_plane_state(new_state, crtc_state,
						   DRM_PLANE_NO_SCALING, DRM_PLANE_NO_SCALING,
						   true, true);
}

/*
 * The commit updates a plane being disabled only if its CRTC is still on
 * afterwards (DRM_PLANE_COMMIT_ACTIVE_ONLY).
 */
static bool qxl_crtc_stays_on(struct drm_atomic_commit *state, struct drm_crtc *crtc)
{
	struct drm_crtc_state *crtc_state = drm_atomic_get_new_crtc_state(state, crtc);

	return !crtc_state || crtc_state->active;
}

/* Decide between SET, MOVE and HIDE, and reserve device memory for it. */
static int qxl_cursor_plane_helper_prepare_fb(struct drm_plane *plane,
					      struct drm_plane_state *new_state)
{
	struct drm_plane_state *old_state = drm_atomic_get_old_plane_state(new_state->state,
									  plane);
	struct qxl_plane_state *qps = to_qxl_plane_state(new_state);
	struct qxl_device *qdev = to_qxl(plane->dev);
	struct drm_crtc_state *crtc_state = NULL;
	struct drm_framebuffer *fb = new_state->fb;
	u32 size = sizeof(struct qxl_cursor_cmd);
	unsigned int i, n = 1;
	int ret;

	ret = qxl_shadow_fb_prepare(plane, new_state);
	if (ret)
		return ret;
	if (new_state->crtc)
		crtc_state = drm_atomic_get_new_crtc_state(new_state->state, new_state->crtc);

	if (fb && new_state->visible) {
		if (fb != old_state->fb || !old_state->visible ||
		    qxl_cursor_hot_x(new_state) != qxl_cursor_hot_x(old_state) ||
		    qxl_cursor_hot_y(new_state) != qxl_cursor_hot_y(old_state) ||
		    (crtc_state && drm_atomic_crtc_needs_modeset(crtc_state))) {
			qps->cursor_op = QXL_CURSOR_SET;
			size = QXL_CURSOR_SHAPE_OFF + sizeof(struct qxl_cursor) +
			       fb->width * fb->height * 4;
			n = 2;
			qps->crc_copy = kvmalloc_array(fb->width * fb->height, 4, GFP_KERNEL);
			if (!qps->crc_copy)
				return qxl_plane_prepare_failed(plane, new_state, -ENOMEM);
		} else if (new_state->crtc_x != old_state->crtc_x ||
			   new_state->crtc_y != old_state->crtc_y) {
			qps->cursor_op = QXL_CURSOR_MOVE;
		} else {
			return 0;
		}
	} else if (old_state->fb && old_state->visible &&
		   qxl_crtc_stays_on(new_state->state, old_state->crtc)) {
		/* A CRTC turned off takes its cursor with it: no update is made. */
		qps->cursor_op = QXL_CURSOR_HIDE;
	} else {
		return 0;
	}

	qps->uploads = kcalloc(n, sizeof(*qps->uploads), GFP_KERNEL);
	if (!qps->uploads)
		return qxl_plane_prepare_failed(plane, new_state, -ENOMEM);
	for (i = 0; i < n; i++) {
		ret = qxl_plane_reserve(qdev, qps, i, i ? sizeof(struct qxl_cursor_cmd) : size);
		if (ret)
			return qxl_plane_prepare_failed(plane, new_state, ret);
	}
	return 0;
}

/* The framebuffer's pixels, packed (pitch = width * 4), into @dst. */
static void qxl_cursor_read_image(struct drm_plane_state *state, __le32 *dst)
{
	const struct iosys_map *src = &to_drm_shadow_plane_state(state)->data[0];
	struct drm_framebuffer *fb = state->fb;
	unsigned int pitch[DRM_FORMAT_MAX_PLANES] = { fb->width * 4 };
	struct drm_rect all = DRM_RECT_INIT(0, 0, fb->width, fb->height);
	struct iosys_map map = IOSYS_MAP_INIT_VADDR(dst);
	unsigned int row;

	if (src->is_iomem) {
		/* A device buffer (upstream's Xorg driver makes its cursors so). */
		for (row = 0; row < fb->height; row++)
			memcpy_fromio(dst + row * fb->width,
				      src->vaddr_iomem + row * fb->pitches[0], pitch[0]);
	} else if (!drm_gem_fb_begin_cpu_access(fb, DMA_FROM_DEVICE)) {
		drm_fb_memcpy(&map, pitch, src, fb, &all);
		drm_gem_fb_end_cpu_access(fb, DMA_FROM_DEVICE);
	} else {
		memset(dst, 0, pitch[0] * fb->height);
	}
}

/*
 * SPICE clients blend a cursor with straight alpha, while the plane's
 * pixels are pre-multiplied (its blend mode, what compositors draw):
 * divide each colour by its alpha on the way to the device.
 */
static void qxl_cursor_straight_alpha(__le32 *dst, const __le32 *src, u32 pixels)
{
	u32 i, p, a, out;
	int k;

	for (i = 0; i < pixels; i++) {
		p = le32_to_cpu(src[i]);
		a = p >> 24;
		if (a == 255) {
			out = p;
		} else {
			out = a << 24;
			for (k = 0; a && k < 24; k += 8)
				out |= min((((p >> k) & 0xff) * 255 + a / 2) / a, 255u) << k;
		}
		dst[i] = cpu_to_le32(out);
	}
}

/* What the head's CRC blends in (qxl_crc_blend_cursor()). */
static void qxl_cursor_crc_update(struct drm_plane *plane, struct drm_plane_state *state)
{
	struct qxl_head *head = container_of(plane, struct qxl_head, cursor);
	struct qxl_plane_state *qps = to_qxl_plane_state(state);
	struct qxl_crc_cursor *c = &head->crc_cursor;

	mutex_lock(&head->crc_lock);
	if (qps->cursor_op == QXL_CURSOR_SET) {
		swap(c->px, qps->crc_copy);
		c->w = state->fb->width;
		c->h = state->fb->height;
	}
	c->on = qps->cursor_op != QXL_CURSOR_HIDE;
	c->x = state->crtc_x;
	c->y = state->crtc_y;
	mutex_unlock(&head->crc_lock);
}

static void qxl_cursor_plane_commit(struct drm_plane *plane, struct drm_plane_state *new_state)
{
	struct qxl_plane_state *qps = to_qxl_plane_state(new_state);
	struct qxl_device *qdev = to_qxl(plane->dev);
	struct drm_framebuffer *fb = new_state->fb;
	struct qxl_dmem *dmem, *move = NULL;
	struct qxl_cursor_cmd *cmd;
	struct qxl_cursor *shape;
	u64 shape_addr = 0;
	int x = 0, y = 0, idx;

	if (!qps->num_uploads)
		return;
	dmem = qps->uploads[0].dmem;
	if (qps->num_uploads > 1)
		move = qps->uploads[1].dmem;
	qps->num_uploads = 0;
	if (!drm_dev_enter(plane->dev, &idx)) {
		qxl_dmem_free(qdev, dmem);
		if (move)
			qxl_dmem_free(qdev, move);
		return;
	}

	if (fb && new_state->crtc) {
		const struct qxl_head_rect *head = &qdev->layout[drm_crtc_index(new_state->crtc)];

		x = head->x + new_state->crtc_x + qxl_cursor_hot_x(new_state);
		y = head->y + new_state->crtc_y + qxl_cursor_hot_y(new_state);
	}
	cmd = qxl_dmem_ptr(qdev, dmem);
	if (qps->cursor_op == QXL_CURSOR_SET) {
		shape = (void *)cmd + QXL_CURSOR_SHAPE_OFF;
		qxl_cmd_cursor_shape(shape, fb->width, fb->height, qxl_cursor_hot_x(new_state),
				     qxl_cursor_hot_y(new_state));
		qxl_cursor_read_image(new_state, qps->crc_copy);
		qxl_cursor_straight_alpha((__le32 *)shape->chunk.data, qps->crc_copy,
					  fb->width * fb->height);
		shape_addr = qxl_dmem_phys(qdev, dmem, QXL_CURSOR_SHAPE_OFF);
	}
	qxl_cmd_cursor(cmd, qps->cursor_op, x, y, shape_addr);
	qxl_ring_push(qdev, true, QXL_CMD_CURSOR, dmem);
	qxl_cursor_crc_update(plane, new_state);
	if (move) {
		qxl_cmd_cursor(qxl_dmem_ptr(qdev, move), QXL_CURSOR_MOVE, x, y, 0);
		qxl_ring_push(qdev, true, QXL_CMD_CURSOR, move);
	}
	drm_dev_exit(idx);
}

static void qxl_cursor_plane_helper_atomic_update(struct drm_plane *plane,
						  struct drm_atomic_commit *state)
{
	qxl_cursor_plane_commit(plane, drm_atomic_get_new_plane_state(state, plane));
}

static void qxl_cursor_plane_helper_atomic_disable(struct drm_plane *plane,
						   struct drm_atomic_commit *state)
{
	qxl_cursor_plane_commit(plane, drm_atomic_get_new_plane_state(state, plane));
}

/* No shadow of the device's picture here: only the primary plane has one. */
static const struct drm_plane_helper_funcs qxl_cursor_plane_helper_funcs = {
	.prepare_fb = qxl_cursor_plane_helper_prepare_fb,
	.cleanup_fb = qxl_plane_unprepare,	/* nothing of the cursor's own */
	.atomic_check = qxl_cursor_plane_helper_atomic_check,
	.atomic_update = qxl_cursor_plane_helper_atomic_update,
	.atomic_disable = qxl_cursor_plane_helper_atomic_disable,
};

int qxl_cursor_plane_init(struct qxl_device *qdev, struct drm_plane *plane, unsigned int index)
{
	int ret;

	ret = drm_universal_plane_init(&qdev->drm, plane, BIT(index), &qxl_plane_funcs,
				       qxl_cursor_formats, ARRAY_SIZE(qxl_cursor_formats),
				       qxl_plane_modifiers, DRM_PLANE_TYPE_CURSOR, NULL);
	if (ret)
		return ret;
	drm_plane_helper_add(plane, &qxl_cursor_plane_helper_funcs);
	/* ARGB8888 with the blend mode DRM clients assume for cursors. */
	return drm_plane_create_blend_mode_property(plane, BIT(DRM_MODE_BLEND_PREMULTI));
}
