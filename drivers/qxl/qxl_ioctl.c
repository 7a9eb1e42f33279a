// SPDX-License-Identifier: GPL-2.0-only
/*
 * Driver ioctls: GETPARAM and CLIENTCAP here, buffers in qxl_bo.c, command
 * submission, UPDATE_AREA and WAIT in qxl_exec.c. The 2D ioctls are
 * allowed on the render node: a client reaches only its own buffers and
 * surfaces. qxl-ng's own SCANOUT_DAMAGE reports what changed on a CRTC
 * since the caller last asked (the history it reads is in qxl_damage.c).
 */

#include <linux/slab.h>
#include <linux/uaccess.h>

#include <drm/drm_crtc.h>
#include <drm/drm_drv.h>
#include <drm/drm_file.h>
#include <drm/drm_framebuffer.h>
#include <drm/drm_ioctl.h>
#include <drm/drm_print.h>

#include "qxl_drv.h"
#include "qxl_kunit.h"

struct qxl_file {
	u64 damage_seen[QXL_MAX_HEADS];
	struct qxl_vram_account *account;
};

int qxl_file_open(struct drm_device *drm, struct drm_file *file)
{
	struct qxl_file *qf = kzalloc(sizeof(*qf), GFP_KERNEL);

	if (!qf)
		return -ENOMEM;
	qf->account = qxl_vram_account_get(to_qxl(drm));
	if (!qf->account) {
		kfree(qf);
		return -ENOMEM;
	}
	file->driver_priv = qf;
	return 0;
}

struct qxl_vram_account *qxl_file_account(struct drm_file *file)
{
	return ((struct qxl_file *)file->driver_priv)->account;
}

void qxl_file_postclose(struct drm_device *drm, struct drm_file *file)
{
	struct qxl_file *qf = file->driver_priv;

	/* Commands of the client may still hold its surfaces: let them go. */
	qxl_idle_flush(to_qxl(drm), true);
	qxl_vram_account_put(to_qxl(drm), qf->account);
	kfree(qf);
	file->driver_priv = NULL;
}

static u64 qxl_client_caps(struct qxl_device *qdev)
{
	u64 caps = 0;
	int i;

	for (i = 0; i < 8; i++)
		caps |= (u64)readb(&qdev->rom->client_caps[i]) << (8 * i);
	return caps;
}

static int qxl_getparam_ioctl(struct drm_device *drm, void *data, struct drm_file *file)
{
	struct qxl_device *qdev = to_qxl(drm);
	struct drm_qxl_getparam *args = data;
	int idx, ret = 0;

	if (!drm_dev_enter(drm, &idx))
		return -ENODEV;
	switch (args->param) {
	case QXL_PARAM_NUM_SURFACES:
		args->value = qdev->n_surfaces;
		break;
	case QXL_PARAM_MAX_RELOCS:
		args->value = QXL_NG_EXEC_MAX_RELOCS;
		break;
	case QXL_NG_PARAM_DRIVER_VERSION:
		args->value = (QXL_DRIVER_MAJOR << 16) | QXL_DRIVER_MINOR;
		break;
	case QXL_NG_PARAM_CLIENT_CAPS:
		args->value = readb(&qdev->rom->client_present) ? qxl_client_caps(qdev) : 0;
		break;
	case QXL_NG_PARAM_CLIENT_CAPS_SEQ:
		args->value = atomic_read(&qdev->client_caps_seq);
		break;
	default:
		drm_dbg_driver(drm, "GETPARAM: unknown parameter %llu\n", args->param);
		ret = -EINVAL;
	}
	drm_dev_exit(idx);
	return ret;
}

/*
 * 0 if every connected client has the capability. Upstream fails with
 * ENOSYS, which means "no such system call"; callers only test for
 * success, so the accurate EOPNOTSUPP is returned instead.
 */
static int qxl_clientcap_ioctl(struct drm_device *drm, void *data, struct drm_file *file)
{
	struct qxl_device *qdev = to_qxl(drm);
	struct drm_qxl_clientcap *args = data;
	int idx, ret;

	if (args->pad)
		return -EINVAL;
	if (args->index >= 8 * sizeof(qdev->rom->client_caps))
		return -EOPNOTSUPP;
	if (!drm_dev_enter(drm, &idx))
		return -ENODEV;
	ret = readb(&qdev->rom->client_caps[args->index / 8]) & BIT(args->index % 8) ?
	      0 : -EOPNOTSUPP;
	drm_dev_exit(idx);
	return ret;
}

static int qxl_scanout_damage_ioctl(struct drm_device *drm, void *data, struct drm_file *file)
{
	struct drm_qxl_ng_scanout_damage *args = data;
	struct qxl_file *qf = file->driver_priv;
	struct qxl_damage_report rep;
	struct drm_mode_rect *out;
	struct drm_crtc *crtc;
	unsigned int idx;

	if (args->flags || args->pad || !args->rects_ptr || !args->max_rects ||
	    args->max_rects > QXL_NG_DAMAGE_MAX_RECTS)
		return -EINVAL;
	crtc = drm_crtc_find(drm, file, args->crtc_id);
	if (!crtc)
		return -ENOENT;
	idx = drm_crtc_index(crtc);

	out = kmalloc_array(args->max_rects, sizeof(*out), GFP_KERNEL);
	if (!out)
		return -ENOMEM;
	qxl_damage_collect(to_qxl_head(crtc), qf->damage_seen[idx], out, args->max_rects, &rep);
	if (rep.n && copy_to_user(u64_to_user_ptr(args->rects_ptr), out, rep.n * sizeof(*out))) {
		kfree(out);
		return -EFAULT;
	}
	kfree(out);

	args->num_rects = rep.n;
	args->flags = rep.full ? QXL_NG_DAMAGE_FULL : 0;
	args->fb_id = rep.fb_id;
	args->seq = rep.seq;
	qf->damage_seen[idx] = rep.seq;
	return 0;
}

const struct drm_ioctl_desc qxl_ioctls[QXL_NUM_IOCTLS] = {
	DRM_IOCTL_DEF_DRV(QXL_ALLOC, qxl_alloc_ioctl, DRM_AUTH | DRM_RENDER_ALLOW),
	DRM_IOCTL_DEF_DRV(QXL_MAP, qxl_map_ioctl, DRM_AUTH | DRM_RENDER_ALLOW),
	DRM_IOCTL_DEF_DRV(QXL_EXECBUFFER, qxl_execbuffer_ioctl, DRM_AUTH | DRM_RENDER_ALLOW),
	DRM_IOCTL_DEF_DRV(QXL_UPDATE_AREA, qxl_update_area_ioctl, DRM_AUTH | DRM_RENDER_ALLOW),
	DRM_IOCTL_DEF_DRV(QXL_GETPARAM, qxl_getparam_ioctl, DRM_AUTH | DRM_RENDER_ALLOW),
	DRM_IOCTL_DEF_DRV(QXL_CLIENTCAP, qxl_clientcap_ioctl, DRM_AUTH | DRM_RENDER_ALLOW),
	DRM_IOCTL_DEF_DRV(QXL_ALLOC_SURF, qxl_alloc_surf_ioctl, DRM_AUTH | DRM_RENDER_ALLOW),
	DRM_IOCTL_DEF_DRV(QXL_NG_SCANOUT_DAMAGE, qxl_scanout_damage_ioctl, DRM_AUTH),
	DRM_IOCTL_DEF_DRV(QXL_NG_WAIT, qxl_wait_ioctl, DRM_AUTH | DRM_RENDER_ALLOW),
};
