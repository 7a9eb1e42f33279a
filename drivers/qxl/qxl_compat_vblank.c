// SPDX-License-Identifier: GPL-2.0-only
/*
 * The vblank timer for kernels without the core's (drm_vblank_helper.h,
 * see qxl_compat.h): an hrtimer per head at the mode's refresh rate that
 * calls qxl_crtc_vblank_timeout(), as the core's timer calls the CRTC's
 * handle_vblank_timeout hook. Built only where the core has no timer
 * (Kbuild).
 */

#include <drm/drm_vblank.h>

#include "qxl_drv.h"

static enum hrtimer_restart qxl_vblank_timer_fn(struct hrtimer *timer)
{
	struct qxl_head *head = container_of(timer, struct qxl_head, vblank_timer);
	u64 missed = hrtimer_forward_now(timer, head->period);

	if (missed > 1)
		drm_dbg_vbl(head->crtc.dev, "vblank timer missed %llu frames\n", missed - 1);
	qxl_crtc_vblank_timeout(&head->crtc);
	return HRTIMER_RESTART;
}

void qxl_vblank_timer_init(struct qxl_head *head)
{
	hrtimer_setup(&head->vblank_timer, qxl_vblank_timer_fn, CLOCK_MONOTONIC,
		      HRTIMER_MODE_REL);
}

int qxl_vblank_timer_enable(struct drm_crtc *crtc)
{
	struct qxl_head *head = to_qxl_head(crtc);
	struct drm_vblank_crtc *vblank = &crtc->dev->vblank[drm_crtc_index(crtc)];

	head->period = ns_to_ktime(vblank->framedur_ns);
	hrtimer_start(&head->vblank_timer, head->period, HRTIMER_MODE_REL);
	return 0;
}

void qxl_vblank_timer_disable(struct drm_crtc *crtc)
{
	hrtimer_cancel(&to_qxl_head(crtc)->vblank_timer);
}

/*
 * The timer is forwarded before the vblank is handled, so its expiry is
 * one period after the vblank being reported.
 */
bool qxl_vblank_timer_timestamp(struct drm_crtc *crtc, int *max_error,
				ktime_t *vblank_time, bool in_vblank_irq)
{
	struct qxl_head *head = to_qxl_head(crtc);
	struct drm_vblank_crtc *vblank = &crtc->dev->vblank[drm_crtc_index(crtc)];

	if (!READ_ONCE(vblank->enabled)) {
		*vblank_time = ktime_get();
		return true;
	}
	*vblank_time = ktime_sub(READ_ONCE(head->vblank_timer.node.expires), head->period);
	return true;
}
