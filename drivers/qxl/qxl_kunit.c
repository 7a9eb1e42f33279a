// SPDX-License-Identifier: GPL-2.0-only
/*
 * KUnit suites for the pure logic of qxl.ko, run when this module loads
 * (after qxl.ko, whose functions it calls; nothing here touches a device):
 *
 *  - qxl_client_config: the client's monitors config as read from the ROM,
 *    with its CRC and bounds (a fake ROM in memory);
 *  - qxl_mode_fits: modes against the primary surface's area;
 *  - qxl_edid: the EDID base block of a head;
 *  - qxl_damage_groups: damage rectangles grouped into upload commands;
 *  - qxl_verifier: the command verifier's predicates (areas, formats, ops);
 *  - qxl_verifier_drawable: its surface-id and dependency rules on
 *    commands built in memory;
 *  - qxl_bo_resolve: device addresses against the caller's buffers;
 *  - qxl_damage_history: the per-CRTC ring behind SCANOUT_DAMAGE;
 *  - qxl_flip_diff: where two pictures differ (flips without damage);
 *  - qxl_cmd: the builders of commands and of port arguments (qxl_cmd.c),
 *    byte by byte at the offsets of the device's ABI.
 */
#include <kunit/test.h>
#include <linux/crc32.h>
#include <linux/module.h>

#include <drm/drm_edid.h>
#include <drm/drm_framebuffer.h>
#include <drm/drm_modes.h>

#include "qxl_drv.h"
#include "qxl_edid.h"
#include "qxl_kunit.h"
#include "qxl_verify.h"

/* A device with a ROM in ordinary memory, @heads heads, @area bytes of primary. */
static struct qxl_device *fake_device(struct kunit *test, unsigned int heads, u32 area)
{
	struct qxl_device *qdev = kunit_kzalloc(test, sizeof(*qdev), GFP_KERNEL);
	struct qxl_rom *rom = kunit_kzalloc(test, sizeof(*rom), GFP_KERNEL);

	KUNIT_ASSERT_NOT_NULL(test, qdev);
	KUNIT_ASSERT_NOT_NULL(test, rom);
	qdev->rom = (struct qxl_rom __iomem __force *)rom;
	qdev->num_heads = heads;
	qdev->surface0_size = area;
	return qdev;
}

static struct qxl_rom *rom_of(struct qxl_device *qdev)
{
	return (struct qxl_rom __force *)qdev->rom;
}

/*
 * Write a count of @n client heads, the first @nr of them from @r (l, t, r,
 * b each), and the CRC the device would (or a wrong one).
 */
static void client_config(struct qxl_device *qdev, unsigned int n, unsigned int nr,
			  const u32 (*r)[4], bool good_crc)
{
	struct qxl_rom *rom = rom_of(qdev);
	const size_t len = offsetof(struct qxl_rom, client_heads) + sizeof(rom->client_heads) -
			   offsetof(struct qxl_rom, client_monitors_count);
	unsigned int i;

	rom->client_monitors_count = cpu_to_le16(n);
	for (i = 0; i < nr && i < QXL_MAX_CLIENT_HEADS; i++) {
		rom->client_heads[i].left = cpu_to_le32(r[i][0]);
		rom->client_heads[i].top = cpu_to_le32(r[i][1]);
		rom->client_heads[i].right = cpu_to_le32(r[i][2]);
		rom->client_heads[i].bottom = cpu_to_le32(r[i][3]);
	}
	rom->client_monitors_crc = cpu_to_le32(crc32_le(0, (u8 *)&rom->client_monitors_count,
							len) ^ (good_crc ? 0 : 1));
}

static void client_two_heads(struct kunit *test)
{
	static const u32 r[2][4] = { { 0, 0, 1024, 768 }, { 1024, 0, 2304, 800 } };
	struct qxl_device *qdev = fake_device(test, 4, 16 << 20);
	struct qxl_head_rect out[QXL_MAX_HEADS];
	unsigned int n = 0;

	client_config(qdev, 2, 2, r, true);
	KUNIT_ASSERT_EQ(test, qxl_client_read(qdev, out, &n), 0);
	KUNIT_EXPECT_EQ(test, n, 2u);
	KUNIT_EXPECT_EQ(test, out[0].w, 1024u);
	KUNIT_EXPECT_EQ(test, out[0].h, 768u);
	KUNIT_EXPECT_EQ(test, out[1].x, 1024u);
	KUNIT_EXPECT_EQ(test, out[1].w, 1280u);
	KUNIT_EXPECT_EQ(test, out[1].h, 800u);
}

/* A CRC that never matches: the config is ignored (-EIO), nothing applied. */
static void client_corrupt_crc(struct kunit *test)
{
	static const u32 r[1][4] = { { 0, 0, 800, 600 } };
	struct qxl_device *qdev = fake_device(test, 4, 16 << 20);
	struct qxl_head_rect out[QXL_MAX_HEADS];
	unsigned int n = 7;

	client_config(qdev, 1, 1, r, false);
	KUNIT_EXPECT_EQ(test, qxl_client_read(qdev, out, &n), -EIO);
	KUNIT_EXPECT_EQ(test, n, 7u);
}

static void client_too_many_heads(struct kunit *test)
{
	static const u32 r[1][4] = { { 0, 0, 800, 600 } };
	struct qxl_device *qdev = fake_device(test, 4, 16 << 20);
	struct qxl_head_rect out[QXL_MAX_HEADS];
	unsigned int n = 0;

	/* a count past the ROM's array, with a CRC that matches it */
	client_config(qdev, QXL_MAX_CLIENT_HEADS + 1, 1, r, true);
	KUNIT_EXPECT_EQ(test, qxl_client_read(qdev, out, &n), -EINVAL);
}

/* Empty, too large and beyond-the-primary heads are dropped, not applied. */
static void client_bad_heads_dropped(struct kunit *test)
{
	static const u32 r[4][4] = {
		{ 0, 0, 640, 480 },		/* fine */
		{ 100, 100, 100, 200 },		/* empty */
		{ 0, 0, 9000, 100 },		/* wider than 8192 */
		{ 0, 0, 4096, 4096 },		/* 64 MiB: beyond the 16 MiB primary */
	};
	struct qxl_device *qdev = fake_device(test, 4, 16 << 20);
	struct qxl_head_rect out[QXL_MAX_HEADS];
	unsigned int n = 0, i;

	client_config(qdev, 4, 4, r, true);
	KUNIT_ASSERT_EQ(test, qxl_client_read(qdev, out, &n), 0);
	KUNIT_EXPECT_EQ(test, n, 4u);
	KUNIT_EXPECT_EQ(test, out[0].w, 640u);
	for (i = 1; i < 4; i++) {
		KUNIT_EXPECT_EQ(test, out[i].w, 0u);
		KUNIT_EXPECT_EQ(test, out[i].h, 0u);
	}
}

/* More client heads than num_heads: only num_heads are taken. */
static void client_more_than_num_heads(struct kunit *test)
{
	static const u32 r[3][4] = { { 0, 0, 640, 480 }, { 640, 0, 1280, 480 },
				     { 1280, 0, 1920, 480 } };
	struct qxl_device *qdev = fake_device(test, 2, 16 << 20);
	struct qxl_head_rect out[QXL_MAX_HEADS];
	unsigned int n = 0;

	client_config(qdev, 3, 3, r, true);
	KUNIT_ASSERT_EQ(test, qxl_client_read(qdev, out, &n), 0);
	KUNIT_EXPECT_EQ(test, n, 2u);
	KUNIT_EXPECT_EQ(test, out[2].w, 0u);
}

static struct kunit_case client_cases[] = {
	KUNIT_CASE(client_two_heads),
	KUNIT_CASE(client_corrupt_crc),
	KUNIT_CASE(client_too_many_heads),
	KUNIT_CASE(client_bad_heads_dropped),
	KUNIT_CASE(client_more_than_num_heads),
	{}
};

static struct kunit_suite client_suite = {
	.name = "qxl_client_config",
	.test_cases = client_cases,
};

static void mode_fits_bounds(struct kunit *test)
{
	struct qxl_device *qdev = fake_device(test, 1, 1024 * 768 * 4);

	KUNIT_EXPECT_TRUE(test, qxl_mode_fits(qdev, 1024, 768));
	KUNIT_EXPECT_FALSE(test, qxl_mode_fits(qdev, 1024, 769));
	KUNIT_EXPECT_TRUE(test, qxl_mode_fits(qdev, 768, 1024));
	/* no u32 overflow */
	KUNIT_EXPECT_FALSE(test, qxl_mode_fits(qdev, 65536, 65536));
}

static struct kunit_case mode_cases[] = {
	KUNIT_CASE(mode_fits_bounds),
	{}
};

static struct kunit_suite mode_suite = {
	.name = "qxl_mode_fits",
	.test_cases = mode_cases,
};

static void edid_block(struct kunit *test)
{
	static const u8 header[8] = { 0x00, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x00 };
	struct drm_display_mode *mode;
	u8 edid[QXL_EDID_SIZE], sum = 0;
	unsigned int i;

	mode = drm_cvt_mode(NULL, 1280, 800, 60, false, false, false);
	KUNIT_ASSERT_NOT_NULL(test, mode);
	qxl_edid_build(edid, mode, 1);
	KUNIT_EXPECT_EQ(test, memcmp(edid, header, sizeof(header)), 0);
	for (i = 0; i < QXL_EDID_SIZE; i++)
		sum += edid[i];
	KUNIT_EXPECT_EQ(test, sum, 0);
	/* the first detailed timing is the mode: active pixels, 12 bits each */
	KUNIT_EXPECT_EQ(test, edid[56] | (edid[58] & 0xf0) << 4, 1280);
	KUNIT_EXPECT_EQ(test, edid[59] | (edid[61] & 0xf0) << 4, 800);
	KUNIT_EXPECT_EQ(test, edid[54] | edid[55] << 8, mode->clock / 10);
	/* the monitor name descriptor */
	KUNIT_EXPECT_EQ(test, edid[75], 0xfc);
	KUNIT_EXPECT_EQ(test, memcmp(edid + 77, "QXL-NG 1\n", 9), 0);
	drm_mode_destroy(NULL, mode);
}

/* A mode a detailed timing cannot hold (12-bit sizes): a dummy descriptor. */
static void edid_huge_mode(struct kunit *test)
{
	struct drm_display_mode *mode = drm_cvt_mode(NULL, 8192, 4320, 30, false, false, false);
	u8 edid[QXL_EDID_SIZE], sum = 0;
	unsigned int i;

	KUNIT_ASSERT_NOT_NULL(test, mode);
	qxl_edid_build(edid, mode, 0);
	KUNIT_EXPECT_EQ(test, edid[54] | edid[55] << 8, 0);
	KUNIT_EXPECT_EQ(test, edid[57], 0x10);
	for (i = 0; i < QXL_EDID_SIZE; i++)
		sum += edid[i];
	KUNIT_EXPECT_EQ(test, sum, 0);
	drm_mode_destroy(NULL, mode);
}

/* Different heads get different EDIDs (serial, name), same size and sum. */
static void edid_per_head(struct kunit *test)
{
	struct drm_display_mode *mode = drm_cvt_mode(NULL, 1024, 768, 60, false, false, false);
	u8 a[QXL_EDID_SIZE], b[QXL_EDID_SIZE];

	KUNIT_ASSERT_NOT_NULL(test, mode);
	qxl_edid_build(a, mode, 0);
	qxl_edid_build(b, mode, 1);
	KUNIT_EXPECT_NE(test, memcmp(a, b, QXL_EDID_SIZE), 0);
	drm_mode_destroy(NULL, mode);
}

static struct kunit_case edid_cases[] = {
	KUNIT_CASE(edid_block),
	KUNIT_CASE(edid_per_head),
	KUNIT_CASE(edid_huge_mode),
	{}
};

static struct kunit_suite edid_suite = {
	.name = "qxl_edid",
	.test_cases = edid_cases,
};

/* Every rectangle in exactly one group, in order, inside its group's box. */
static void groups_cover(struct kunit *test, struct drm_rect *clips, unsigned int n,
			 struct qxl_upload *up, unsigned int g)
{
	unsigned int i, j, next = 0;

	for (i = 0; i < g; i++) {
		KUNIT_EXPECT_EQ(test, up[i].first, next);
		KUNIT_EXPECT_GE(test, up[i].count, 1u);
		KUNIT_EXPECT_LE(test, up[i].count, (unsigned int)QXL_GROUP_MAX_CLIPS);
		for (j = up[i].first; j < up[i].first + up[i].count && j < n; j++) {
			KUNIT_EXPECT_LE(test, up[i].src.x1, clips[j].x1);
			KUNIT_EXPECT_LE(test, up[i].src.y1, clips[j].y1);
			KUNIT_EXPECT_GE(test, up[i].src.x2, clips[j].x2);
			KUNIT_EXPECT_GE(test, up[i].src.y2, clips[j].y2);
		}
		next += up[i].count;
	}
	KUNIT_EXPECT_EQ(test, next, n);
}

/* Neighbours in one band share a command; a far one gets its own. */
static void groups_band(struct kunit *test)
{
	struct drm_rect clips[4] = {
		DRM_RECT_INIT(100, 10, 20, 20), DRM_RECT_INIT(10, 10, 20, 20),
		DRM_RECT_INIT(40, 12, 20, 20), DRM_RECT_INIT(900, 700, 10, 10),
	};
	struct qxl_upload up[4];
	unsigned int g = qxl_group_clips(clips, 4, up);

	KUNIT_EXPECT_EQ(test, g, 2u);
	groups_cover(test, clips, 4, up, g);
	/* sorted by top, then left */
	KUNIT_EXPECT_EQ(test, clips[0].x1, 10);
	KUNIT_EXPECT_EQ(test, up[1].count, 1u);
	KUNIT_EXPECT_EQ(test, up[1].src.x1, 900);
}

/* A group stops at QXL_GROUP_MAX_CLIPS rectangles, however close. */
static void groups_max_clips(struct kunit *test)
{
	const unsigned int n = QXL_GROUP_MAX_CLIPS + 4;
	struct drm_rect *clips = kunit_kcalloc(test, n, sizeof(*clips), GFP_KERNEL);
	struct qxl_upload *up = kunit_kcalloc(test, n, sizeof(*up), GFP_KERNEL);
	unsigned int i, g;

	KUNIT_ASSERT_NOT_NULL(test, clips);
	KUNIT_ASSERT_NOT_NULL(test, up);
	for (i = 0; i < n; i++)
		clips[i] = DRM_RECT_INIT(i * 10, 0, 10, 10);
	g = qxl_group_clips(clips, n, up);
	KUNIT_EXPECT_EQ(test, g, 2u);
	KUNIT_EXPECT_EQ(test, up[0].count, (unsigned int)QXL_GROUP_MAX_CLIPS);
	groups_cover(test, clips, n, up, g);
}

/* Far apart: the box would waste too much, one command each. */
static void groups_scattered(struct kunit *test)
{
	struct drm_rect clips[3] = {
		DRM_RECT_INIT(0, 0, 4, 4), DRM_RECT_INIT(1000, 0, 4, 4),
		DRM_RECT_INIT(0, 700, 4, 4),
	};
	struct qxl_upload up[3];
	unsigned int g = qxl_group_clips(clips, 3, up);

	KUNIT_EXPECT_EQ(test, g, 3u);
	groups_cover(test, clips, 3, up, g);
}

static struct kunit_case groups_cases[] = {
	KUNIT_CASE(groups_band),
	KUNIT_CASE(groups_max_clips),
	KUNIT_CASE(groups_scattered),
	{}
};

static struct kunit_suite groups_suite = {
	.name = "qxl_damage_groups",
	.test_cases = groups_cases,
};

static struct qxl_rect hw_rect(s32 left, s32 top, s32 right, s32 bottom)
{
	return (struct qxl_rect){ .left = cpu_to_le32(left), .top = cpu_to_le32(top),
				  .right = cpu_to_le32(right), .bottom = cpu_to_le32(bottom) };
}

static void verifier_rect_inside(struct kunit *test)
{
	struct qxl_rect r = hw_rect(0, 0, 64, 32);

	KUNIT_EXPECT_TRUE(test, qxl_rect_inside(&r, 64, 32));
	KUNIT_EXPECT_FALSE(test, qxl_rect_inside(&r, 63, 32));
	KUNIT_EXPECT_FALSE(test, qxl_rect_inside(&r, 64, 31));
	r = hw_rect(-1, 0, 10, 10);
	KUNIT_EXPECT_FALSE(test, qxl_rect_inside(&r, 64, 64));
	r = hw_rect(10, 10, 10, 20);	/* empty */
	KUNIT_EXPECT_FALSE(test, qxl_rect_inside(&r, 64, 64));
	r = hw_rect(0, 0, S32_MAX, 1);	/* no overflow to a small size */
	KUNIT_EXPECT_FALSE(test, qxl_rect_inside(&r, 64, 64));
}

static void verifier_bitmap_bpp(struct kunit *test)
{
	KUNIT_EXPECT_EQ(test, qxl_bitmap_bpp(QXL_BITMAP_FMT_32BIT), 32u);
	KUNIT_EXPECT_EQ(test, qxl_bitmap_bpp(QXL_BITMAP_FMT_RGBA), 32u);
	KUNIT_EXPECT_EQ(test, qxl_bitmap_bpp(QXL_BITMAP_FMT_24BIT), 24u);
	KUNIT_EXPECT_EQ(test, qxl_bitmap_bpp(QXL_BITMAP_FMT_16BIT), 16u);
	KUNIT_EXPECT_EQ(test, qxl_bitmap_bpp(QXL_BITMAP_FMT_8BIT_A), 8u);
	/* palettes and 1-bit bitmaps are refused */
	KUNIT_EXPECT_EQ(test, qxl_bitmap_bpp(1), 0u);
	KUNIT_EXPECT_EQ(test, qxl_bitmap_bpp(255), 0u);
}

static void verifier_composite_ops(struct kunit *test)
{
	KUNIT_EXPECT_TRUE(test, qxl_composite_op_valid(0x00));
	KUNIT_EXPECT_TRUE(test, qxl_composite_op_valid(0x0d));
	KUNIT_EXPECT_FALSE(test, qxl_composite_op_valid(0x0e));
	KUNIT_EXPECT_FALSE(test, qxl_composite_op_valid(0x2f));
	KUNIT_EXPECT_TRUE(test, qxl_composite_op_valid(0x30));
	KUNIT_EXPECT_TRUE(test, qxl_composite_op_valid(0x3e));
	KUNIT_EXPECT_FALSE(test, qxl_composite_op_valid(0x3f));
	KUNIT_EXPECT_FALSE(test, qxl_composite_op_valid(0xff));
}

static struct kunit_case verifier_cases[] = {
	KUNIT_CASE(verifier_rect_inside),
	KUNIT_CASE(verifier_bitmap_bpp),
	KUNIT_CASE(verifier_composite_ops),
	{}
};

static struct kunit_suite verifier_suite = {
	.name = "qxl_verifier",
	.test_cases = verifier_cases,
};

/* A FILL on surface 0 (1024x768) at (0, 0, 10, 10); surface 3 (64x64) relocated too. */
static struct qxl_verify *fill_command(struct kunit *test)
{
	struct qxl_verify *v = kunit_kzalloc(test, sizeof(*v), GFP_KERNEL);
	struct qxl_fill *f;
	unsigned int i;

	KUNIT_ASSERT_NOT_NULL(test, v);
	v->qdev = fake_device(test, 1, 0);
	v->surf[0] = (struct qxl_surf_ref){ .id = 0, .w = 1024, .h = 768, .bpp = 32 };
	v->surf[1] = (struct qxl_surf_ref){ .id = 3, .w = 64, .h = 64, .bpp = 32 };
	v->nsurf = 2;
	v->d.type = QXL_DRAW_FILL;
	v->d.effect = QXL_EFFECT_OPAQUE;
	v->d.bbox = hw_rect(0, 0, 10, 10);
	v->d.clip.type = cpu_to_le32(QXL_CLIP_TYPE_NONE);
	for (i = 0; i < ARRAY_SIZE(v->d.surfaces_dest); i++)
		v->d.surfaces_dest[i] = cpu_to_le32(QXL_SURFACE_NONE);
	f = (void *)&v->d.u;
	f->brush.type = cpu_to_le32(QXL_BRUSH_TYPE_SOLID);
	f->rop_descriptor = cpu_to_le16(QXL_ROPD_OP_PUT);
	return v;
}

static int rejects(struct qxl_verify *v)
{
	return atomic_read(&v->qdev->exec_rejects);
}

static void drawable_fill_accepted(struct kunit *test)
{
	struct qxl_verify *v = fill_command(test);

	KUNIT_EXPECT_EQ(test, qxl_verify_drawable(v), 0);
	KUNIT_EXPECT_PTR_EQ(test, v->dst, (const struct qxl_surf_ref *)&v->surf[0]);
	KUNIT_EXPECT_EQ(test, rejects(v), 0);
}

static void drawable_destination_rules(struct kunit *test)
{
	struct qxl_verify *v = fill_command(test);

	v->d.surface_id = cpu_to_le32(7);	/* not written by a SURF relocation */
	KUNIT_EXPECT_EQ(test, qxl_verify_drawable(v), -EINVAL);
	v->d.surface_id = cpu_to_le32(3);
	KUNIT_EXPECT_EQ(test, qxl_verify_drawable(v), 0);
	v->d.bbox = hw_rect(0, 0, 65, 10);	/* past surface 3's width */
	KUNIT_EXPECT_EQ(test, qxl_verify_drawable(v), -EINVAL);
	v->d.bbox = hw_rect(0, 0, 10, 10);
	v->d.effect = QXL_EFFECT_OPAQUE_BRUSH + 1;
	KUNIT_EXPECT_EQ(test, qxl_verify_drawable(v), -EINVAL);
	v->d.effect = QXL_EFFECT_OPAQUE;
	v->d.self_bitmap = 1;
	KUNIT_EXPECT_EQ(test, qxl_verify_drawable(v), -EINVAL);
	KUNIT_EXPECT_EQ(test, rejects(v), 4);
}

static void drawable_dependency_rules(struct kunit *test)
{
	struct qxl_verify *v = fill_command(test);

	v->d.surfaces_dest[1] = cpu_to_le32(9);	/* never relocated */
	v->d.surfaces_rects[1] = hw_rect(0, 0, 8, 8);
	KUNIT_EXPECT_EQ(test, qxl_verify_drawable(v), -EINVAL);
	v->d.surfaces_dest[1] = cpu_to_le32(3);
	v->d.surfaces_rects[1] = hw_rect(0, 0, 64, 65);	/* outside surface 3 */
	KUNIT_EXPECT_EQ(test, qxl_verify_drawable(v), -EINVAL);
	v->d.surfaces_rects[1] = hw_rect(0, 0, 64, 64);
	KUNIT_EXPECT_EQ(test, qxl_verify_drawable(v), 0);
	KUNIT_EXPECT_EQ(test, rejects(v), 2);
}

/* A surface the command reads is listed as a dependency, once, with its whole area. */
static void drawable_reads_listed(struct kunit *test)
{
	struct qxl_verify *v = fill_command(test);

	v->read[0] = &v->surf[1];
	v->nread = 1;
	KUNIT_ASSERT_EQ(test, qxl_verify_drawable(v), 0);
	KUNIT_EXPECT_EQ(test, le32_to_cpu(v->d.surfaces_dest[0]), 3u);
	KUNIT_EXPECT_EQ(test, le32_to_cpu(v->d.surfaces_rects[0].right), 64u);
	KUNIT_EXPECT_EQ(test, le32_to_cpu(v->d.surfaces_rects[0].bottom), 64u);
	KUNIT_EXPECT_EQ(test, le32_to_cpu(v->d.surfaces_dest[1]), (u32)QXL_SURFACE_NONE);
	/* verified again (already listed): not listed twice */
	KUNIT_ASSERT_EQ(test, qxl_verify_drawable(v), 0);
	KUNIT_EXPECT_EQ(test, le32_to_cpu(v->d.surfaces_dest[1]), (u32)QXL_SURFACE_NONE);
}

static void drawable_reads_no_room(struct kunit *test)
{
	struct qxl_verify *v = fill_command(test);
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(v->d.surfaces_dest); i++) {
		v->d.surfaces_dest[i] = cpu_to_le32(0);
		v->d.surfaces_rects[i] = hw_rect(0, 0, 1, 1);
	}
	v->read[0] = &v->surf[1];
	v->nread = 1;
	KUNIT_EXPECT_EQ(test, qxl_verify_drawable(v), -EINVAL);
	KUNIT_EXPECT_EQ(test, rejects(v), 1);
}

static void drawable_payload_rules(struct kunit *test)
{
	struct qxl_verify *v = fill_command(test);
	struct qxl_fill *f = (void *)&v->d.u;
	struct qxl_point *p = (void *)&v->d.u;

	f->rop_descriptor = 0;			/* no raster operation */
	KUNIT_EXPECT_EQ(test, qxl_verify_drawable(v), -EINVAL);
	f->rop_descriptor = cpu_to_le16(QXL_ROPD_OP_PUT);
	f->brush.type = cpu_to_le32(QXL_BRUSH_TYPE_PATTERN);
	KUNIT_EXPECT_EQ(test, qxl_verify_drawable(v), -EINVAL);
	v->d.type = QXL_DRAW_COPY_BITS;
	memset(&v->d.u, 0, sizeof(v->d.u));
	v->d.bbox = hw_rect(0, 0, 100, 100);
	p->x = cpu_to_le32(924);
	p->y = cpu_to_le32(668);		/* the last 100x100 of the surface */
	KUNIT_EXPECT_EQ(test, qxl_verify_drawable(v), 0);
	p->x = cpu_to_le32(925);
	KUNIT_EXPECT_EQ(test, qxl_verify_drawable(v), -EINVAL);
	p->x = cpu_to_le32(-1);
	KUNIT_EXPECT_EQ(test, qxl_verify_drawable(v), -EINVAL);
	v->d.type = QXL_DRAW_NOP;
	KUNIT_EXPECT_EQ(test, qxl_verify_drawable(v), -EINVAL);
	KUNIT_EXPECT_EQ(test, rejects(v), 5);
}

static struct kunit_case drawable_cases[] = {
	KUNIT_CASE(drawable_fill_accepted),
	KUNIT_CASE(drawable_destination_rules),
	KUNIT_CASE(drawable_dependency_rules),
	KUNIT_CASE(drawable_reads_listed),
	KUNIT_CASE(drawable_reads_no_room),
	KUNIT_CASE(drawable_payload_rules),
	{}
};

static struct kunit_suite drawable_suite = {
	.name = "qxl_verifier_drawable",
	.test_cases = drawable_cases,
};

/* Slot bits as QEMU's ROM gives them; the surfaces slot is id 2, generation 1. */
#define FAKE_SLOT_HIGH	((2ull << 56) | (1ull << 48))

static struct qxl_bo *fake_bo(struct kunit *test, u64 start, size_t size)
{
	struct qxl_bo *bo = kunit_kzalloc(test, sizeof(*bo), GFP_KERNEL);

	KUNIT_ASSERT_NOT_NULL(test, bo);
	bo->node.start = start;
	bo->base.size = size;
	return bo;
}

static void resolve_ranges(struct kunit *test)
{
	struct qxl_device *qdev = fake_device(test, 1, 0);
	struct qxl_bo *a = fake_bo(test, 0x1000, 0x2000), *b = fake_bo(test, 0x10000, 0x1000);
	struct drm_gem_object *objs[] = { &a->base, &b->base };
	struct qxl_bo *out = NULL;

	qdev->slot_gen_bits = 8;
	qdev->slot_id_bits = 8;
	qdev->surf_slot.high_bits = FAKE_SLOT_HIGH;
	KUNIT_EXPECT_EQ(test, qxl_bo_resolve(qdev, objs, 2, FAKE_SLOT_HIGH | 0x1000, 16, &out), 0);
	KUNIT_EXPECT_PTR_EQ(test, out, a);
	KUNIT_EXPECT_EQ(test, qxl_bo_resolve(qdev, objs, 2, FAKE_SLOT_HIGH | 0x2ff0, 16, &out),
			0x1ff0);
	KUNIT_EXPECT_EQ(test, qxl_bo_resolve(qdev, objs, 2, FAKE_SLOT_HIGH | 0x10800, 0x800, &out),
			0x800);
	KUNIT_EXPECT_PTR_EQ(test, out, b);
	/* one byte past the end, between the buffers, before the first */
	KUNIT_EXPECT_EQ(test, qxl_bo_resolve(qdev, objs, 2, FAKE_SLOT_HIGH | 0x2ff0, 17, &out),
			-EINVAL);
	KUNIT_EXPECT_EQ(test, qxl_bo_resolve(qdev, objs, 2, FAKE_SLOT_HIGH | 0x8000, 1, &out),
			-EINVAL);
	KUNIT_EXPECT_EQ(test, qxl_bo_resolve(qdev, objs, 2, FAKE_SLOT_HIGH | 0xfff, 1, &out),
			-EINVAL);
	/* a length that wraps around */
	KUNIT_EXPECT_EQ(test, qxl_bo_resolve(qdev, objs, 2, FAKE_SLOT_HIGH | 0x1000, U64_MAX,
					     &out), -EINVAL);
	/* the right offset in another slot, or another generation of this one */
	KUNIT_EXPECT_EQ(test, qxl_bo_resolve(qdev, objs, 2, (1ull << 56) | (1ull << 48) | 0x1000,
					     16, &out), -EINVAL);
	KUNIT_EXPECT_EQ(test, qxl_bo_resolve(qdev, objs, 2, (2ull << 56) | (2ull << 48) | 0x1000,
					     16, &out), -EINVAL);
	/* only the buffers named */
	KUNIT_EXPECT_EQ(test, qxl_bo_resolve(qdev, objs, 1, FAKE_SLOT_HIGH | 0x10000, 1, &out),
			-EINVAL);
}

static struct kunit_case resolve_cases[] = {
	KUNIT_CASE(resolve_ranges),
	{}
};

static struct kunit_suite resolve_suite = {
	.name = "qxl_bo_resolve",
	.test_cases = resolve_cases,
};

static struct qxl_head *fake_head(struct kunit *test)
{
	struct qxl_head *head = kunit_kzalloc(test, sizeof(*head), GFP_KERNEL);

	KUNIT_ASSERT_NOT_NULL(test, head);
	spin_lock_init(&head->damage_lock);
	return head;
}

static void record(struct qxl_head *head, u32 fb_id, const struct drm_rect *r, unsigned int n)
{
	struct drm_framebuffer fb = { .width = 1024, .height = 768 };

	fb.base.id = fb_id;
	qxl_damage_record(head, &fb, r, n, false);
}

static void damage_first_is_full(struct kunit *test)
{
	struct qxl_head *head = fake_head(test);
	struct drm_rect r = { 10, 10, 20, 20 };
	struct qxl_damage_report rep;
	struct drm_mode_rect out[4];

	/* nothing shown yet: no rectangle */
	qxl_damage_collect(head, 0, out, 4, &rep);
	KUNIT_EXPECT_EQ(test, rep.n, 0u);
	KUNIT_EXPECT_EQ(test, rep.fb_id, 0u);
	/* a new framebuffer is a full update whatever its rectangles */
	record(head, 5, &r, 1);
	qxl_damage_collect(head, 0, out, 4, &rep);
	KUNIT_EXPECT_TRUE(test, rep.full);
	KUNIT_EXPECT_EQ(test, rep.seq, 1ull);
	KUNIT_ASSERT_EQ(test, rep.n, 1u);
	KUNIT_EXPECT_EQ(test, out[0].x2, 1024);
	KUNIT_EXPECT_EQ(test, out[0].y2, 768);
	/* seen: nothing more */
	qxl_damage_collect(head, 1, out, 4, &rep);
	KUNIT_EXPECT_FALSE(test, rep.full);
	KUNIT_EXPECT_EQ(test, rep.n, 0u);
}

static void damage_rects_in_order(struct kunit *test)
{
	struct qxl_head *head = fake_head(test);
	struct drm_rect r[3] = { { 0, 0, 8, 8 }, { 100, 100, 110, 120 }, { 50, 60, 70, 80 } };
	struct qxl_damage_report rep;
	struct drm_mode_rect out[4];

	record(head, 5, r, 1);
	record(head, 5, &r[1], 1);
	record(head, 5, &r[2], 1);
	qxl_damage_collect(head, 1, out, 4, &rep);
	KUNIT_EXPECT_FALSE(test, rep.full);
	KUNIT_EXPECT_EQ(test, rep.seq, 3ull);
	KUNIT_ASSERT_EQ(test, rep.n, 2u);
	KUNIT_EXPECT_EQ(test, out[0].x1, 100);
	KUNIT_EXPECT_EQ(test, out[0].y2, 120);
	KUNIT_EXPECT_EQ(test, out[1].x1, 50);
	KUNIT_EXPECT_EQ(test, out[1].y2, 80);
	/* more than fit: their bounding box */
	qxl_damage_collect(head, 1, out, 1, &rep);
	KUNIT_EXPECT_FALSE(test, rep.full);
	KUNIT_ASSERT_EQ(test, rep.n, 1u);
	KUNIT_EXPECT_EQ(test, out[0].x1, 50);
	KUNIT_EXPECT_EQ(test, out[0].y1, 60);
	KUNIT_EXPECT_EQ(test, out[0].x2, 110);
	KUNIT_EXPECT_EQ(test, out[0].y2, 120);
}

static void damage_full_cases(struct kunit *test)
{
	struct qxl_head *head = fake_head(test);
	struct drm_rect r[QXL_DAMAGE_ENTRY_RECTS + 1] = {};
	struct qxl_damage_report rep;
	struct drm_mode_rect out[QXL_DAMAGE_ENTRY_RECTS];
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(r); i++)
		r[i] = (struct drm_rect){ i, 0, i + 1, 1 };
	record(head, 5, r, 1);
	/* more rectangles than an entry keeps */
	record(head, 5, r, QXL_DAMAGE_ENTRY_RECTS + 1);
	qxl_damage_collect(head, 1, out, 4, &rep);
	KUNIT_EXPECT_TRUE(test, rep.full);
	/* exactly as many as it keeps */
	record(head, 5, r, QXL_DAMAGE_ENTRY_RECTS);
	qxl_damage_collect(head, 2, out, QXL_DAMAGE_ENTRY_RECTS, &rep);
	KUNIT_EXPECT_FALSE(test, rep.full);
	KUNIT_EXPECT_EQ(test, rep.n, (unsigned int)QXL_DAMAGE_ENTRY_RECTS);
	/* another framebuffer */
	record(head, 6, r, 1);
	qxl_damage_collect(head, 3, out, 4, &rep);
	KUNIT_EXPECT_TRUE(test, rep.full);
	KUNIT_EXPECT_EQ(test, rep.fb_id, 6u);
	/* the caller fell further behind than the history goes */
	for (i = 0; i < QXL_DAMAGE_HISTORY; i++)
		record(head, 6, r, 1);
	qxl_damage_collect(head, 3, out, 4, &rep);
	KUNIT_EXPECT_EQ(test, rep.seq, 3ull + 1 + QXL_DAMAGE_HISTORY);
	KUNIT_EXPECT_TRUE(test, rep.full);
	/* just within it: every update is still there (their bounding box here) */
	qxl_damage_collect(head, rep.seq - QXL_DAMAGE_HISTORY, out, 4, &rep);
	KUNIT_EXPECT_FALSE(test, rep.full);
	KUNIT_ASSERT_EQ(test, rep.n, 1u);
	KUNIT_EXPECT_EQ(test, out[0].x1, 0);
	KUNIT_EXPECT_EQ(test, out[0].x2, 1);
}

static struct kunit_case damage_cases[] = {
	KUNIT_CASE(damage_first_is_full),
	KUNIT_CASE(damage_rects_in_order),
	KUNIT_CASE(damage_full_cases),
	{}
};

static struct kunit_suite damage_suite = {
	.name = "qxl_damage_history",
	.test_cases = damage_cases,
};

/* Two 40x40 pictures, equal but for what a case paints. */
#define FD_W	40
#define FD_H	40

struct fd_pics {
	u32 cur[FD_H][FD_W + 3];	/* a pitch wider than the picture */
	u32 prev[FD_H][FD_W];
};

static struct fd_pics *fd_alloc(struct kunit *test)
{
	struct fd_pics *p = kunit_kzalloc(test, sizeof(*p), GFP_KERNEL);

	KUNIT_ASSERT_NOT_NULL(test, p);
	return p;
}

static int fd_run(struct fd_pics *p, struct drm_rect *out, unsigned int max, u64 *area)
{
	return qxl_flip_diff(p->cur, sizeof(p->cur[0]), p->prev, sizeof(p->prev[0]), FD_W, FD_H,
			     out, max, area);
}

static void flip_diff_equal(struct kunit *test)
{
	struct fd_pics *p = fd_alloc(test);
	struct drm_rect out[4];
	u64 area;

	p->cur[3][FD_W] = 0xffffff;	/* beyond the width: not compared */
	KUNIT_EXPECT_EQ(test, fd_run(p, out, 4, &area), 0);
	KUNIT_EXPECT_EQ(test, area, 0ull);
}

static void flip_diff_corners(struct kunit *test)
{
	struct fd_pics *p = fd_alloc(test);
	struct drm_rect out[4];
	u64 area;

	/* one pixel in the first and in the last column, rows of two bands */
	p->cur[0][0] = 1;
	p->cur[FD_H - 1][FD_W - 1] = 1;
	KUNIT_ASSERT_EQ(test, fd_run(p, out, 4, &area), 2);
	KUNIT_EXPECT_TRUE(test, drm_rect_equals(&out[0], &DRM_RECT_INIT(0, 0, 1, 1)));
	KUNIT_EXPECT_TRUE(test, drm_rect_equals(&out[1],
						&DRM_RECT_INIT(FD_W - 1, FD_H - 1, 1, 1)));
	KUNIT_EXPECT_EQ(test, area, 2ull);
}

static void flip_diff_square_merged(struct kunit *test)
{
	struct fd_pics *p = fd_alloc(test);
	struct drm_rect out[4];
	unsigned int x, y;
	u64 area;

	/* 10x30 from (5, 3): over three bands of QXL_DIFF_BAND rows, one rectangle */
	for (y = 3; y < 33; y++)
		for (x = 5; x < 15; x++)
			p->prev[y][x] = 0x123456;
	KUNIT_ASSERT_EQ(test, fd_run(p, out, 4, &area), 1);
	KUNIT_EXPECT_TRUE(test, drm_rect_equals(&out[0], &DRM_RECT_INIT(5, 3, 10, 30)));
	KUNIT_EXPECT_EQ(test, area, 300ull);
}

static void flip_diff_too_many(struct kunit *test)
{
	struct fd_pics *p = fd_alloc(test);
	struct drm_rect out[2];
	u64 area;

	/* a different column in each of the three bands: three rectangles */
	p->cur[0][1] = 1;
	p->cur[QXL_DIFF_BAND][2] = 1;
	p->cur[2 * QXL_DIFF_BAND][3] = 1;
	KUNIT_EXPECT_EQ(test, fd_run(p, out, 2, &area), -E2BIG);
}

static struct kunit_case flip_diff_cases[] = {
	KUNIT_CASE(flip_diff_equal),
	KUNIT_CASE(flip_diff_corners),
	KUNIT_CASE(flip_diff_square_merged),
	KUNIT_CASE(flip_diff_too_many),
	{}
};

static struct kunit_suite flip_diff_suite = {
	.name = "qxl_flip_diff",
	.test_cases = flip_diff_cases,
};

/*
 * The builders write into a buffer of this byte, so that a case sees what
 * they leave alone; offsets are the device's (spice-protocol's qxl_dev.h),
 * written out rather than taken from qxl_hw.h's structures.
 */
#define CMD_POISON	0xa5

static u8 *cmd_buf(struct kunit *test, size_t size)
{
	u8 *b = kunit_kmalloc(test, size, GFP_KERNEL);

	KUNIT_ASSERT_NOT_NULL(test, b);
	memset(b, CMD_POISON, size);
	return b;
}

static u32 le32_at(const u8 *b, size_t off)
{
	return get_unaligned_le32(b + off);
}

/* A rectangle as the device reads it: top, left, bottom, right. */
static void expect_rect_at(struct kunit *test, const u8 *b, size_t off, u32 left, u32 top,
			   u32 right, u32 bottom)
{
	KUNIT_EXPECT_EQ(test, le32_at(b, off), top);
	KUNIT_EXPECT_EQ(test, le32_at(b, off + 4), left);
	KUNIT_EXPECT_EQ(test, le32_at(b, off + 8), bottom);
	KUNIT_EXPECT_EQ(test, le32_at(b, off + 12), right);
}

/* QXLDrawable: bbox at 31, clip at 47, mm_time at 59, surfaces at 63 and 75, u at 123. */
static void cmd_draw_copy(struct kunit *test)
{
	u8 *b = cmd_buf(test, sizeof(struct qxl_drawable) + 1);
	unsigned int i;

	qxl_cmd_draw_copy((struct qxl_drawable *)b, 0x01020304, 0x1122334455667788ull,
			  1, 2, 10, 20, 30, 40);
	KUNIT_EXPECT_EQ(test, get_unaligned_le64(b), 0ull);	/* release_info */
	KUNIT_EXPECT_EQ(test, le32_at(b, 8), 0u);		/* the primary */
	KUNIT_EXPECT_EQ(test, b[12], QXL_EFFECT_OPAQUE);
	KUNIT_EXPECT_EQ(test, b[13], QXL_DRAW_COPY);
	KUNIT_EXPECT_EQ(test, b[14], 0);			/* self_bitmap */
	expect_rect_at(test, b, 31, 10, 20, 40, 60);
	KUNIT_EXPECT_EQ(test, le32_at(b, 47), QXL_CLIP_TYPE_NONE);
	KUNIT_EXPECT_EQ(test, get_unaligned_le64(b + 51), 0ull);
	KUNIT_EXPECT_EQ(test, le32_at(b, 59), 0x01020304u);
	for (i = 0; i < 3; i++)
		KUNIT_EXPECT_EQ(test, le32_at(b, 63 + 4 * i), (u32)QXL_SURFACE_NONE);
	KUNIT_EXPECT_EQ(test, get_unaligned_le64(b + 123), 0x1122334455667788ull);
	expect_rect_at(test, b, 131, 1, 2, 31, 42);
	KUNIT_EXPECT_EQ(test, get_unaligned_le16(b + 147), QXL_ROPD_OP_PUT);
	for (i = 149; i < 191; i++)				/* scale mode, mask, pad */
		KUNIT_EXPECT_EQ(test, b[i], 0);
	KUNIT_EXPECT_EQ(test, b[191], CMD_POISON);		/* nothing past it */
}

/* A copy from a surface lists it first; a FILL carries a solid brush. */
static void cmd_draw_surface_copy_and_fill(struct kunit *test)
{
	u8 *b = cmd_buf(test, sizeof(struct qxl_drawable));
	struct drm_rect src = DRM_RECT_INIT(10, 20, 100, 50);

	qxl_cmd_draw_surface_copy((struct qxl_drawable *)b, 0, 0x4000, 7, &src, 100, 5);
	expect_rect_at(test, b, 31, 110, 25, 210, 75);
	KUNIT_EXPECT_EQ(test, le32_at(b, 63), 7u);
	KUNIT_EXPECT_EQ(test, le32_at(b, 67), (u32)QXL_SURFACE_NONE);
	KUNIT_EXPECT_EQ(test, le32_at(b, 71), (u32)QXL_SURFACE_NONE);
	expect_rect_at(test, b, 75, 10, 20, 110, 70);
	expect_rect_at(test, b, 131, 10, 20, 110, 70);

	memset(b, CMD_POISON, sizeof(struct qxl_drawable));
	qxl_cmd_draw_fill((struct qxl_drawable *)b, 9, 0x00336699, 0, 0, 1024, 768);
	KUNIT_EXPECT_EQ(test, b[13], QXL_DRAW_FILL);
	expect_rect_at(test, b, 31, 0, 0, 1024, 768);
	KUNIT_EXPECT_EQ(test, le32_at(b, 63), (u32)QXL_SURFACE_NONE);
	KUNIT_EXPECT_EQ(test, le32_at(b, 123), QXL_BRUSH_TYPE_SOLID);
	KUNIT_EXPECT_EQ(test, le32_at(b, 127), 0x00336699u);
	KUNIT_EXPECT_EQ(test, get_unaligned_le16(b + 143), QXL_ROPD_OP_PUT);
}

/* QXLSurfaceCmd: id at 8, type at 12, flags at 13, format, width, height, stride, data. */
static void cmd_surface_create(struct kunit *test)
{
	u8 *b = cmd_buf(test, sizeof(struct qxl_surface_cmd) + 1);

	qxl_cmd_surface_create((struct qxl_surface_cmd *)b, 5, QXL_SURF_FMT_32_ARGB, 640, 480,
			       -2560, 0x0a0b0c0d0e0f1011ull, QXL_SURF_FLAG_KEEP_DATA);
	KUNIT_EXPECT_EQ(test, get_unaligned_le64(b), 0ull);
	KUNIT_EXPECT_EQ(test, le32_at(b, 8), 5u);
	KUNIT_EXPECT_EQ(test, b[12], QXL_SURFACE_CMD_CREATE);
	KUNIT_EXPECT_EQ(test, le32_at(b, 13), (u32)QXL_SURF_FLAG_KEEP_DATA);
	KUNIT_EXPECT_EQ(test, le32_at(b, 17), QXL_SURF_FMT_32_ARGB);
	KUNIT_EXPECT_EQ(test, le32_at(b, 21), 640u);
	KUNIT_EXPECT_EQ(test, le32_at(b, 25), 480u);
	KUNIT_EXPECT_EQ(test, (s32)le32_at(b, 29), -2560);	/* bottom-up */
	KUNIT_EXPECT_EQ(test, get_unaligned_le64(b + 33), 0x0a0b0c0d0e0f1011ull);
	KUNIT_EXPECT_EQ(test, b[41], CMD_POISON);

	qxl_cmd_surface_destroy((struct qxl_surface_cmd *)b, 5);
	KUNIT_EXPECT_EQ(test, le32_at(b, 8), 5u);
	KUNIT_EXPECT_EQ(test, b[12], QXL_SURFACE_CMD_DESTROY);
	KUNIT_EXPECT_EQ(test, le32_at(b, 13), 0u);
	KUNIT_EXPECT_EQ(test, le32_at(b, 17), 0u);
	KUNIT_EXPECT_EQ(test, get_unaligned_le64(b + 33), 0ull);
}

/* QXLMonitorsConfig: count, max_allowed, then 28-byte heads. */
static void cmd_monitors_config(struct kunit *test)
{
	const struct qxl_head_rect heads[2] = {
		{ .x = 0, .y = 0, .w = 1024, .h = 768 },
		{ .x = 1024, .y = 0, .w = 0, .h = 0 },	/* off */
	};
	u8 *b = cmd_buf(test, 4 + 2 * 28 + 1);
	unsigned int i;

	qxl_cmd_monitors_config((struct qxl_monitors_config *)b, heads, 2);
	KUNIT_EXPECT_EQ(test, get_unaligned_le16(b), 2);
	KUNIT_EXPECT_EQ(test, get_unaligned_le16(b + 2), 2);
	for (i = 0; i < 2; i++) {
		const u8 *h = b + 4 + 28 * i;

		KUNIT_EXPECT_EQ(test, le32_at(h, 0), i);	/* id */
		KUNIT_EXPECT_EQ(test, le32_at(h, 4), 0u);	/* surface_id */
		KUNIT_EXPECT_EQ(test, le32_at(h, 8), heads[i].w);
		KUNIT_EXPECT_EQ(test, le32_at(h, 12), heads[i].h);
		KUNIT_EXPECT_EQ(test, le32_at(h, 16), heads[i].x);
		KUNIT_EXPECT_EQ(test, le32_at(h, 20), heads[i].y);
		KUNIT_EXPECT_EQ(test, le32_at(h, 24), 0u);	/* flags */
	}
	KUNIT_EXPECT_EQ(test, b[4 + 2 * 28], CMD_POISON);
}

/*
 * QXLRam: update_area at 5256, update_surface 5272, mem_slot 5276,
 * create_surface 5292, monitors_config 5340. Each port's arguments land
 * in its own fields and nowhere else; a port without arguments writes none.
 */
static void cmd_port_args(struct kunit *test)
{
	const struct qxl_head_rect heads[1] = { { .w = 800, .h = 600 } };
	u8 *b = cmd_buf(test, sizeof(struct qxl_ram));
	u8 *before = cmd_buf(test, sizeof(struct qxl_ram));
	struct qxl_ram __iomem *ram = (struct qxl_ram __iomem __force *)b;
	u8 *mc = cmd_buf(test, 4 + 28);
	struct qxl_port_args args;

	KUNIT_EXPECT_TRUE(test, qxl_port_takes_args(QXL_IO_UPDATE_AREA_ASYNC));
	KUNIT_EXPECT_TRUE(test, qxl_port_takes_args(QXL_IO_CREATE_PRIMARY_ASYNC));
	KUNIT_EXPECT_FALSE(test, qxl_port_takes_args(QXL_IO_FLUSH_SURFACES_ASYNC));
	KUNIT_EXPECT_FALSE(test, qxl_port_takes_args(QXL_IO_NOTIFY_CMD));

	qxl_port_update_area(&args, 3, &DRM_RECT_INIT(8, 16, 32, 64));
	qxl_port_args_write(ram, QXL_IO_FLUSH_SURFACES_ASYNC, &args);
	KUNIT_EXPECT_EQ(test, memcmp(b, before, sizeof(struct qxl_ram)), 0);

	qxl_port_args_write(ram, QXL_IO_UPDATE_AREA_ASYNC, &args);
	expect_rect_at(test, b, 5256, 8, 16, 40, 80);
	KUNIT_EXPECT_EQ(test, le32_at(b, 5272), 3u);
	KUNIT_EXPECT_EQ(test, memcmp(b, before, 5256), 0);
	KUNIT_EXPECT_EQ(test, memcmp(b + 5276, before + 5276, sizeof(struct qxl_ram) - 5276), 0);

	memcpy(before, b, sizeof(struct qxl_ram));
	qxl_port_primary(&args, 1920, 1080, 0x0100000000000000ull);
	qxl_port_args_write(ram, QXL_IO_CREATE_PRIMARY_ASYNC, &args);
	KUNIT_EXPECT_EQ(test, le32_at(b, 5292), 1920u);
	KUNIT_EXPECT_EQ(test, le32_at(b, 5296), 1080u);
	KUNIT_EXPECT_EQ(test, le32_at(b, 5300), 1920u * 4);
	KUNIT_EXPECT_EQ(test, le32_at(b, 5304), QXL_SURF_FMT_32_XRGB);
	KUNIT_EXPECT_EQ(test, le32_at(b, 5308), 0u);		/* position */
	KUNIT_EXPECT_EQ(test, le32_at(b, 5312), 1u);		/* mouse_mode */
	KUNIT_EXPECT_EQ(test, le32_at(b, 5316), 0u);		/* flags */
	KUNIT_EXPECT_EQ(test, le32_at(b, 5320), QXL_SURF_TYPE_PRIMARY);
	KUNIT_EXPECT_EQ(test, get_unaligned_le64(b + 5324), 0x0100000000000000ull);
	KUNIT_EXPECT_EQ(test, memcmp(b, before, 5292), 0);
	KUNIT_EXPECT_EQ(test, memcmp(b + 5332, before + 5332, sizeof(struct qxl_ram) - 5332), 0);

	memcpy(before, b, sizeof(struct qxl_ram));
	qxl_port_memslot(&args, 0xfc000000, 0xfe000000);
	qxl_port_args_write(ram, QXL_IO_MEMSLOT_ADD, &args);
	KUNIT_EXPECT_EQ(test, get_unaligned_le64(b + 5276), 0xfc000000ull);
	KUNIT_EXPECT_EQ(test, get_unaligned_le64(b + 5284), 0xfe000000ull);
	KUNIT_EXPECT_EQ(test, memcmp(b, before, 5276), 0);
	KUNIT_EXPECT_EQ(test, memcmp(b + 5292, before + 5292, sizeof(struct qxl_ram) - 5292), 0);

	/* the config is built in its block when the address is written */
	memcpy(before, b, sizeof(struct qxl_ram));
	qxl_port_monitors_config(&args, (struct qxl_monitors_config *)mc, 0x2000, heads, 1);
	KUNIT_EXPECT_EQ(test, mc[0], CMD_POISON);
	qxl_port_args_write(ram, QXL_IO_MONITORS_CONFIG_ASYNC, &args);
	KUNIT_EXPECT_EQ(test, get_unaligned_le64(b + 5340), 0x2000ull);
	KUNIT_EXPECT_EQ(test, memcmp(b, before, 5340), 0);
	KUNIT_EXPECT_EQ(test, get_unaligned_le16(mc), 1);
	KUNIT_EXPECT_EQ(test, le32_at(mc, 4 + 8), 800u);
	KUNIT_EXPECT_EQ(test, le32_at(mc, 4 + 12), 600u);
}

static struct kunit_case cmd_cases[] = {
	KUNIT_CASE(cmd_draw_copy),
	KUNIT_CASE(cmd_draw_surface_copy_and_fill),
	KUNIT_CASE(cmd_surface_create),
	KUNIT_CASE(cmd_monitors_config),
	KUNIT_CASE(cmd_port_args),
	{}
};

static struct kunit_suite cmd_suite = {
	.name = "qxl_cmd",
	.test_cases = cmd_cases,
};

kunit_test_suites(&client_suite, &mode_suite, &edid_suite, &groups_suite, &verifier_suite,
		  &drawable_suite, &resolve_suite, &damage_suite, &flip_diff_suite, &cmd_suite);

MODULE_IMPORT_NS(QXL_KUNIT_NS);
MODULE_DESCRIPTION("KUnit suites of qxl-ng's pure logic");
MODULE_LICENSE("GPL");
