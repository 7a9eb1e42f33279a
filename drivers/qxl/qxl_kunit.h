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

struct qxl_device;
struct qxl_head_rect;

#if IS_ENABLED(CONFIG_KUNIT)
#define QXL_KUNIT_STATIC
#define QXL_KUNIT_EXPORT(sym) \
	EXPORT_SYMBOL_NS_GPL(sym, QXL_KUNIT_NS)
int qxl_client_read(struct qxl_device *qdev, struct qxl_head_rect *out, unsigned int *count);
#else
#define QXL_KUNIT_STATIC			static
#define QXL_KUNIT_EXPORT(sym)
#endif

#endif /* QXL_KUNIT_H */
