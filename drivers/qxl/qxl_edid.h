/* SPDX-License-Identifier: GPL-2.0-only */
#ifndef QXL_EDID_H
#define QXL_EDID_H

#include <linux/types.h>

#define QXL_EDID_SIZE	128

struct drm_display_mode;

void qxl_edid_build(u8 edid[QXL_EDID_SIZE], const struct drm_display_mode *mode,
		    unsigned int index);

#endif /* QXL_EDID_H */
