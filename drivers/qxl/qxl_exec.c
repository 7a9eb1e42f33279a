// SPDX-License-Identifier: GPL-2.0-only
/*
 * EXECBUFFER: draw commands from userspace, verified before the device
 * sees them.
 *
 * The device follows every guest-physical address a command names, so a
 * command is never handed over as userspace wrote it. Each one is copied
 * into the kernel's command pool, its relocations are applied, and then
 * the verifier walks it: every address must lie inside a buffer the
 * caller named by handle in this call, every surface id must have been
 * written by a SURF relocation from one of the caller's surfaces, and
 * every structure the device would follow from the command (images, data
 * chunk chains, clip lists, transforms) is copied into kernel memory next
 * to the command and the pointer rewritten to the copy. What the device
 * finally reads from userspace buffers is pixel data only, so changing a
 * buffer after the call cannot redirect the device (no time-of-check to
 * time-of-use window). The model is vmwgfx's command verifier.
 *
 * Every buffer a command uses is referenced until the device releases the
 * command, and carries a fence in its reservation object until then;
 * DRM_IOCTL_QXL_NG_WAIT waits on those fences.
 */

#include <linux/dma-fence.h>
#include <linux/dma-resv.h>
#include <linux/slab.h>
#include <linux/uaccess.h>

#include <drm/drm_auth.h>
#include <drm/drm_drv.h>
#include <drm/drm_file.h>
#include <drm/drm_gem.h>
#include <drm/drm_print.h>

#include "qxl_drv.h"
#include "qxl_kunit.h"
#include "qxl_verify.h"

/*
 * Limits of one EXECBUFFER are in the uapi header; upstream userspace sends
 * one command per call. A call's commands fit the ring, to be queued at once.
 */
static_assert(QXL_NG_EXEC_MAX_COMMANDS <= QXL_CMD_RING_SIZE);
#define QXL_MAX_CHUNKS		64
#define QXL_DRAW_CMD_SIZE	(sizeof(struct qxl_drawable) - sizeof(struct qxl_release_info))
#define QXL_MAX_TRANSFORMS	2
#define QXL_MAX_OBJS		(2 * QXL_NG_EXEC_MAX_RELOCS)
/* WAIT asks the device for its releases this often... */
#define QXL_WAIT_ROUND_MS	20
/* ...after rendering at most this many surfaces the buffer's commands draw on. */
#define QXL_WAIT_MAX_SURFACES	16
/*
 * Pixels of one process's draws the device may hold unreleased before its
 * EXECBUFFER waits for them (8 full 2048x2048 surfaces, 40 1024x768 screens).
 */
#define QXL_QUEUED_MAX_PX	(32ull << 20)

/* Layout of a verified command in the pool: drawable, then the copies. */
#define QXL_EXTRA_IMAGES	ALIGN(sizeof(struct qxl_drawable), 8)
#define QXL_EXTRA_TRANSFORMS	(QXL_EXTRA_IMAGES + QXL_MAX_IMAGES * sizeof(struct qxl_image))
#define QXL_EXTRA_CLIP		(QXL_EXTRA_TRANSFORMS + \
				 QXL_MAX_TRANSFORMS * sizeof(struct qxl_transform))

/**
 * struct qxl_job - one verified command on its way through the device
 * @fence: signalled when the device released the command; first member,
 *	the job is freed with it
 * @lock: the fence's lock
 * @free: frees it once released
 * @dmem: the command and the copies it points to
 * @dst_surface: the surface the command draws on
 * @bbox: the area it draws
 * @extra: pixel copies of multi-chunk images, freed with the job
 * @account: the submitting process, whose queue the command counts in
 * @px: the area it draws, in pixels, counted in @account until release
 * @nobjs: number of @objs
 * @objs: buffers the command uses, referenced until release
 */
struct qxl_job {
	struct dma_fence fence;
	spinlock_t lock;		/* see @lock above */
	struct qxl_deferred free;
	struct qxl_dmem *dmem;
	u32 dst_surface;
	struct drm_rect bbox;
	struct qxl_dmem *extra[QXL_MAX_IMAGES];
	struct qxl_vram_account *account;
	u64 px;
	unsigned int nobjs;
	struct drm_gem_object *objs[QXL_MAX_OBJS];
};

static const char *qxl_fence_name(struct dma_fence *fence)
{
	return QXL_DRIVER_NAME;
}

static const struct dma_fence_ops qxl_fence_ops = {
	.get_driver_name = qxl_fence_name,
	.get_timeline_name = qxl_fence_name,
};

static void qxl_job_free(struct qxl_device *qdev, struct qxl_job *job)
{
	unsigned int i;

	for (i = 0; i < job->nobjs; i++)
		drm_gem_object_put(job->objs[i]);
	for (i = 0; i < QXL_MAX_IMAGES; i++)
		if (job->extra[i])
			qxl_dmem_free(qdev, job->extra[i]);
	if (job->account)
		qxl_vram_account_put(qdev, job->account);
	dma_fence_put(&job->fence);
}

static void qxl_job_deferred_free(struct qxl_device *qdev, struct qxl_deferred *d)
{
	qxl_job_free(qdev, container_of(d, struct qxl_job, free));
}

/* Called under mem_lock when the device released the command. */
static void qxl_job_released(struct qxl_device *qdev, struct qxl_dmem *dmem)
{
	struct qxl_job *job = dmem->owner;

	atomic64_sub(job->px, &job->account->queued_px);
	wake_up_all(&qdev->ring_wq);
	dma_fence_signal(&job->fence);
	qxl_defer(qdev, &job->free);
}

static int qxl_reject(struct qxl_verify *v, int err, const char *what)
{
	atomic_inc(&v->qdev->exec_rejects);
	drm_dbg_driver(&v->qdev->drm, "EXECBUFFER: %s\n", what);
	return err;
}

/* Take a reference on the buffer behind @handle for the job. */
static int qxl_job_lookup(struct qxl_verify *v, u32 handle, struct qxl_bo **out)
{
	struct qxl_job *job = v->job;
	struct drm_gem_object *obj;
	unsigned int i;

	obj = drm_gem_object_lookup(v->file, handle);
	if (!obj)
		return qxl_reject(v, -ENOENT, "unknown handle");
	if (!qxl_is_bo(obj)) {
		drm_gem_object_put(obj);
		return qxl_reject(v, -EINVAL, "handle is not a device buffer");
	}
	for (i = 0; i < job->nobjs; i++) {
		if (job->objs[i] == obj) {
			drm_gem_object_put(obj);
			*out = to_qxl_bo(obj);
			return 0;
		}
	}
	if (job->nobjs == QXL_MAX_OBJS) {
		drm_gem_object_put(obj);
		return qxl_reject(v, -EINVAL, "too many buffers");
	}
	job->objs[job->nobjs++] = obj;
	*out = to_qxl_bo(obj);
	return 0;
}

static int qxl_apply_reloc(struct qxl_verify *v, const struct drm_qxl_reloc *r)
{
	struct qxl_bo *src = NULL, *dst = NULL;
	unsigned int width;
	u8 val[8];
	int ret;

	if (r->pad)
		return qxl_reject(v, -EINVAL, "relocation padding not zero");
	if (r->reloc_type != QXL_RELOC_TYPE_BO && r->reloc_type != QXL_RELOC_TYPE_SURF)
		return qxl_reject(v, -EINVAL, "unknown relocation type");
	width = r->reloc_type == QXL_RELOC_TYPE_BO ? 8 : 4;

	if (r->dst_handle) {
		ret = qxl_job_lookup(v, r->dst_handle, &dst);
		if (ret)
			return ret;
		if (r->dst_offset > dst->base.size - width)
			return qxl_reject(v, -EINVAL, "relocation destination outside its buffer");
	} else if (r->dst_offset < sizeof(struct qxl_release_info) ||
		   r->dst_offset > sizeof(struct qxl_drawable) - width) {
		return qxl_reject(v, -EINVAL, "relocation destination outside the command");
	}

	if (r->reloc_type == QXL_RELOC_TYPE_BO) {
		ret = qxl_job_lookup(v, r->src_handle, &src);
		if (ret)
			return ret;
		if (r->src_offset >= src->base.size)
			return qxl_reject(v, -EINVAL, "relocation source outside its buffer");
		put_unaligned_le64(qxl_bo_phys(v->qdev, src, r->src_offset), val);
	} else {
		struct qxl_surf_ref *ref = &v->surf[v->nsurf];

		if (v->nsurf == QXL_MAX_SURF_IDS)
			return qxl_reject(v, -EINVAL, "too many surface relocations");
		if (r->src_offset)
			return qxl_reject(v, -EINVAL, "surface relocation with a source offset");
		if (r->src_handle) {
			ret = qxl_job_lookup(v, r->src_handle, &src);
			if (ret)
				return ret;
			if (!src->surface_id)
				return qxl_reject(v, -EINVAL, "surface relocation from a plain buffer");
			*ref = (struct qxl_surf_ref){ src->surface_id, src->width, src->height,
						      src->bpp };
		} else {
			/* The primary surface: for the display's owner only. */
			if (!drm_is_current_master(v->file))
				return qxl_reject(v, -EACCES, "primary surface without DRM master");
			*ref = (struct qxl_surf_ref){ 0, 0, 0, 32 };
			if (v->qdev->primary_live) {
				ref->w = v->qdev->primary_width;
				ref->h = v->qdev->primary_height;
			}
		}
		v->nsurf++;
		put_unaligned_le32(ref->id, val);
	}

	if (dst)
		memcpy_toio(qxl_bo_io(v->qdev, dst, r->dst_offset), val, width);
	else
		memcpy((u8 *)&v->d + r->dst_offset, val, width);
	return 0;
}

/* Find a surface id among those this command's relocations wrote. */
static const struct qxl_surf_ref *qxl_surf_lookup(struct qxl_verify *v, u32 id)
{
	unsigned int i;

	for (i = 0; i < v->nsurf; i++)
		if (v->surf[i].id == id)
			return &v->surf[i];
	return NULL;
}

QXL_KUNIT_STATIC bool qxl_rect_inside(const struct qxl_rect *r, u32 w, u32 h)
{
	s32 top = le32_to_cpu(r->top), left = le32_to_cpu(r->left);
	s32 bottom = le32_to_cpu(r->bottom), right = le32_to_cpu(r->right);

	return top >= 0 && left >= 0 && top < bottom && left < right &&
	       bottom <= (s64)h && right <= (s64)w;
}

QXL_KUNIT_EXPORT(qxl_rect_inside);

/* Read @len bytes at device address @addr from one of the job's buffers. */
static int qxl_read_user(struct qxl_verify *v, u64 addr, void *dst, u64 len,
			 struct qxl_bo **bo, u64 *off)
{
	struct qxl_bo *b;
	s64 o;

	o = qxl_bo_resolve(v->qdev, v->job->objs, v->job->nobjs, addr, len, &b);
	if (o < 0)
		return -EINVAL;
	if (dst)
		memcpy_fromio(dst, qxl_bo_io(v->qdev, b, o), len);
	if (bo)
		*bo = b;
	if (off)
		*off = o;
	return 0;
}

/* Bits per pixel of the bitmap formats accepted (no palettes, no 1-bit). */
QXL_KUNIT_STATIC u32 qxl_bitmap_bpp(u8 format)
{
	switch (format) {
	case QXL_BITMAP_FMT_8BIT_A:
		return 8;
	case QXL_BITMAP_FMT_16BIT:
		return 16;
	case QXL_BITMAP_FMT_24BIT:
		return 24;
	case QXL_BITMAP_FMT_32BIT:
	case QXL_BITMAP_FMT_RGBA:
		return 32;
	}
	return 0;
}

QXL_KUNIT_EXPORT(qxl_bitmap_bpp);

/*
 * The pixels of a bitmap given as a chain of data chunks. One chunk is
 * used in place (the image becomes DIRECT); several are gathered into a
 * kernel copy, since each chunk's header sits in userspace memory.
 */
static int qxl_verify_chunks(struct qxl_verify *v, struct qxl_image *img, u64 need)
{
	u64 addr = le64_to_cpu(img->bitmap.data), copied = 0, take;
	struct qxl_data_chunk hdr;
	struct qxl_dmem *copy = NULL;
	unsigned int n;
	struct qxl_bo *bo;
	u64 off;
	int ret;

	for (n = 0; addr && copied < need; n++) {
		if (n == QXL_MAX_CHUNKS || qxl_read_user(v, addr, &hdr, sizeof(hdr), NULL, NULL))
			goto bad;
		if (qxl_read_user(v, addr, NULL, sizeof(hdr) + le32_to_cpu(hdr.data_size),
				  &bo, &off))
			goto bad;
		if (!n && le32_to_cpu(hdr.data_size) >= need) {
			img->bitmap.data = cpu_to_le64(addr + sizeof(hdr));
			return 0;
		}
		if (!copy) {
			/* need <= 8192 rows of 32 KiB: it fits the u32 size. */
			ret = qxl_dmem_alloc(v->qdev, need, &copy);
			if (ret == -E2BIG)
				return qxl_reject(v, -EINVAL, "chunked bitmap larger than the pool");
			if (ret)
				return ret;
			v->job->extra[v->nimages - 1] = copy;
		}
		take = min_t(u64, need - copied, le32_to_cpu(hdr.data_size));
		memcpy_fromio((u8 *)qxl_dmem_ptr(v->qdev, copy) + copied,
			      qxl_bo_io(v->qdev, bo, off + sizeof(hdr)), take);
		copied += take;
		addr = le64_to_cpu(hdr.next_chunk);
	}
	if (copied < need)
		goto bad;
	img->bitmap.data = cpu_to_le64(qxl_dmem_phys(v->qdev, copy, 0));
	return 0;
bad:
	return qxl_reject(v, -EINVAL, "bitmap data chunks invalid or too short");
}

/*
 * Verify the image at *@field, copy it next to the command and point
 * *@field at the copy. @optional allows 0. Optionally returns its size and
 * the surface it shows (NULL for a bitmap).
 */
static int qxl_verify_image(struct qxl_verify *v, __le64 *field, bool optional,
			    u32 *w, u32 *h, const struct qxl_surf_ref **surf)
{
	u64 addr = le64_to_cpu(*field);
	struct qxl_image img;
	u32 bpp, stride, width, height;
	unsigned int slot;
	int ret;

	if (!addr) {
		if (optional)
			return 0;
		return qxl_reject(v, -EINVAL, "image missing");
	}
	if (v->nimages == QXL_MAX_IMAGES)
		return qxl_reject(v, -EINVAL, "too many images");
	slot = v->nimages++;
	memset(&img, 0, sizeof(img));
	if (qxl_read_user(v, addr, &img, sizeof(img.descriptor) + 4, NULL, NULL))
		return qxl_reject(v, -EINVAL, "image address not in the caller's buffers");

	/* Never let the device cache images: the cache is shared by all clients. */
	img.descriptor.flags = 0;
	width = le32_to_cpu(img.descriptor.width);
	height = le32_to_cpu(img.descriptor.height);

	if (img.descriptor.type == QXL_IMAGE_SURFACE) {
		u32 id = get_unaligned_le32(&img.bitmap);
		const struct qxl_surf_ref *ref = qxl_surf_lookup(v, id);

		if (!ref || !id)
			return qxl_reject(v, -EINVAL, "image of a surface not relocated by the caller");
		/*
		 * A draw reading its own destination reaches SPICE clients as an
		 * image of a surface they are drawing into: spice-gtk drops the
		 * connection. Scrolling is what COPY_BITS is for.
		 */
		if (id == v->dst->id)
			return qxl_reject(v, -EINVAL, "image of the destination surface");
		width = ref->w;
		height = ref->h;
		v->read[v->nread++] = ref;
		if (surf)
			*surf = ref;
		img.descriptor.width = cpu_to_le32(width);
		img.descriptor.height = cpu_to_le32(height);
		memset((u8 *)&img.bitmap + 4, 0, sizeof(img.bitmap) - 4);
	} else if (img.descriptor.type == QXL_IMAGE_BITMAP) {
		if (qxl_read_user(v, addr, &img, sizeof(img), NULL, NULL))
			return qxl_reject(v, -EINVAL, "bitmap address not in the caller's buffers");
		img.descriptor.flags = 0;
		/* The bitmap's own x and y are what the device takes as its size. */
		width = le32_to_cpu(img.bitmap.x);
		height = le32_to_cpu(img.bitmap.y);
		img.descriptor.width = img.bitmap.x;
		img.descriptor.height = img.bitmap.y;
		bpp = qxl_bitmap_bpp(img.bitmap.format);
		stride = le32_to_cpu(img.bitmap.stride);
		if (!bpp || !width || !height || width > QXL_NG_MAX_DIM ||
		    height > QXL_NG_MAX_DIM || img.bitmap.palette ||
		    stride < DIV_ROUND_UP(width * bpp, 8) || stride > QXL_NG_MAX_DIM * 4 ||
		    img.bitmap.flags & ~(QXL_BITMAP_DIRECT | QXL_BITMAP_UNSTABLE |
					 QXL_BITMAP_TOP_DOWN))
			return qxl_reject(v, -EINVAL, "bitmap format, size, stride or flags invalid");
		if (img.bitmap.flags & QXL_BITMAP_DIRECT) {
			if (qxl_read_user(v, le64_to_cpu(img.bitmap.data), NULL,
					  (u64)stride * height, NULL, NULL))
				return qxl_reject(v, -EINVAL, "bitmap pixels not in the caller's buffers");
		} else {
			ret = qxl_verify_chunks(v, &img, (u64)stride * height);
			if (ret)
				return ret;
			img.bitmap.flags |= QXL_BITMAP_DIRECT;
		}
	} else {
		return qxl_reject(v, -EINVAL, "image type not accepted");
	}

	memcpy(v->out + QXL_EXTRA_IMAGES + slot * sizeof(img), &img, sizeof(img));
	*field = cpu_to_le64(qxl_dmem_phys(v->qdev, v->job->dmem,
					   QXL_EXTRA_IMAGES + slot * sizeof(img)));
	if (w)
		*w = width;
	if (h)
		*h = height;
	return 0;
}

static int qxl_verify_transform(struct qxl_verify *v, __le64 *field)
{
	u64 addr = le64_to_cpu(*field);
	unsigned int off;

	if (!addr)
		return 0;
	off = QXL_EXTRA_TRANSFORMS + v->ntransforms++ * sizeof(struct qxl_transform);
	if (qxl_read_user(v, addr, v->out + off, sizeof(struct qxl_transform), NULL, NULL))
		return qxl_reject(v, -EINVAL, "transform address not in the caller's buffers");
	*field = cpu_to_le64(qxl_dmem_phys(v->qdev, v->job->dmem, off));
	return 0;
}

/*
 * Masks of non-composite draws are refused: spice-server's canvas asserts
 * on several mask and destination combinations, and an assertion there
 * takes QEMU down. Composite takes its mask as an image instead.
 */
static int qxl_verify_no_mask(struct qxl_verify *v, const struct qxl_qmask *mask)
{
	if (mask->bitmap)
		return qxl_reject(v, -EINVAL, "mask bitmaps are only accepted in composite");
	return 0;
}

/* One raster operation (bits 3-9) with any of the inversion bits. */
static int qxl_verify_rop(struct qxl_verify *v, __le16 rop, u8 scale_mode)
{
	u16 r = le16_to_cpu(rop);

	if (r & ~(BIT(11) - 1) || hweight16(r & GENMASK(9, 3)) != 1 || scale_mode > 1)
		return qxl_reject(v, -EINVAL, "rop descriptor or scale mode invalid");
	return 0;
}

/*
 * A source image and the area of it the draw reads. The device converts
 * bitmaps to the destination's format, but copies a surface's pixels as
 * they are: its canvas asserts (and QEMU aborts) when the depths differ.
 */
static int qxl_verify_src(struct qxl_verify *v, __le64 *bitmap, const struct qxl_rect *area)
{
	const struct qxl_surf_ref *surf = NULL;
	u32 w, h;
	int ret;

	ret = qxl_verify_image(v, bitmap, false, &w, &h, &surf);
	if (ret)
		return ret;
	if (surf && surf->bpp != v->dst->bpp)
		return qxl_reject(v, -EINVAL, "copy between surfaces of different depths");
	if (!qxl_rect_inside(area, w, h))
		return qxl_reject(v, -EINVAL, "source area outside the source image");
	return 0;
}

QXL_KUNIT_STATIC bool qxl_composite_op_valid(u32 op)
{
	return op <= 0x0d || (op >= 0x30 && op <= 0x3e);
}

QXL_KUNIT_EXPORT(qxl_composite_op_valid);

/*
 * The "opaque" hints of a composite make the device reinterpret a surface
 * without its alpha channel, which only works where pixman has such a
 * format: for an A8 surface it has none, and spice-server then aborts
 * (destination) or dereferences NULL (source), taking QEMU and every
 * connected client down. The hints are accepted only where the device
 * survives them (Documentation/qxl-ng.rst, "What the device survives").
 * The mask hint is read by neither spice-server nor spice-gtk: it is
 * cleared rather than passed on to code that never tried it.
 */
static int qxl_verify_composite_opaque(struct qxl_verify *v, u32 *flags,
				       const struct qxl_surf_ref *src)
{
	if ((*flags & QXL_COMPOSITE_DEST_OPAQUE) && v->dst->bpp == 8)
		return qxl_reject(v, -EINVAL, "composite: opaque A8 destination");
	if ((*flags & QXL_COMPOSITE_SOURCE_OPAQUE) && src && src->bpp == 8)
		return qxl_reject(v, -EINVAL, "composite: opaque A8 source surface");
	*flags &= ~QXL_COMPOSITE_MASK_OPAQUE;
	return 0;
}

static int qxl_verify_composite(struct qxl_verify *v, struct qxl_composite *c)
{
	const struct qxl_surf_ref *src = NULL;
	u32 flags = le32_to_cpu(c->flags);
	int ret;

	if (flags & ~(BIT(25) - 1))
		return qxl_reject(v, -EINVAL, "composite flags: reserved bits set");
	if (!qxl_composite_op_valid(flags & QXL_COMPOSITE_OP_MASK) ||
	    ((flags >> QXL_COMPOSITE_FILTER_SHIFT) & 7) > 1 ||
	    ((flags >> (QXL_COMPOSITE_FILTER_SHIFT + 3)) & 7) > 1)
		return qxl_reject(v, -EINVAL, "composite operator or filter invalid");
	/* The device derives these from the pointers itself. */
	flags &= ~QXL_COMPOSITE_DERIVED;

	ret = qxl_verify_image(v, &c->src, false, NULL, NULL, &src);
	if (!ret)
		ret = qxl_verify_composite_opaque(v, &flags, src);
	if (!ret)
		ret = qxl_verify_image(v, &c->mask, true, NULL, NULL, NULL);
	if (!ret)
		ret = qxl_verify_transform(v, &c->src_transform);
	if (!ret)
		ret = qxl_verify_transform(v, &c->mask_transform);
	c->flags = cpu_to_le32(flags);
	return ret;
}

/*
 * The per-type payload of the drawable. Accepted are the draws whose
 * rendering by the device is tested: solid FILL, COPY, COPY_BITS and
 * COMPOSITE (what upstream's Xorg driver and libqxl send). The others
 * (OPAQUE, BLEND, ROP3, STROKE, TEXT, TRANSPARENT, ALPHA_BLEND, the
 * BLACKNESS family) reach spice-server code paths that assert on inputs
 * the kernel cannot fully check, so they are refused.
 */
static int qxl_verify_payload(struct qxl_verify *v)
{
	struct qxl_drawable *d = &v->d;
	int ret;

	switch (d->type) {
	case QXL_DRAW_FILL: {
		struct qxl_fill *f = (void *)&d->u;

		if (le32_to_cpu(f->brush.type) != QXL_BRUSH_TYPE_SOLID)
			return qxl_reject(v, -EINVAL, "fill brush is not solid");
		ret = qxl_verify_rop(v, f->rop_descriptor, 0);
		return ret ? ret : qxl_verify_no_mask(v, &f->mask);
	}
	case QXL_DRAW_COPY: {
		struct qxl_copy *c = &d->u.copy;

		ret = qxl_verify_rop(v, c->rop_descriptor, c->scale_mode);
		if (!ret)
			ret = qxl_verify_src(v, &c->src_bitmap, &c->src_area);
		return ret ? ret : qxl_verify_no_mask(v, &c->mask);
	}
	case QXL_DRAW_COPY_BITS: {
		struct qxl_point *p = (void *)&d->u;
		s64 x = (s32)le32_to_cpu(p->x), y = (s32)le32_to_cpu(p->y);
		s64 w = (s32)le32_to_cpu(d->bbox.right) - (s32)le32_to_cpu(d->bbox.left);
		s64 h = (s32)le32_to_cpu(d->bbox.bottom) - (s32)le32_to_cpu(d->bbox.top);

		if (x < 0 || y < 0 || x + w > v->dst->w || y + h > v->dst->h)
			return qxl_reject(v, -EINVAL, "copy-bits source outside the surface");
		return 0;
	}
	case QXL_DRAW_COMPOSITE:
		return qxl_verify_composite(v, (void *)&d->u);
	}
	return qxl_reject(v, -EINVAL, "draw type not accepted");
}

/* Copy the clip list next to the command. Its length was read once, before. */
static int qxl_verify_clip(struct qxl_verify *v)
{
	struct qxl_clip_rects *out = (void *)(v->out + QXL_EXTRA_CLIP);
	u32 bytes = v->clip_rects * sizeof(struct qxl_rect);
	struct qxl_rect *rects = (void *)out->chunk.data;
	u32 i;

	if (le32_to_cpu(v->d.clip.type) == QXL_CLIP_TYPE_NONE)
		return 0;
	if (qxl_read_user(v, v->clip_addr + sizeof(*out), rects, bytes, NULL, NULL))
		return qxl_reject(v, -EINVAL, "clip rectangles not in the caller's buffers");
	for (i = 0; i < v->clip_rects; i++) {
		if ((s32)le32_to_cpu(rects[i].top) > (s32)le32_to_cpu(rects[i].bottom) ||
		    (s32)le32_to_cpu(rects[i].left) > (s32)le32_to_cpu(rects[i].right))
			return qxl_reject(v, -EINVAL, "clip rectangle inverted");
	}
	out->num_rects = cpu_to_le32(v->clip_rects);
	out->chunk.data_size = cpu_to_le32(bytes);
	out->chunk.prev_chunk = 0;
	out->chunk.next_chunk = 0;
	v->d.clip.data = cpu_to_le64(qxl_dmem_phys(v->qdev, v->job->dmem, QXL_EXTRA_CLIP));
	return 0;
}

/*
 * spice-server keeps a surface alive, and renders what is pending on it
 * first, only for the surfaces a drawable lists in surfaces_dest. A draw
 * reading a surface it does not list can reach a SPICE client after that
 * surface was destroyed, and spice-server then drops the client
 * ("Invalid surface in SPICE_IMAGE_TYPE_SURFACE"). List every surface the
 * command's images show, in a free slot, with its whole area.
 */
static int qxl_verify_dependencies(struct qxl_verify *v)
{
	struct qxl_drawable *d = &v->d;
	unsigned int i, j;

	for (i = 0; i < v->nread; i++) {
		s32 free_slot = -1;

		for (j = 0; j < 3; j++) {
			s32 id = le32_to_cpu(d->surfaces_dest[j]);

			if (id == v->read[i]->id)
				break;
			if (id == QXL_SURFACE_NONE && free_slot < 0)
				free_slot = j;
		}
		if (j < 3)
			continue;
		if (free_slot < 0)
			return qxl_reject(v, -EINVAL, "no room to list a surface the draw reads");
		d->surfaces_dest[free_slot] = cpu_to_le32(v->read[i]->id);
		d->surfaces_rects[free_slot] = (struct qxl_rect){
			.right = cpu_to_le32(v->read[i]->w),
			.bottom = cpu_to_le32(v->read[i]->h),
		};
	}
	return 0;
}

QXL_KUNIT_STATIC int qxl_verify_drawable(struct qxl_verify *v)
{
	struct qxl_drawable *d = &v->d;
	const struct qxl_surf_ref *dep;
	int i, ret;

	v->dst = qxl_surf_lookup(v, le32_to_cpu(d->surface_id));
	if (!v->dst)
		return qxl_reject(v, -EINVAL, "destination surface not relocated by the caller");
	if (d->effect > QXL_EFFECT_OPAQUE_BRUSH || d->self_bitmap)
		return qxl_reject(v, -EINVAL, "effect or self bitmap invalid");
	if (!qxl_rect_inside(&d->bbox, v->dst->w, v->dst->h))
		return qxl_reject(v, -EINVAL, "bounding box outside the destination surface");
	for (i = 0; i < 3; i++) {
		s32 id = le32_to_cpu(d->surfaces_dest[i]);

		if (id == QXL_SURFACE_NONE)
			continue;
		dep = qxl_surf_lookup(v, id);
		if (!dep)
			return qxl_reject(v, -EINVAL, "dependency surface not relocated by the caller");
		if (!qxl_rect_inside(&d->surfaces_rects[i], dep->w, dep->h))
			return qxl_reject(v, -EINVAL, "dependency rectangle outside its surface");
	}
	ret = qxl_verify_clip(v);
	if (!ret)
		ret = qxl_verify_payload(v);
	return ret ? ret : qxl_verify_dependencies(v);
}

QXL_KUNIT_EXPORT(qxl_verify_drawable);

/* Read the clip list header once: its length sizes the command's block. */
static int qxl_read_clip_header(struct qxl_verify *v)
{
	struct qxl_clip_rects hdr;

	switch (le32_to_cpu(v->d.clip.type)) {
	case QXL_CLIP_TYPE_NONE:
		/* Upstream's Xorg driver leaves clip.data uninitialised here. */
		v->d.clip.data = 0;
		return 0;
	case QXL_CLIP_TYPE_RECTS:
		break;
	default:
		return qxl_reject(v, -EINVAL, "clip type invalid");
	}
	v->clip_addr = le64_to_cpu(v->d.clip.data);
	if (qxl_read_user(v, v->clip_addr, &hdr, sizeof(hdr), NULL, NULL))
		return qxl_reject(v, -EINVAL, "clip list not in the caller's buffers");
	v->clip_rects = le32_to_cpu(hdr.num_rects);
	if (!v->clip_rects || v->clip_rects > QXL_NG_EXEC_MAX_CLIP_RECTS || hdr.chunk.next_chunk ||
	    le32_to_cpu(hdr.chunk.data_size) != v->clip_rects * sizeof(struct qxl_rect))
		return qxl_reject(v, -EINVAL, "clip list invalid (count, size or chained)");
	return 0;
}

/*
 * One command of an EXECBUFFER call, copied from userspace before any
 * device-wide lock is taken: a slow page fault on the caller's memory must
 * not hold up other clients.
 */
struct qxl_exec_input {
	struct drm_qxl_command cmd;
	u8 body[QXL_DRAW_CMD_SIZE];
	struct drm_qxl_reloc relocs[QXL_NG_EXEC_MAX_RELOCS];
};

static int qxl_exec_copy_in(struct qxl_device *qdev, struct qxl_exec_input *in)
{
	const struct drm_qxl_command *cmd = &in->cmd;

	/* cmd->pad is not checked: upstream's Xorg driver leaves it uninitialised. */
	if (cmd->type != QXL_CMD_DRAW || !cmd->command_size ||
	    cmd->command_size > QXL_DRAW_CMD_SIZE || cmd->relocs_num > QXL_NG_EXEC_MAX_RELOCS) {
		atomic_inc(&qdev->exec_rejects);
		drm_dbg_driver(&qdev->drm, "EXECBUFFER: command type %u, size %u or %u relocations\n",
			       cmd->type, cmd->command_size, cmd->relocs_num);
		return -EINVAL;
	}
	if (copy_from_user(in->body, u64_to_user_ptr(cmd->command), cmd->command_size) ||
	    copy_from_user(in->relocs, u64_to_user_ptr(cmd->relocs),
			   cmd->relocs_num * sizeof(in->relocs[0])))
		return -EFAULT;
	return 0;
}

/* Relocate and verify one command into a job ready to push. */
static int qxl_job_build(struct qxl_device *qdev, struct drm_file *file,
			 const struct qxl_exec_input *in, struct qxl_job **out)
{
	struct qxl_verify *v;
	struct qxl_job *job;
	u32 i, size;
	int ret;

	v = kzalloc(sizeof(*v), GFP_KERNEL);
	job = kzalloc(sizeof(*job), GFP_KERNEL);
	if (!v || !job) {
		kfree(v);
		kfree(job);
		return -ENOMEM;
	}
	spin_lock_init(&job->lock);
	job->free.fn = qxl_job_deferred_free;
	dma_fence_init(&job->fence, &qxl_fence_ops, &job->lock, dma_fence_context_alloc(1), 1);
	v->qdev = qdev;
	v->file = file;
	v->job = job;

	memcpy((u8 *)&v->d + sizeof(struct qxl_release_info), in->body, in->cmd.command_size);
	for (i = 0; i < in->cmd.relocs_num; i++) {
		ret = qxl_apply_reloc(v, &in->relocs[i]);
		if (ret)
			goto err;
	}

	ret = qxl_read_clip_header(v);
	if (ret)
		goto err;
	size = QXL_EXTRA_CLIP + sizeof(struct qxl_clip_rects) +
	       v->clip_rects * sizeof(struct qxl_rect);
	ret = qxl_dmem_alloc(qdev, size, &job->dmem);
	if (ret)
		goto err;
	v->out = qxl_dmem_ptr(qdev, job->dmem);

	ret = qxl_verify_drawable(v);
	if (ret)
		goto err;
	v->d.mm_time = cpu_to_le32(readl(&qdev->rom->mm_clock));
	job->dst_surface = v->dst->id;
	job->bbox = DRM_RECT_INIT(le32_to_cpu(v->d.bbox.left), le32_to_cpu(v->d.bbox.top),
				  le32_to_cpu(v->d.bbox.right) - le32_to_cpu(v->d.bbox.left),
				  le32_to_cpu(v->d.bbox.bottom) - le32_to_cpu(v->d.bbox.top));
	job->px = (u64)drm_rect_width(&job->bbox) * drm_rect_height(&job->bbox);
	job->account = qxl_file_account(file);
	kref_get(&job->account->ref);
	memcpy(v->out, &v->d, sizeof(v->d));
	job->dmem->released = qxl_job_released;
	job->dmem->owner = job;
	kfree(v);
	*out = job;
	return 0;

err:
	if (job->dmem)
		qxl_dmem_free(qdev, job->dmem);
	qxl_defer(qdev, &job->free);
	kfree(v);
	return ret;
}

/* Drop a job the device never saw. */
static void qxl_job_discard(struct qxl_device *qdev, struct qxl_job *job, int err)
{
	dma_fence_set_error(&job->fence, err);
	dma_fence_signal(&job->fence);
	qxl_dmem_free(qdev, job->dmem);
	job->dmem = NULL;
	qxl_defer(qdev, &job->free);
}

/*
 * Fence every buffer of the job.
 *
 * Bookkeeping only: the device orders its own commands (a copy from a
 * surface renders what is pending on it first), so nobody has to wait for
 * them to see the buffer's content. Implicit synchronisation, such as a
 * modeset on a surface framebuffer, must not wait for a release the device
 * may keep for as long as the drawable is live.
 */
static int qxl_job_fence(struct qxl_job *job)
{
	struct ww_acquire_ctx ctx;
	unsigned int i;
	int ret;

	ret = drm_gem_lock_reservations(job->objs, job->nobjs, &ctx);
	if (ret)
		return ret;
	for (i = 0; !ret && i < job->nobjs; i++)
		ret = dma_resv_reserve_fences(job->objs[i]->resv, 1);
	for (i = 0; !ret && i < job->nobjs; i++)
		dma_resv_add_fence(job->objs[i]->resv, &job->fence, DMA_RESV_USAGE_BOOKKEEP);
	drm_gem_unlock_reservations(job->objs, job->nobjs, &ctx);
	return ret;
}

/*
 * Hand all @n jobs to the device, or none: a call that fails has queued
 * nothing and can be repeated. The jobs are consumed, also on failure.
 */
static int qxl_jobs_push(struct qxl_device *qdev, struct qxl_job **jobs, unsigned int n)
{
	struct qxl_dmem *dmems[QXL_NG_EXEC_MAX_COMMANDS];
	unsigned int i;
	int ret = 0;

	for (i = 0; !ret && i < n; i++) {
		ret = qxl_job_fence(jobs[i]);
		dmems[i] = jobs[i]->dmem;
	}
	if (ret) {
		for (i = 0; i < n; i++)
			qxl_job_discard(qdev, jobs[i], ret);
		return ret;
	}
	/* The release hooks own the jobs from here. */
	for (i = 0; i < n; i++) {
		dma_fence_get(&jobs[i]->fence);
		atomic64_add(jobs[i]->px, &jobs[i]->account->queued_px);
	}
	ret = qxl_ring_push_many(qdev, QXL_CMD_DRAW, dmems, n);
	for (i = 0; i < n; i++) {
		struct dma_fence *fence = &jobs[i]->fence;
		u32 id = jobs[i]->dst_surface;
		struct drm_rect bbox = jobs[i]->bbox;

		if (ret) {
			atomic64_sub(jobs[i]->px, &jobs[i]->account->queued_px);
			qxl_job_discard(qdev, jobs[i], ret);
		} else {
			qxl_scanout_damage(qdev, id, &bbox);
		}
		dma_fence_put(fence);
	}
	return ret;
}

/*
 * The device renders on one thread, in order: a process that queued a lot
 * of expensive work would make every other client wait for it. Beyond
 * QXL_QUEUED_MAX_PX pixels of its draws queued and not yet released, a
 * process's EXECBUFFER first has the device render and waits (at most
 * QXL_IO_TIMEOUT_MS) for its own queue to drain: a flooding client waits
 * for its own work, and the others keep getting the device.
 */
static int qxl_exec_throttle(struct qxl_device *qdev, struct qxl_vram_account *a)
{
	unsigned long deadline = jiffies + msecs_to_jiffies(QXL_IO_TIMEOUT_MS);
	long left;
	int idx, ret;

	while (atomic64_read(&a->queued_px) > QXL_QUEUED_MAX_PX) {
		if (!time_before(jiffies, deadline))
			return -EBUSY;
		ret = qxl_io_async(qdev, QXL_IO_FLUSH_SURFACES_ASYNC, 0);
		if (ret == -ETIMEDOUT || ret == -ENODEV)
			return ret;
		if (!drm_dev_enter(&qdev->drm, &idx))
			return -ENODEV;
		/* Take what was published, whether or not its interrupt came. */
		qxl_release_process(qdev);
		qxl_release_nudge(qdev);
		drm_dev_exit(idx);
		left = wait_event_interruptible_timeout(qdev->ring_wq,
							atomic64_read(&a->queued_px) <=
							QXL_QUEUED_MAX_PX,
							msecs_to_jiffies(QXL_WAIT_ROUND_MS));
		if (left < 0)
			return -EINTR;
	}
	return 0;
}

/**
 * qxl_execbuffer_ioctl - verify and queue draw commands
 * @drm: the device
 * @data: struct drm_qxl_execbuffer
 * @file: the caller
 *
 * All commands are copied in, then verified, then queued together: the
 * call queues all of them or none (a failed call is safe to repeat).
 *
 * Return: 0; -EINVAL for a command the verifier refuses; -EFAULT, -ENOENT
 * (unknown handle), -EACCES (the primary without being master), -ENOMEM
 * (no device memory in time), -EBUSY (the device is alive but did not take
 * commands, or render the caller's queue, in time), -EINTR (a signal while
 * throttled), -ETIMEDOUT (the device stopped working and is being reset),
 * -ENODEV after unplug.
 */
int qxl_execbuffer_ioctl(struct drm_device *drm, void *data, struct drm_file *file)
{
	struct qxl_device *qdev = to_qxl(drm);
	struct drm_qxl_execbuffer *args = data;
	struct drm_qxl_command __user *ucmds = u64_to_user_ptr(args->commands);
	struct qxl_exec_input *in;
	struct qxl_job **jobs;
	u32 i, n = args->commands_num, built = 0;
	int idx, ret = 0;

	if (args->flags || !n || n > QXL_NG_EXEC_MAX_COMMANDS) {
		drm_dbg_driver(drm, "EXECBUFFER: flags %#x, %u commands\n", args->flags, n);
		return -EINVAL;
	}
	in = kvcalloc(n, sizeof(*in), GFP_KERNEL);
	jobs = kcalloc(n, sizeof(*jobs), GFP_KERNEL);
	if (!in || !jobs) {
		ret = -ENOMEM;
		goto out_free;
	}
	for (i = 0; !ret && i < n; i++) {
		ret = copy_from_user(&in[i].cmd, ucmds + i, sizeof(in[i].cmd)) ? -EFAULT :
		      qxl_exec_copy_in(qdev, &in[i]);
	}
	if (!ret)
		ret = qxl_exec_throttle(qdev, qxl_file_account(file));
	if (ret)
		goto out_free;

	/* The verifier reads and writes device memory: hold the device. */
	if (!drm_dev_enter(drm, &idx)) {
		ret = -ENODEV;
		goto out_free;
	}
	/*
	 * Verify every command before the device sees any of them. surf_lock
	 * is held until they are queued: a reset in between would make the
	 * device forget the surfaces they draw on. Jobs are freed through the
	 * deferred list here, as dropping a buffer may destroy a surface,
	 * which takes surf_lock.
	 */
	mutex_lock(&qdev->surf_lock);
	for (i = 0; !ret && i < n; i++) {
		ret = qxl_job_build(qdev, file, &in[i], &jobs[i]);
		built += !ret;
	}
	if (ret) {
		for (i = 0; i < built; i++)
			qxl_job_discard(qdev, jobs[i], ret);
	} else {
		ret = qxl_jobs_push(qdev, jobs, n);
	}
	mutex_unlock(&qdev->surf_lock);
	drm_dev_exit(idx);
out_free:
	kfree(jobs);
	kvfree(in);
	return ret;
}

int qxl_update_area_ioctl(struct drm_device *drm, void *data, struct drm_file *file)
{
	struct qxl_device *qdev = to_qxl(drm);
	struct drm_qxl_update_area *args = data;
	struct drm_gem_object *obj;
	struct qxl_bo *bo;
	struct drm_rect r;
	int ret;

	if (args->pad || args->left >= args->right || args->top >= args->bottom)
		return -EINVAL;
	obj = drm_gem_object_lookup(file, args->handle);
	if (!obj)
		return -ENOENT;
	bo = qxl_is_bo(obj) ? to_qxl_bo(obj) : NULL;
	if (!bo || !bo->surface_id || args->right > bo->width || args->bottom > bo->height) {
		drm_dbg_driver(drm, "UPDATE_AREA: not a surface, or area outside it\n");
		ret = -EINVAL;
		goto out;
	}
	/*
	 * The reference keeps the surface alive on the device; no device-wide
	 * lock is held while the device renders, which a client can make slow.
	 */
	r = (struct drm_rect){ args->left, args->top, args->right, args->bottom };
	ret = qxl_io_update_area(qdev, bo->surface_id, &r);
out:
	drm_gem_object_put(obj);
	return ret;
}

/*
 * The device keeps a drawable until it has rendered it, which it does
 * lazily: render every surface that a pending command on @obj draws on.
 * Stops at the first error (a busy device stays busy for the others).
 */
static int qxl_wait_render(struct qxl_device *qdev, struct drm_gem_object *obj)
{
	u32 ids[QXL_WAIT_MAX_SURFACES];
	struct drm_gem_object *objs[QXL_WAIT_MAX_SURFACES];
	struct drm_rect rects[QXL_WAIT_MAX_SURFACES];
	struct dma_resv_iter cursor;
	struct dma_fence *fence;
	unsigned int n = 0, m = 0, i;
	struct qxl_bo *bo;
	int ret = 0;

	dma_resv_lock(obj->resv, NULL);
	dma_resv_for_each_fence(&cursor, obj->resv, DMA_RESV_USAGE_BOOKKEEP, fence) {
		u32 id;

		if (!qxl_fence_ops_is(fence, &qxl_fence_ops) || dma_fence_is_signaled(fence))
			continue;
		id = container_of(fence, struct qxl_job, fence)->dst_surface;
		for (i = 0; i < n && ids[i] != id; i++)
			;
		if (i == n && n < ARRAY_SIZE(ids))
			ids[n++] = id;
	}
	dma_resv_unlock(obj->resv);

	/* Look the surfaces up under surf_lock, render them without it. */
	mutex_lock(&qdev->surf_lock);
	for (i = 0; i < n; i++) {
		objs[m] = NULL;
		if (ids[i]) {
			/*
			 * A surface stays in the table after its last reference
			 * went, until the deferred destroy takes it out: skip it.
			 */
			bo = qxl_bo_surface(qdev, ids[i]);
			if (!bo || !kref_get_unless_zero(&bo->base.refcount))
				continue;
			objs[m] = &bo->base;
			rects[m] = DRM_RECT_INIT(0, 0, bo->width, bo->height);
		} else if (qdev->primary_live) {
			rects[m] = DRM_RECT_INIT(0, 0, qdev->primary_width, qdev->primary_height);
		} else {
			continue;
		}
		ids[m++] = ids[i];
	}
	mutex_unlock(&qdev->surf_lock);

	for (i = 0; i < m; i++) {
		if (!ret)
			ret = qxl_io_update_area(qdev, ids[i], &rects[i]);
		if (objs[i])
			drm_gem_object_put(objs[i]);
	}
	return ret;
}

/**
 * qxl_wait_ioctl - wait until the device released every command on a buffer
 * @drm: the device
 * @data: struct drm_qxl_ng_wait
 * @file: the caller
 *
 * Return: 0 once idle; -EBUSY if not idle within the timeout (0 polls);
 * -EINTR if a signal came first; -ETIMEDOUT if the device stopped working
 * (it is being reset); -ENOENT, -EINVAL for bad arguments.
 */
int qxl_wait_ioctl(struct drm_device *drm, void *data, struct drm_file *file)
{
	struct qxl_device *qdev = to_qxl(drm);
	struct drm_qxl_ng_wait *args = data;
	struct drm_gem_object *obj;
	unsigned long deadline;
	long ret, left;
	int idx;

	if (args->flags || args->timeout_ns > QXL_NG_WAIT_MAX_NS)
		return -EINVAL;
	obj = drm_gem_object_lookup(file, args->handle);
	if (!obj)
		return -ENOENT;
	/*
	 * The device batches releases and keeps drawables it has not
	 * rendered yet: while waiting, ask it every round to render what it
	 * holds and to publish its releases. The time left is computed anew
	 * each round and never goes below 0, whatever the rendering took.
	 */
	deadline = jiffies + nsecs_to_jiffies(args->timeout_ns);
	for (;;) {
		left = clamp_t(long, (long)(deadline - jiffies), 0,
			       msecs_to_jiffies(QXL_WAIT_ROUND_MS));
		ret = dma_resv_wait_timeout(obj->resv, DMA_RESV_USAGE_BOOKKEEP, true, left);
		if (ret)
			break;
		if (!time_before(jiffies, deadline)) {
			ret = -EBUSY;
			break;
		}
		ret = qxl_wait_render(qdev, obj);
		if (ret == -ETIMEDOUT || ret == -ENODEV)
			break;
		if (drm_dev_enter(drm, &idx)) {
			qxl_release_nudge(qdev);
			drm_dev_exit(idx);
		}
	}
	drm_gem_object_put(obj);
	if (ret == -ERESTARTSYS)
		return -EINTR;
	return ret < 0 ? ret : 0;
}
