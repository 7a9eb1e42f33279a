/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The state of the EXECBUFFER verifier (qxl_exec.c) while it walks one
 * command; here so that the KUnit suites can run the verifier on commands
 * they build in memory.
 */
#ifndef QXL_VERIFY_H
#define QXL_VERIFY_H

#include "qxl_drv.h"

/* Images an accepted drawable can name: source and (composite) mask. */
#define QXL_MAX_IMAGES		2
#define QXL_MAX_SURF_IDS	QXL_NG_EXEC_MAX_RELOCS

struct qxl_job;

/* A surface a SURF relocation of the command wrote, with what it is. */
struct qxl_surf_ref {
	u32 id;
	u32 w;
	u32 h;
	u32 bpp;
};

/* State of the verification of one command. */
struct qxl_verify {
	struct qxl_device *qdev;
	struct drm_file *file;
	struct qxl_job *job;
	struct qxl_drawable d;		/* the command, relocated */
	u8 *out;			/* the command's block in the pool */
	unsigned int nimages;
	unsigned int ntransforms;
	unsigned int nsurf;
	struct qxl_surf_ref surf[QXL_MAX_SURF_IDS];
	const struct qxl_surf_ref *dst;	/* the destination surface */
	unsigned int nread;
	const struct qxl_surf_ref *read[QXL_MAX_IMAGES];	/* surfaces its images show */
	u32 clip_rects;			/* from the clip list, read once */
	u64 clip_addr;
};

#endif /* QXL_VERIFY_H */
