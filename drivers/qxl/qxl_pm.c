// SPDX-License-Identifier: GPL-2.0-only
/*
 * Power management: suspend to RAM, hibernation.
 *
 * The device keeps nothing across a sleep. QEMU resets every device when
 * the VM wakes from S3: memslots, the primary and off-screen surfaces, the
 * rings and the cursor are gone, while guest RAM and the contents of the
 * BARs stay. A hibernated VM resumes in a new QEMU process whose device
 * memory is all zero. So before sleeping the device is made to render what
 * it queued into the surfaces' memory, and the display state is saved;
 * afterwards the driver resets the device, registers its memslots, creates
 * the off-screen surfaces again over their kept pixels and commits the
 * saved state, which redraws every head and sends the cursor again. For
 * hibernation the device-memory buffers are also copied to RAM at freeze,
 * so that they are in the image, and written back at restore.
 */

#include <linux/io.h>
#include <linux/pci.h>
#include <linux/pm.h>
#include <linux/slab.h>

#include <drm/drm_drv.h>
#include <drm/drm_mm.h>
#include <drm/drm_modeset_helper.h>
#include <drm/drm_print.h>

#include "qxl_drv.h"

/* A device-memory buffer's bytes, kept in RAM across hibernation. */
struct qxl_vram_copy {
	u64 start;
	u64 size;
	void *data;
};

static struct qxl_device *qxl_pm_dev(struct device *dev)
{
	return to_qxl(dev_get_drvdata(dev));
}

static void qxl_pm_copies_free(struct qxl_device *qdev)
{
	unsigned int i;

	for (i = 0; i < qdev->pm_ncopies; i++)
		kvfree(qdev->pm_copies[i].data);
	kvfree(qdev->pm_copies);
	qdev->pm_copies = NULL;
	qdev->pm_ncopies = 0;
}

/* Copy every allocated range of device memory to RAM. */
static int qxl_pm_copy_vram(struct qxl_device *qdev)
{
	struct qxl_vram_copy *c;
	struct drm_mm_node *node;
	unsigned int n = 0;
	u64 used;
	int ret = 0;

	mutex_lock(&qdev->vram_lock);
	used = qdev->vram_mm_used;
	drm_mm_for_each_node(node, &qdev->vram_mm)
		n++;
	qdev->pm_copies = kvcalloc(n, sizeof(*qdev->pm_copies), GFP_KERNEL);
	if (n && !qdev->pm_copies)
		ret = -ENOMEM;
	drm_mm_for_each_node(node, &qdev->vram_mm) {
		if (ret)
			break;
		c = &qdev->pm_copies[qdev->pm_ncopies];
		c->data = kvmalloc(node->size, GFP_KERNEL);
		if (!c->data) {
			ret = -ENOMEM;
			break;
		}
		c->start = node->start;
		c->size = node->size;
		memcpy_fromio(c->data, qdev->vram + node->start, node->size);
		qdev->pm_ncopies++;
	}
	mutex_unlock(&qdev->vram_lock);
	if (ret) {
		drm_err(&qdev->drm, "no RAM to keep %u device buffers (%llu bytes) across hibernation\n",
			n, used);
		qxl_pm_copies_free(qdev);
	}
	return ret;
}

static void qxl_pm_restore_vram(struct qxl_device *qdev)
{
	unsigned int i;

	for (i = 0; i < qdev->pm_ncopies; i++)
		memcpy_toio(qdev->vram + qdev->pm_copies[i].start, qdev->pm_copies[i].data,
			    qdev->pm_copies[i].size);
	qxl_pm_copies_free(qdev);
}

/*
 * Have the device render every queued draw into the surfaces' memory, then
 * save the display state and turn the heads off, and stop the driver's
 * own timers that talk to the device.
 */
static int qxl_pm_quiesce(struct qxl_device *qdev)
{
	int ret;

	qxl_release_hold_end(qdev);
	ret = qxl_io_async(qdev, QXL_IO_FLUSH_SURFACES_ASYNC, 0);

	if (ret)
		drm_warn(&qdev->drm, "flushing the surfaces before sleep failed (%d): their latest draws may be lost\n",
			 ret);
	ret = drm_mode_config_helper_suspend(&qdev->drm);
	if (ret)
		return ret;
	cancel_delayed_work_sync(&qdev->idle_work);
	cancel_delayed_work_sync(&qdev->scanout_work);
	return 0;
}

/* The device was reset (or is new): give it back what it held. */
static int qxl_pm_wake(struct qxl_device *qdev)
{
	qxl_kms_reset_device(qdev);
	return drm_mode_config_helper_resume(&qdev->drm);
}

static int qxl_pm_suspend(struct device *dev)
{
	return qxl_pm_quiesce(qxl_pm_dev(dev));
}

static int qxl_pm_resume(struct device *dev)
{
	return qxl_pm_wake(qxl_pm_dev(dev));
}

static int qxl_pm_freeze(struct device *dev)
{
	struct qxl_device *qdev = qxl_pm_dev(dev);
	int ret = qxl_pm_quiesce(qdev);

	if (ret)
		return ret;
	ret = qxl_pm_copy_vram(qdev);
	if (ret)
		qxl_pm_wake(qdev);
	return ret;
}

/* The image is written (or hibernation failed): the device kept its memory. */
static int qxl_pm_thaw(struct device *dev)
{
	struct qxl_device *qdev = qxl_pm_dev(dev);

	qxl_pm_copies_free(qdev);
	return qxl_pm_wake(qdev);
}

/* Running from the image, possibly in a new device: its buffers go back first. */
static int qxl_pm_restore(struct device *dev)
{
	struct qxl_device *qdev = qxl_pm_dev(dev);

	qxl_pm_restore_vram(qdev);
	return qxl_pm_wake(qdev);
}

const struct dev_pm_ops qxl_pm_ops = {
	.suspend = qxl_pm_suspend,
	.resume = qxl_pm_resume,
	.freeze = qxl_pm_freeze,
	.thaw = qxl_pm_thaw,
	.poweroff = qxl_pm_suspend,
	.restore = qxl_pm_restore,
};
