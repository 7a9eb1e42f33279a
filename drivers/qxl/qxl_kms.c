// SPDX-License-Identifier: GPL-2.0-only
/*
 * Mode config and the layout of the heads. The device has one primary
 * surface; every enabled head is a rectangle of it, placed side by side in
 * CRTC order. A commit that changes any head's mode or state is a modeset
 * of all of them: the primary is recreated at the new size, every head
 * repaints fully, and the device gets one monitors config describing the
 * heads, so a SPICE client sees one layout change per commit.
 */

#include <drm/drm_atomic.h>
#include <drm/drm_atomic_helper.h>
#include <drm/drm_drv.h>
#include <drm/drm_gem_framebuffer_helper.h>
#include <drm/drm_managed.h>
#include <drm/drm_modeset_helper_vtables.h>
#include <drm/drm_plane.h>
#include <drm/drm_print.h>
#include <drm/drm_vblank.h>

#include "qxl_drv.h"

static bool qxl_state_has_modeset(struct drm_atomic_commit *state)
{
	struct drm_crtc_state *crtc_state;
	struct drm_crtc *crtc;
	int i;

	for_each_new_crtc_in_state(state, crtc, crtc_state, i)
		if (drm_atomic_crtc_needs_modeset(crtc_state))
			return true;
	return false;
}

static int qxl_mode_config_atomic_check(struct drm_device *drm, struct drm_atomic_commit *state)
{
	struct qxl_device *qdev = to_qxl(drm);
	struct drm_crtc_state *crtc_state;
	struct drm_plane_state *plane_state;
	struct drm_plane *plane;
	struct drm_crtc *crtc;
	u32 w = 0, h = 0;
	int i, ret;

	ret = drm_atomic_helper_check_modeset(drm, state);
	if (ret)
		return ret;
	if (qxl_state_has_modeset(state)) {
		/* Moving one head moves the others: bring them all in. */
		drm_for_each_crtc(crtc, drm) {
			crtc_state = drm_atomic_get_crtc_state(state, crtc);
			if (IS_ERR(crtc_state))
				return PTR_ERR(crtc_state);
			ret = drm_atomic_add_affected_planes(state, crtc);
			if (ret)
				return ret;
		}
	}

	ret = drm_atomic_helper_check(drm, state);
	if (ret || !qxl_state_has_modeset(state))
		return ret;

	for_each_new_crtc_in_state(state, crtc, crtc_state, i) {
		if (!crtc_state->active)
			continue;
		w += crtc_state->mode.hdisplay;
		h = max_t(u32, h, crtc_state->mode.vdisplay);
	}
	if (w && !qxl_mode_fits(qdev, w, h)) {
		drm_dbg_kms(drm,
			    "heads need a %ux%u primary surface (%llu bytes), the device has %u; raise QEMU's vgamem_mb\n",
			    w, h, (u64)w * h * 4, qdev->surface0_size);
		return -EINVAL;
	}

	/* The primary surface is recreated: every head repaints in full. */
	for_each_new_plane_in_state(state, plane, plane_state, i) {
		drm_property_blob_put(plane_state->fb_damage_clips);
		plane_state->fb_damage_clips = NULL;
	}
	return 0;
}

/* Place the active heads side by side and size the primary surface. */
static void qxl_layout_apply(struct qxl_device *qdev, struct drm_atomic_commit *state)
{
	struct qxl_head_rect layout[QXL_MAX_HEADS] = {};
	struct drm_crtc_state *crtc_state;
	struct drm_crtc *crtc;
	u32 x = 0, h = 0;
	int i, idx;

	for_each_new_crtc_in_state(state, crtc, crtc_state, i) {
		if (!crtc_state->active)
			continue;
		layout[drm_crtc_index(crtc)] = (struct qxl_head_rect){
			.x = x,
			.w = crtc_state->mode.hdisplay,
			.h = crtc_state->mode.vdisplay,
		};
		x += crtc_state->mode.hdisplay;
		h = max_t(u32, h, crtc_state->mode.vdisplay);
	}
	memcpy(qdev->layout, layout, sizeof(layout));

	if (!drm_dev_enter(&qdev->drm, &idx))
		return;
	if (!x)
		qxl_primary_destroy(qdev);
	else if (!qdev->primary_live || qdev->primary_width != x || qdev->primary_height != h)
		if (qxl_primary_create(qdev, x, h))
			drm_err(&qdev->drm, "creating the %ux%u primary surface failed\n", x, h);
	drm_dev_exit(idx);
}

/*
 * Tell the device, and through it every SPICE client, where the heads are.
 * The port chokepoint builds the config in its block (qxl_cmd.c's rule).
 */
static void qxl_monitors_config_send(struct qxl_device *qdev)
{
	struct qxl_port_args args;

	qxl_port_monitors_config(&args, qxl_dmem_ptr(qdev, qdev->monitors_block),
				 qxl_dmem_phys(qdev, qdev->monitors_block, 0), qdev->layout,
				 qdev->num_heads);
	qxl_io_async_args(qdev, QXL_IO_MONITORS_CONFIG_ASYNC, 0, &args);
}

/*
 * Disables, then the new layout (the primary must exist before planes draw
 * on it), then enables and planes. There is no wait for vblank before the
 * old framebuffers are released: their pixels were copied when they were
 * shown, the device never reads them afterwards.
 */
static void qxl_atomic_commit_tail(struct drm_atomic_commit *state)
{
	struct drm_device *drm = state->dev;
	bool modeset = qxl_state_has_modeset(state);

	drm_atomic_helper_commit_modeset_disables(drm, state);
	if (modeset)
		qxl_layout_apply(to_qxl(drm), state);
	drm_atomic_helper_commit_modeset_enables(drm, state);
	drm_atomic_helper_commit_planes(drm, state, DRM_PLANE_COMMIT_ACTIVE_ONLY);
	if (modeset)
		qxl_monitors_config_send(to_qxl(drm));
	drm_atomic_helper_commit_hw_done(state);
	drm_atomic_helper_cleanup_planes(drm, state);
}

/*
 * Refuse up front what no plane can show: this kernel's core does not
 * check the format and modifier against the planes when a framebuffer is
 * created, so NV12 or a tiled modifier would be accepted and fail later.
 */
/*
 * A device buffer as framebuffer: a 32-bit surface shown as it lies in
 * memory, or a plain buffer (cursor images of upstream's Xorg driver).
 */
static int qxl_fb_check_bo(struct drm_device *drm, struct drm_file *file,
			   const struct drm_mode_fb_cmd2 *cmd)
{
	struct drm_gem_object *obj = drm_gem_object_lookup(file, cmd->handles[0]);
	struct qxl_bo *bo;
	int ret = 0;

	if (!obj)
		return 0;	/* drm_gem_fb_create() reports it */
	if (!qxl_is_bo(obj))
		goto out;
	bo = to_qxl_bo(obj);
	if (bo->surface_id &&
	    ((bo->format != QXL_SURF_FMT_32_XRGB && bo->format != QXL_SURF_FMT_32_ARGB) ||
	     cmd->offsets[0] || cmd->pitches[0] != bo->stride ||
	     cmd->width > bo->width || cmd->height > bo->height)) {
		drm_dbg_kms(drm, "framebuffer does not match surface %u (%ux%u, stride %d)\n",
			    bo->surface_id, bo->width, bo->height, bo->stride);
		ret = -EINVAL;
	}
out:
	drm_gem_object_put(obj);
	return ret;
}

static struct drm_framebuffer *qxl_fb_create(struct drm_device *drm, struct drm_file *file,
					     QXL_FB_CREATE_INFO_ARG
					     const struct drm_mode_fb_cmd2 *cmd)
{
	int ret;

	if (cmd->width > QXL_NG_MAX_DIM || cmd->height > QXL_NG_MAX_DIM)
		return ERR_PTR(-EINVAL);
	ret = qxl_fb_check_bo(drm, file, cmd);
	if (ret)
		return ERR_PTR(ret);
	if (!drm_any_plane_has_format(drm, cmd->pixel_format, cmd->modifier[0])) {
		drm_dbg_kms(drm, "no plane shows format %p4cc with modifier 0x%llx\n",
			    &cmd->pixel_format, cmd->modifier[0]);
		return ERR_PTR(-EINVAL);
	}
	return qxl_gem_fb_create_with_dirty(drm, file, cmd);
}

static const struct drm_mode_config_funcs qxl_mode_config_funcs = {
	.fb_create = qxl_fb_create,
	.atomic_check = qxl_mode_config_atomic_check,
	.atomic_commit = drm_atomic_helper_commit,
};

static const struct drm_mode_config_helper_funcs qxl_mode_config_helper_funcs = {
	.atomic_commit_tail = qxl_atomic_commit_tail,
};

/**
 * qxl_kms_reset_device - reset the device and give it back what it held
 * @qdev: the device
 *
 * Registers the memslots again and creates every off-screen surface over
 * the pixels its memory still holds (QXL_SURF_FLAG_KEEP_DATA). The command
 * blocks the device had not released are freed, and the reset count moves,
 * so that waiters on them and on surfaces return. The display itself is
 * restored by committing the saved state again, which the callers do.
 */
void qxl_kms_reset_device(struct qxl_device *qdev)
{
	mutex_lock(&qdev->surf_lock);
	mutex_lock(&qdev->io_lock);
	mutex_lock(&qdev->cmd_lock);
	mutex_lock(&qdev->cursor_lock);
	qxl_hw_reset_and_setup(qdev);
	/*
	 * Still under the ring locks: a command pushed once they are dropped
	 * belongs to the reset device, which reads it when the primary is
	 * back and then writes its release into it. Freed here, its block
	 * would be reused while the device still writes to it (a release id
	 * in the next repaint's pixels, seen once in 11 debug-kernel runs).
	 */
	qxl_dmem_free_all_released(qdev);
	/* Under surf_lock: whoever sees the count move knows the reset is done. */
	atomic_inc(&qdev->reset_count);
	mutex_unlock(&qdev->cursor_lock);
	mutex_unlock(&qdev->cmd_lock);
	mutex_unlock(&qdev->io_lock);
	qxl_bo_reset_surfaces(qdev);
	mutex_unlock(&qdev->surf_lock);
}

/*
 * After the device reported an error or stopped responding: reset it and
 * restore the display. The current state is committed again as a full
 * modeset, which recreates the primary surface and redraws every pixel.
 */
void qxl_kms_reset_work(struct work_struct *work)
{
	struct qxl_device *qdev = container_of(work, struct qxl_device, reset_work);
	struct drm_device *drm = &qdev->drm;
	struct drm_modeset_acquire_ctx ctx;
	struct drm_atomic_commit *saved;
	int idx, ret;

	if (!drm_dev_enter(&qdev->drm, &idx))
		return;

	drm_warn(&qdev->drm, "device error, resetting it\n");
	qxl_kms_reset_device(qdev);

	/*
	 * Not drm_atomic_helper_resume(): it starts with
	 * drm_mode_config_reset(), which replaces every plane state without
	 * locks and races with the fbdev damage worker (a NULL plane->state
	 * seen by drm_atomic_helper_dirtyfb). Here the saved state is just
	 * committed again, under all modeset locks.
	 */
	saved = drm_atomic_helper_suspend(&qdev->drm);
	if (IS_ERR(saved)) {
		drm_err(&qdev->drm, "saving the display state failed: %pe\n", saved);
	} else {
		DRM_MODESET_LOCK_ALL_BEGIN(drm, ctx, 0, ret);
		ret = drm_atomic_helper_commit_duplicated_state(saved, &ctx);
		DRM_MODESET_LOCK_ALL_END(drm, ctx, ret);
		drm_atomic_commit_put(saved);
		if (ret)
			drm_err(&qdev->drm, "restoring the display after reset failed: %d\n", ret);
	}

	drm_dev_exit(idx);
}

static void qxl_shadows_free(struct drm_device *drm, void *data)
{
	qxl_shadow_fini(data);
}

static void qxl_monitors_block_free(struct drm_device *drm, void *data)
{
	struct qxl_device *qdev = data;

	qxl_dmem_free(qdev, qdev->monitors_block);
}

int qxl_kms_init(struct qxl_device *qdev)
{
	struct drm_device *drm = &qdev->drm;
	unsigned int i;
	int ret;

	ret = drmm_mode_config_init(drm);
	if (ret)
		return ret;
	drm->mode_config.min_width = 1;
	drm->mode_config.min_height = 1;
	drm->mode_config.max_width = QXL_NG_MAX_DIM;
	drm->mode_config.max_height = QXL_NG_MAX_DIM;
	drm->mode_config.preferred_depth = 24;
	/* The real limit: compositors size their cursor buffers by it. */
	drm->mode_config.cursor_width = QXL_CURSOR_MAX;
	drm->mode_config.cursor_height = QXL_CURSOR_MAX;
	drm->mode_config.funcs = &qxl_mode_config_funcs;
	drm->mode_config.helper_private = &qxl_mode_config_helper_funcs;

	ret = drm_mode_create_suggested_offset_properties(drm);
	if (ret)
		return ret;
	qdev->hotplug_mode_update_prop = drm_property_create_range(drm, DRM_MODE_PROP_IMMUTABLE,
								   "hotplug_mode_update", 0, 1);
	if (!qdev->hotplug_mode_update_prop)
		return -ENOMEM;

	for (i = 0; i < qdev->num_heads; i++) {
		ret = qxl_primary_plane_init(qdev, &qdev->heads[i].primary, i);
		if (ret)
			return ret;
		ret = qxl_cursor_plane_init(qdev, &qdev->heads[i].cursor, i);
		if (ret)
			return ret;
		ret = qxl_output_init(qdev, i);
		if (ret)
			return ret;
	}
	ret = devm_add_action_or_reset(drm->dev, qxl_output_fini, qdev);
	if (ret)
		return ret;
	ret = drm_vblank_init(drm, qdev->num_heads);
	if (ret)
		return ret;

	ret = qxl_dmem_alloc(qdev, sizeof(struct qxl_monitors_config) +
			     qdev->num_heads * sizeof(struct qxl_head_config),
			     &qdev->monitors_block);
	if (ret)
		return ret;
	ret = drmm_add_action_or_reset(drm, qxl_monitors_block_free, qdev);
	if (ret)
		return ret;
	ret = drmm_add_action_or_reset(drm, qxl_shadows_free, qdev);
	if (ret)
		return ret;
	ret = qxl_panic_init(qdev);
	if (ret)
		return ret;

	qxl_client_update(qdev);
	drm_mode_config_reset(drm);
	return 0;
}
