// SPDX-License-Identifier: GPL-2.0-only
/*
 * A minimal EDID 1.3 base block describing one head: its preferred mode as
 * the first detailed timing, a monitor name, and a physical size for 96 DPI.
 * Userspace that reads EDID instead of the mode list (and tools that show
 * the monitor name) then see what the SPICE client asked for.
 */

#include <linux/string.h>

#include <drm/drm_modes.h>

#include "qxl_edid.h"
#include "qxl_kunit.h"

static void qxl_edid_dtd(u8 *d, const struct drm_display_mode *m, u32 w_mm, u32 h_mm)
{
	u32 hblank = m->htotal - m->hdisplay, vblank = m->vtotal - m->vdisplay;
	u32 hso = m->hsync_start - m->hdisplay, hsw = m->hsync_end - m->hsync_start;
	u32 vso = m->vsync_start - m->vdisplay, vsw = m->vsync_end - m->vsync_start;
	u32 clk = m->clock / 10;

	d[0] = clk & 0xff;
	d[1] = clk >> 8;
	d[2] = m->hdisplay & 0xff;
	d[3] = hblank & 0xff;
	d[4] = ((m->hdisplay >> 8) << 4) | (hblank >> 8);
	d[5] = m->vdisplay & 0xff;
	d[6] = vblank & 0xff;
	d[7] = ((m->vdisplay >> 8) << 4) | (vblank >> 8);
	d[8] = hso & 0xff;
	d[9] = hsw & 0xff;
	d[10] = ((vso & 0xf) << 4) | (vsw & 0xf);
	d[11] = ((hso >> 8) << 6) | ((hsw >> 8) << 4) | ((vso >> 4) << 2) | (vsw >> 4);
	d[12] = w_mm & 0xff;
	d[13] = h_mm & 0xff;
	d[14] = ((w_mm >> 8) << 4) | (h_mm >> 8);
	d[15] = 0;
	d[16] = 0;
	/* Digital separate sync, polarities from the mode. */
	d[17] = 0x18 | (m->flags & DRM_MODE_FLAG_PVSYNC ? 0x04 : 0) |
		(m->flags & DRM_MODE_FLAG_PHSYNC ? 0x02 : 0);
}

static bool qxl_edid_dtd_fits(const struct drm_display_mode *m)
{
	return m->clock / 10 <= 0xffff && m->hdisplay <= 0xfff && m->vdisplay <= 0xfff &&
	       m->htotal - m->hdisplay <= 0xfff && m->vtotal - m->vdisplay <= 0xfff &&
	       m->hsync_start - m->hdisplay <= 0x3ff && m->hsync_end - m->hsync_start <= 0x3ff &&
	       m->vsync_start - m->vdisplay <= 0x3f && m->vsync_end - m->vsync_start <= 0x3f;
}

static void qxl_edid_text(u8 *d, u8 tag, const char *text)
{
	size_t n = min_t(size_t, strlen(text), 13);

	memset(d, 0, 18);
	d[3] = tag;
	if (tag == 0x10)
		return;		/* dummy descriptor: all zero */
	memset(d + 5, ' ', 13);
	memcpy(d + 5, text, n);
	if (n < 13)
		d[5 + n] = '\n';
}

/**
 * qxl_edid_build - fill a 128-byte EDID base block for one head
 * @edid: output
 * @mode: the head's preferred mode
 * @index: the head's index, used in the product code, serial and name
 */
void qxl_edid_build(u8 edid[QXL_EDID_SIZE], const struct drm_display_mode *mode,
		    unsigned int index)
{
	static const u8 header[8] = { 0x00, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x00 };
	/* sRGB primaries and D65 white point, in EDID's 10-bit encoding. */
	static const u8 srgb[10] = { 0xee, 0x91, 0xa3, 0x54, 0x4c, 0x99, 0x26, 0x0f, 0x50, 0x54 };
	u32 w_mm = mode->hdisplay * 254 / 960, h_mm = mode->vdisplay * 254 / 960;
	char name[16];
	u8 sum = 0;
	int i;

	memset(edid, 0, QXL_EDID_SIZE);
	memcpy(edid, header, sizeof(header));
	/* Manufacturer "QXL": three 5-bit letters, big-endian. */
	edid[8] = 0x47;
	edid[9] = 0x0c;
	edid[10] = (1 + index) & 0xff;
	edid[12] = index & 0xff;
	edid[17] = 36;			/* model year 2026 */
	edid[18] = 1;
	edid[19] = 3;
	edid[20] = 0x80;		/* digital input */
	edid[21] = min(w_mm / 10, 255u);
	edid[22] = min(h_mm / 10, 255u);
	edid[23] = 120;			/* gamma 2.2 */
	edid[24] = 0x02;		/* first detailed timing is preferred */
	memcpy(edid + 25, srgb, sizeof(srgb));
	for (i = 38; i < 54; i++)
		edid[i] = 0x01;		/* no standard timings */

	if (qxl_edid_dtd_fits(mode))
		qxl_edid_dtd(edid + 54, mode, w_mm, h_mm);
	else
		qxl_edid_text(edid + 54, 0x10, "");
	snprintf(name, sizeof(name), "QXL-NG %u", index);
	qxl_edid_text(edid + 72, 0xfc, name);
	qxl_edid_text(edid + 90, 0x10, "");
	qxl_edid_text(edid + 108, 0x10, "");

	for (i = 0; i < QXL_EDID_SIZE - 1; i++)
		sum += edid[i];
	edid[QXL_EDID_SIZE - 1] = (u8)(0x100 - sum);
}

QXL_KUNIT_EXPORT(qxl_edid_build);
