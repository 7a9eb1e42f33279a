// SPDX-License-Identifier: GPL-2.0-only
/*
 * debugfs: counters that tests and users can read to see what the driver
 * did (resets, pool pressure), and a knob that makes the device enter its
 * error state so that recovery can be tested without a broken host.
 */

#include <linux/debugfs.h>
#include <linux/seq_file.h>

#include <drm/drm_debugfs.h>
#include <drm/drm_drv.h>
#include <drm/drm_file.h>
#include <drm/drm_print.h>

#include "qxl_drv.h"

/* A ring's header as the device and the driver see it now. */
static void qxl_debugfs_ring(struct seq_file *m, const char *name,
			     struct qxl_ring_hdr __iomem *hdr)
{
	seq_printf(m, "%s_ring: prod %u cons %u notify_on_prod %u notify_on_cons %u\n", name,
		   readl(&hdr->prod), readl(&hdr->cons), readl(&hdr->notify_on_prod),
		   readl(&hdr->notify_on_cons));
}

/* Where a stall is: the rings' positions and the interrupt state. */
static void qxl_debugfs_rings(struct seq_file *m, struct qxl_device *qdev)
{
	struct qxl_ram __iomem *ram = qdev->ram_hdr;
	int idx;

	if (!drm_dev_enter(&qdev->drm, &idx))
		return;
	qxl_debugfs_ring(m, "cmd", &ram->cmd_ring.hdr);
	qxl_debugfs_ring(m, "cursor", &ram->cursor_ring.hdr);
	qxl_debugfs_ring(m, "release", &ram->release_ring.hdr);
	seq_printf(m, "int_pending: %#x int_mask: %#x irqs: %d\n", readl(&ram->int_pending),
		   readl(&ram->int_mask), atomic_read(&qdev->irq_seq));
	seq_printf(m, "release_chains: %d unknown_ids: %d\n", atomic_read(&qdev->release_chains),
		   atomic_read(&qdev->release_unknown));
	drm_dev_exit(idx);
}

static int qxl_debugfs_status_show(struct seq_file *m, void *unused)
{
	struct qxl_device *qdev = m->private;
	unsigned long held = 0, id;
	struct drm_mm_node *node;
	struct qxl_dmem *dmem;
	void *entry;
	u64 used = 0;
	unsigned int i;

	mutex_lock(&qdev->mem_lock);
	xa_for_each(&qdev->releases, id, dmem) {
		held++;
		used += dmem->node.size;
	}
	mutex_unlock(&qdev->mem_lock);

	seq_printf(m, "device_errors: %d\n", atomic_read(&qdev->error_count));
	seq_printf(m, "resets: %d\n", atomic_read(&qdev->reset_count));
	seq_printf(m, "reclaim_kicks: %d\n", atomic_read(&qdev->reclaim_kicks));
	seq_printf(m, "client_layout_events: %d\n", atomic_read(&qdev->client_events));
	seq_printf(m, "blocks_held_by_device: %lu\n", held);
	seq_printf(m, "bytes_held_by_device: %llu\n", used);
	seq_printf(m, "pool_bytes: %u\n", qdev->pool_end - qdev->pool_offset);
	seq_printf(m, "exec_rejects: %d\n", atomic_read(&qdev->exec_rejects));
	seq_printf(m, "scanout_copies: %d\n", atomic_read(&qdev->scanout_copies));
	seq_printf(m, "nudge_messages: %d\n", atomic_read(&qdev->nudge_messages));
	seq_printf(m, "panic_screen: %d\n", IS_ENABLED(CONFIG_DRM_PANIC));
	seq_printf(m, "releases_held: %d\n", READ_ONCE(qdev->releases_held));
	seq_printf(m, "irqs_not_ours: %d\n", atomic_read(&qdev->irq_none));
	seq_printf(m, "flip_diffs: %d\n", atomic_read(&qdev->flip_diffs));
	seq_printf(m, "flip_diff_us: %lld\n", atomic64_read(&qdev->flip_diff_ns) / NSEC_PER_USEC);
	seq_printf(m, "upload_pixels: %lld\n", atomic64_read(&qdev->upload_pixels));
	seq_printf(m, "irq_parked: %d\n", test_bit(QXL_HW_IRQ_PARKED, &qdev->hw_state));
	qxl_debugfs_rings(m, qdev);
	for (i = 0; i < QXL_IO_PORTS; i++)
		seq_printf(m, "port_%u_writes: %d\n", i, atomic_read(&qdev->port_writes[i]));
	mutex_lock(&qdev->surf_lock);
	held = 0;
	xa_for_each(&qdev->surfaces, id, entry)
		held++;
	mutex_unlock(&qdev->surf_lock);
	seq_printf(m, "surfaces: %lu\n", held);
	mutex_lock(&qdev->vram_lock);
	used = 0;
	drm_mm_for_each_node(node, &qdev->vram_mm)
		used += node->size;
	i = qdev->surfaces_used;
	mutex_unlock(&qdev->vram_lock);
	seq_printf(m, "vram_bytes_used: %llu of %pa\n", used, &qdev->vram_size);
	/* Includes surfaces whose DESTROY the device has not released yet. */
	seq_printf(m, "surface_ids_used: %u\n", i);
	seq_printf(m, "primary: %ux%u%s\n", qdev->primary_width, qdev->primary_height,
		   qdev->primary_live ? "" : " (none)");
	return 0;
}
DEFINE_SHOW_ATTRIBUTE(qxl_debugfs_status);

/*
 * Write the one port QEMU defines but does not implement: the device
 * answers with its error state, which the driver must recover from by
 * itself.
 */
static ssize_t qxl_debugfs_inject_write(struct file *file, const char __user *buf,
					size_t len, loff_t *ppos)
{
	struct qxl_device *qdev = file->private_data;
	int idx;

	if (!drm_dev_enter(&qdev->drm, &idx))
		return -ENODEV;
	qxl_io_write(qdev, QXL_IO_DETACH_PRIMARY, 0);
	drm_dev_exit(idx);
	drm_dbg_driver(&qdev->drm, "injected a device error\n");
	return len;
}

static const struct file_operations qxl_debugfs_inject_fops = {
	.owner = THIS_MODULE,
	.open = simple_open,
	.write = qxl_debugfs_inject_write,
	.llseek = noop_llseek,
};

/* Milliseconds to leave the release ring alone (qxl_release_hold()). */
static ssize_t qxl_debugfs_hold_write(struct file *file, const char __user *buf,
				      size_t len, loff_t *ppos)
{
	struct qxl_device *qdev = file->private_data;
	unsigned int ms;
	int ret;

	ret = kstrtouint_from_user(buf, len, 0, &ms);
	if (ret)
		return ret;
	if (ms > QXL_RELEASE_HOLD_MAX_MS)
		return -EINVAL;
	qxl_release_hold(qdev, ms);
	return len;
}

static const struct file_operations qxl_debugfs_hold_fops = {
	.owner = THIS_MODULE,
	.open = simple_open,
	.write = qxl_debugfs_hold_write,
	.llseek = noop_llseek,
};

void qxl_debugfs_init(struct drm_minor *minor)
{
	struct qxl_device *qdev = to_qxl(minor->dev);

	debugfs_create_file("qxl_status", 0444, minor->debugfs_root, qdev,
			    &qxl_debugfs_status_fops);
	debugfs_create_file("qxl_inject_device_error", 0200, minor->debugfs_root, qdev,
			    &qxl_debugfs_inject_fops);
	debugfs_create_file("qxl_hold_releases", 0200, minor->debugfs_root, qdev,
			    &qxl_debugfs_hold_fops);
}
