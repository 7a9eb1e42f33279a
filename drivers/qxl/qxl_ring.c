// SPDX-License-Identifier: GPL-2.0-only
/*
 * The command ring (guest produces, device consumes) and the release ring
 * (device produces, guest consumes). Both use free-running 32-bit counters
 * reduced modulo the ring size, and "notify_on_*" fields through which each
 * side asks the other for a kick when a counter reaches a value.
 */

#include <linux/io.h>
#include <linux/slab.h>

#include <drm/drm_drv.h>
#include <drm/drm_print.h>

#include "qxl_drv.h"

static bool qxl_ring_has_room(struct qxl_ring_hdr __iomem *hdr, u32 size)
{
	return readl(&hdr->prod) - readl(&hdr->cons) < size;
}

/* A producer waiting for room re-checks and re-notifies the device this often. */
#define QXL_RING_POLL_MS	10

/*
 * Wait, bounded, until the ring has a free slot. When it is full, ask the
 * device for a DISPLAY interrupt once it consumed the next command, and
 * re-check after arming so that a consumption in between is not missed.
 * The interrupt can be late (QEMU delivers it from its main loop), so the
 * ring is also polled.
 */
static int qxl_ring_wait_room(struct qxl_device *qdev, struct qxl_ring_hdr __iomem *hdr,
			      u32 size, enum qxl_io_port notify)
{
	unsigned long deadline = jiffies + msecs_to_jiffies(QXL_RING_TIMEOUT_MS);

	while (!qxl_ring_has_room(hdr, size)) {
		writel(readl(&hdr->cons) + 1, &hdr->notify_on_cons);
		/* Pairs with the device reading notify_on_cons after it bumps cons. */
		mb();
		if (qxl_ring_has_room(hdr, size))
			break;
		/*
		 * spice-server polls a ring it found non-empty on a 10 ms timer
		 * instead of asking for a notification: wake it now, the ring
		 * is full.
		 */
		qxl_io_write(qdev, notify, 0);
		if (wait_event_timeout(qdev->ring_wq, qxl_ring_has_room(hdr, size),
				       msecs_to_jiffies(QXL_RING_POLL_MS)))
			break;
		if (time_after(jiffies, deadline))
			return -ETIMEDOUT;
	}
	return 0;
}

/*
 * The ring stayed full for QXL_RING_TIMEOUT_MS. That is either a device
 * that stopped working, or one that is alive but holds back, as
 * spice-server does while a slow client has not taken what it was sent.
 * An asynchronous port operation tells them apart: a live device answers
 * it (then the caller gets EBUSY and nothing is reset); a dead one does
 * not, and qxl_io_async() schedules the reset.
 */
static int qxl_ring_stalled(struct qxl_device *qdev, bool cursor)
{
	if (!qxl_io_async(qdev, QXL_IO_FLUSH_SURFACES_ASYNC, 0)) {
		drm_dbg_driver(&qdev->drm, "%s ring full for %d ms, device alive\n",
			       cursor ? "cursor" : "command", QXL_RING_TIMEOUT_MS);
		return -EBUSY;
	}
	drm_err_ratelimited(&qdev->drm, "%s ring stalled, resetting the device\n",
			    cursor ? "cursor" : "command");
	return -ETIMEDOUT;
}

/**
 * qxl_ring_push - hand a resource to the device through a command ring
 * @qdev: the device
 * @cursor: the cursor ring instead of the command ring
 * @type: command type
 * @dmem: the resource; it must start with struct qxl_release_info
 *
 * Ownership of @dmem passes to the device on success and is freed on
 * failure. Waits at most QXL_RING_TIMEOUT_MS for a free slot.
 *
 * Return: 0, -EBUSY if the device is alive but did not take commands for
 * that long, -ETIMEDOUT if it stopped working (a reset is then scheduled),
 * -ENODEV after unplug.
 */
int qxl_ring_push(struct qxl_device *qdev, bool cursor, enum qxl_cmd_type type,
		  struct qxl_dmem *dmem)
{
	struct qxl_cmd_ring __iomem *ring = cursor ? &qdev->ram_hdr->cursor_ring :
						     &qdev->ram_hdr->cmd_ring;
	struct mutex *lock = cursor ? &qdev->cursor_lock : &qdev->cmd_lock;
	struct qxl_release_info *info = qxl_dmem_ptr(qdev, dmem);
	u32 prod;
	int idx, ret;

	static_assert(QXL_CMD_RING_SIZE == QXL_CURSOR_RING_SIZE);

	if (!drm_dev_enter(&qdev->drm, &idx)) {
		qxl_dmem_free(qdev, dmem);
		return -ENODEV;
	}

	info->id = cpu_to_le64(dmem->id);
	mutex_lock(lock);
	ret = qxl_ring_wait_room(qdev, &ring->hdr, QXL_CMD_RING_SIZE,
				 cursor ? QXL_IO_NOTIFY_CURSOR : QXL_IO_NOTIFY_CMD);
	if (ret) {
		mutex_unlock(lock);
		ret = qxl_ring_stalled(qdev, cursor);
		qxl_dmem_free(qdev, dmem);
		goto out;
	}

	/* From here the device may release the block at any time. */
	mutex_lock(&qdev->mem_lock);
	xa_store(&qdev->releases, dmem->id, dmem, GFP_NOWAIT);
	mutex_unlock(&qdev->mem_lock);

	prod = readl(&ring->hdr.prod);
	writeq(qxl_dmem_phys(qdev, dmem, 0), &ring->items[prod % QXL_CMD_RING_SIZE].data);
	writel(type, &ring->items[prod % QXL_CMD_RING_SIZE].type);
	writel(0, &ring->items[prod % QXL_CMD_RING_SIZE].pad);
	/* The item must be visible before the device sees the new prod. */
	wmb();
	writel(prod + 1, &ring->hdr.prod);
	/* Pairs with the device setting notify_on_prod when it found the ring empty. */
	mb();
	if (readl(&ring->hdr.notify_on_prod) == prod + 1)
		qxl_io_write(qdev, cursor ? QXL_IO_NOTIFY_CURSOR : QXL_IO_NOTIFY_CMD, 0);
	mutex_unlock(lock);
	qxl_idle_flush(qdev, false);
out:
	drm_dev_exit(idx);
	return ret;
}

/*
 * Free one chain of released resources. The device links them through
 * their release_info: each holds the id of the next, 0 ends the chain.
 * Erasing each id before following it bounds the walk even if the device
 * hands back a cycle.
 */
static void qxl_release_chain(struct qxl_device *qdev, u64 id)
{
	struct qxl_release_info *info;
	struct qxl_dmem *dmem;

	while (id) {
		dmem = id <= U32_MAX ? xa_erase(&qdev->releases, id) : NULL;
		if (!dmem) {
			drm_dbg_driver(&qdev->drm, "device released unknown id %llu\n", id);
			return;
		}
		info = qxl_dmem_ptr(qdev, dmem);
		id = le64_to_cpu(READ_ONCE(info->id));
		if (dmem->released)
			dmem->released(qdev, dmem);
		drm_mm_remove_node(&dmem->node);
		kfree(dmem);
	}
}

/* Consume the release ring. The caller holds drm_dev_enter(). */
void qxl_release_process(struct qxl_device *qdev)
{
	struct qxl_release_ring __iomem *ring = &qdev->ram_hdr->release_ring;
	u32 cons, prod;
	u64 head;

	mutex_lock(&qdev->mem_lock);
	for (;;) {
		cons = readl(&ring->hdr.cons);
		prod = readl(&ring->hdr.prod);
		if (cons == prod) {
			/* Ask for a DISPLAY interrupt at the next publication. */
			writel(cons + 1, &ring->hdr.notify_on_prod);
			/* Pairs with the device reading notify_on_prod after bumping prod. */
			mb();
			if (readl(&ring->hdr.prod) == cons)
				break;
			continue;
		}
		/* Read the item only after seeing prod move. */
		rmb();
		head = readq(&ring->items[cons % QXL_RELEASE_RING_SIZE]);
		writel(cons + 1, &ring->hdr.cons);
		qxl_release_chain(qdev, head);
	}
	mutex_unlock(&qdev->mem_lock);
}

void qxl_release_work(struct work_struct *work)
{
	struct qxl_device *qdev = container_of(work, struct qxl_device, release_work);
	int idx;

	if (!drm_dev_enter(&qdev->drm, &idx))
		return;
	qxl_release_process(qdev);
	drm_dev_exit(idx);
}
