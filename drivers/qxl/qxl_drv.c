// SPDX-License-Identifier: GPL-2.0-only
/*
 * qxl-ng: a DRM/KMS driver for QEMU's QXL paravirtual display device.
 */

#include <linux/aperture.h>
#include <linux/mm.h>
#include <linux/module.h>
#include <linux/pci.h>

#include <drm/drm_atomic_helper.h>
#include <drm/drm_drv.h>
#include <drm/drm_file.h>
#include <drm/drm_gem_shmem_helper.h>
#include <drm/drm_managed.h>
#include <drm/drm_module.h>
#include <drm/drm_prime.h>
#include <drm/drm_print.h>

#include "qxl_drv.h"

/**
 * DOC: overview
 *
 * The QXL device exposes four BARs: RAM (the primary surface, a pool of
 * "io pages" for commands and images, and the RAM header with the rings),
 * VRAM for off-screen surfaces, a read-only ROM describing the layout, and
 * an I/O port range for notifications. The device draws nothing by itself
 * from memory: it executes draw commands that the guest queues on the
 * command ring and hands each resource back through the release ring.
 *
 * The driver is organised as:
 *
 * - qxl_drv.c: the PCI and DRM driver, probe and remove, module parameters;
 * - qxl_hw.c, qxl_hw.h: the device ABI, mapping, ROM validation, the port
 *   chokepoint, memslots, the interrupt handler and reset;
 * - qxl_ring.c: pushing commands on the command and cursor rings;
 * - qxl_release.c: the release ring, the nudge that makes the device
 *   publish what it holds back, and the work deferred until it let go;
 * - qxl_cmd.c, qxl_cmd.h: the builders of every command the driver hands
 *   the device and of the ports' arguments, pure functions from plain
 *   arguments to device structures; and the rule for those arguments: the
 *   RAM header's are written only by the port chokepoint, under io_lock,
 *   once no operation is outstanding, right before the port write;
 * - qxl_dmem.c: the pool of device memory in the io pages and its reclaim;
 * - qxl_kms.c: mode config and the layout of the heads on the primary;
 * - qxl_output.c: CRTCs, encoders and connectors, emulated vblank, CRC,
 *   the client's monitors config; qxl_edid.c: the EDID of each head;
 * - qxl_plane.c, qxl_plane.h: primary planes (framebuffers are shmem GEM
 *   objects; each update uploads the damaged rectangles) and what all
 *   planes share; qxl_cursor.c: cursor planes; qxl_scanout.c: off-screen
 *   surfaces shown on a head, copied to the primary as they are drawn;
 * - qxl_flipdiff.c: damage found by comparison for flips that carry none;
 * - qxl_ioctl.c: the ioctl table, per-file state, GETPARAM, CLIENTCAP,
 *   SCANOUT_DAMAGE; qxl_damage.c: the damage history SCANOUT_DAMAGE reads;
 * - qxl_bo.c: buffers and off-screen surfaces in the surfaces BAR (ALLOC,
 *   ALLOC_SURF, MAP) and the per-process accounts of that BAR;
 * - qxl_exec.c: EXECBUFFER and its command verifier, UPDATE_AREA, WAIT;
 * - qxl_pm.c: suspend, resume, hibernation; qxl_panic.c: drm_panic;
 * - qxl_debugfs.c: counters and the error-injection knob;
 * - qxl_compat.h, qxl_compat_vblank.c: the kernel interfaces that changed
 *   between 6.1 and 7.x, in one place;
 * - qxl_kunit.c: KUnit suites for the pure logic (a module of its own).
 *
 * Every wait for the device is bounded. A device error or a stall leads to
 * a reset followed by a full modeset that restores the display.
 */

static unsigned int qxl_num_heads = 4;
module_param_named(num_heads, qxl_num_heads, uint, 0444);
MODULE_PARM_DESC(num_heads, "Number of outputs (1-16, default 4). The device cannot tell how many its host shows: match QEMU's max_outputs");

/* Reject dumb buffers no plane can show before they cost any memory. */
static int qxl_dumb_create(struct drm_file *file, struct drm_device *drm,
			   struct drm_mode_create_dumb *args)
{
	if (!args->width || !args->height ||
	    args->width > drm->mode_config.max_width ||
	    args->height > drm->mode_config.max_height)
		return -EINVAL;
	if (args->bpp != 8 && args->bpp != 16 && args->bpp != 24 && args->bpp != 32)
		return -EINVAL;
	return drm_gem_shmem_dumb_create(file, drm, args);
}

DEFINE_DRM_GEM_FOPS(qxl_fops);

static const struct drm_driver qxl_drm_driver = {
	.driver_features = DRIVER_GEM | DRIVER_MODESET | DRIVER_ATOMIC | DRIVER_RENDER |
			   QXL_DRIVER_CURSOR_HOTSPOT,
	.fops = &qxl_fops,
	.debugfs_init = qxl_debugfs_init,
	.open = qxl_file_open,
	.postclose = qxl_file_postclose,
	.ioctls = qxl_ioctls,
	.num_ioctls = QXL_NUM_IOCTLS,
	/* DRM_GEM_SHMEM_DRIVER_OPS, with a dumb_create that validates first */
	.prime_handle_to_fd = drm_gem_prime_handle_to_fd,
	.prime_fd_to_handle = drm_gem_prime_fd_to_handle,
	.gem_prime_import_sg_table = drm_gem_shmem_prime_import_sg_table,
	QXL_DRIVER_PRIME_MMAP
	QXL_DRIVER_FBDEV_OPS
	.dumb_create = qxl_dumb_create,
	.name = QXL_DRIVER_NAME,
	.desc = QXL_DRIVER_DESC,
	QXL_DRIVER_DATE
	.major = QXL_DRIVER_MAJOR,
	.minor = QXL_DRIVER_MINOR,
};

static int qxl_pci_probe(struct pci_dev *pdev, const struct pci_device_id *ent)
{
	struct qxl_device *qdev;
	struct drm_device *drm;
	int ret;

	ret = aperture_remove_conflicting_pci_devices(pdev, qxl_drm_driver.name);
	if (ret)
		return ret;

	ret = pcim_enable_device(pdev);
	if (ret)
		return ret;

	ret = qxl_pcim_request_regions(pdev, QXL_DRIVER_NAME);
	if (ret)
		return ret;

	qdev = devm_drm_dev_alloc(&pdev->dev, &qxl_drm_driver, struct qxl_device, drm);
	if (IS_ERR(qdev))
		return PTR_ERR(qdev);
	drm = &qdev->drm;
	pci_set_drvdata(pdev, drm);

	ret = drmm_mutex_init(drm, &qdev->io_lock);
	if (ret)
		return ret;
	ret = drmm_mutex_init(drm, &qdev->cmd_lock);
	if (ret)
		return ret;
	ret = drmm_mutex_init(drm, &qdev->cursor_lock);
	if (ret)
		return ret;
	ret = drmm_mutex_init(drm, &qdev->client_lock);
	if (ret)
		return ret;
	qdev->num_heads = clamp(qxl_num_heads, 1u, (unsigned int)QXL_MAX_HEADS);
	init_waitqueue_head(&qdev->io_wq);
	init_waitqueue_head(&qdev->ring_wq);
	INIT_WORK(&qdev->release_work, qxl_release_work);
	INIT_DELAYED_WORK(&qdev->release_hold_work, qxl_release_hold_work);
	INIT_WORK(&qdev->reset_work, qxl_kms_reset_work);
	INIT_WORK(&qdev->client_work, qxl_client_work);
	INIT_DELAYED_WORK(&qdev->scanout_work, qxl_scanout_work);
	INIT_DELAYED_WORK(&qdev->idle_work, qxl_idle_work);
	spin_lock_init(&qdev->scanout_lock);

	ret = qxl_hw_init(qdev);
	if (ret)
		return ret;

	ret = qxl_bo_init(qdev);
	if (ret)
		return ret;

	ret = qxl_kms_init(qdev);
	if (ret)
		return ret;

	ret = drm_dev_register(drm, 0);
	if (ret)
		return ret;

	drm_info(drm, "qxl-ng %s: revision %u, primary area %u KiB, command pool %u KiB, %pa bytes VRAM\n",
		 QXL_DRIVER_VERSION, qdev->revision, qdev->surface0_size / 1024,
		 (qdev->pool_end - qdev->pool_offset) / 1024, &qdev->vram_size);

	qxl_fbdev_setup(drm);
	return 0;
}

static void qxl_pci_remove(struct pci_dev *pdev)
{
	struct drm_device *drm = pci_get_drvdata(pdev);

	drm_dev_unplug(drm);
	/* Revoke mappings of device memory; they fault to SIGBUS from now on. */
	unmap_mapping_range(drm->anon_inode->i_mapping, 0, 0, 1);
	drm_atomic_helper_shutdown(drm);
}

static void qxl_pci_shutdown(struct pci_dev *pdev)
{
	drm_atomic_helper_shutdown(pci_get_drvdata(pdev));
}

static const struct pci_device_id qxl_pci_ids[] = {
	{ PCI_DEVICE(QXL_PCI_VENDOR, QXL_PCI_DEVICE),
	  .class = PCI_CLASS_DISPLAY_VGA << 8, .class_mask = 0xffff00 },
	{ PCI_DEVICE(QXL_PCI_VENDOR, QXL_PCI_DEVICE),
	  .class = PCI_CLASS_DISPLAY_OTHER << 8, .class_mask = 0xffff00 },
	{ }
};
MODULE_DEVICE_TABLE(pci, qxl_pci_ids);

static struct pci_driver qxl_pci_driver = {
	.name = QXL_DRIVER_NAME,
	.id_table = qxl_pci_ids,
	.probe = qxl_pci_probe,
	.remove = qxl_pci_remove,
	.shutdown = qxl_pci_shutdown,
	.driver.pm = pm_sleep_ptr(&qxl_pm_ops),
};

drm_module_pci_driver(qxl_pci_driver);

MODULE_DESCRIPTION(QXL_DRIVER_DESC);
MODULE_VERSION(QXL_DRIVER_VERSION);
MODULE_LICENSE("GPL");
