// SPDX-License-Identifier: GPL-2.0-only
/*
 * Off-screen surfaces as framebuffers. A framebuffer can be an off-screen
 * surface (ALLOC_SURF), drawn by the device from EXECBUFFER commands, as
 * upstream's Xorg driver does. Its pixels are already on the device: the
 * primary plane copies the damaged part to the primary surface with a
 * device-side DRAW_COPY from the surface (qxl_plane.c), and commands that
 * draw on a shown surface are followed, coalesced, by the same copy
 * (qxl_scanout_damage() from qxl_exec.c, then qxl_scanout_work()).
 */

#include <drm/drm_drv.h>
#include <drm/drm_framebuffer.h>

#include "qxl_drv.h"
#include "qxl_plane.h"

/* Draws on a shown surface are copied to the primary this much later, merged. */
#define QXL_SCANOUT_COALESCE_MS	4

/* The off-screen surface behind @fb, if it is one. */
struct qxl_bo *qxl_fb_surface(const struct drm_framebuffer *fb)
{
	struct qxl_bo *bo = fb && qxl_is_bo(fb->obj[0]) ? to_qxl_bo(fb->obj[0]) : NULL;

	return bo && bo->surface_id ? bo : NULL;
}

/*
 * Queue a DRAW_COPY of @src of surface @bo to (@src + @dx, @dy) of the
 * primary surface, in @dmem (QXL_UPLOAD_CLIPS_OFF bytes).
 */
int qxl_draw_surface_copy(struct qxl_device *qdev, struct qxl_dmem *dmem,
			  const struct qxl_bo *bo, const struct drm_rect *src,
			  int dx, int dy)
{
	void *blk = qxl_dmem_ptr(qdev, dmem);
	struct qxl_drawable draw;
	struct qxl_image image;

	qxl_cmd_image_surface(&image, bo->surface_id, bo->width, bo->height);
	memcpy(blk + QXL_UPLOAD_IMAGE_OFF, &image, sizeof(image));

	qxl_cmd_draw_surface_copy(&draw, qxl_mm_time(qdev),
				  qxl_dmem_phys(qdev, dmem, QXL_UPLOAD_IMAGE_OFF), bo->surface_id,
				  src, dx, dy);
	memcpy(blk, &draw, sizeof(draw));

	atomic_inc(&qdev->scanout_copies);
	return qxl_ring_push(qdev, false, QXL_CMD_DRAW, dmem);
}

/**
 * qxl_scanout_damage - note that commands drew on a surface
 * @qdev: the device
 * @surface_id: the surface
 * @r: the area drawn, surface coordinates
 *
 * If a head shows the surface, the area is copied to the primary surface
 * shortly after, merged with other draws in between.
 */
void qxl_scanout_damage(struct qxl_device *qdev, u32 surface_id, const struct drm_rect *r)
{
	bool shown = false;
	unsigned int i;

	if (!surface_id)
		atomic_inc(&qdev->primary_draws);
	spin_lock(&qdev->scanout_lock);
	for (i = 0; i < qdev->num_heads; i++) {
		struct qxl_scanout *s = &qdev->scanout[i];

		if (!surface_id || s->surface_id != surface_id)
			continue;
		if (drm_rect_visible(&s->pending))
			qxl_rect_union(&s->pending, r);
		else
			s->pending = *r;
		shown = true;
	}
	spin_unlock(&qdev->scanout_lock);
	if (shown)
		schedule_delayed_work(&qdev->scanout_work,
				      msecs_to_jiffies(QXL_SCANOUT_COALESCE_MS));
}

void qxl_scanout_work(struct work_struct *work)
{
	struct qxl_device *qdev = container_of(work, struct qxl_device, scanout_work.work);
	struct qxl_scanout s;
	struct qxl_dmem *dmem;
	struct qxl_bo *bo;
	unsigned int i;
	int idx;

	if (!drm_dev_enter(&qdev->drm, &idx))
		return;
	for (i = 0; i < qdev->num_heads; i++) {
		/* a copy: a commit may change the head once the lock is dropped */
		spin_lock(&qdev->scanout_lock);
		s = qdev->scanout[i];
		qdev->scanout[i].pending = (struct drm_rect){};
		spin_unlock(&qdev->scanout_lock);
		if (!s.surface_id || !drm_rect_intersect(&s.pending, &s.src))
			continue;

		/* Under surf_lock the surface cannot be destroyed meanwhile. */
		mutex_lock(&qdev->surf_lock);
		bo = qxl_bo_surface(qdev, s.surface_id);
		if (bo && !qxl_dmem_alloc(qdev, QXL_UPLOAD_CLIPS_OFF, &dmem))
			qxl_draw_surface_copy(qdev, dmem, bo, &s.pending, s.dx, s.dy);
		mutex_unlock(&qdev->surf_lock);
	}
	drm_dev_exit(idx);
}

/* Remember which surface, if any, head @index shows now. */
void qxl_scanout_set(struct qxl_device *qdev, unsigned int index,
		     struct drm_plane_state *state, int dx, int dy)
{
	struct qxl_bo *bo = state->visible ? qxl_fb_surface(state->fb) : NULL;
	struct qxl_scanout *s = &qdev->scanout[index];

	spin_lock(&qdev->scanout_lock);
	s->surface_id = bo ? bo->surface_id : 0;
	s->src = DRM_RECT_INIT(state->src.x1 >> 16, state->src.y1 >> 16,
			       drm_rect_width(&state->src) >> 16,
			       drm_rect_height(&state->src) >> 16);
	s->dx = dx;
	s->dy = dy;
	s->pending = (struct drm_rect){};
	spin_unlock(&qdev->scanout_lock);
}
