// SPDX-License-Identifier: GPL-2.0-only
/*
 * The command ring (guest produces, device consumes) and the release ring
 * (device produces, guest consumes). Both use free-running 32-bit counters
 * reduced modulo the ring size, and "notify_on_*" fields through which each
 * side asks the other for a kick when a counter reaches a value. This file
 * pushes commands; qxl_release.c consumes the release ring.
 */

#include <linux/io.h>
#include <linux/slab.h>

#include <drm/drm_drv.h>
#include <drm/drm_print.h>

#include "qxl_drv.h"

/* Room for @need more items in a ring of @size. */
static bool qxl_ring_has_room(struct qxl_ring_hdr __iomem *hdr, u32 size, u32 need)
{
	return readl(&hdr->prod) - readl(&hdr->cons) + need <= size;
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
			      u32 size, u32 need, enum qxl_io_port notify)
{
	unsigned long deadline = jiffies + msecs_to_jiffies(QXL_RING_TIMEOUT_MS);

	while (!qxl_ring_has_room(hdr, size, need)) {
		writel(readl(&hdr->cons) + 1, &hdr->notify_on_cons);
		/* Pairs with the device reading notify_on_cons after it bumps cons. */
		mb();
		if (qxl_ring_has_room(hdr, size, need))
			break;
		/*
		 * spice-server polls a ring it found non-empty on a 10 ms timer
		 * instead of asking for a notification: wake it now, the ring
		 * is full.
		 */
		qxl_io_write(qdev, notify, 0);
		wait_event_timeout(qdev->ring_wq, qxl_ring_has_room(hdr, size, need) ||
				   test_bit(QXL_HW_IN_ERROR, &qdev->hw_state),
				   msecs_to_jiffies(QXL_RING_POLL_MS));
		/* in error, the device takes nothing until the reset */
		if (test_bit(QXL_HW_IN_ERROR, &qdev->hw_state))
			return -ETIMEDOUT;
		if (qxl_ring_has_room(hdr, size, need))
			break;
		if (time_after(jiffies, deadline))
			return -ETIMEDOUT;
	}
	return 0;
}

/*
 * The ring stayed full for QXL_RING_TIMEOUT_MS. That is either a device
 * that stopped working, or one that is alive but holds back, as
 * spice-server does while a slow client has not taken what it was sent or
 * while it renders a long queue. An asynchronous port operation tells them
 * apart: a live device answers it or is still busy (the caller gets EBUSY
 * and nothing is reset); a dead one does not, and qxl_io_async() schedules
 * the reset.
 */
static int qxl_ring_stalled(struct qxl_device *qdev, bool cursor)
{
	int ret = qxl_io_async(qdev, QXL_IO_FLUSH_SURFACES_ASYNC, 0);

	if (ret == -ETIMEDOUT || ret == -ENODEV)
		return ret;
	drm_dbg_driver(&qdev->drm, "%s ring full for %d ms, device alive\n",
		       cursor ? "cursor" : "command", QXL_RING_TIMEOUT_MS);
	return -EBUSY;
}

/*
 * Write one item into the ring and kick the device if it asked for it.
 * The caller holds the ring's lock and has checked that there is room.
 */
static void qxl_ring_write(struct qxl_device *qdev, struct qxl_cmd_ring __iomem *ring,
			   bool cursor, enum qxl_cmd_type type, struct qxl_dmem *dmem)
{
	u32 prod = readl(&ring->hdr.prod);

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
}

static void qxl_ring_put(struct qxl_device *qdev, struct qxl_cmd_ring __iomem *ring,
			 bool cursor, enum qxl_cmd_type type, struct qxl_dmem *dmem)
{
	/* From here the device may release the block at any time. */
	mutex_lock(&qdev->mem_lock);
	xa_store(&qdev->releases, dmem->id, dmem, GFP_NOWAIT);
	mutex_unlock(&qdev->mem_lock);
	qxl_ring_write(qdev, ring, cursor, type, dmem);
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
	int idx, ret;

	static_assert(QXL_CMD_RING_SIZE == QXL_CURSOR_RING_SIZE);

	if (!drm_dev_enter(&qdev->drm, &idx)) {
		qxl_dmem_free(qdev, dmem);
		return -ENODEV;
	}

	info->id = cpu_to_le64(dmem->id);
	mutex_lock(lock);
	ret = qxl_ring_wait_room(qdev, &ring->hdr, QXL_CMD_RING_SIZE, 1,
				 cursor ? QXL_IO_NOTIFY_CURSOR : QXL_IO_NOTIFY_CMD);
	if (ret) {
		mutex_unlock(lock);
		ret = qxl_ring_stalled(qdev, cursor);
		qxl_dmem_free(qdev, dmem);
		goto out;
	}
	qxl_ring_put(qdev, ring, cursor, type, dmem);
	mutex_unlock(lock);
	qxl_idle_flush(qdev, false);
out:
	drm_dev_exit(idx);
	return ret;
}

/**
 * qxl_ring_push_many - hand several resources to the device, all or none
 * @qdev: the device
 * @type: command type (command ring)
 * @dmems: the resources, each starting with struct qxl_release_info
 * @n: how many, at most QXL_CMD_RING_SIZE
 *
 * Waits, like qxl_ring_push(), until the ring has room for all of them.
 * On success the device owns every block; on failure none was queued and
 * they all stay the caller's.
 *
 * Return: 0, -EBUSY, -ETIMEDOUT or -ENODEV as qxl_ring_push().
 */
int qxl_ring_push_many(struct qxl_device *qdev, enum qxl_cmd_type type,
		       struct qxl_dmem **dmems, unsigned int n)
{
	struct qxl_cmd_ring __iomem *ring = &qdev->ram_hdr->cmd_ring;
	unsigned int i;
	int idx, ret;

	if (WARN_ON(n > QXL_CMD_RING_SIZE))
		return -EINVAL;
	if (!drm_dev_enter(&qdev->drm, &idx))
		return -ENODEV;
	for (i = 0; i < n; i++) {
		struct qxl_release_info *info = qxl_dmem_ptr(qdev, dmems[i]);

		info->id = cpu_to_le64(dmems[i]->id);
	}
	mutex_lock(&qdev->cmd_lock);
	ret = qxl_ring_wait_room(qdev, &ring->hdr, QXL_CMD_RING_SIZE, n, QXL_IO_NOTIFY_CMD);
	if (ret) {
		mutex_unlock(&qdev->cmd_lock);
		ret = qxl_ring_stalled(qdev, false);
		goto out;
	}
	for (i = 0; i < n; i++)
		qxl_ring_put(qdev, ring, false, type, dmems[i]);
	mutex_unlock(&qdev->cmd_lock);
	qxl_idle_flush(qdev, false);
out:
	drm_dev_exit(idx);
	return ret;
}

/**
 * qxl_ring_push_nowait - qxl_ring_push() for a command that may be dropped
 * @qdev: the device
 * @type: command type (command ring)
 * @dmem: the resource, owned by the device on success
 *
 * Never waits for room and does not re-arm the idle flush. The caller holds
 * drm_dev_enter().
 *
 * Return: 0, or -EAGAIN if the ring is full (@dmem stays the caller's).
 */
int qxl_ring_push_nowait(struct qxl_device *qdev, enum qxl_cmd_type type,
			 struct qxl_dmem *dmem)
{
	struct qxl_cmd_ring __iomem *ring = &qdev->ram_hdr->cmd_ring;
	struct qxl_release_info *info = qxl_dmem_ptr(qdev, dmem);
	int ret = -EAGAIN;

	info->id = cpu_to_le64(dmem->id);
	mutex_lock(&qdev->cmd_lock);
	if (qxl_ring_has_room(&ring->hdr, QXL_CMD_RING_SIZE, 1)) {
		qxl_ring_put(qdev, ring, false, type, dmem);
		ret = 0;
	}
	mutex_unlock(&qdev->cmd_lock);
	return ret;
}

/**
 * qxl_ring_push_panic - queue a command from the panic handler
 * @qdev: the device
 * @type: command type (command ring)
 * @dmem: a block reserved for this; the device's release of it is not
 *	  waited for and finds no owner
 *
 * Never sleeps and takes no lock that may be held: the other CPUs are
 * stopped wherever they were. The device is kicked whether or not it
 * asked, as nothing will run its polling timer's follow-up in the guest.
 *
 * Return: 0, or -EBUSY if a producer holds the ring or it is full.
 */
int qxl_ring_push_panic(struct qxl_device *qdev, enum qxl_cmd_type type, struct qxl_dmem *dmem)
{
	struct qxl_cmd_ring __iomem *ring = &qdev->ram_hdr->cmd_ring;
	struct qxl_release_info *info = qxl_dmem_ptr(qdev, dmem);
	int ret = -EBUSY;

	if (!mutex_trylock(&qdev->cmd_lock))
		return ret;
	if (qxl_ring_has_room(&ring->hdr, QXL_CMD_RING_SIZE, 1)) {
		info->id = cpu_to_le64(dmem->id);
		qxl_ring_write(qdev, ring, false, type, dmem);
		qxl_io_write(qdev, QXL_IO_NOTIFY_CMD, 0);
		ret = 0;
	}
	mutex_unlock(&qdev->cmd_lock);
	return ret;
}
