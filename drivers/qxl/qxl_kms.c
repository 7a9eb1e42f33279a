// SPDX-License-Identifier: GPL-2.0-only
/*
 * Mode setting: one primary plane, CRTC, encoder and connector, mapped onto
 * the device's primary surface.
 *
 * Framebuffers are shmem GEM objects. The device only learns about new
 * pixels through draw commands, so every update uploads the damaged
 * rectangles into device memory and draws them onto the primary surface
 * with a DRAW_COPY each. Device memory for an update is reserved in
 * prepare_fb, where waiting and failing are allowed; atomic_update only
 * copies and queues.
 */

#include <linux/crc32.h>
#include <linux/delay.h>
#include <linux/slab.h>

#include <drm/drm_atomic.h>
#include <drm/drm_atomic_helper.h>
#include <drm/drm_damage_helper.h>
#include <drm/drm_drv.h>
#include <drm/drm_edid.h>
#include <drm/drm_format_helper.h>
#include <drm/drm_fourcc.h>
#include <drm/drm_framebuffer.h>
#include <drm/drm_gem_framebuffer_helper.h>
#include <drm/drm_modeset_helper_vtables.h>
#include <drm/drm_print.h>
#include <drm/drm_probe_helper.h>

#include "qxl_drv.h"

#define QXL_MAX_WIDTH		8192
#define QXL_MAX_HEIGHT		8192

/* Layout of one upload block: drawable, then image, then the pixels. */
#define QXL_UPLOAD_IMAGE_OFF	192
#define QXL_UPLOAD_PIXELS_OFF	256
static_assert(sizeof(struct qxl_drawable) <= QXL_UPLOAD_IMAGE_OFF);
static_assert(QXL_UPLOAD_IMAGE_OFF + sizeof(struct qxl_image) <= QXL_UPLOAD_PIXELS_OFF);

struct qxl_upload {
	struct qxl_dmem *dmem;
	struct drm_rect src;	/* damaged rectangle in framebuffer coordinates */
};

/**
 * struct qxl_plane_state - primary plane state
 * @base: shadow-plane state with the framebuffer's kernel mapping
 * @uploads: device memory reserved by prepare_fb for this update
 * @num_uploads: entries in @uploads that atomic_update has not consumed
 */
struct qxl_plane_state {
	struct drm_shadow_plane_state base;
	struct qxl_upload *uploads;
	unsigned int num_uploads;
};

static struct qxl_plane_state *to_qxl_plane_state(struct drm_plane_state *state)
{
	return container_of(to_drm_shadow_plane_state(state), struct qxl_plane_state, base);
}

static u32 qxl_upload_size(const struct drm_rect *r)
{
	return QXL_UPLOAD_PIXELS_OFF + drm_rect_width(r) * drm_rect_height(r) * 4;
}

static void qxl_rect_to_hw(struct qxl_rect *hw, int x1, int y1, int x2, int y2)
{
	hw->left = cpu_to_le32(x1);
	hw->top = cpu_to_le32(y1);
	hw->right = cpu_to_le32(x2);
	hw->bottom = cpu_to_le32(y2);
}

/*
 * Fill an upload block with the pixels of @src from @fb and a DRAW_COPY that
 * puts them at (@dst_x, @dst_y) of the primary surface, then queue it.
 */
static int qxl_draw_upload(struct qxl_device *qdev, struct qxl_dmem *dmem,
			   struct drm_framebuffer *fb, const struct iosys_map *vmap,
			   const struct drm_rect *src, int dst_x, int dst_y)
{
	void *blk = qxl_dmem_ptr(qdev, dmem);
	u32 w = drm_rect_width(src), h = drm_rect_height(src);
	struct iosys_map dst = IOSYS_MAP_INIT_VADDR(blk + QXL_UPLOAD_PIXELS_OFF);
	unsigned int dst_pitch[DRM_FORMAT_MAX_PLANES] = { w * 4 };
	struct qxl_drawable draw = {};
	struct qxl_image image = {};
	int i;

	drm_fb_memcpy(&dst, dst_pitch, vmap, fb, src);

	image.descriptor.id = cpu_to_le64(QXL_IMAGE_GROUP_DRIVER_DONT_CACHE);
	image.descriptor.type = QXL_IMAGE_BITMAP;
	image.descriptor.width = cpu_to_le32(w);
	image.descriptor.height = cpu_to_le32(h);
	image.bitmap.format = QXL_BITMAP_FMT_32BIT;
	image.bitmap.flags = QXL_BITMAP_DIRECT | QXL_BITMAP_TOP_DOWN;
	image.bitmap.x = cpu_to_le32(w);
	image.bitmap.y = cpu_to_le32(h);
	image.bitmap.stride = cpu_to_le32(w * 4);
	image.bitmap.data = cpu_to_le64(qxl_dmem_phys(qdev, dmem, QXL_UPLOAD_PIXELS_OFF));
	memcpy(blk + QXL_UPLOAD_IMAGE_OFF, &image, sizeof(image));

	draw.surface_id = 0;
	draw.effect = QXL_EFFECT_OPAQUE;
	draw.type = QXL_DRAW_COPY;
	qxl_rect_to_hw(&draw.bbox, dst_x, dst_y, dst_x + w, dst_y + h);
	draw.clip.type = cpu_to_le32(QXL_CLIP_TYPE_NONE);
	draw.mm_time = cpu_to_le32(readl(&qdev->rom->mm_clock));
	for (i = 0; i < 3; i++)
		draw.surfaces_dest[i] = cpu_to_le32(QXL_SURFACE_NONE);
	draw.u.copy.src_bitmap = cpu_to_le64(qxl_dmem_phys(qdev, dmem, QXL_UPLOAD_IMAGE_OFF));
	qxl_rect_to_hw(&draw.u.copy.src_area, 0, 0, w, h);
	draw.u.copy.rop_descriptor = cpu_to_le16(QXL_ROPD_OP_PUT);
	memcpy(blk, &draw, sizeof(draw));

	return qxl_ring_push(qdev, QXL_CMD_DRAW, dmem);
}

/* ------------------------------------------------------------------ */
/* Primary plane                                                        */

static const u32 qxl_primary_formats[] = {
	DRM_FORMAT_XRGB8888,
	DRM_FORMAT_ARGB8888,
};

static const u64 qxl_primary_modifiers[] = {
	DRM_FORMAT_MOD_LINEAR,
	DRM_FORMAT_MOD_INVALID
};

static int qxl_primary_plane_helper_atomic_check(struct drm_plane *plane,
						 struct drm_atomic_state *state)
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

	if (new_state->crtc)
		crtc_state = drm_atomic_get_new_crtc_state(state, new_state->crtc);

	return drm_atomic_helper_check_plane_state(new_state, crtc_state,
						   DRM_PLANE_NO_SCALING, DRM_PLANE_NO_SCALING,
						   false, false);
}

static void qxl_plane_release_uploads(struct qxl_device *qdev, struct qxl_plane_state *qps)
{
	unsigned int i;

	for (i = 0; i < qps->num_uploads; i++)
		qxl_dmem_free(qdev, qps->uploads[i].dmem);
	kfree(qps->uploads);
	qps->uploads = NULL;
	qps->num_uploads = 0;
}

/*
 * Reserve device memory for every damaged rectangle. More rectangles than
 * QXL_MAX_DAMAGE_DRAWS are merged into their bounding box: beyond that the
 * per-command cost outweighs the pixels saved.
 */
static int qxl_primary_plane_helper_prepare_fb(struct drm_plane *plane,
					       struct drm_plane_state *new_state)
{
	struct qxl_device *qdev = to_qxl(plane->dev);
	struct qxl_plane_state *qps = to_qxl_plane_state(new_state);
	struct drm_plane_state *old_state;
	struct drm_atomic_helper_damage_iter iter;
	struct drm_rect clip;
	unsigned int n = 0, i = 0;
	int ret;

	ret = drm_gem_prepare_shadow_fb(plane, new_state);
	if (ret || !new_state->fb || !new_state->visible)
		return ret;

	old_state = drm_atomic_get_old_plane_state(new_state->state, plane);
	drm_atomic_helper_damage_iter_init(&iter, old_state, new_state);
	drm_atomic_for_each_plane_damage(&iter, &clip)
		n++;
	if (!n)
		return 0;

	qps->uploads = kcalloc(min_t(unsigned int, n, QXL_MAX_DAMAGE_DRAWS),
			       sizeof(*qps->uploads), GFP_KERNEL);
	if (!qps->uploads) {
		ret = -ENOMEM;
		goto err;
	}

	if (n > QXL_MAX_DAMAGE_DRAWS) {
		drm_atomic_helper_damage_merged(old_state, new_state, &qps->uploads[0].src);
		n = 1;
	} else {
		drm_atomic_helper_damage_iter_init(&iter, old_state, new_state);
		drm_atomic_for_each_plane_damage(&iter, &clip)
			qps->uploads[i++].src = clip;
	}

	for (i = 0; i < n; i++) {
		ret = qxl_dmem_alloc(qdev, qxl_upload_size(&qps->uploads[i].src),
				     &qps->uploads[i].dmem);
		if (ret)
			goto err;
		qps->num_uploads = i + 1;
	}
	return 0;

err:
	qxl_plane_release_uploads(qdev, qps);
	drm_gem_cleanup_shadow_fb(plane, new_state);
	return ret;
}

static void qxl_primary_plane_helper_cleanup_fb(struct drm_plane *plane,
						struct drm_plane_state *state)
{
	qxl_plane_release_uploads(to_qxl(plane->dev), to_qxl_plane_state(state));
	drm_gem_cleanup_shadow_fb(plane, state);
}

static void qxl_primary_plane_helper_atomic_update(struct drm_plane *plane,
						   struct drm_atomic_state *state)
{
	struct drm_plane_state *new_state = drm_atomic_get_new_plane_state(state, plane);
	struct qxl_plane_state *qps = to_qxl_plane_state(new_state);
	struct qxl_device *qdev = to_qxl(plane->dev);
	struct drm_framebuffer *fb = new_state->fb;
	int dx = new_state->dst.x1 - (new_state->src.x1 >> 16);
	int dy = new_state->dst.y1 - (new_state->src.y1 >> 16);
	unsigned int i;
	int idx;

	if (!qps->num_uploads)
		return;
	if (!drm_dev_enter(plane->dev, &idx))
		return;
	if (drm_gem_fb_begin_cpu_access(fb, DMA_FROM_DEVICE))
		goto out;

	/* Each push hands its block to the device, or frees it on failure. */
	for (i = 0; i < qps->num_uploads; i++) {
		struct qxl_upload *up = &qps->uploads[i];

		qxl_draw_upload(qdev, up->dmem, fb, qps->base.data, &up->src,
				up->src.x1 + dx, up->src.y1 + dy);
	}
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

	/* Reservations are consumed or released by cleanup_fb before this. */
	WARN_ON(qps->num_uploads);
	__drm_gem_destroy_shadow_plane_state(&qps->base);
	kfree(qps);
}

static const struct drm_plane_funcs qxl_primary_plane_funcs = {
	.update_plane = drm_atomic_helper_update_plane,
	.disable_plane = drm_atomic_helper_disable_plane,
	.destroy = drm_plane_cleanup,
	.reset = qxl_plane_reset,
	.atomic_duplicate_state = qxl_plane_duplicate_state,
	.atomic_destroy_state = qxl_plane_destroy_state,
};

/* ------------------------------------------------------------------ */
/* CRTC                                                                 */

/* The primary surface has to fit the area the device reserves for it. */
static enum drm_mode_status qxl_crtc_helper_mode_valid(struct drm_crtc *crtc,
						       const struct drm_display_mode *mode)
{
	struct qxl_device *qdev = to_qxl(crtc->dev);

	if ((u64)mode->hdisplay * mode->vdisplay * 4 > qdev->surface0_size)
		return MODE_MEM;
	return MODE_OK;
}

static int qxl_crtc_helper_atomic_check(struct drm_crtc *crtc, struct drm_atomic_state *state)
{
	struct drm_crtc_state *crtc_state = drm_atomic_get_new_crtc_state(state, crtc);
	struct qxl_device *qdev = to_qxl(crtc->dev);
	const struct drm_display_mode *mode = &crtc_state->mode;

	if (crtc_state->enable &&
	    (u64)mode->hdisplay * mode->vdisplay * 4 > qdev->surface0_size) {
		drm_dbg_kms(crtc->dev,
			    "%ux%u needs %llu bytes, the primary surface area has %u; raise QEMU's vgamem_mb\n",
			    mode->hdisplay, mode->vdisplay,
			    (u64)mode->hdisplay * mode->vdisplay * 4, qdev->surface0_size);
		return -EINVAL;
	}
	return drm_atomic_helper_check_crtc_state(crtc_state, false);
}

static void qxl_crtc_helper_atomic_enable(struct drm_crtc *crtc, struct drm_atomic_state *state)
{
	struct qxl_device *qdev = to_qxl(crtc->dev);
	const struct drm_display_mode *mode = &crtc->state->mode;
	int idx;

	if (!drm_dev_enter(crtc->dev, &idx))
		return;
	if (qxl_primary_create(qdev, mode->hdisplay, mode->vdisplay))
		drm_err(crtc->dev, "creating the %ux%u primary surface failed\n",
			mode->hdisplay, mode->vdisplay);
	drm_dev_exit(idx);
}

static void qxl_crtc_helper_atomic_disable(struct drm_crtc *crtc, struct drm_atomic_state *state)
{
	int idx;

	if (!drm_dev_enter(crtc->dev, &idx))
		return;
	qxl_primary_destroy(to_qxl(crtc->dev));
	drm_dev_exit(idx);
}

static const struct drm_crtc_helper_funcs qxl_crtc_helper_funcs = {
	.mode_valid = qxl_crtc_helper_mode_valid,
	.atomic_check = qxl_crtc_helper_atomic_check,
	.atomic_enable = qxl_crtc_helper_atomic_enable,
	.atomic_disable = qxl_crtc_helper_atomic_disable,
};

static const struct drm_crtc_funcs qxl_crtc_funcs = {
	.reset = drm_atomic_helper_crtc_reset,
	.set_config = drm_atomic_helper_set_config,
	.page_flip = drm_atomic_helper_page_flip,
	.atomic_duplicate_state = drm_atomic_helper_crtc_duplicate_state,
	.atomic_destroy_state = drm_atomic_helper_crtc_destroy_state,
};

/* ------------------------------------------------------------------ */
/* Connector                                                            */

/*
 * The client's requested size for head 0, if the ROM holds a consistent
 * client monitors config. The device may be writing it while we read, so
 * retry a few times until the CRC matches.
 */
static bool qxl_client_head0(struct qxl_device *qdev, u32 *w, u32 *h)
{
	const size_t len = offsetof(struct qxl_rom, client_heads) +
			   sizeof(qdev->rom->client_heads) -
			   offsetof(struct qxl_rom, client_monitors_count);
	const struct qxl_urect __iomem *head = &qdev->rom->client_heads[0];
	u8 *buf;
	bool ok = false;
	int tries;

	buf = kmalloc(len, GFP_KERNEL);
	if (!buf)
		return false;
	for (tries = 0; tries < 10 && !ok; tries++) {
		memcpy_fromio(buf, &qdev->rom->client_monitors_count, len);
		ok = crc32_le(0, buf, len) == readl(&qdev->rom->client_monitors_crc);
		if (!ok)
			udelay(5);
	}
	kfree(buf);
	if (!ok || !readw(&qdev->rom->client_monitors_count))
		return false;

	*w = readl(&head->right) - readl(&head->left);
	*h = readl(&head->bottom) - readl(&head->top);
	return *w >= 320 && *h >= 200 && *w <= QXL_MAX_WIDTH && *h <= QXL_MAX_HEIGHT;
}

static int qxl_connector_helper_get_modes(struct drm_connector *connector)
{
	struct qxl_device *qdev = to_qxl(connector->dev);
	struct drm_display_mode *mode;
	u32 w = 1024, h = 768;
	int idx, count;

	count = drm_add_modes_noedid(connector, QXL_MAX_WIDTH, QXL_MAX_HEIGHT);
	if (drm_dev_enter(connector->dev, &idx)) {
		if (qxl_client_head0(qdev, &w, &h)) {
			mode = drm_cvt_mode(connector->dev, w, h, 60, false, false, false);
			if (mode) {
				drm_mode_probed_add(connector, mode);
				count++;
			}
		}
		drm_dev_exit(idx);
	}
	drm_set_preferred_mode(connector, w, h);
	return count;
}

static const struct drm_connector_helper_funcs qxl_connector_helper_funcs = {
	.get_modes = qxl_connector_helper_get_modes,
};

static const struct drm_connector_funcs qxl_connector_funcs = {
	.reset = drm_atomic_helper_connector_reset,
	.fill_modes = drm_helper_probe_single_connector_modes,
	.destroy = drm_connector_cleanup,
	.atomic_duplicate_state = drm_atomic_helper_connector_duplicate_state,
	.atomic_destroy_state = drm_atomic_helper_connector_destroy_state,
};

/* ------------------------------------------------------------------ */
/* Mode config                                                          */

static struct drm_framebuffer *qxl_fb_create(struct drm_device *drm, struct drm_file *file,
					     const struct drm_mode_fb_cmd2 *cmd)
{
	if (cmd->width > QXL_MAX_WIDTH || cmd->height > QXL_MAX_HEIGHT)
		return ERR_PTR(-EINVAL);
	return drm_gem_fb_create_with_dirty(drm, file, cmd);
}

static const struct drm_mode_config_funcs qxl_mode_config_funcs = {
	.fb_create = qxl_fb_create,
	.atomic_check = drm_atomic_helper_check,
	.atomic_commit = drm_atomic_helper_commit,
};

/*
 * The primary surface must exist before planes draw on it, so CRTCs are
 * enabled before planes are updated: the _rpm commit tail has that order.
 */
static const struct drm_mode_config_helper_funcs qxl_mode_config_helper_funcs = {
	.atomic_commit_tail = drm_atomic_helper_commit_tail_rpm,
};

/*
 * After the device reported an error or stopped responding: reset it and
 * restore the display. The current state is committed again as a full
 * modeset, which recreates the primary surface and redraws every pixel.
 */
void qxl_kms_reset_work(struct work_struct *work)
{
	struct qxl_device *qdev = container_of(work, struct qxl_device, reset_work);
	struct drm_atomic_state *saved;
	int idx;

	if (!drm_dev_enter(&qdev->drm, &idx))
		return;

	drm_warn(&qdev->drm, "device error, resetting it\n");
	atomic_inc(&qdev->reset_count);
	mutex_lock(&qdev->io_lock);
	mutex_lock(&qdev->cmd_lock);
	qxl_hw_reset_and_setup(qdev);
	mutex_unlock(&qdev->cmd_lock);
	mutex_unlock(&qdev->io_lock);
	qxl_dmem_free_all_released(qdev);

	saved = drm_atomic_helper_suspend(&qdev->drm);
	if (IS_ERR(saved))
		drm_err(&qdev->drm, "saving the display state failed: %pe\n", saved);
	else if (drm_atomic_helper_resume(&qdev->drm, saved))
		drm_err(&qdev->drm, "restoring the display after reset failed\n");

	drm_dev_exit(idx);
}

int qxl_kms_init(struct qxl_device *qdev)
{
	struct drm_device *drm = &qdev->drm;
	int ret;

	ret = drmm_mode_config_init(drm);
	if (ret)
		return ret;
	drm->mode_config.min_width = 1;
	drm->mode_config.min_height = 1;
	drm->mode_config.max_width = QXL_MAX_WIDTH;
	drm->mode_config.max_height = QXL_MAX_HEIGHT;
	drm->mode_config.preferred_depth = 24;
	drm->mode_config.funcs = &qxl_mode_config_funcs;
	drm->mode_config.helper_private = &qxl_mode_config_helper_funcs;

	ret = drm_universal_plane_init(drm, &qdev->primary_plane, 0, &qxl_primary_plane_funcs,
				       qxl_primary_formats, ARRAY_SIZE(qxl_primary_formats),
				       qxl_primary_modifiers, DRM_PLANE_TYPE_PRIMARY, NULL);
	if (ret)
		return ret;
	drm_plane_helper_add(&qdev->primary_plane, &qxl_primary_plane_helper_funcs);
	drm_plane_enable_fb_damage_clips(&qdev->primary_plane);

	ret = drmm_crtc_init_with_planes(drm, &qdev->crtc, &qdev->primary_plane, NULL,
					 &qxl_crtc_funcs, NULL);
	if (ret)
		return ret;
	drm_crtc_helper_add(&qdev->crtc, &qxl_crtc_helper_funcs);

	ret = drmm_encoder_init(drm, &qdev->encoder, NULL, DRM_MODE_ENCODER_VIRTUAL, NULL);
	if (ret)
		return ret;
	qdev->encoder.possible_crtcs = drm_crtc_mask(&qdev->crtc);

	ret = drm_connector_init(drm, &qdev->connector, &qxl_connector_funcs,
				 DRM_MODE_CONNECTOR_VIRTUAL);
	if (ret)
		return ret;
	drm_connector_helper_add(&qdev->connector, &qxl_connector_helper_funcs);
	ret = drm_connector_attach_encoder(&qdev->connector, &qdev->encoder);
	if (ret)
		return ret;

	drm_mode_config_reset(drm);
	return 0;
}
