// SPDX-License-Identifier: GPL-2.0-only
/*
 * Getting resources back from the device. The device hands every command's
 * memory back through the release ring, in chains, batched by spice-server;
 * the driver frees the blocks (and runs what waited for them: @released
 * callbacks, the deferred-work list) and, when traffic pauses, nudges the
 * device into publishing the batch it holds back. A debugfs hook can hold
 * the releases for a while (tests).
 */

#include <linux/slab.h>

#include <drm/drm_drv.h>
#include <drm/drm_print.h>

#include "qxl_drv.h"
#include "qxl_cmd.h"

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
			atomic_inc(&qdev->release_unknown);
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

	if (READ_ONCE(qdev->releases_held))
		return;
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
		atomic_inc(&qdev->release_chains);
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

/*
 * qxl_release_hold - leave the release ring alone for @ms milliseconds
 *
 * A test hook (debugfs qxl_hold_releases): fences stay unsignalled and
 * device memory is not given back, so WAIT, EXECBUFFER and dumb-buffer
 * updates block in their real wait paths; the lifecycle tests suspend the
 * VM while a client is blocked there. 0 ends the hold at once.
 */
void qxl_release_hold(struct qxl_device *qdev, unsigned int ms)
{
	if (!ms) {
		qxl_release_hold_end(qdev);
		return;
	}
	WRITE_ONCE(qdev->releases_held, true);
	mod_delayed_work(system_dfl_wq, &qdev->release_hold_work, msecs_to_jiffies(ms));
}

static void qxl_release_unhold(struct qxl_device *qdev)
{
	WRITE_ONCE(qdev->releases_held, false);
	/* What the device released meanwhile is taken now, not at its next interrupt. */
	schedule_work(&qdev->release_work);
}

void qxl_release_hold_work(struct work_struct *work)
{
	qxl_release_unhold(container_of(to_delayed_work(work), struct qxl_device,
					release_hold_work));
}

/* End a hold now and take the releases it kept (suspend, debugfs 0). */
void qxl_release_hold_end(struct qxl_device *qdev)
{
	cancel_delayed_work_sync(&qdev->release_hold_work);
	if (READ_ONCE(qdev->releases_held)) {
		qxl_release_unhold(qdev);
		flush_work(&qdev->release_work);
	}
}

void qxl_deferred_work(struct work_struct *work)
{
	struct qxl_device *qdev = container_of(work, struct qxl_device, deferred_work);
	struct llist_node *list = llist_del_all(&qdev->deferred_list);
	struct qxl_deferred *d, *next;

	llist_for_each_entry_safe(d, next, list, node)
		d->fn(qdev, d);
}

/*
 * The device hands releases back in batches of 32, so the last commands
 * before a pause (and the buffers and surfaces they keep alive) would wait
 * for unrelated traffic. Shortly after the last command, nudge the device
 * into publishing its partial batch; after a client closed, also make it
 * render what it holds, so that its surfaces can go. A SPICE client that
 * is slow to take what it was sent (seconds, after a burst of composites)
 * makes the device release later than that, so the nudge is repeated
 * QXL_IDLE_FOLLOWUPS times, QXL_IDLE_FOLLOWUP_MS apart and doubling. If the
 * ring or the pool had no room for the whole nudge, it is tried again
 * sooner, a few times.
 */
/* Arm the next repetition of the idle nudge, if any is left. */
static void qxl_idle_followup(struct qxl_device *qdev)
{
	int left = atomic_dec_if_positive(&qdev->idle_followups);

	if (left >= 0)
		mod_delayed_work(system_dfl_wq, &qdev->idle_work,
				 msecs_to_jiffies(QXL_IDLE_FOLLOWUP_MS <<
						  (QXL_IDLE_FOLLOWUPS - 1 - left)));
}

void qxl_idle_work(struct work_struct *work)
{
	struct qxl_device *qdev = container_of(work, struct qxl_device, idle_work.work);
	int idx;

	if (!drm_dev_enter(&qdev->drm, &idx))
		return;
	if (atomic_xchg(&qdev->idle_render, 0))
		qxl_io_async(qdev, QXL_IO_FLUSH_SURFACES_ASYNC, 0);
	if (qxl_release_nudge(qdev) < QXL_NUDGE_MESSAGES &&
	    atomic_inc_return(&qdev->idle_retries) <= QXL_IDLE_RETRIES)
		mod_delayed_work(system_dfl_wq, &qdev->idle_work,
				 msecs_to_jiffies(QXL_IDLE_FLUSH_MS));
	else
		qxl_idle_followup(qdev);
	drm_dev_exit(idx);
}

/* Schedule qxl_idle_work() QXL_IDLE_FLUSH_MS after the latest call. */
void qxl_idle_flush(struct qxl_device *qdev, bool render)
{
	if (render)
		atomic_set(&qdev->idle_render, 1);
	atomic_set(&qdev->idle_retries, 0);
	atomic_set(&qdev->idle_followups, QXL_IDLE_FOLLOWUPS);
	mod_delayed_work(system_dfl_wq, &qdev->idle_work, msecs_to_jiffies(QXL_IDLE_FLUSH_MS));
}

/* Run @d->fn soon, in process context; callable under mem_lock. */
void qxl_defer(struct qxl_device *qdev, struct qxl_deferred *d)
{
	llist_add(&d->node, &qdev->deferred_list);
	schedule_work(&qdev->deferred_work);
}

/*
 * QEMU has a port that publishes the partial release batch (FLUSH_RELEASE),
 * but its handler runs on the vCPU thread and appends to the same list that
 * spice-server's worker thread appends released resources to, with no lock
 * between them: QEMU 7.2 crashes in interface_release_resource when the two
 * meet. The driver never writes it. Instead it hands the device empty
 * QXL_CMD_MESSAGE commands (one NUL byte of text), which spice-server reads and releases at once,
 * on its own thread: the 32nd release in a row completes a batch, and
 * everything released before it is published with it. Unlike NOTIFY_OOM,
 * messages have no side effect on SPICE clients (OOM drops video streams
 * when nothing is pending). See "Ports and the device's threads" in
 * Documentation/qxl-ng.rst.
 */
/**
 * qxl_release_nudge - make the device publish the releases it holds back
 * @qdev: the device; the caller holds drm_dev_enter()
 *
 * Never waits: messages that find no room in the ring or the pool are not
 * sent. Until the first primary surface after a reset the device is in
 * VGA mode and does not read the ring.
 *
 * Return: the number of messages handed to the device (QXL_NUDGE_MESSAGES
 * when the nudge is complete).
 */
int qxl_release_nudge(struct qxl_device *qdev)
{
	struct qxl_message_cmd *msg;
	struct qxl_dmem *dmem;
	int n;

	if (!READ_ONCE(qdev->ring_live))
		return QXL_NUDGE_MESSAGES;
	for (n = 0; n < QXL_NUDGE_MESSAGES; n++) {
		if (qxl_dmem_alloc_nowait(qdev, sizeof(*msg), &dmem))
			break;
		msg = qxl_dmem_ptr(qdev, dmem);
		qxl_cmd_message(msg);
		if (qxl_ring_push_nowait(qdev, QXL_CMD_MESSAGE, dmem)) {
			qxl_dmem_free(qdev, dmem);
			break;
		}
	}
	atomic_add(n, &qdev->nudge_messages);
	return n;
}
