// SPDX-License-Identifier: GPL-2.0-only
/*
 * Device-memory buffers for 2D clients: ranges of the surfaces BAR that the
 * device can read (images, clip lists) or render into (off-screen
 * surfaces), created with ALLOC and ALLOC_SURF and mapped into userspace.
 *
 * They live in the surfaces BAR, not in the command pool of BAR0, so no
 * client can starve the display path of the memory its updates need.
 * Scanout framebuffers stay shmem objects (qxl_drv.c): the device cannot
 * read those, and these cannot be shared as dma-bufs.
 *
 * An off-screen surface gets its hardware id and its CREATE command when it
 * is allocated, and its DESTROY command when the last reference goes; its
 * memory is reused only after the device released the DESTROY. Commands in
 * flight hold a reference on every buffer they use (qxl_exec.c), so a
 * buffer is never freed while the device may still read it.
 */

#include <linux/io.h>
#include <linux/mm.h>
#include <linux/slab.h>

#include <drm/drm_drv.h>
#include <drm/drm_file.h>
#include <drm/drm_gem.h>
#include <drm/drm_managed.h>
#include <drm/drm_print.h>

#include "qxl_drv.h"
#include "qxl_kunit.h"

/*
 * Accounts are per process, not per file: a client that opens the render
 * node twice still gets one share.
 */
struct qxl_vram_account *qxl_vram_account_get(struct qxl_device *qdev)
{
	struct pid *tgid = task_tgid(current);
	struct qxl_vram_account *a;

	mutex_lock(&qdev->vram_lock);
	list_for_each_entry(a, &qdev->accounts, link) {
		if (a->tgid == tgid) {
			kref_get(&a->ref);
			goto out;
		}
	}
	a = kzalloc(sizeof(*a), GFP_KERNEL);
	if (a) {
		kref_init(&a->ref);
		a->tgid = get_pid(tgid);
		list_add(&a->link, &qdev->accounts);
	}
out:
	mutex_unlock(&qdev->vram_lock);
	return a;
}

static void qxl_vram_account_release(struct kref *ref)
{
	struct qxl_vram_account *a = container_of(ref, struct qxl_vram_account, ref);

	list_del(&a->link);
	put_pid(a->tgid);
	kfree(a);
}

void qxl_vram_account_put(struct qxl_device *qdev, struct qxl_vram_account *account)
{
	if (kref_put_mutex(&account->ref, qxl_vram_account_release, &qdev->vram_lock))
		mutex_unlock(&qdev->vram_lock);
}

/*
 * May @a take @more of a resource of which @used of @total are in use and
 * it holds @mine? At most QXL_SHARE_MAX_EIGHTHS of the total, and the last
 * QXL_SHARE_FLOOR_EIGHTHS only while it holds no more than that much.
 */
static bool qxl_share_ok(u64 mine, u64 more, u64 used, u64 total)
{
	u64 floor = div_u64(total * QXL_SHARE_FLOOR_EIGHTHS, 8);

	if (mine + more > div_u64(total * QXL_SHARE_MAX_EIGHTHS, 8))
		return false;
	return used + more + floor <= total || mine + more <= floor;
}

static void qxl_vram_free(struct qxl_device *qdev, struct qxl_bo *bo)
{
	mutex_lock(&qdev->vram_lock);
	drm_mm_remove_node(&bo->node);
	bo->account->bytes -= bo->base.size;
	qdev->vram_mm_used -= bo->base.size;
	if (bo->surface_id) {
		bo->account->surfaces--;
		qdev->surfaces_used--;
	}
	mutex_unlock(&qdev->vram_lock);
	qxl_vram_account_put(qdev, bo->account);
	if (bo->surface_id)
		ida_free(&qdev->surface_ids, bo->surface_id);
	kfree(bo);
}

/*
 * A surface whose DESTROY could not be queued (the device busy, or being
 * reset) is still the device's: its memory and id are reused only once a
 * DESTROY went through or a reset made the device forget it. Until then
 * it is retried every QXL_ZOMBIE_RETRY_MS.
 */
#define QXL_ZOMBIE_RETRY_MS	100

static void qxl_bo_zombie(struct qxl_device *qdev, struct qxl_bo *bo)
{
	llist_add(&bo->zombie, &qdev->zombies);
	mod_delayed_work(system_dfl_wq, &qdev->zombie_work, msecs_to_jiffies(QXL_ZOMBIE_RETRY_MS));
}

/* Called under mem_lock when the device released a surface's DESTROY. */
static void qxl_surface_destroyed(struct qxl_device *qdev, struct qxl_dmem *dmem)
{
	struct qxl_bo *bo = dmem->owner;

	qxl_defer(qdev, &bo->free);
}

static void qxl_bo_deferred_free(struct qxl_device *qdev, struct qxl_deferred *d)
{
	qxl_vram_free(qdev, container_of(d, struct qxl_bo, free));
}

/*
 * Queue a surface command; @flags go with a CREATE. Returns -ENODEV once
 * the device is gone.
 */
static int qxl_surface_cmd(struct qxl_device *qdev, struct qxl_bo *bo, u8 type, u32 flags)
{
	struct qxl_surface_cmd *cmd;
	struct qxl_dmem *dmem;
	int idx, ret;

	if (!drm_dev_enter(&qdev->drm, &idx))
		return -ENODEV;
	ret = qxl_dmem_alloc(qdev, sizeof(*cmd), &dmem);
	if (ret)
		goto out;
	cmd = qxl_dmem_ptr(qdev, dmem);
	if (type == QXL_SURFACE_CMD_CREATE) {
		qxl_cmd_surface_create(cmd, bo->surface_id, bo->format, bo->width, bo->height,
				       bo->stride, qxl_bo_phys(qdev, bo, 0), flags);
	} else {
		qxl_cmd_surface_destroy(cmd, bo->surface_id);
		dmem->released = qxl_surface_destroyed;
		dmem->owner = bo;
	}
	ret = qxl_ring_push(qdev, false, QXL_CMD_SURFACE, dmem);
out:
	drm_dev_exit(idx);
	return ret;
}

/*
 * Send a dead surface's DESTROY. On success the release of the DESTROY
 * frees the memory; after unplug nothing needs it any more; otherwise the
 * surface waits on the zombie list. The caller holds surf_lock.
 */
static void qxl_bo_send_destroy(struct qxl_device *qdev, struct qxl_bo *bo)
{
	int ret = qxl_surface_cmd(qdev, bo, QXL_SURFACE_CMD_DESTROY, 0);

	if (ret == -ENODEV)
		qxl_vram_free(qdev, bo);
	else if (ret)
		qxl_bo_zombie(qdev, bo);
}

static void qxl_bo_deferred_destroy(struct qxl_device *qdev, struct qxl_deferred *d)
{
	struct qxl_bo *bo = container_of(d, struct qxl_bo, free);

	bo->free.fn = qxl_bo_deferred_free;
	if (bo->surface_id) {
		mutex_lock(&qdev->surf_lock);
		if (xa_erase(&qdev->surfaces, bo->surface_id)) {
			bo->zombie_resets = atomic_read(&qdev->reset_count);
			qxl_bo_send_destroy(qdev, bo);
			mutex_unlock(&qdev->surf_lock);
			return;
		}
		mutex_unlock(&qdev->surf_lock);
	}
	/* The device never saw this surface, or a reset made it forget it. */
	qxl_vram_free(qdev, bo);
}

static void qxl_bo_zombie_work(struct work_struct *work)
{
	struct qxl_device *qdev = container_of(work, struct qxl_device, zombie_work.work);
	struct llist_node *list = llist_del_all(&qdev->zombies);
	struct qxl_bo *bo, *next;

	/* Under surf_lock a moved reset count means the reset is complete. */
	mutex_lock(&qdev->surf_lock);
	llist_for_each_entry_safe(bo, next, list, zombie) {
		if (atomic_read(&qdev->reset_count) != bo->zombie_resets)
			qxl_vram_free(qdev, bo);
		else
			qxl_bo_send_destroy(qdev, bo);
	}
	mutex_unlock(&qdev->surf_lock);
}

/*
 * The last reference can go anywhere, also where surf_lock is held (the
 * verifier drops references it took): destroying the surface, which takes
 * surf_lock and queues a command, is left to the deferred list.
 */
static void qxl_bo_gem_free(struct drm_gem_object *obj)
{
	struct qxl_bo *bo = to_qxl_bo(obj);

	drm_gem_free_mmap_offset(obj);
	drm_gem_object_release(obj);
	bo->free.fn = qxl_bo_deferred_destroy;
	qxl_defer(to_qxl(obj->dev), &bo->free);
}

static vm_fault_t qxl_bo_fault(struct vm_fault *vmf)
{
	struct vm_area_struct *vma = vmf->vma;
	struct drm_gem_object *obj = vma->vm_private_data;
	struct qxl_device *qdev = to_qxl(obj->dev);
	/*
	 * vm_pgoff follows the mapping through partial mmap, munmap and
	 * mremap; the address's distance from vm_start does not.
	 */
	unsigned long page = vmf->pgoff - drm_vma_node_start(&obj->vma_node);
	unsigned long first = (qdev->vram_phys + to_qxl_bo(obj)->node.start) >> PAGE_SHIFT;
	vm_fault_t ret;
	int idx;

	if (page >= obj->size >> PAGE_SHIFT)
		return VM_FAULT_SIGBUS;
	if (!drm_dev_enter(obj->dev, &idx))
		return VM_FAULT_SIGBUS;
	ret = vmf_insert_pfn_prot(vma, vmf->address, first + page, vma->vm_page_prot);
	drm_dev_exit(idx);
	return ret;
}

static const struct vm_operations_struct qxl_bo_vm_ops = {
	.fault = qxl_bo_fault,
	.open = drm_gem_vm_open,
	.close = drm_gem_vm_close,
};

/* Pages are inserted on fault, so an unplug can revoke them (qxl_pci_remove). */
static int qxl_bo_mmap(struct drm_gem_object *obj, struct vm_area_struct *vma)
{
	vm_flags_set(vma, VM_PFNMAP | VM_IO | VM_DONTEXPAND | VM_DONTDUMP);
	vma->vm_page_prot = pgprot_writecombine(vm_get_page_prot(vma->vm_flags));
	vma->vm_ops = &qxl_bo_vm_ops;
	return 0;
}

/* The device's memory cannot back a dma-buf for other devices. */
static struct dma_buf *qxl_bo_export(struct drm_gem_object *obj, int flags)
{
	return ERR_PTR(-EOPNOTSUPP);
}

/* For the planes: a kernel view of the buffer, which is I/O memory. */
static int qxl_bo_vmap(struct drm_gem_object *obj, struct iosys_map *map)
{
	if (drm_dev_is_unplugged(obj->dev))
		return -ENODEV;
	iosys_map_set_vaddr_iomem(map, qxl_bo_io(to_qxl(obj->dev), to_qxl_bo(obj), 0));
	return 0;
}

static const struct drm_gem_object_funcs qxl_bo_funcs = {
	.free = qxl_bo_gem_free,
	.vmap = qxl_bo_vmap,
	.mmap = qxl_bo_mmap,
	.export = qxl_bo_export,
};

bool qxl_is_bo(struct drm_gem_object *obj)
{
	return obj->funcs == &qxl_bo_funcs;
}

u64 qxl_bo_phys(struct qxl_device *qdev, struct qxl_bo *bo, u64 offset)
{
	return qxl_slot_phys(&qdev->surf_slot, bo->node.start + offset);
}

/*
 * Find the buffer among @objs holding [@addr, @addr + @len) of device
 * memory. Returns the offset in the buffer, or -EINVAL when the range is
 * not entirely inside one of them.
 */
s64 qxl_bo_resolve(struct qxl_device *qdev, struct drm_gem_object **objs, unsigned int n,
		   u64 addr, u64 len, struct qxl_bo **out)
{
	unsigned int shift = 64 - qdev->slot_gen_bits - qdev->slot_id_bits;
	u64 off = addr & (BIT_ULL(shift) - 1);
	unsigned int i;

	if ((addr & ~(BIT_ULL(shift) - 1)) != qdev->surf_slot.high_bits)
		return -EINVAL;
	for (i = 0; i < n; i++) {
		struct qxl_bo *bo = to_qxl_bo(objs[i]);

		if (off >= bo->node.start && off - bo->node.start <= bo->base.size &&
		    len <= bo->base.size - (off - bo->node.start)) {
			*out = bo;
			return off - bo->node.start;
		}
	}
	return -EINVAL;
}

QXL_KUNIT_EXPORT(qxl_bo_resolve);

void __iomem *qxl_bo_io(struct qxl_device *qdev, struct qxl_bo *bo, u64 offset)
{
	return qdev->vram + bo->node.start + offset;
}

/* Charge @size bytes (and a surface id) to @account and place @bo; 0 or -errno. */
static int qxl_vram_reserve(struct qxl_device *qdev, struct qxl_bo *bo, u64 size,
			    struct qxl_vram_account *account, bool surface)
{
	int ret;

	mutex_lock(&qdev->vram_lock);
	if (!qxl_share_ok(account->bytes, size, qdev->vram_mm_used, qdev->vram_size))
		ret = -EDQUOT;
	else if (surface && !qxl_share_ok(account->surfaces, 1, qdev->surfaces_used,
					  qdev->n_surfaces - 1))
		ret = -ENOSPC;
	else
		ret = drm_mm_insert_node_generic(&qdev->vram_mm, &bo->node, size, PAGE_SIZE, 0,
						 DRM_MM_INSERT_BEST);
	if (!ret) {
		account->bytes += size;
		qdev->vram_mm_used += size;
		account->surfaces += surface;
		qdev->surfaces_used += surface;
	}
	mutex_unlock(&qdev->vram_lock);
	return ret;
}

/*
 * The caller holds drm_dev_enter(): the buffer is cleared through the BAR.
 * Its memory (and @surface_id, for a surface; 0 for a plain buffer) is
 * charged to @account, within the limits of qxl_share_ok(), so that no
 * process can take all of it from the others. The buffer owns @surface_id
 * from here on: every failure frees it, and so does the buffer's free path,
 * which also takes the charge back.
 */
static struct qxl_bo *qxl_bo_create(struct qxl_device *qdev, u64 size,
				    struct qxl_vram_account *account, u32 surface_id)
{
	bool surface = surface_id != 0;
	struct qxl_bo *bo;
	int ret;

	if (!size || size > qdev->vram_size) {
		ret = size ? -ENOMEM : -EINVAL;
		goto err_id;
	}
	size = PAGE_ALIGN(size);
	bo = kzalloc(sizeof(*bo), GFP_KERNEL);
	if (!bo) {
		ret = -ENOMEM;
		goto err_id;
	}

	ret = qxl_vram_reserve(qdev, bo, size, account, surface);
	if (ret) {
		/*
		 * Buffers closed just before are freed by the deferred list:
		 * what the caller gave back must be there for it to take.
		 */
		flush_work(&qdev->deferred_work);
		ret = qxl_vram_reserve(qdev, bo, size, account, surface);
	}
	if (ret) {
		drm_dbg_driver(&qdev->drm, "no room for a %llu byte %s (%s)\n", size,
			       surface ? "surface" : "buffer",
			       ret == -EDQUOT ? "the process's share of memory is used up" :
			       ret == -ENOSPC ? "the process's share of surfaces is used up" :
			       "BAR full");
		kfree(bo);
		ret = ret == -ENOSPC ? -ENOSPC : -ENOMEM;
		goto err_id;
	}
	kref_get(&account->ref);
	bo->account = account;
	bo->surface_id = surface_id;
	bo->base.funcs = &qxl_bo_funcs;
	drm_gem_private_object_init(&qdev->drm, &bo->base, size);
	ret = drm_gem_create_mmap_offset(&bo->base);
	if (ret) {
		drm_gem_object_put(&bo->base);
		return ERR_PTR(ret);
	}
	/* Fresh device memory may hold another client's data: clear it. */
	memset_io(qxl_bo_io(qdev, bo, 0), 0, size);
	return bo;

err_id:
	if (surface_id)
		ida_free(&qdev->surface_ids, surface_id);
	return ERR_PTR(ret);
}

static int qxl_bo_handle(struct drm_file *file, struct qxl_bo *bo, u32 *handle)
{
	int ret = drm_gem_handle_create(file, &bo->base, handle);

	drm_gem_object_put(&bo->base);
	return ret;
}

int qxl_alloc_ioctl(struct drm_device *drm, void *data, struct drm_file *file)
{
	struct drm_qxl_alloc *args = data;
	struct qxl_bo *bo;
	int idx, ret;

	if (!args->size)
		return -EINVAL;
	if (!drm_dev_enter(drm, &idx))
		return -ENODEV;
	bo = qxl_bo_create(to_qxl(drm), args->size, qxl_file_account(file), 0);
	ret = IS_ERR(bo) ? PTR_ERR(bo) : qxl_bo_handle(file, bo, &args->handle);
	drm_dev_exit(idx);
	return ret;
}

int qxl_map_ioctl(struct drm_device *drm, void *data, struct drm_file *file)
{
	struct drm_qxl_map *args = data;
	struct drm_gem_object *obj;

	if (args->pad)
		return -EINVAL;
	obj = drm_gem_object_lookup(file, args->handle);
	if (!obj)
		return -ENOENT;
	if (!qxl_is_bo(obj)) {
		drm_gem_object_put(obj);
		return -EINVAL;
	}
	args->offset = drm_vma_node_offset_addr(&obj->vma_node);
	drm_gem_object_put(obj);
	return 0;
}

/*
 * Bits per pixel of the surface formats offered, 0 for the others. 1-bit
 * surfaces are refused: spice-server's canvas asserts when it draws into
 * them, which aborts QEMU.
 */
static unsigned int qxl_surface_bpp(u32 format)
{
	switch (format) {
	case QXL_SURF_FMT_8_A:
		return 8;
	case QXL_SURF_FMT_16_555:
	case QXL_SURF_FMT_16_565:
		return 16;
	case QXL_SURF_FMT_32_XRGB:
	case QXL_SURF_FMT_32_ARGB:
		return 32;
	}
	return 0;
}

int qxl_alloc_surf_ioctl(struct drm_device *drm, void *data, struct drm_file *file)
{
	struct qxl_device *qdev = to_qxl(drm);
	struct drm_qxl_alloc_surf *args = data;
	unsigned int bpp = qxl_surface_bpp(args->format);
	u32 stride = args->stride < 0 ? -(u32)args->stride : args->stride;
	struct qxl_bo *bo;
	int ret, id, idx;
	u64 size;

	/* args->pad is not checked: upstream's Xorg driver leaves it uninitialised. */
	if (!bpp || !args->width || !args->height ||
	    args->width > QXL_NG_MAX_DIM || args->height > QXL_NG_MAX_DIM) {
		drm_dbg_driver(drm, "ALLOC_SURF: bad format %u or size %ux%u\n",
			       args->format, args->width, args->height);
		return -EINVAL;
	}
	if (stride % 4 || stride < DIV_ROUND_UP((u64)args->width * bpp, 8) ||
	    stride > QXL_NG_MAX_DIM * 4) {
		drm_dbg_driver(drm, "ALLOC_SURF: bad stride %d for %ux%u at %u bpp\n",
			       args->stride, args->width, args->height, bpp);
		return -EINVAL;
	}
	size = (u64)stride * args->height;

	if (!drm_dev_enter(drm, &idx))
		return -ENODEV;
	id = ida_alloc_range(&qdev->surface_ids, 1, qdev->n_surfaces - 1, GFP_KERNEL);
	if (id < 0) {
		drm_dev_exit(idx);
		return id;
	}
	bo = qxl_bo_create(qdev, size, qxl_file_account(file), id);
	drm_dev_exit(idx);
	if (IS_ERR(bo))
		return PTR_ERR(bo);
	bo->format = args->format;
	bo->width = args->width;
	bo->height = args->height;
	bo->stride = args->stride;
	bo->bpp = bpp;

	mutex_lock(&qdev->surf_lock);
	ret = qxl_surface_cmd(qdev, bo, QXL_SURFACE_CMD_CREATE, 0);
	if (!ret)
		xa_store(&qdev->surfaces, id, bo, GFP_KERNEL);
	mutex_unlock(&qdev->surf_lock);
	if (ret) {
		drm_gem_object_put(&bo->base);
		return ret;
	}
	return qxl_bo_handle(file, bo, &args->handle);
}

/*
 * After a reset the device knows no surface: create every live one again,
 * keeping the pixels in its memory. The caller holds surf_lock since
 * before the reset, so no command reaches the device in between.
 */
void qxl_bo_reset_surfaces(struct qxl_device *qdev)
{
	struct qxl_bo *bo;
	unsigned long id;

	lockdep_assert_held(&qdev->surf_lock);
	xa_for_each(&qdev->surfaces, id, bo) {
		if (qxl_surface_cmd(qdev, bo, QXL_SURFACE_CMD_CREATE, QXL_SURF_FLAG_KEEP_DATA))
			xa_erase(&qdev->surfaces, id);
	}
}

/* The surface a hardware id names, if it is alive. Caller holds surf_lock. */
struct qxl_bo *qxl_bo_surface(struct qxl_device *qdev, u32 id)
{
	return xa_load(&qdev->surfaces, id);
}

static void qxl_bo_fini(struct drm_device *drm, void *data)
{
	struct qxl_device *qdev = data;

	/* A client closed after unplug may have scheduled it. */
	cancel_delayed_work_sync(&qdev->idle_work);
	flush_work(&qdev->deferred_work);
	/* The device is gone: nothing holds the zombies any more. */
	cancel_delayed_work_sync(&qdev->zombie_work);
	qxl_bo_zombie_work(&qdev->zombie_work.work);
	xa_destroy(&qdev->surfaces);
	ida_destroy(&qdev->surface_ids);
	drm_mm_takedown(&qdev->vram_mm);
}

int qxl_bo_init(struct qxl_device *qdev)
{
	int ret;

	ret = drmm_mutex_init(&qdev->drm, &qdev->vram_lock);
	if (ret)
		return ret;
	ret = drmm_mutex_init(&qdev->drm, &qdev->surf_lock);
	if (ret)
		return ret;
	drm_mm_init(&qdev->vram_mm, 0, qdev->vram_size);
	INIT_LIST_HEAD(&qdev->accounts);
	init_llist_head(&qdev->zombies);
	INIT_DELAYED_WORK(&qdev->zombie_work, qxl_bo_zombie_work);
	ida_init(&qdev->surface_ids);
	xa_init(&qdev->surfaces);
	return drmm_add_action_or_reset(&qdev->drm, qxl_bo_fini, qdev);
}
