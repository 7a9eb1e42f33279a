// SPDX-License-Identifier: MIT
/*
 * Composite: argument checks, the choice of path, and the device path (one
 * QXL_DRAW_COMPOSITE drawable whose source and mask are images of type
 * SURFACE).
 *
 * spice-server sets a composite's transform on the surface's own pixman
 * image and never resets it, so a later composite from the same surface
 * without a transform would inherit it: libqxl therefore always sends a
 * transform, the identity when the caller gave none.
 */
#include <errno.h>
#include <stddef.h>
#include <string.h>

#include "private.h"

static bool qxl_operator_valid(uint32_t op)
{
	return op <= QXL_OPERATOR_SATURATE ||
	       (op >= QXL_OPERATOR_MULTIPLY && op <= QXL_OPERATOR_HSL_LUMINOSITY);
}

static bool qxl_fits_s16(int32_t v)
{
	return v >= INT16_MIN && v <= INT16_MAX;
}

int qxl_composite_check(const struct qxl_surface *dst, const struct qxl_composite_op *op)
{
	if (!dst || !op || !op->src || op->src == dst || op->mask == dst ||
	    op->src->dev != dst->dev || (op->mask && op->mask->dev != dst->dev))
		return -EINVAL;
	if (!qxl_operator_valid((uint32_t)op->op) ||
	    (uint32_t)op->src_filter > QXL_FILTER_BILINEAR ||
	    (uint32_t)op->mask_filter > QXL_FILTER_BILINEAR ||
	    (uint32_t)op->src_repeat > QXL_REPEAT_REFLECT ||
	    (uint32_t)op->mask_repeat > QXL_REPEAT_REFLECT)
		return -EINVAL;
	if (op->component_alpha && !op->mask)
		return -EINVAL;
	if (!qxl_fits_s16(op->src_x) || !qxl_fits_s16(op->src_y) ||
	    !qxl_fits_s16(op->mask_x) || !qxl_fits_s16(op->mask_y))
		return -EINVAL;
	if (!qxl_rect_inside(op->dst_x, op->dst_y, op->width, op->height, dst->width,
			     dst->height))
		return -EINVAL;
	return 0;
}

/* The drawable's flags word: operator, filters, repeats, component alpha. */
uint32_t qxl_composite_flags(const struct qxl_composite_op *op)
{
	return (uint32_t)op->op | (uint32_t)op->src_filter << 8 |
	       (uint32_t)op->mask_filter << 11 | (uint32_t)op->src_repeat << 14 |
	       (uint32_t)op->mask_repeat << 16 | (uint32_t)(op->component_alpha ? 1 : 0) << 18;
}

static void qxl_transform_encode(QXLTransform *t, const struct qxl_transform *in)
{
	static const struct qxl_transform identity = {
		{ { 1 << 16, 0, 0 }, { 0, 1 << 16, 0 } }
	};

	if (!in)
		in = &identity;
	t->t00 = (uint32_t)in->m[0][0];
	t->t01 = (uint32_t)in->m[0][1];
	t->t02 = (uint32_t)in->m[0][2];
	t->t10 = (uint32_t)in->m[1][0];
	t->t11 = (uint32_t)in->m[1][1];
	t->t12 = (uint32_t)in->m[1][2];
}

/* Layout of the piece of device memory one composite needs. */
#define QXL_COMP_SRC_IMAGE	0u
#define QXL_COMP_MASK_IMAGE	48u
#define QXL_COMP_SRC_XFORM	96u
#define QXL_COMP_MASK_XFORM	120u
#define QXL_COMP_SIZE		144u

/* One image of type SURFACE naming @surf, and its transform, at @a. */
static void qxl_composite_operand(struct qxl_cmd *cmd, struct qxl_device *dev,
				  const struct qxl_alloc *a, struct qxl_surface *surf,
				  const struct qxl_transform *xform, uint32_t img_off,
				  uint32_t xform_off, uint32_t img_field, uint32_t xform_field)
{
	qxl_image_encode_surface((QXLImage *)(a->ptr + img_off), qxl_next_image_id(dev),
				 surf->width, surf->height);
	qxl_transform_encode((QXLTransform *)(a->ptr + xform_off), xform);
	qxl_cmd_reloc_surf(cmd, a->bo->handle,
			   a->offset + img_off + offsetof(QXLImage, surface_image), surf);
	qxl_cmd_reloc_bo(cmd, 0, img_field, a->bo, a->offset + img_off);
	qxl_cmd_reloc_bo(cmd, 0, xform_field, a->bo, a->offset + xform_off);
}

int qxl_composite_device(struct qxl_surface *dst, const struct qxl_composite_op *op)
{
	struct qxl_device *dev = dst->dev;
	struct qxl_alloc a;
	struct qxl_cmd cmd;
	QXLComposite *c = &cmd.u.drawable.u.composite;
	int ret;

	ret = qxl_stream_alloc(dev, QXL_COMP_SIZE, &a);
	if (ret)
		return ret;
	qxl_cmd_init(&cmd, dst, QXL_DRAW_COMPOSITE, QXL_EFFECT_BLEND, op->dst_x, op->dst_y,
		     op->width, op->height);
	c->flags = qxl_composite_flags(op);
	c->src_origin.x = (int16_t)op->src_x;
	c->src_origin.y = (int16_t)op->src_y;
	c->mask_origin.x = (int16_t)op->mask_x;
	c->mask_origin.y = (int16_t)op->mask_y;

	/* Sources may be sampled anywhere (transforms, repeats): depend on all of them. */
	qxl_cmd_depend(&cmd, 0, op->src, 0, 0, op->src->width, op->src->height);
	qxl_composite_operand(&cmd, dev, &a, op->src, op->src_transform, QXL_COMP_SRC_IMAGE,
			      QXL_COMP_SRC_XFORM, offsetof(QXLDrawable, u.composite.src),
			      offsetof(QXLDrawable, u.composite.src_transform));
	if (op->mask) {
		qxl_cmd_depend(&cmd, 1, op->mask, 0, 0, op->mask->width, op->mask->height);
		qxl_composite_operand(&cmd, dev, &a, op->mask, op->mask_transform,
				      QXL_COMP_MASK_IMAGE, QXL_COMP_MASK_XFORM,
				      offsetof(QXLDrawable, u.composite.mask),
				      offsetof(QXLDrawable, u.composite.mask_transform));
	}
	ret = qxl_cmd_submit(dev, &cmd);
	qxl_alloc_done(&a);
	return ret;
}

static bool qxl_is_alpha_only(const struct qxl_surface *s)
{
	return s && (s->format == QXL_FORMAT_A8 || s->format == QXL_FORMAT_A1);
}

/*
 * Whether the device command is used under @policy when the connected
 * clients have @caps: every client must be able to show the command.
 */
bool qxl_composite_wants_device(enum qxl_policy policy, uint32_t caps,
				const struct qxl_surface *dst, const struct qxl_composite_op *op)
{
	uint32_t need = QXL_CLIENT_CAP_COMPOSITE;

	if (policy == QXL_POLICY_DEVICE)
		return true;
	if (policy == QXL_POLICY_FALLBACK)
		return false;
	if (qxl_is_alpha_only(dst) || qxl_is_alpha_only(op->src) || qxl_is_alpha_only(op->mask))
		need |= QXL_CLIENT_CAP_A8_SURFACE;
	return (caps & need) == need;
}

static int qxl_composite_use_device(struct qxl_surface *dst, const struct qxl_composite_op *op)
{
	uint32_t caps = 0;
	int ret;

	if (dst->dev->policy == QXL_POLICY_AUTO) {
		ret = qxl_device_client_caps(dst->dev, &caps);
		if (ret)
			return ret;
	}
	return qxl_composite_wants_device(dst->dev->policy, caps, dst, op);
}

QXL_PUBLIC int qxl_composite(struct qxl_surface *dst, const struct qxl_composite_op *op)
{
	int ret = qxl_composite_check(dst, op);

	if (ret)
		return ret;
	ret = qxl_composite_use_device(dst, op);
	if (ret < 0)
		return ret;
	if (ret) {
		ret = qxl_composite_device(dst, op);
		return ret ? ret : QXL_RESULT_DEVICE;
	}
	ret = qxl_composite_fallback(dst, op);
	return ret ? ret : QXL_RESULT_FALLBACK;
}

QXL_PUBLIC const char *qxl_operator_name(enum qxl_operator op)
{
	static const char *const pd[] = {
		"CLEAR", "SRC", "DST", "OVER", "OVER_REVERSE", "IN", "IN_REVERSE", "OUT",
		"OUT_REVERSE", "ATOP", "ATOP_REVERSE", "XOR", "ADD", "SATURATE",
	};
	static const char *const blend[] = {
		"MULTIPLY", "SCREEN", "OVERLAY", "DARKEN", "LIGHTEN", "COLOR_DODGE",
		"COLOR_BURN", "HARD_LIGHT", "SOFT_LIGHT", "DIFFERENCE", "EXCLUSION",
		"HSL_HUE", "HSL_SATURATION", "HSL_COLOR", "HSL_LUMINOSITY",
	};
	uint32_t v = (uint32_t)op;

	if (v <= QXL_OPERATOR_SATURATE)
		return pd[v];
	if (v >= QXL_OPERATOR_MULTIPLY && v <= QXL_OPERATOR_HSL_LUMINOSITY)
		return blend[v - QXL_OPERATOR_MULTIPLY];
	return NULL;
}
