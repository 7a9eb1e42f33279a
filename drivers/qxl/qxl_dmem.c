// SPDX-License-Identifier: GPL-2.0-only
/*
 * The device memory pool: the "io pages" of BAR0 between the primary surface
 * and the RAM header, where commands, images and uploaded pixels live while
 * the device uses them. Blocks come back through the release ring
 * (qxl_release.c); when the pool is exhausted the allocator asks the device
 * to flush its releases and waits, bounded, before it gives up.
 */

#include <linux/slab.h>

#include <drm/drm_drv.h>
#include <drm/drm_managed.h>
#include <drm/drm_print.h>

#include "qxl_drv.h"

/* Blocks are cache-line aligned: the device reads them in bulk. */
#define QXL_DMEM_ALIGN		64
/* How long one reclaim round waits for the device to publish releases. */
#define QXL_RECLAIM_WAIT_MS	20

static void qxl_dmem_fini(struct drm_device *drm, void *data)
{
	struct qxl_device *qdev = data;

	qxl_dmem_free_all_released(qdev);
	flush_work(&qdev->deferred_work);
	xa_destroy(&qdev->releases);
	drm_mm_takedown(&qdev->mm);
}

int qxl_dmem_init(struct qxl_device *qdev)
{
	int ret;

	ret = drmm_mutex_init(&qdev->drm, &qdev->mem_lock);
	if (ret)
		return ret;
	drm_mm_init(&qdev->mm, qdev->pool_offset, qdev->pool_end - qdev->pool_offset);
	xa_init_flags(&qdev->releases, XA_FLAGS_ALLOC1);
	init_llist_head(&qdev->deferred_list);
	INIT_WORK(&qdev->deferred_work, qxl_deferred_work);
	return drmm_add_action_or_reset(&qdev->drm, qxl_dmem_fini, qdev);
}

void *qxl_dmem_ptr(struct qxl_device *qdev, struct qxl_dmem *dmem)
{
	return qdev->ram + dmem->node.start;
}

u64 qxl_dmem_phys(struct qxl_device *qdev, struct qxl_dmem *dmem, u32 offset)
{
	return qxl_slot_phys(&qdev->main_slot, dmem->node.start + offset);
}

static void __qxl_dmem_free(struct qxl_device *qdev, struct qxl_dmem *dmem)
{
	lockdep_assert_held(&qdev->mem_lock);
	drm_mm_remove_node(&dmem->node);
	kfree(dmem);
}

/* Free a block the device never saw. */
void qxl_dmem_free(struct qxl_device *qdev, struct qxl_dmem *dmem)
{
	mutex_lock(&qdev->mem_lock);
	xa_erase(&qdev->releases, dmem->id);
	__qxl_dmem_free(qdev, dmem);
	mutex_unlock(&qdev->mem_lock);
}

/*
 * After a device reset nothing will be released any more: free every block
 * the device held. Blocks reserved but not yet pushed stay with their owner.
 */
void qxl_dmem_free_all_released(struct qxl_device *qdev)
{
	struct qxl_dmem *dmem;
	unsigned long id;

	mutex_lock(&qdev->mem_lock);
	xa_for_each(&qdev->releases, id, dmem) {
		xa_erase(&qdev->releases, id);
		if (dmem->released)
			dmem->released(qdev, dmem);
		__qxl_dmem_free(qdev, dmem);
	}
	mutex_unlock(&qdev->mem_lock);
}

static int qxl_dmem_try(struct qxl_device *qdev, struct qxl_dmem *dmem, u32 size)
{
	int ret;

	mutex_lock(&qdev->mem_lock);
	ret = drm_mm_insert_node_generic(&qdev->mm, &dmem->node, size,
					 QXL_DMEM_ALIGN, 0, DRM_MM_INSERT_BEST);
	mutex_unlock(&qdev->mem_lock);
	return ret;
}

/*
 * One round of reclaim: take what the device already released; if that is
 * not enough, make it render every surface (spice-server keeps drawables
 * in its tree until they are rendered or covered, and holds their memory
 * meanwhile: clipped updates are never covered), nudge it into publishing
 * its partial release batch, then wait a little for the DISPLAY interrupt
 * that announces it. From the second round on, the pool is still short:
 * also ask spice-server to drop what it can (NOTIFY_OOM), which costs the
 * clients their video streams, so it is not done on the normal path.
 */
void qxl_dmem_reclaim(struct qxl_device *qdev, unsigned int round)
{
	int seq = atomic_read(&qdev->irq_seq);
	int idx;

	if (!drm_dev_enter(&qdev->drm, &idx))
		return;
	qxl_release_process(qdev);
	if (round) {
		atomic_inc(&qdev->reclaim_kicks);
		qxl_io_async(qdev, QXL_IO_FLUSH_SURFACES_ASYNC, 0);
		qxl_release_nudge(qdev);
		if (round > 1) {
			/* QEMU ignores it unless the release ring is empty. */
			qxl_release_process(qdev);
			qxl_io_write(qdev, QXL_IO_NOTIFY_OOM, 0);
		}
		wait_event_timeout(qdev->ring_wq, atomic_read(&qdev->irq_seq) != seq,
				   msecs_to_jiffies(QXL_RECLAIM_WAIT_MS));
		qxl_release_process(qdev);
	}
	drm_dev_exit(idx);
}

/* A block with its release id reserved, not yet placed; or an ERR_PTR. */
static struct qxl_dmem *qxl_dmem_new(struct qxl_device *qdev)
{
	struct qxl_dmem *dmem = kzalloc(sizeof(*dmem), GFP_KERNEL);
	int ret;

	if (!dmem)
		return ERR_PTR(-ENOMEM);
	mutex_lock(&qdev->mem_lock);
	ret = xa_alloc_cyclic(&qdev->releases, &dmem->id, NULL, xa_limit_32b,
			      &qdev->next_release_id, GFP_KERNEL);
	mutex_unlock(&qdev->mem_lock);
	if (ret < 0) {
		kfree(dmem);
		return ERR_PTR(ret);
	}
	return dmem;
}

static void qxl_dmem_drop(struct qxl_device *qdev, struct qxl_dmem *dmem)
{
	mutex_lock(&qdev->mem_lock);
	xa_erase(&qdev->releases, dmem->id);
	mutex_unlock(&qdev->mem_lock);
	kfree(dmem);
}

/* qxl_dmem_alloc() that tries once, for the reclaim path itself. */
int qxl_dmem_alloc_nowait(struct qxl_device *qdev, u32 size, struct qxl_dmem **out)
{
	struct qxl_dmem *dmem = qxl_dmem_new(qdev);

	if (IS_ERR(dmem))
		return PTR_ERR(dmem);
	if (qxl_dmem_try(qdev, dmem, ALIGN(size, QXL_DMEM_ALIGN))) {
		qxl_dmem_drop(qdev, dmem);
		return -ENOMEM;
	}
	*out = dmem;
	return 0;
}

/**
 * qxl_dmem_alloc - allocate a block of device memory
 * @qdev: the device
 * @size: bytes, including the leading struct qxl_release_info
 * @out: the block
 *
 * May sleep while the device returns memory, at most QXL_ALLOC_TIMEOUT_MS.
 * The caller must not hold io_lock.
 *
 * Return: 0, -E2BIG if the request can never fit the pool, -ENOMEM if the
 * device did not give back enough memory in time, -ENODEV after unplug.
 */
int qxl_dmem_alloc(struct qxl_device *qdev, u32 size, struct qxl_dmem **out)
{
	unsigned long deadline = jiffies + msecs_to_jiffies(QXL_ALLOC_TIMEOUT_MS);
	struct qxl_dmem *dmem;
	unsigned int round = 0;
	int ret;

	if (!size || size > qdev->pool_end - qdev->pool_offset)
		return -E2BIG;

	dmem = qxl_dmem_new(qdev);
	if (IS_ERR(dmem))
		return PTR_ERR(dmem);

	size = ALIGN(size, QXL_DMEM_ALIGN);
	while (qxl_dmem_try(qdev, dmem, size)) {
		if (drm_dev_is_unplugged(&qdev->drm)) {
			ret = -ENODEV;
			goto err;
		}
		if (time_after(jiffies, deadline)) {
			drm_dbg_driver(&qdev->drm, "device memory exhausted (%u bytes wanted)\n",
				       size);
			ret = -ENOMEM;
			goto err;
		}
		qxl_dmem_reclaim(qdev, round++);
	}
	*out = dmem;
	return 0;

err:
	qxl_dmem_drop(qdev, dmem);
	return ret;
}
