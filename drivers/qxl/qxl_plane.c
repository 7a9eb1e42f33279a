// SPDX-License-Identifier: GPL-2.0-only
/*
 * Primary planes. Framebuffers are shmem GEM objects and the device only
 * learns about new pixels through draw commands, so every update uploads
 * the damaged rectangles into device memory and draws them onto the
 * primary surface, at the head's place in it, with DRAW_COPYs. Device
 * memory is reserved in prepare_fb, where waiting and failing are allowed;
 * atomic_update only copies and queues.
 *
 * A framebuffer can also be an off-screen surface (ALLOC_SURF), drawn by
 * the device from EXECBUFFER commands, as upstream's Xorg driver does.
 * Its pixels are already on the device: updates copy the damaged part to
 * the primary surface with a device-side DRAW_COPY from the surface, and
 * commands drawing on it are followed, coalesced, by the same copy
 * (qxl_scanout.c).
 *
 * The planes' state and funcs are shared with the cursor planes
 * (qxl_cursor.c) through qxl_plane.h.
 */

#include <linux/slab.h>
#include <linux/sort.h>

#include <drm/drm_atomic.h>
#include <drm/drm_atomic_helper.h>
#include <drm/drm_blend.h>
#include <drm/drm_damage_helper.h>
#include <drm/drm_drv.h>
#include <drm/drm_format_helper.h>
#include <drm/drm_fourcc.h>
#include <drm/drm_framebuffer.h>
#include <drm/drm_gem_framebuffer_helper.h>
#include <drm/drm_modeset_helper_vtables.h>
#include <drm/drm_print.h>

#include "qxl_drv.h"
#include "qxl_kunit.h"
#include "qxl_plane.h"

static u32 qxl_upload_pixels_off(unsigned int count)
{
	if (count < 2)
		return QXL_UPLOAD_CLIPS_OFF;
	return ALIGN(QXL_UPLOAD_CLIPS_OFF + sizeof(struct qxl_clip_rects) +
		     count * sizeof(struct qxl_rect), 64);
}

static u32 qxl_upload_size(const struct qxl_upload *up)
{
	return qxl_upload_pixels_off(up->count) +
	       drm_rect_width(&up->src) * drm_rect_height(&up->src) * 4;
}

static u64 qxl_rect_area(const struct drm_rect *r)
{
	return (u64)drm_rect_width(r) * drm_rect_height(r);
}

static int qxl_rect_cmp(const void *a, const void *b)
{
	const struct drm_rect *ra = a, *rb = b;

	if (ra->y1 != rb->y1)
		return ra->y1 < rb->y1 ? -1 : 1;
	return ra->x1 < rb->x1 ? -1 : ra->x1 > rb->x1;
}

/* Sort the rectangles and group them; returns the number of groups. */
QXL_KUNIT_STATIC unsigned int qxl_group_clips(struct drm_rect *clips, unsigned int n,
					      struct qxl_upload *up)
{
	unsigned int i, g = 0;
	u64 area = 0;

	sort(clips, n, sizeof(*clips), qxl_rect_cmp, NULL);
	for (i = 0; i < n; i++) {
		struct qxl_upload *cur = g ? &up[g - 1] : NULL;
		u64 a = qxl_rect_area(&clips[i]);
		struct drm_rect box;

		if (cur && cur->count < QXL_GROUP_MAX_CLIPS) {
			box = cur->src;
			qxl_rect_union(&box, &clips[i]);
			if (qxl_rect_area(&box) <= QXL_GROUP_MAX_WASTE * (area + a)) {
				cur->src = box;
				cur->count++;
				area += a;
				continue;
			}
		}
		up[g++] = (struct qxl_upload){ .src = clips[i], .first = i, .count = 1 };
		area = a;
	}
	return g;
}

QXL_KUNIT_EXPORT(qxl_group_clips);

/*
 * Fill an upload block with the pixels of @src from @fb and a DRAW_COPY that
 * puts them at (@dst_x, @dst_y) of the primary surface, then queue it.
 */
static int qxl_draw_upload(struct qxl_device *qdev, const struct qxl_upload *up,
			   const struct drm_rect *clips, struct drm_framebuffer *fb,
			   const struct iosys_map *vmap, int dx, int dy)
{
	struct qxl_dmem *dmem = up->dmem;
	void *blk = qxl_dmem_ptr(qdev, dmem);
	const struct drm_rect *src = &up->src;
	u32 w = drm_rect_width(src), h = drm_rect_height(src);
	u32 pixels = qxl_upload_pixels_off(up->count);
	unsigned int dst_pitch[DRM_FORMAT_MAX_PLANES] = { w * 4 };
	int dst_x = src->x1 + dx, dst_y = src->y1 + dy;
	struct qxl_drawable draw;
	struct qxl_image image;
	unsigned int i;

	atomic64_add((u64)w * h, &qdev->upload_pixels);
	for (i = 0; i < up->count; i++) {
		const struct drm_rect *c = &clips[up->first + i];
		struct iosys_map dst = IOSYS_MAP_INIT_VADDR(blk + pixels +
			((c->y1 - src->y1) * w + (c->x1 - src->x1)) * 4);

		drm_fb_memcpy(&dst, dst_pitch, vmap, fb, c);
	}

	qxl_cmd_image_bitmap(&image, w, h, w * 4, qxl_dmem_phys(qdev, dmem, pixels));
	memcpy(blk + QXL_UPLOAD_IMAGE_OFF, &image, sizeof(image));

	qxl_cmd_draw_copy(&draw, qxl_mm_time(qdev), qxl_dmem_phys(qdev, dmem, QXL_UPLOAD_IMAGE_OFF),
			  0, 0, dst_x, dst_y, w, h);
	if (up->count > 1) {
		qxl_cmd_clip_rects(blk + QXL_UPLOAD_CLIPS_OFF, &clips[up->first], up->count,
				   dx, dy);
		qxl_cmd_draw_clip_rects(&draw, qxl_dmem_phys(qdev, dmem, QXL_UPLOAD_CLIPS_OFF));
	}
	memcpy(blk, &draw, sizeof(draw));

	return qxl_ring_push(qdev, false, QXL_CMD_DRAW, dmem);
}

/* ------------------------------------------------------------------ */
/* Primary plane                                                        */

static const u32 qxl_primary_formats[] = {
	DRM_FORMAT_XRGB8888,
	DRM_FORMAT_ARGB8888,
};

const u64 qxl_plane_modifiers[] = {
	DRM_FORMAT_MOD_LINEAR,
	DRM_FORMAT_MOD_INVALID
};

static int qxl_primary_plane_helper_atomic_check(struct drm_plane *plane,
						 struct drm_atomic_commit *state)
{
	struct drm_plane_state *new_state = drm_atomic_get_new_plane_state(state, plane);
	struct drm_crtc_state *crtc_state = NULL;
	const struct drm_mode_rect *clips = drm_plane_get_damage_clips(new_state);
	unsigned int i, n = drm_plane_get_damage_clips_count(new_state);

	/*
	 * The core's own damage check compares integer clips with 16.16 fixed
	 * point sizes in this kernel, so clips far outside the framebuffer
	 * pass it. Refuse them here.
	 */
	for (i = 0; new_state->fb && i < n; i++) {
		if (clips[i].x2 > new_state->fb->width || clips[i].y2 > new_state->fb->height) {
			drm_dbg_atomic(plane->dev, "damage clip %d,%d-%d,%d outside the %ux%u fb\n",
				       clips[i].x1, clips[i].y1, clips[i].x2, clips[i].y2,
				       new_state->fb->width, new_state->fb->height);
			return -EINVAL;
		}
	}

	/* A device buffer can be shown only if it is a surface. */
	if (new_state->fb && qxl_is_bo(new_state->fb->obj[0]) && !qxl_fb_surface(new_state->fb))
		return -EINVAL;

	if (new_state->crtc)
		crtc_state = drm_atomic_get_new_crtc_state(state, new_state->crtc);

	/*
	 * Windowed is fine (black around it: qxl_primary_needs_clear());
	 * scaling is not offered, as the device copies pixels 1:1.
	 */
	return drm_atomic_helper_check_plane_state(new_state, crtc_state,
						   DRM_PLANE_NO_SCALING, DRM_PLANE_NO_SCALING,
						   true, true);
}

/*
 * Whether this update must paint the head black first: its CRTC stays on
 * and the plane now leaves some of it uncovered (disabled, or windowed),
 * where something else may have been shown before.
 */
static bool qxl_primary_needs_clear(struct drm_plane_state *old_state,
				    struct drm_plane_state *new_state)
{
	struct drm_crtc *crtc = new_state->crtc ?: old_state->crtc;
	struct drm_crtc_state *crtc_state;
	struct drm_rect full;

	crtc_state = crtc ? drm_atomic_get_new_crtc_state(new_state->state, crtc) : NULL;
	if (!crtc_state || !crtc_state->active)
		return false;
	full = DRM_RECT_INIT(0, 0, crtc_state->mode.hdisplay, crtc_state->mode.vdisplay);
	if (new_state->fb && new_state->visible && drm_rect_equals(&new_state->dst, &full))
		return false;
	return drm_atomic_crtc_needs_modeset(crtc_state) || old_state->crtc != new_state->crtc ||
	       old_state->visible != new_state->visible || !old_state->fb != !new_state->fb ||
	       !drm_rect_equals(&old_state->dst, &new_state->dst);
}

void qxl_plane_release_uploads(struct qxl_device *qdev, struct qxl_plane_state *qps)
{
	unsigned int i;

	for (i = 0; i < qps->num_uploads; i++)
		qxl_dmem_free(qdev, qps->uploads[i].dmem);
	if (qps->clear)
		qxl_dmem_free(qdev, qps->clear);
	qps->clear = NULL;
	kfree(qps->uploads);
	kfree(qps->clips);
	qps->uploads = NULL;
	qps->clips = NULL;
	qps->num_uploads = 0;
}

/* Reserve block @i of @size bytes of device memory for this update. */
int qxl_plane_reserve(struct qxl_device *qdev, struct qxl_plane_state *qps,
		      unsigned int i, u32 size)
{
	int ret = qxl_dmem_alloc(qdev, size, &qps->uploads[i].dmem);

	if (!ret)
		qps->num_uploads = i + 1;
	return ret;
}

/**
 * qxl_plane_unprepare - undo a plane's prepare_fb
 * @plane: the primary or cursor plane
 * @state: the state prepare_fb was given
 *
 * Releases the device memory prepare_fb reserved and unmaps the framebuffer.
 * The cleanup_fb of both plane types, and their prepare_fb's failure path.
 */
void qxl_plane_unprepare(struct drm_plane *plane, struct drm_plane_state *state)
{
	qxl_plane_release_uploads(to_qxl(plane->dev), to_qxl_plane_state(state));
	qxl_shadow_fb_cleanup(plane, state);
}

/* Undo a prepare_fb that could not reserve everything; returns @ret. */
int qxl_plane_prepare_failed(struct drm_plane *plane, struct drm_plane_state *state,
			     int ret)
{
	qxl_plane_unprepare(plane, state);
	return ret;
}

/* The plane's source in its framebuffer's kernel mapping, or NULL. */
static const void *qxl_primary_src(struct drm_plane_state *state, u32 *w, u32 *h)
{
	const struct iosys_map *map = &to_qxl_plane_state(state)->base.data[0];
	struct drm_framebuffer *fb = state->fb;

	*w = drm_rect_width(&state->src) >> 16;
	*h = drm_rect_height(&state->src) >> 16;
	if (!fb || qxl_fb_surface(fb) || fb->format->cpp[0] != 4 || iosys_map_is_null(map) ||
	    map->is_iomem)
		return NULL;
	return map->vaddr + (state->src.y1 >> 16) * fb->pitches[0] + (state->src.x1 >> 16) * 4;
}

/*
 * A flip to a new framebuffer without damage clips: the rectangles where it
 * differs from what the device shows (qxl_flipdiff.c), into @clips, which
 * has room for QXL_MAX_DAMAGE_DRAWS, framebuffer coordinates. Returns
 * their number, or -1 for a full upload (a modeset of any head, a
 * framebuffer that may still be written to: an unsignalled fence, no valid
 * shadow).
 */
static int qxl_primary_flip_damage(struct qxl_device *qdev, struct drm_plane_state *new_state,
				   struct drm_rect *clips)
{
	struct qxl_head *head = container_of(new_state->plane, struct qxl_head, primary);
	struct drm_crtc_state *crtc_state;
	struct drm_crtc *crtc;
	const void *src;
	u32 w, h;
	int n, i;

	/*
	 * A modeset of any head may recreate the primary surface (another
	 * layout), which the device then shows black everywhere.
	 */
	for_each_new_crtc_in_state(new_state->state, crtc, crtc_state, i)
		if (drm_atomic_crtc_needs_modeset(crtc_state))
			return -1;
	src = qxl_primary_src(new_state, &w, &h);
	if (!src || (new_state->fence && !dma_fence_is_signaled(new_state->fence)))
		return -1;
	n = qxl_shadow_diff(qdev, head, src, new_state->fb->pitches[0], w, h, clips);
	for (i = 0; i < n; i++)
		drm_rect_translate(&clips[i], new_state->src.x1 >> 16, new_state->src.y1 >> 16);
	return n;
}

/*
 * What this update puts on the device, for the head's shadow: the @n
 * @clips (framebuffer coordinates) it uploads, or all of the plane when
 * @whole; nothing of the framebuffer when it is a surface or invisible.
 */
static void qxl_primary_shadow_store(struct qxl_device *qdev, struct drm_plane_state *state,
				     const struct drm_rect *clips, unsigned int n, bool whole)
{
	struct qxl_head *head = container_of(state->plane, struct qxl_head, primary);
	const void *src = NULL;
	u32 w = 0, h = 0;

	if (!head->shadow)
		return;
	if (state->fb && state->visible)
		src = qxl_primary_src(state, &w, &h);
	qxl_shadow_store(qdev, head, src, src ? state->fb->pitches[0] : 0, w, h,
			 state->src.x1 >> 16, state->src.y1 >> 16, whole ? NULL : clips, n);
}

/*
 * Reserve device memory for every group of damaged rectangles. More
 * rectangles than QXL_MAX_DAMAGE_DRAWS are merged into their bounding box.
 */
static int qxl_primary_plane_helper_prepare_fb(struct drm_plane *plane,
					       struct drm_plane_state *new_state)
{
	struct qxl_device *qdev = to_qxl(plane->dev);
	struct qxl_plane_state *qps = to_qxl_plane_state(new_state);
	struct drm_plane_state *old_state;
	struct drm_atomic_helper_damage_iter iter;
	struct drm_rect clip, all;
	unsigned int n = 0, i = 0, nclips;
	bool merge, full;
	int ret;

	ret = qxl_shadow_fb_prepare(plane, new_state);
	if (ret)
		return ret;
	old_state = drm_atomic_get_old_plane_state(new_state->state, plane);
	if (qxl_primary_needs_clear(old_state, new_state)) {
		ret = qxl_dmem_alloc(qdev, sizeof(struct qxl_drawable), &qps->clear);
		if (ret)
			return qxl_plane_prepare_failed(plane, new_state, ret);
	}
	if (!new_state->fb || !new_state->visible) {
		qxl_primary_shadow_store(qdev, new_state, NULL, 0, true);
		return 0;
	}

	drm_atomic_helper_damage_iter_init(&iter, old_state, new_state);
	drm_atomic_for_each_plane_damage(&iter, &clip)
		n++;
	/* Moved, or painted over by the clear: the plane is drawn in full. */
	full = qps->clear || !drm_rect_equals(&old_state->dst, &new_state->dst);
	if (!n && !full)
		return 0;
	qps->damage_full = full || iter.full_update || new_state->fb != old_state->fb;
	if (full)
		n = 1;

	/* (the damage iterator's full_update is not set for this on 6.1) */
	if (!full && new_state->fb != old_state->fb &&
	    !drm_plane_get_damage_clips_count(new_state)) {
		qps->clips = kmalloc_array(QXL_MAX_DAMAGE_DRAWS, sizeof(*qps->clips), GFP_KERNEL);
		if (!qps->clips)
			return qxl_plane_prepare_failed(plane, new_state, -ENOMEM);
		/* (on -1 the array serves the full upload below: n <= its size) */
		ret = qxl_primary_flip_damage(qdev, new_state, qps->clips);
		if (ret >= 0) {
			qps->diffed = true;
			if (!ret)	/* the same picture: nothing to upload */
				return 0;
			n = ret;
		}
	}

	/* A surface is copied on the device: one command for the bounding box. */
	merge = n > QXL_MAX_DAMAGE_DRAWS || qxl_fb_surface(new_state->fb);
	n = min_t(unsigned int, n, QXL_MAX_DAMAGE_DRAWS);
	if (!qps->clips)
		qps->clips = kmalloc_array(n, sizeof(*qps->clips), GFP_KERNEL);
	qps->uploads = kcalloc(n, sizeof(*qps->uploads), GFP_KERNEL);
	if (!qps->clips || !qps->uploads)
		return qxl_plane_prepare_failed(plane, new_state, -ENOMEM);

	all = DRM_RECT_INIT(new_state->src.x1 >> 16, new_state->src.y1 >> 16,
			    drm_rect_width(&new_state->src) >> 16,
			    drm_rect_height(&new_state->src) >> 16);
	if (qps->diffed) {
		/* qps->clips holds them */
	} else if (full) {
		qps->clips[0] = all;
	} else if (merge) {
		drm_atomic_helper_damage_merged(old_state, new_state, &qps->clips[0]);
		n = 1;
	} else {
		drm_atomic_helper_damage_iter_init(&iter, old_state, new_state);
		drm_atomic_for_each_plane_damage(&iter, &clip)
			qps->clips[i++] = clip;
	}
	nclips = n;
	n = qxl_group_clips(qps->clips, n, qps->uploads);
	if (qxl_fb_surface(new_state->fb)) {
		ret = qxl_plane_reserve(qdev, qps, 0, QXL_UPLOAD_CLIPS_OFF);
		if (ret)
			return qxl_plane_prepare_failed(plane, new_state, ret);
		qxl_primary_shadow_store(qdev, new_state, NULL, 0, true);
		return 0;
	}

	for (i = 0; i < n; i++) {
		ret = qxl_plane_reserve(qdev, qps, i, qxl_upload_size(&qps->uploads[i]));
		if (ret)
			return qxl_plane_prepare_failed(plane, new_state, ret);
	}
	qxl_primary_shadow_store(qdev, new_state, qps->clips, nclips,
				 nclips == 1 && drm_rect_equals(&qps->clips[0], &all));
	return 0;
}

static void qxl_primary_plane_helper_cleanup_fb(struct drm_plane *plane,
						struct drm_plane_state *state)
{
	struct qxl_head *head = container_of(plane, struct qxl_head, primary);

	/* an update prepared (and put in the shadow) that never ran */
	if (to_qxl_plane_state(state)->num_uploads)
		atomic_set(&head->shadow_stale, 1);
	qxl_plane_unprepare(plane, state);
}

/*
 * Collect the rectangles of one update for SCANOUT_DAMAGE: beyond the
 * QXL_DAMAGE_ENTRY_RECTS kept per update, everything is merged into one
 * bounding box.
 */
static void qxl_rect_add(struct drm_rect *rects, unsigned int *n, const struct drm_rect *r)
{
	unsigned int i;

	if (*n < QXL_DAMAGE_ENTRY_RECTS) {
		rects[(*n)++] = *r;
		return;
	}
	for (i = 1; i < *n; i++)
		qxl_rect_union(&rects[0], &rects[i]);
	qxl_rect_union(&rects[0], r);
	*n = 1;
}

/* Queue the black fill of the head prepare_fb reserved, if any. */
static void qxl_primary_clear(struct qxl_device *qdev, struct qxl_plane_state *qps,
			      struct drm_crtc *crtc)
{
	const struct qxl_head_rect *head = &qdev->layout[drm_crtc_index(crtc)];
	struct qxl_dmem *dmem = qps->clear;
	struct qxl_drawable draw;
	int idx;

	if (!dmem)
		return;
	qps->clear = NULL;
	if (!drm_dev_enter(&qdev->drm, &idx)) {
		qxl_dmem_free(qdev, dmem);
		return;
	}
	qxl_cmd_draw_fill(&draw, qxl_mm_time(qdev), 0, head->x, head->y, head->x + head->w,
			  head->y + head->h);
	memcpy(qxl_dmem_ptr(qdev, dmem), &draw, sizeof(draw));
	qxl_ring_push(qdev, false, QXL_CMD_DRAW, dmem);
	drm_dev_exit(idx);
}

static void qxl_primary_plane_helper_atomic_update(struct drm_plane *plane,
						   struct drm_atomic_commit *state)
{
	struct drm_plane_state *new_state = drm_atomic_get_new_plane_state(state, plane);
	struct qxl_plane_state *qps = to_qxl_plane_state(new_state);
	struct qxl_device *qdev = to_qxl(plane->dev);
	struct drm_framebuffer *fb = new_state->fb;
	struct drm_rect rects[QXL_DAMAGE_ENTRY_RECTS];
	const struct qxl_head_rect *head;
	struct qxl_bo *surface = qxl_fb_surface(fb);
	unsigned int i, nr = 0;
	int dx, dy, idx;

	if (!new_state->crtc) {
		struct drm_plane_state *old = drm_atomic_get_old_plane_state(state, plane);

		if (old->crtc) {
			qxl_scanout_set(qdev, drm_crtc_index(old->crtc), new_state, 0, 0);
			qxl_primary_clear(qdev, qps, old->crtc);
			qxl_damage_record(to_qxl_head(old->crtc), NULL, NULL, 0, true);
		}
		return;
	}
	qxl_primary_clear(qdev, qps, new_state->crtc);
	head = &qdev->layout[drm_crtc_index(new_state->crtc)];
	dx = head->x + new_state->dst.x1 - (new_state->src.x1 >> 16);
	dy = head->y + new_state->dst.y1 - (new_state->src.y1 >> 16);
	qxl_scanout_set(qdev, drm_crtc_index(new_state->crtc), new_state, dx, dy);
	if (!qps->num_uploads && qps->diffed) {
		/* a flip to an equal picture: still a new framebuffer shown */
		qxl_damage_record(to_qxl_head(new_state->crtc), fb, NULL, 0, true);
		return;
	}
	if (!qps->num_uploads || !drm_dev_enter(plane->dev, &idx))
		return;
	if (surface) {
		qxl_draw_surface_copy(qdev, qps->uploads[0].dmem, surface, &qps->clips[0], dx, dy);
		qxl_damage_record(to_qxl_head(new_state->crtc), fb, qps->clips, 1,
				  qps->damage_full);
		qps->num_uploads = 0;
		goto out;
	}
	if (drm_gem_fb_begin_cpu_access(fb, DMA_FROM_DEVICE))
		goto out;

	/* Each push hands its block to the device, or frees it on failure. */
	for (i = 0; i < qps->num_uploads; i++) {
		struct qxl_upload *up = &qps->uploads[i];

		unsigned int j;

		/* the device lacks this part now: the next flip uploads in full */
		if (qxl_draw_upload(qdev, up, qps->clips, fb, qps->base.data, dx, dy))
			atomic_set(&to_qxl_head(new_state->crtc)->shadow_stale, 1);
		for (j = 0; j < up->count; j++)
			qxl_rect_add(rects, &nr, &qps->clips[up->first + j]);
	}
	qxl_damage_record(to_qxl_head(new_state->crtc), fb, rects, nr, qps->damage_full);
	qps->num_uploads = 0;
	drm_gem_fb_end_cpu_access(fb, DMA_FROM_DEVICE);
out:
	drm_dev_exit(idx);
}

static const struct drm_plane_helper_funcs qxl_primary_plane_helper_funcs = {
	.prepare_fb = qxl_primary_plane_helper_prepare_fb,
	.cleanup_fb = qxl_primary_plane_helper_cleanup_fb,
	.atomic_check = qxl_primary_plane_helper_atomic_check,
	.atomic_update = qxl_primary_plane_helper_atomic_update,
	QXL_PLANE_PANIC_FUNCS
};

static void qxl_plane_reset(struct drm_plane *plane)
{
	struct qxl_plane_state *qps;

	if (plane->state) {
		plane->funcs->atomic_destroy_state(plane, plane->state);
		plane->state = NULL;
	}
	qps = kzalloc(sizeof(*qps), GFP_KERNEL);
	if (!qps)
		return;
	__drm_gem_reset_shadow_plane(plane, &qps->base);
}

static struct drm_plane_state *qxl_plane_duplicate_state(struct drm_plane *plane)
{
	struct qxl_plane_state *qps;

	if (WARN_ON(!plane->state))
		return NULL;
	qps = kzalloc(sizeof(*qps), GFP_KERNEL);
	if (!qps)
		return NULL;
	__drm_gem_duplicate_shadow_plane_state(plane, &qps->base);
	return &qps->base.base;
}

static void qxl_plane_destroy_state(struct drm_plane *plane, struct drm_plane_state *state)
{
	struct qxl_plane_state *qps = to_qxl_plane_state(state);

	/*
	 * Reservations are consumed by atomic_update or released by cleanup_fb,
	 * except in a state that drm_mode_config_reset() (at resume) throws away
	 * while it is the current one.
	 */
	qxl_plane_release_uploads(to_qxl(plane->dev), qps);
	kvfree(qps->crc_copy);
	__drm_gem_destroy_shadow_plane_state(&qps->base);
	kfree(qps);
}

const struct drm_plane_funcs qxl_plane_funcs = {
	.update_plane = drm_atomic_helper_update_plane,
	.disable_plane = drm_atomic_helper_disable_plane,
	.destroy = drm_plane_cleanup,
	.reset = qxl_plane_reset,
	.atomic_duplicate_state = qxl_plane_duplicate_state,
	.atomic_destroy_state = qxl_plane_destroy_state,
};

int qxl_primary_plane_init(struct qxl_device *qdev, struct drm_plane *plane, unsigned int index)
{
	int ret;

	ret = drm_universal_plane_init(&qdev->drm, plane, BIT(index), &qxl_plane_funcs,
				       qxl_primary_formats, ARRAY_SIZE(qxl_primary_formats),
				       qxl_plane_modifiers, DRM_PLANE_TYPE_PRIMARY, NULL);
	if (ret)
		return ret;
	drm_plane_helper_add(plane, &qxl_primary_plane_helper_funcs);
	drm_plane_enable_fb_damage_clips(plane);
	/*
	 * ARGB8888 is shown with its alpha ignored: the primary is the bottom
	 * plane over black, where either mode gives exactly that.
	 */
	return drm_plane_create_blend_mode_property(plane, BIT(DRM_MODE_BLEND_PREMULTI) |
						    BIT(DRM_MODE_BLEND_PIXEL_NONE));
}
