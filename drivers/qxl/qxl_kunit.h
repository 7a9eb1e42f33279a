/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * What the KUnit suites (qxl_kunit.c, a module of their own, built where
 * the kernel has CONFIG_KUNIT) call in qxl.ko: static functions become
 * visible, and all of them are exported in the QXL_KUNIT namespace, only
 * there.
 */
#ifndef QXL_KUNIT_H
#define QXL_KUNIT_H

#include <linux/export.h>

#include "qxl_compat.h"

struct drm_rect;
struct qxl_device;
struct qxl_head_rect;
struct qxl_rect;
struct qxl_upload;
struct qxl_verify;

#if IS_ENABLED(CONFIG_KUNIT)
#define QXL_KUNIT_STATIC
#define QXL_KUNIT_EXPORT(sym) \
	EXPORT_SYMBOL_NS_GPL(sym, QXL_KUNIT_NS)
int qxl_client_read(struct qxl_device *qdev, struct qxl_head_rect *out, unsigned int *count);
unsigned int qxl_group_clips(struct drm_rect *clips, unsigned int n, struct qxl_upload *up);
bool qxl_rect_inside(const struct qxl_rect *r, u32 w, u32 h);
u32 qxl_bitmap_bpp(u8 format);
bool qxl_composite_op_valid(u32 op);
int qxl_verify_drawable(struct qxl_verify *v);
#else
#define QXL_KUNIT_STATIC			static
#define QXL_KUNIT_EXPORT(sym)
#endif

#endif /* QXL_KUNIT_H */
