// SPDX-License-Identifier: GPL-2.0-only
/*
 * Damage for flips that carry none. A compositor that flips to a new
 * framebuffer without FB_DAMAGE_CLIPS (legacy page flips: mutter up to 45,
 * Xorg's modesetting driver) would have every frame uploaded whole, 3 MiB
 * at 1024x768, even when only a clock changed. The framebuffer flipped
 * away from is not a safe reference: a client may have drawn in it after
 * its last DIRTYFB. So each head that gets such a flip keeps a shadow of
 * what the device shows of its plane, updated in prepare_fb by every
 * update of the plane (uploads are made from the same pixels later, the
 * framebuffer of a queued flip or of a DIRTYFB in progress being left
 * alone by its client); the flip uploads what differs from it.
 *
 * Rows are compared in bands of QXL_DIFF_BAND lines, a band with a change
 * giving one rectangle over its changed rows and columns; consecutive bands
 * with the same columns are merged. Equal rows cost one memcmp().
 */

#include <linux/minmax.h>
#include <linux/string.h>

#include <drm/drm_rect.h>

#include "qxl_drv.h"
#include "qxl_kunit.h"

/* First and last differing pixels of two rows that differ. */
static void qxl_row_span(const u32 *a, const u32 *b, u32 w, u32 *first, u32 *last)
{
	u32 i = 0, j = w - 1;

	while (i < w - 1 && a[i] == b[i])
		i++;
	while (j > i && a[j] == b[j])
		j--;
	*first = i;
	*last = j;
}

/**
 * qxl_flip_diff - where two XRGB8888 pictures differ
 * @cur: the new picture's first pixel
 * @cur_pitch: its bytes per row
 * @prev: the old picture's first pixel
 * @prev_pitch: its bytes per row
 * @w: width in pixels (at least 1)
 * @h: height in rows
 * @out: the rectangles found, relative to the first pixel
 * @max: room in @out
 * @area: the pixels they cover
 *
 * Return: the number of rectangles (0 if the pictures are equal), or
 * -E2BIG if they do not fit in @out.
 */
int qxl_flip_diff(const void *cur, u32 cur_pitch, const void *prev, u32 prev_pitch, u32 w,
		  u32 h, struct drm_rect *out, unsigned int max, u64 *area)
{
	unsigned int n = 0;
	u32 y, r;

	*area = 0;
	for (y = 0; y < h; y += QXL_DIFF_BAND) {
		u32 end = min(y + QXL_DIFF_BAND, h), x1 = w, x2 = 0, y1 = end, y2 = y;
		struct drm_rect *last = n ? &out[n - 1] : NULL;

		for (r = y; r < end; r++) {
			const u32 *a = cur + (size_t)r * cur_pitch;
			const u32 *b = prev + (size_t)r * prev_pitch;
			u32 first, lastx;

			if (!memcmp(a, b, (size_t)w * 4))
				continue;
			qxl_row_span(a, b, w, &first, &lastx);
			x1 = min(x1, first);
			x2 = max(x2, lastx + 1);
			y1 = min(y1, r);
			y2 = r + 1;
		}
		if (x1 >= x2)
			continue;
		*area += (u64)(x2 - x1) * (y2 - y1);
		if (last && last->y2 == y1 && last->x1 == x1 && last->x2 == x2) {
			last->y2 = y2;
			continue;
		}
		if (n == max)
			return -E2BIG;
		out[n++] = DRM_RECT_INIT(x1, y1, x2 - x1, y2 - y1);
	}
	return n;
}

QXL_KUNIT_EXPORT(qxl_flip_diff);

/* (Re)allocate the shadow at @w x @h, not yet holding anything; false if that failed. */
static bool qxl_shadow_alloc(struct qxl_head *head, u32 w, u32 h)
{
	head->shadow_ok = false;
	if (head->shadow && head->shadow_w == w && head->shadow_h == h)
		return true;
	kvfree(head->shadow);
	head->shadow = kvmalloc_array((size_t)w * h, 4, GFP_KERNEL);
	head->shadow_w = head->shadow ? w : 0;
	head->shadow_h = head->shadow ? h : 0;
	return head->shadow;
}

/*
 * The shadow is usable: allocated at this size, whole, and nothing else
 * drew on the head since. Consumes a failed-upload mark.
 */
static bool qxl_shadow_valid(struct qxl_device *qdev, struct qxl_head *head, u32 w, u32 h)
{
	bool stale = atomic_xchg(&head->shadow_stale, 0);

	return !stale && head->shadow && head->shadow_ok && head->shadow_w == w &&
	       head->shadow_h == h && head->shadow_draws == atomic_read(&qdev->primary_draws);
}

/**
 * qxl_shadow_diff - damage of a flip without clips, against the shadow
 * @qdev: the device
 * @head: the plane's head
 * @src: the new framebuffer's first pixel of the plane's source
 * @pitch: its bytes per row
 * @w: source width
 * @h: source height
 * @out: room for QXL_MAX_DAMAGE_DRAWS rectangles, source coordinates
 *
 * Return: the number of rectangles (0: the same picture), or -1 to upload
 * in full (no valid shadow, too many changes, or comparing is paused).
 */
int qxl_shadow_diff(struct qxl_device *qdev, struct qxl_head *head, const void *src, u32 pitch,
		    u32 w, u32 h, struct drm_rect *out)
{
	ktime_t t0;
	u64 area;
	int n;

	if (head->diff_skip) {
		head->diff_skip--;
		head->shadow_ok = false;
		return -1;
	}
	if (!head->shadow) {
		/* the first such flip: uploaded whole, then kept */
		qxl_shadow_alloc(head, w, h);
		return -1;
	}
	if (!qxl_shadow_valid(qdev, head, w, h))
		return -1;
	t0 = ktime_get();
	n = qxl_flip_diff(src, pitch, head->shadow, w * 4, w, h, out, QXL_MAX_DAMAGE_DRAWS, &area);
	atomic64_add(ktime_to_ns(ktime_sub(ktime_get(), t0)), &qdev->flip_diff_ns);
	atomic_inc(&qdev->flip_diffs);
	if (n >= 0 && area * 4 <= (u64)w * h * 3) {
		head->diff_big = 0;
		return n;
	}
	if (++head->diff_big >= 2) {
		head->diff_big = 0;
		head->diff_skip = QXL_DIFF_SKIP;
	}
	return -1;
}

/**
 * qxl_shadow_store - what an update of the plane puts on the device
 * @qdev: the device
 * @head: the plane's head
 * @src: the framebuffer's first pixel of the plane's source, NULL when the
 *	update shows something else there (the shadow is then stale)
 * @pitch: its bytes per row
 * @w: source width
 * @h: source height
 * @ox: x of the source's origin in the framebuffer
 * @oy: y of the source's origin in the framebuffer
 * @rects: the rectangles uploaded, framebuffer coordinates; NULL for all of it
 * @n: number of @rects
 *
 * A whole upload makes the shadow valid (reallocated at a new size); a
 * partial one keeps a valid shadow valid. Heads without a shadow (no flip
 * without damage so far) are left alone.
 */
void qxl_shadow_store(struct qxl_device *qdev, struct qxl_head *head, const void *src, u32 pitch,
		      u32 w, u32 h, int ox, int oy, const struct drm_rect *rects, unsigned int n)
{
	struct drm_rect all = DRM_RECT_INIT(ox, oy, w, h);
	unsigned int i;
	int y;

	if (!head->shadow || !src || head->diff_skip) {
		head->shadow_ok = false;
		return;
	}
	if (!rects) {
		if (!qxl_shadow_alloc(head, w, h))
			return;
		head->shadow_ok = true;
		head->shadow_draws = atomic_read(&qdev->primary_draws);
		rects = &all;
		n = 1;
	} else if (!head->shadow_ok || head->shadow_w != w || head->shadow_h != h) {
		head->shadow_ok = false;
		return;
	}
	for (i = 0; i < n; i++) {
		const struct drm_rect *r = &rects[i];
		size_t len = (size_t)drm_rect_width(r) * 4;
		u32 x = r->x1 - ox;

		for (y = r->y1 - oy; y < r->y2 - oy; y++)
			memcpy(head->shadow + (size_t)y * w + x,
			       src + (size_t)y * pitch + (size_t)x * 4, len);
	}
}

/* Driver teardown: the shadows go with the heads. */
void qxl_shadow_fini(struct qxl_device *qdev)
{
	unsigned int i;

	for (i = 0; i < qdev->num_heads; i++) {
		kvfree(qdev->heads[i].shadow);
		qdev->heads[i].shadow = NULL;
	}
}
