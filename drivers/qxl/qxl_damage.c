// SPDX-License-Identifier: GPL-2.0-only
/*
 * The damage history of each head: what every plane update changed, kept
 * for QXL_DAMAGE_HISTORY updates, so that SCANOUT_DAMAGE (qxl_ioctl.c) can
 * tell a consumer of the scanout what changed since it last asked.
 */

#include <linux/limits.h>
#include <linux/spinlock.h>

#include <drm/drm_framebuffer.h>
#include <drm/drm_mode.h>

#include "qxl_drv.h"
#include "qxl_kunit.h"

/**
 * qxl_damage_record - remember what one update changed on a CRTC
 * @head: the head
 * @fb: the framebuffer now on its primary plane, NULL when the head shows
 *	none (plane or CRTC turned off)
 * @rects: changed rectangles, framebuffer coordinates
 * @n: number of @rects
 * @full: the whole framebuffer is to be taken as changed
 *
 * Called from the plane update and the CRTC's disable; takes a spinlock and
 * never allocates.
 */
void qxl_damage_record(struct qxl_head *head, struct drm_framebuffer *fb,
		       const struct drm_rect *rects, unsigned int n, bool full)
{
	struct qxl_damage_entry *e;
	unsigned int i;

	spin_lock(&head->damage_lock);
	e = &head->damage[++head->damage_seq % QXL_DAMAGE_HISTORY];
	e->full = full || !fb || n > QXL_DAMAGE_ENTRY_RECTS || fb->base.id != head->damage_fb_id;
	e->n = e->full ? 0 : n;
	for (i = 0; i < e->n; i++)
		e->rects[i] = rects[i];
	head->damage_fb_id = fb ? fb->base.id : 0;
	head->damage_fb_w = fb ? fb->width : 0;
	head->damage_fb_h = fb ? fb->height : 0;
	spin_unlock(&head->damage_lock);
}

QXL_KUNIT_EXPORT(qxl_damage_record);

/**
 * qxl_damage_collect - what changed on a head since update @since
 * @head: the head
 * @since: the latest update the caller saw, 0 for none
 * @out: room for @max rectangles (at least 1), framebuffer coordinates
 * @max: size of @out
 * @rep: the result
 *
 * Every rectangle of the updates after @since, in order; their bounding box
 * alone if they do not fit in @out; the whole framebuffer if @since is 0,
 * older than the history, or an update since was full (a new framebuffer,
 * too many rectangles). No rectangle at all when nothing changed, or before
 * the first update.
 */
void qxl_damage_collect(struct qxl_head *head, u64 since, struct drm_mode_rect *out,
			unsigned int max, struct qxl_damage_report *rep)
{
	struct drm_rect bbox = { INT_MAX, INT_MAX, 0, 0 };
	bool full, overflow = false;
	unsigned int n = 0, i;
	u64 s;

	spin_lock(&head->damage_lock);
	rep->seq = head->damage_seq;
	full = !since || rep->seq - since > QXL_DAMAGE_HISTORY;
	for (s = since + 1; !full && s <= rep->seq; s++) {
		const struct qxl_damage_entry *e = &head->damage[s % QXL_DAMAGE_HISTORY];

		full = e->full;
		for (i = 0; !full && i < e->n; i++) {
			const struct drm_rect *r = &e->rects[i];

			qxl_rect_union(&bbox, r);
			if (n < max)
				out[n++] = (struct drm_mode_rect){ r->x1, r->y1, r->x2, r->y2 };
			else
				overflow = true;
		}
	}
	rep->fb_id = head->damage_fb_id;
	rep->fb_w = head->damage_fb_w;
	rep->fb_h = head->damage_fb_h;
	spin_unlock(&head->damage_lock);

	if (full) {
		n = rep->fb_id ? 1 : 0;
		out[0] = (struct drm_mode_rect){ 0, 0, rep->fb_w, rep->fb_h };
	} else if (overflow) {
		n = 1;
		out[0] = (struct drm_mode_rect){ bbox.x1, bbox.y1, bbox.x2, bbox.y2 };
	}
	rep->n = n;
	rep->full = full;
}

QXL_KUNIT_EXPORT(qxl_damage_collect);
