/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * What the plane files share: qxl_plane.c (primary planes, the planes'
 * state and funcs), qxl_cursor.c (cursor planes) and qxl_scanout.c
 * (off-screen surfaces shown on a head).
 */
#ifndef QXL_PLANE_H
#define QXL_PLANE_H

#include <drm/drm_gem_atomic_helper.h>
#include <drm/drm_plane.h>

#include "qxl_drv.h"

/*
 * Layout of one upload block: drawable, image, the clip rectangles when
 * there are several, then the pixels of their bounding box.
 */
#define QXL_UPLOAD_IMAGE_OFF	192
#define QXL_UPLOAD_CLIPS_OFF	256
static_assert(sizeof(struct qxl_drawable) <= QXL_UPLOAD_IMAGE_OFF);
static_assert(QXL_UPLOAD_IMAGE_OFF + sizeof(struct qxl_image) <= QXL_UPLOAD_CLIPS_OFF);

/**
 * struct qxl_plane_state - primary plane state
 * @base: shadow-plane state with the framebuffer's kernel mapping
 * @uploads: device memory reserved by prepare_fb for this update
 * @num_uploads: entries in @uploads that atomic_update has not consumed
 * @clips: the damaged rectangles, sorted, grouped by @uploads
 * @cursor_op: for cursor planes, the command the reserved block is for
 * @clear: for primary planes, a block for a black fill of the head: the
 *	plane leaves part of the CRTC uncovered (disabled or windowed)
 * @crc_copy: for a cursor SET, the image for the CRC (qxl_crc_cursor); the
 *	commit swaps it with the head's previous one, freed with the state
 * @damage_full: this update replaces the whole picture (modeset, new fb)
 * @diffed: a flip whose @clips were found by comparing the framebuffers
 */
struct qxl_plane_state {
	struct drm_shadow_plane_state base;
	struct qxl_upload *uploads;
	unsigned int num_uploads;
	struct drm_rect *clips;
	enum qxl_cursor_cmd_type cursor_op;
	struct qxl_dmem *clear;
	__le32 *crc_copy;
	bool damage_full;
	bool diffed;
};

static inline struct qxl_plane_state *to_qxl_plane_state(struct drm_plane_state *state)
{
	return container_of(to_drm_shadow_plane_state(state), struct qxl_plane_state, base);
}

/* Both kinds of plane: their state is a struct qxl_plane_state. */
extern const struct drm_plane_funcs qxl_plane_funcs;
/* Both kinds of plane take linear framebuffers only. */
extern const u64 qxl_plane_modifiers[];

void qxl_plane_release_uploads(struct qxl_device *qdev, struct qxl_plane_state *qps);
int qxl_plane_reserve(struct qxl_device *qdev, struct qxl_plane_state *qps,
		      unsigned int i, u32 size);
void qxl_plane_unprepare(struct drm_plane *plane, struct drm_plane_state *state);
int qxl_plane_prepare_failed(struct drm_plane *plane, struct drm_plane_state *state, int ret);

struct qxl_bo *qxl_fb_surface(const struct drm_framebuffer *fb);
int qxl_draw_surface_copy(struct qxl_device *qdev, struct qxl_dmem *dmem,
			  const struct qxl_bo *bo, const struct drm_rect *src, int dx, int dy);
void qxl_scanout_set(struct qxl_device *qdev, unsigned int index,
		     struct drm_plane_state *state, int dx, int dy);

#endif /* QXL_PLANE_H */
