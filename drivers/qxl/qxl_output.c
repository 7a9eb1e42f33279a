// SPDX-License-Identifier: GPL-2.0-only
/*
 * Outputs: one CRTC, encoder and connector per head. The device has no
 * scanout timing of its own, so vblank is emulated with a timer at the
 * mode's refresh rate. Connectors follow the layout a SPICE client asks
 * for, which the device writes into the ROM and announces with the
 * CLIENT_MONITORS_CONFIG interrupt.
 */

#include <linux/crc32.h>
#include <linux/delay.h>
#include <linux/slab.h>

#include <drm/drm_atomic.h>
#include <drm/drm_atomic_helper.h>
#include <drm/drm_drv.h>
#include <drm/drm_edid.h>
#include <drm/drm_managed.h>
#include <drm/drm_modeset_helper_vtables.h>
#include <drm/drm_print.h>
#include <drm/drm_probe_helper.h>
#include <drm/drm_vblank.h>

#include "qxl_drv.h"
#include "qxl_edid.h"
#include "qxl_kunit.h"

#define QXL_CLIENT_CRC_TRIES	10

/* The primary surface has to fit the area the device reserves for it. */
bool qxl_mode_fits(struct qxl_device *qdev, u32 w, u32 h)
{
	return (u64)w * h * 4 <= qdev->surface0_size;
}

QXL_KUNIT_EXPORT(qxl_mode_fits);

/* ------------------------------------------------------------------ */
/* Emulated vblank                                                      */

/*
 * Called by the vblank timer at every period: the core's timer
 * (drm_vblank_helper.h) where the kernel has one, else the driver's own
 * (qxl_compat_vblank.c). Starts the CRC of the frame when a source is open.
 */
bool qxl_crtc_vblank_timeout(struct drm_crtc *crtc)
{
	struct qxl_head *head = to_qxl_head(crtc);
	bool ret = drm_crtc_handle_vblank(crtc);

	if (READ_ONCE(head->crc_enabled)) {
		/* A CRC still being computed makes this frame's one skipped. */
		if (!work_pending(&head->crc_work)) {
			head->crc_frame = drm_crtc_accurate_vblank_count(crtc);
			queue_work(system_dfl_wq, &head->crc_work);
		}
	}
	return ret;
}

/* ------------------------------------------------------------------ */
/* CRC of what the device shows                                         */

/*
 * Blend the head's cursor into row @y (head coordinates, @w pixels) the
 * way its plane's blend mode says: pre-multiplied, each channel
 * min(255, cursor + (below * (255 - alpha) + 127) / 255).
 */
static void qxl_crc_blend_cursor(u32 *row, u32 y, u32 w, const struct qxl_crc_cursor *c)
{
	const __le32 *src;
	int x0, x1, x, k;

	if (!c->on || !c->px || (int)y < c->y || (int)y >= c->y + (int)c->h)
		return;
	x0 = max(c->x, 0);
	x1 = min_t(int, c->x + (int)c->w, w);
	src = c->px + (y - c->y) * c->w;
	for (x = x0; x < x1; x++) {
		u32 s = le32_to_cpu(src[x - c->x]), d = row[x], a = s >> 24, out = 0;

		for (k = 0; k < 24; k += 8) {
			u32 v = ((s >> k) & 0xff) + ((((d >> k) & 0xff) * (255 - a) + 127) / 255);

			out |= min(v, 255u) << k;
		}
		row[x] = out;
	}
}

/*
 * The CRC covers what the head shows: its rectangle of the primary
 * surface as the device rendered it (UPDATE_AREA makes the device draw
 * every pending command into guest memory, then the rows are read back)
 * with the cursor plane blended over it (qxl_crc_blend_cursor()). Pixels
 * are hashed as 4 little-endian bytes with the unused X byte zeroed, with
 * the CRC-32 of the kernel's crc32_le() seeded with 0.
 */
static void qxl_crc_work(struct work_struct *work)
{
	struct qxl_head *head = container_of(work, struct qxl_head, crc_work);
	struct drm_crtc *crtc = &head->crtc;
	struct qxl_device *qdev = to_qxl(crtc->dev);
	struct qxl_head_rect r = qdev->layout[drm_crtc_index(crtc)];
	u32 width = READ_ONCE(qdev->primary_width), height = READ_ONCE(qdev->primary_height);
	u32 frame = head->crc_frame, crc = 0, x, y;
	u32 *row;
	int idx;

	/*
	 * A modeset may change the layout and the primary while this runs
	 * (nonblocking commits take no lock the worker could): whatever it
	 * reads, it stays inside the primary surface's area.
	 */
	if ((u64)width * height * 4 > qdev->surface0_size || r.x >= width || r.y >= height)
		return;
	r.w = min(r.w, width - r.x);
	r.h = min(r.h, height - r.y);
	if (!r.w || !r.h || !drm_dev_enter(crtc->dev, &idx))
		return;
	row = kmalloc_array(r.w, 4, GFP_KERNEL);
	if (!row)
		goto out;

	if (qxl_io_update_area(qdev, 0, &DRM_RECT_INIT(r.x, r.y, r.w, r.h)))
		goto out_free;

	mutex_lock(&head->crc_lock);
	for (y = 0; y < r.h; y++) {
		const u32 *src = qdev->ram + ((r.y + y) * width + r.x) * 4;

		for (x = 0; x < r.w; x++)
			row[x] = src[x] & 0x00ffffff;
		qxl_crc_blend_cursor(row, y, r.w, &head->crc_cursor);
		cpu_to_le32_array(row, r.w);
		crc = crc32_le(crc, (u8 *)row, r.w * 4);
	}
	mutex_unlock(&head->crc_lock);
	drm_crtc_add_crc_entry(crtc, true, frame, &crc);
out_free:
	kfree(row);
out:
	drm_dev_exit(idx);
}

static const char * const qxl_crc_sources[] = { "auto" };

static const char *const *qxl_crtc_get_crc_sources(struct drm_crtc *crtc, size_t *count)
{
	*count = ARRAY_SIZE(qxl_crc_sources);
	return qxl_crc_sources;
}

static int qxl_crtc_verify_crc_source(struct drm_crtc *crtc, const char *source,
				      size_t *values_cnt)
{
	if (source && strcmp(source, "auto")) {
		drm_dbg_driver(crtc->dev, "unknown CRC source %s\n", source);
		return -EINVAL;
	}
	*values_cnt = 1;
	return 0;
}

/* CRCs are computed on vblank, so vblank runs while a source is open. */
static int qxl_crtc_set_crc_source(struct drm_crtc *crtc, const char *source)
{
	struct qxl_head *head = to_qxl_head(crtc);
	bool on = source && !strcmp(source, "auto");
	int ret = 0;

	if (on == READ_ONCE(head->crc_enabled))
		return 0;
	if (on)
		ret = drm_crtc_vblank_get(crtc);
	else
		drm_crtc_vblank_put(crtc);
	if (!ret)
		WRITE_ONCE(head->crc_enabled, on);
	return ret;
}

/* Device-managed: runs on unbind before the BARs are unmapped. */
void qxl_output_fini(void *data)
{
	struct qxl_device *qdev = data;
	unsigned int i;

	for (i = 0; i < qdev->num_heads; i++)
		cancel_work_sync(&qdev->heads[i].crc_work);
}

/* ------------------------------------------------------------------ */
/* CRTC                                                                 */

static enum drm_mode_status qxl_crtc_helper_mode_valid(struct drm_crtc *crtc,
						       const struct drm_display_mode *mode)
{
	if (!qxl_mode_fits(to_qxl(crtc->dev), mode->hdisplay, mode->vdisplay))
		return MODE_MEM;
	/* The vblank timer fires at the mode's refresh rate. */
	if (drm_mode_vrefresh(mode) > QXL_MAX_REFRESH_HZ)
		return MODE_CLOCK_HIGH;
	return MODE_OK;
}

static void qxl_crtc_helper_atomic_enable(struct drm_crtc *crtc, struct drm_atomic_commit *state)
{
	drm_crtc_vblank_on(crtc);
}

static void qxl_crtc_helper_atomic_disable(struct drm_crtc *crtc, struct drm_atomic_commit *state)
{
	struct drm_pending_vblank_event *event = crtc->state->event;

	/* a scanout consumer (SCANOUT_DAMAGE) sees the head show nothing */
	qxl_damage_record(to_qxl_head(crtc), NULL, NULL, 0, true);
	drm_crtc_vblank_off(crtc);
	if (event) {
		crtc->state->event = NULL;
		spin_lock_irq(&crtc->dev->event_lock);
		drm_crtc_send_vblank_event(crtc, event);
		spin_unlock_irq(&crtc->dev->event_lock);
	}
}

/*
 * Runs after this CRTC's planes queued their commands, so the device has
 * the update. A client's event is delivered at the next vblank. The event
 * the atomic helpers create for commits without one (DIRTYFB, commits
 * without a flag) completes at once: copies already happened, nothing is
 * scanned out of the old framebuffer, and waiting a frame would throttle
 * damage updates to the refresh rate.
 */
static void qxl_crtc_helper_atomic_flush(struct drm_crtc *crtc, struct drm_atomic_commit *state)
{
	struct drm_pending_vblank_event *event = crtc->state->event;

	if (!event)
		return;
	crtc->state->event = NULL;
	spin_lock_irq(&crtc->dev->event_lock);
	if (event->base.file_priv && crtc->state->active && drm_crtc_vblank_get(crtc) == 0)
		drm_crtc_arm_vblank_event(crtc, event);
	else
		drm_crtc_send_vblank_event(crtc, event);
	spin_unlock_irq(&crtc->dev->event_lock);
}

static const struct drm_crtc_helper_funcs qxl_crtc_helper_funcs = {
	.mode_valid = qxl_crtc_helper_mode_valid,
	.atomic_flush = qxl_crtc_helper_atomic_flush,
	.atomic_enable = qxl_crtc_helper_atomic_enable,
	.atomic_disable = qxl_crtc_helper_atomic_disable,
	QXL_CRTC_HANDLE_VBLANK_TIMEOUT(qxl_crtc_vblank_timeout)
};

static const struct drm_crtc_funcs qxl_crtc_funcs = {
	.reset = drm_atomic_helper_crtc_reset,
	.set_config = drm_atomic_helper_set_config,
	.page_flip = drm_atomic_helper_page_flip,
	.atomic_duplicate_state = drm_atomic_helper_crtc_duplicate_state,
	.atomic_destroy_state = drm_atomic_helper_crtc_destroy_state,
	QXL_CRTC_VBLANK_TIMER_FUNCS
	.get_crc_sources = qxl_crtc_get_crc_sources,
	.verify_crc_source = qxl_crtc_verify_crc_source,
	.set_crc_source = qxl_crtc_set_crc_source,
};

/* ------------------------------------------------------------------ */
/* The client's layout                                                  */

/*
 * Read the layout the client asked for from the ROM. The device may be
 * rewriting it while we read, so retry until the CRC matches. Heads the
 * device cannot show are dropped with a debug message, never applied.
 */
QXL_KUNIT_STATIC int qxl_client_read(struct qxl_device *qdev, struct qxl_head_rect *out,
				     unsigned int *count)
{
	const size_t len = offsetof(struct qxl_rom, client_heads) +
			   sizeof(qdev->rom->client_heads) -
			   offsetof(struct qxl_rom, client_monitors_count);
	struct drm_device *drm = &qdev->drm;
	struct qxl_urect *heads;
	unsigned int n, i;
	bool ok = false;
	u8 *buf;
	int tries;

	buf = kmalloc(len, GFP_KERNEL);
	if (!buf)
		return -ENOMEM;
	for (tries = 0; tries < QXL_CLIENT_CRC_TRIES && !ok; tries++) {
		memcpy_fromio(buf, &qdev->rom->client_monitors_count, len);
		ok = crc32_le(0, buf, len) == readl(&qdev->rom->client_monitors_crc);
		if (!ok)
			udelay(5);
	}
	if (!ok) {
		drm_dbg_kms(drm, "client monitors config: CRC mismatch after %d reads, ignored\n",
			    tries);
		kfree(buf);
		return -EIO;
	}

	n = le16_to_cpup((__le16 *)buf);
	heads = (struct qxl_urect *)(buf + 4);
	if (n > QXL_MAX_CLIENT_HEADS) {
		drm_dbg_kms(drm, "client monitors config: %u heads, ignored\n", n);
		kfree(buf);
		return -EINVAL;
	}
	if (n > qdev->num_heads)
		drm_dbg_kms(drm, "client asks for %u heads, the driver has %u (num_heads)\n",
			    n, qdev->num_heads);
	n = min(n, qdev->num_heads);

	memset(out, 0, sizeof(*out) * QXL_MAX_HEADS);
	for (i = 0; i < n; i++) {
		u32 l = le32_to_cpu(heads[i].left), t = le32_to_cpu(heads[i].top);
		u32 r = le32_to_cpu(heads[i].right), b = le32_to_cpu(heads[i].bottom);

		if (r <= l || b <= t) {
			drm_dbg_kms(drm, "client head %u is empty: off\n", i);
			continue;
		}
		if (r - l > QXL_NG_MAX_DIM || b - t > QXL_NG_MAX_DIM ||
		    !qxl_mode_fits(qdev, r - l, b - t)) {
			drm_dbg_kms(drm, "client head %u %ux%u does not fit the %u-byte primary area (vgamem_mb): ignored\n",
				    i, r - l, b - t, qdev->surface0_size);
			continue;
		}
		out[i] = (struct qxl_head_rect){ .x = l, .y = t, .w = r - l, .h = b - t };
	}
	*count = n;
	kfree(buf);
	return 0;
}

QXL_KUNIT_EXPORT(qxl_client_read);

/**
 * qxl_client_update - re-read the client's layout
 * @qdev: the device
 *
 * Return: true if it differs from the one the connectors show.
 */
bool qxl_client_update(struct qxl_device *qdev)
{
	struct qxl_head_rect heads[QXL_MAX_HEADS];
	unsigned int count;
	bool changed;
	int idx;

	if (!drm_dev_enter(&qdev->drm, &idx))
		return false;
	if (qxl_client_read(qdev, heads, &count)) {
		drm_dev_exit(idx);
		return false;
	}
	mutex_lock(&qdev->client_lock);
	changed = count != qdev->client_count || memcmp(heads, qdev->client, sizeof(heads));
	memcpy(qdev->client, heads, sizeof(heads));
	qdev->client_count = count;
	mutex_unlock(&qdev->client_lock);
	drm_dev_exit(idx);
	return changed;
}

/* On CLIENT_MONITORS_CONFIG: one hotplug event if anything changed. */
void qxl_client_work(struct work_struct *work)
{
	struct qxl_device *qdev = container_of(work, struct qxl_device, client_work);

	if (qxl_client_update(qdev)) {
		atomic_inc(&qdev->client_events);
		drm_kms_helper_hotplug_event(&qdev->drm);
	}
}

/* ------------------------------------------------------------------ */
/* Connector                                                            */

static unsigned int qxl_connector_index(struct drm_connector *connector)
{
	return container_of(connector, struct qxl_head, connector) - to_qxl(connector->dev)->heads;
}

static int qxl_connector_detect_ctx(struct drm_connector *connector,
				    struct drm_modeset_acquire_ctx *ctx, bool force)
{
	struct qxl_device *qdev = to_qxl(connector->dev);
	unsigned int i = qxl_connector_index(connector);
	bool on;

	/* Head 0 is always there, so that a guest without a client has a display. */
	mutex_lock(&qdev->client_lock);
	on = i == 0 || qdev->client[i].w;
	mutex_unlock(&qdev->client_lock);
	return on ? connector_status_connected : connector_status_disconnected;
}

static int qxl_connector_helper_get_modes(struct drm_connector *connector)
{
	struct qxl_device *qdev = to_qxl(connector->dev);
	struct drm_device *drm = connector->dev;
	unsigned int i = qxl_connector_index(connector);
	struct qxl_head_rect want;
	struct drm_display_mode *mode;
	u8 edid[QXL_EDID_SIZE];
	int count;

	mutex_lock(&qdev->client_lock);
	want = qdev->client[i];
	mutex_unlock(&qdev->client_lock);
	if (!want.w)
		want = (struct qxl_head_rect){ .w = 1024, .h = 768 };

	count = drm_add_modes_noedid(connector, QXL_NG_MAX_DIM, QXL_NG_MAX_DIM);
	mode = drm_cvt_mode(drm, want.w, want.h, 60, false, false, false);
	if (mode) {
		qxl_edid_build(edid, mode, i);
		drm_connector_update_edid_property(connector, (struct edid *)edid);
		mode->type |= DRM_MODE_TYPE_PREFERRED;
		drm_mode_probed_add(connector, mode);
		count++;
	} else {
		/* Only then: it would also mark the standard mode of that size. */
		drm_set_preferred_mode(connector, want.w, want.h);
	}
	drm_object_property_set_value(&connector->base, drm->mode_config.suggested_x_property,
				      want.x);
	drm_object_property_set_value(&connector->base, drm->mode_config.suggested_y_property,
				      want.y);
	return count;
}

static const struct drm_connector_helper_funcs qxl_connector_helper_funcs = {
	.get_modes = qxl_connector_helper_get_modes,
	.detect_ctx = qxl_connector_detect_ctx,
};

static const struct drm_connector_funcs qxl_connector_funcs = {
	.reset = drm_atomic_helper_connector_reset,
	.fill_modes = drm_helper_probe_single_connector_modes,
	.destroy = drm_connector_cleanup,
	.atomic_duplicate_state = drm_atomic_helper_connector_duplicate_state,
	.atomic_destroy_state = drm_atomic_helper_connector_destroy_state,
};

static void qxl_crc_cursor_free(struct drm_device *drm, void *data)
{
	struct qxl_head *head = data;

	kvfree(head->crc_cursor.px);
}

/**
 * qxl_output_init - create the CRTC, encoder and connector of one head
 * @qdev: the device
 * @index: head index; its primary plane must exist already
 *
 * Return: 0 or a negative errno.
 */
int qxl_output_init(struct qxl_device *qdev, unsigned int index)
{
	struct qxl_head *head = &qdev->heads[index];
	struct drm_device *drm = &qdev->drm;
	int ret;

	ret = drmm_crtc_init_with_planes(drm, &head->crtc, &head->primary, &head->cursor,
					 &qxl_crtc_funcs, NULL);
	if (ret)
		return ret;
	drm_crtc_helper_add(&head->crtc, &qxl_crtc_helper_funcs);
	qxl_vblank_timer_init(head);
	INIT_WORK(&head->crc_work, qxl_crc_work);
	ret = drmm_mutex_init(drm, &head->crc_lock);
	if (ret)
		return ret;
	ret = drmm_add_action_or_reset(drm, qxl_crc_cursor_free, head);
	if (ret)
		return ret;
	spin_lock_init(&head->damage_lock);

	ret = drmm_encoder_init(drm, &head->encoder, NULL, DRM_MODE_ENCODER_VIRTUAL, NULL);
	if (ret)
		return ret;
	head->encoder.possible_crtcs = drm_crtc_mask(&head->crtc);

	ret = drm_connector_init(drm, &head->connector, &qxl_connector_funcs,
				 DRM_MODE_CONNECTOR_VIRTUAL);
	if (ret)
		return ret;
	drm_connector_helper_add(&head->connector, &qxl_connector_helper_funcs);
	head->connector.polled = DRM_CONNECTOR_POLL_HPD;
	ret = drm_connector_attach_encoder(&head->connector, &head->encoder);
	if (ret)
		return ret;

	/* The core attaches no EDID property to virtual connectors: we have one. */
	drm_connector_attach_edid_property(&head->connector);
	drm_object_attach_property(&head->connector.base,
				   drm->mode_config.non_desktop_property, 0);
	drm_object_attach_property(&head->connector.base, qdev->hotplug_mode_update_prop, 1);
	drm_object_attach_property(&head->connector.base,
				   drm->mode_config.suggested_x_property, 0);
	drm_object_attach_property(&head->connector.base,
				   drm->mode_config.suggested_y_property, 0);
	return 0;
}
