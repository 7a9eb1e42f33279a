// SPDX-License-Identifier: GPL-2.0-only
/*
 * Hardware access: BAR mapping, ROM validation, the I/O port chokepoint,
 * asynchronous port operations, memslots, the interrupt handler and reset.
 */

#include <linux/delay.h>
#include <linux/interrupt.h>
#include <linux/io.h>
#include <linux/pci.h>

#include <drm/drm_drv.h>
#include <drm/drm_print.h>

#include "qxl_drv.h"

/*
 * Every write to an I/O port goes through here. After the device has been
 * unplugged the port range may belong to someone else, so callers outside
 * probe/remove hold drm_dev_enter().
 */
void qxl_io_write(struct qxl_device *qdev, enum qxl_io_port port, u8 val)
{
	if (port < QXL_IO_PORTS)
		atomic_inc(&qdev->port_writes[port]);
	outb(val, qdev->io_base + port);
}

/*
 * Rendering requests finish when spice-server has drawn everything that is
 * queued, which a client can make arbitrarily slow with valid commands:
 * their callers get EBUSY after QXL_IO_TIMEOUT_MS and the operation stays
 * outstanding on the device. Everything else is quick for a working device.
 */
static bool qxl_io_may_be_slow(enum qxl_io_port port)
{
	return port == QXL_IO_UPDATE_AREA_ASYNC || port == QXL_IO_FLUSH_SURFACES_ASYNC;
}

/*
 * A device that stopped working raises the ERROR interrupt (QEMU's "guest
 * bug" state), which resets it. Otherwise a device busy rendering what a
 * client queued (measured: over 30 s for 1800 large composites) still
 * consumes commands or publishes releases as it goes, each with an
 * interrupt. An operation outstanding for QXL_IO_DEAD_MS with no such sign
 * of life during that time is taken as dead, and the device is reset.
 */
static bool qxl_io_stuck(struct qxl_device *qdev)
{
	unsigned long since = qdev->io_started;
	unsigned long seen = READ_ONCE(qdev->last_progress);

	if (time_after(seen, since))
		since = seen;
	return time_after(jiffies, since + msecs_to_jiffies(QXL_IO_DEAD_MS));
}

static int qxl_io_dead(struct qxl_device *qdev, enum qxl_io_port port)
{
	drm_err_ratelimited(&qdev->drm, "I/O port %d timed out, resetting the device\n", port);
	schedule_work(&qdev->reset_work);
	return -ETIMEDOUT;
}

/* Wait until no operation is outstanding, at most until @deadline. */
static bool qxl_io_wait_idle(struct qxl_device *qdev, unsigned long deadline)
{
	long left = (long)(deadline - jiffies);

	if (!READ_ONCE(qdev->io_pending) || test_bit(QXL_HW_IN_ERROR, &qdev->hw_state))
		return true;
	return left > 0 && wait_event_timeout(qdev->io_wq, !READ_ONCE(qdev->io_pending) ||
					      test_bit(QXL_HW_IN_ERROR, &qdev->hw_state), left);
}

/*
 * Wait for the outstanding operation, if any, on behalf of a caller of
 * @port. Rendering requests give up after QXL_IO_TIMEOUT_MS (EBUSY, the
 * operation stays outstanding); quick operations, which the commit path
 * needs done, wait on as long as the device shows signs of life. A device
 * stuck for QXL_IO_DEAD_MS is reset.
 */
static int qxl_io_wait_done(struct qxl_device *qdev, enum qxl_io_port port)
{
	for (;;) {
		if (qxl_io_wait_idle(qdev, jiffies + msecs_to_jiffies(QXL_IO_TIMEOUT_MS)))
			/* in error, the device does nothing until the reset */
			return test_bit(QXL_HW_IN_ERROR, &qdev->hw_state) ? -ETIMEDOUT : 0;
		if (qxl_io_stuck(qdev))
			return qxl_io_dead(qdev, qdev->io_port);
		if (qxl_io_may_be_slow(port))
			return -EBUSY;
	}
}

/*
 * The body of qxl_io_async_args(), under io_lock. An operation that a busy
 * device left outstanding is waited for first; the port is never written
 * while one is (QEMU takes that as a guest bug). Only then are @args
 * written into the RAM header, right before the port (qxl_cmd.c's rule).
 */
static int qxl_io_async_locked(struct qxl_device *qdev, enum qxl_io_port port, u8 val,
			       const struct qxl_port_args *args)
{
	int idx, ret;

	lockdep_assert_held(&qdev->io_lock);
	if (!drm_dev_enter(&qdev->drm, &idx))
		return -ENODEV;

	ret = qxl_io_wait_done(qdev, port);
	if (!ret) {
		if (args)
			qxl_port_args_write(qdev->ram_hdr, port, args);
		qdev->io_started = jiffies;
		qdev->io_port = port;
		WRITE_ONCE(qdev->io_pending, true);
		qxl_io_write(qdev, port, val);
		ret = qxl_io_wait_done(qdev, port);
	}
	if (ret == -EBUSY)
		drm_dbg_driver(&qdev->drm, "I/O port %d: device busy after %d ms\n", port,
			       QXL_IO_TIMEOUT_MS);
	drm_dev_exit(idx);
	return ret;
}

/**
 * qxl_io_async_args - start an asynchronous port operation and wait,
 * bounded, for the IO_CMD interrupt that ends it
 * @qdev: the device
 * @port: an asynchronous port
 * @val: the value written
 * @args: the arguments the port reads from the RAM header (qxl_port_*()),
 *	NULL for a port that takes none
 *
 * The device accepts only one operation at a time: io_lock serialises
 * them, and one that a busy device left outstanding is waited for first.
 * @args are written under io_lock once it is over, immediately before the
 * port (the rule of qxl_cmd.c).
 *
 * Return: 0 when the device finished the operation; -EBUSY if the device
 * is still busy with this or an earlier rendering request after
 * QXL_IO_TIMEOUT_MS (nothing is reset; the caller may retry); -ETIMEDOUT
 * if the device is taken as dead (a reset is scheduled); -ENODEV after
 * unplug; -EINVAL if @args do not match the port.
 */
int qxl_io_async_args(struct qxl_device *qdev, enum qxl_io_port port, u8 val,
		      const struct qxl_port_args *args)
{
	int ret;

	if (WARN_ON_ONCE(!args != !qxl_port_takes_args(port)))
		return -EINVAL;
	mutex_lock(&qdev->io_lock);
	ret = qxl_io_async_locked(qdev, port, val, args);
	mutex_unlock(&qdev->io_lock);
	return ret;
}

/* qxl_io_async_args() for a port that takes no arguments. */
int qxl_io_async(struct qxl_device *qdev, enum qxl_io_port port, u8 val)
{
	return qxl_io_async_args(qdev, port, val, NULL);
}

/**
 * qxl_io_write_args - a synchronous port that takes arguments
 * @qdev: the device
 * @port: QXL_IO_MEMSLOT_ADD or QXL_IO_UPDATE_AREA
 * @val: the value written
 * @args: its arguments (qxl_port_*())
 *
 * The caller holds io_lock and knows that no asynchronous operation is
 * outstanding: a reset just cancelled it, or it checked io_pending (the
 * panic handler). @args are written immediately before the port.
 */
void qxl_io_write_args(struct qxl_device *qdev, enum qxl_io_port port, u8 val,
		       const struct qxl_port_args *args)
{
	lockdep_assert_held(&qdev->io_lock);
	if (WARN_ON_ONCE(!args || !qxl_port_takes_args(port)))
		return;
	qxl_port_args_write(qdev->ram_hdr, port, args);
	qxl_io_write(qdev, port, val);
}

/**
 * qxl_io_update_area - make the device render pending commands of a surface
 * @qdev: the device
 * @surface_id: the surface, 0 for the primary
 * @r: the area
 *
 * An id the device does not know (a reset in between) is ignored by it.
 * After a reset the device is in VGA mode until the display is committed
 * again, and answers without rendering anything: wait for that first.
 *
 * Return: 0 once the pixels are in the surface's memory; -EBUSY if the
 * device is alive but still rendering (or still in VGA mode) after
 * QXL_IO_TIMEOUT_MS; -ETIMEDOUT or -ENODEV as qxl_io_async_args().
 */
int qxl_io_update_area(struct qxl_device *qdev, u32 surface_id, const struct drm_rect *r)
{
	struct qxl_port_args args;

	if (!wait_event_timeout(qdev->io_wq, READ_ONCE(qdev->ring_live),
				msecs_to_jiffies(QXL_IO_TIMEOUT_MS)))
		return -EBUSY;
	qxl_port_update_area(&args, surface_id, r);
	return qxl_io_async_args(qdev, QXL_IO_UPDATE_AREA_ASYNC, 0, &args);
}

u64 qxl_slot_phys(const struct qxl_memslot *slot, u64 offset)
{
	return slot->high_bits | offset;
}

/* The device's multimedia clock, which every draw carries (its mm_time). */
u32 qxl_mm_time(struct qxl_device *qdev)
{
	return readl(&qdev->rom->mm_clock);
}

/*
 * Memslots are added with the synchronous port: it is only used at setup.
 * The caller holds io_lock.
 */
static void qxl_memslot_add(struct qxl_device *qdev, struct qxl_memslot *slot)
{
	unsigned int shift = 64 - qdev->slot_gen_bits - qdev->slot_id_bits;
	struct qxl_port_args args;

	qxl_port_memslot(&args, slot->start, slot->start + slot->size);
	qxl_io_write_args(qdev, QXL_IO_MEMSLOT_ADD, slot->id, &args);

	slot->generation = readb(&qdev->rom->slot_generation);
	slot->high_bits = (((u64)slot->id << qdev->slot_gen_bits) | slot->generation) << shift;
}

/* The line disabled on an error: enabled again once the device lowered it. */
static void qxl_irq_unpark(struct qxl_device *qdev)
{
	if (test_and_clear_bit(QXL_HW_IRQ_PARKED, &qdev->hw_state))
		enable_irq(to_pci_dev(qdev->drm.dev)->irq);
}

/*
 * Reset the device and bring it to the state the driver expects: memslots
 * registered, rings empty, interrupts unmasked. Afterwards the device is in
 * VGA mode until a primary surface is created. The caller holds io_lock,
 * under which the memslots' arguments are written.
 */
void qxl_hw_reset_and_setup(struct qxl_device *qdev)
{
	lockdep_assert_held(&qdev->io_lock);
	qxl_io_write(qdev, QXL_IO_RESET, 0);
	clear_bit(QXL_HW_IN_ERROR, &qdev->hw_state);
	/* The reset cancels the device's outstanding operation. */
	WRITE_ONCE(qdev->io_pending, false);
	qdev->primary_live = false;
	WRITE_ONCE(qdev->ring_live, false);

	qxl_memslot_add(qdev, &qdev->main_slot);
	qxl_memslot_add(qdev, &qdev->surf_slot);

	WRITE_ONCE(qdev->int_mask, QXL_INT_DISPLAY | QXL_INT_CURSOR | QXL_INT_IO_CMD |
		   QXL_INT_ERROR | QXL_INT_CLIENT | QXL_INT_CLIENT_MONITORS_CONFIG);
	writel(qdev->int_mask, &qdev->ram_hdr->int_mask);
	qxl_io_write(qdev, QXL_IO_UPDATE_IRQ, 0);
	qxl_irq_unpark(qdev);
}

int qxl_primary_create(struct qxl_device *qdev, u32 width, u32 height)
{
	struct qxl_port_args args;
	int ret;

	if (qdev->primary_live)
		qxl_primary_destroy(qdev);

	qxl_port_primary(&args, width, height, qxl_slot_phys(&qdev->main_slot, 0));
	ret = qxl_io_async_args(qdev, QXL_IO_CREATE_PRIMARY_ASYNC, 0, &args);
	if (ret)
		return ret;
	qdev->primary_live = true;
	WRITE_ONCE(qdev->ring_live, true);
	/* Renders waiting for the device to leave VGA mode (qxl_io_update_area()). */
	wake_up_all(&qdev->io_wq);
	qdev->primary_width = width;
	qdev->primary_height = height;
	return 0;
}

void qxl_primary_destroy(struct qxl_device *qdev)
{
	if (!qdev->primary_live)
		return;
	/* A failed destroy is followed by a reset, which destroys it too. */
	qxl_io_async(qdev, QXL_IO_DESTROY_PRIMARY_ASYNC, 0);
	qdev->primary_live = false;
}

static irqreturn_t qxl_irq_handler(int irq, void *arg)
{
	struct qxl_device *qdev = arg;
	u32 pending;

	/*
	 * The device ORs bits into int_pending at any time, so the read and
	 * the clear must be one atomic swap; a readl/writel pair would lose
	 * bits raised in between. The RAM header is ordinary memory exposed
	 * through the BAR and mapped uncached, which makes xchg valid on it.
	 */
	pending = xchg((u32 __force *)&qdev->ram_hdr->int_pending, 0);
	if (!pending) {
		atomic_inc(&qdev->irq_none);
		return IRQ_NONE;
	}

	if (pending & (QXL_INT_DISPLAY | QXL_INT_CURSOR)) {
		WRITE_ONCE(qdev->last_progress, jiffies);
		atomic_inc(&qdev->irq_seq);
		wake_up_all(&qdev->ring_wq);
	}
	if (pending & QXL_INT_DISPLAY)
		schedule_work(&qdev->release_work);
	if (pending & QXL_INT_IO_CMD) {
		WRITE_ONCE(qdev->io_pending, false);
		wake_up_all(&qdev->io_wq);
	}
	if (pending & QXL_INT_ERROR) {
		atomic_inc(&qdev->error_count);
		/*
		 * From now until reset the device ignores every port but
		 * RESET, UPDATE_IRQ included: the level-triggered line stays
		 * raised with nothing pending, and would bring the CPU back
		 * here until the reset work got to run (or until the core
		 * gave up on the line: "nobody cared"). Disable it until
		 * qxl_hw_reset_and_setup(), and let waiters on the device go
		 * so that the reset work gets the locks at once.
		 */
		set_bit(QXL_HW_IN_ERROR, &qdev->hw_state);
		if (!test_and_set_bit(QXL_HW_IRQ_PARKED, &qdev->hw_state))
			disable_irq_nosync(irq);
		wake_up_all(&qdev->io_wq);
		wake_up_all(&qdev->ring_wq);
		schedule_work(&qdev->reset_work);
	}
	if (pending & QXL_INT_CLIENT_MONITORS_CONFIG)
		schedule_work(&qdev->client_work);
	if (pending & QXL_INT_CLIENT)
		atomic_inc(&qdev->client_caps_seq);

	writel(READ_ONCE(qdev->int_mask), &qdev->ram_hdr->int_mask);
	qxl_io_write(qdev, QXL_IO_UPDATE_IRQ, 0);
	return IRQ_HANDLED;
}

static int qxl_rom_validate(struct qxl_device *qdev)
{
	const struct qxl_rom __iomem *rom = qdev->rom;
	struct drm_device *drm = &qdev->drm;
	u32 ram_hdr_off, surface0, pages_off;
	u8 start, end, gen_bits, id_bits;

	if (qdev->rom_size < sizeof(struct qxl_rom)) {
		drm_err(drm, "ROM BAR too small (%pa bytes)\n", &qdev->rom_size);
		return -ENODEV;
	}
	if (readl(&rom->magic) != QXL_ROM_MAGIC) {
		drm_err(drm, "bad ROM magic 0x%08x\n", readl(&rom->magic));
		return -ENODEV;
	}

	ram_hdr_off = readl(&rom->ram_header_offset);
	surface0 = readl(&rom->surface0_area_size);
	pages_off = readl(&rom->pages_offset);
	if (ram_hdr_off > qdev->ram_size ||
	    qdev->ram_size - ram_hdr_off < sizeof(struct qxl_ram) ||
	    !IS_ALIGNED(ram_hdr_off, PAGE_SIZE)) {
		drm_err(drm, "ROM places the RAM header at 0x%x, outside BAR0 (%pa bytes)\n",
			ram_hdr_off, &qdev->ram_size);
		return -ENODEV;
	}
	if (surface0 < SZ_1M || surface0 > pages_off || pages_off >= ram_hdr_off) {
		drm_err(drm, "ROM layout inconsistent: surface0 %u, pages at 0x%x, header at 0x%x\n",
			surface0, pages_off, ram_hdr_off);
		return -ENODEV;
	}

	start = readb(&rom->slots_start);
	end = readb(&rom->slots_end);
	gen_bits = readb(&rom->slot_gen_bits);
	id_bits = readb(&rom->slot_id_bits);
	if (end < start + 1 || !id_bits || id_bits > 8 || gen_bits > 8 ||
	    end >= BIT(id_bits)) {
		drm_err(drm, "ROM memslot parameters unusable: slots %u..%u, %u id bits, %u gen bits\n",
			start, end, id_bits, gen_bits);
		return -ENODEV;
	}

	qdev->surface0_size = surface0;
	qdev->pool_offset = ALIGN(pages_off, PAGE_SIZE);
	qdev->pool_end = ram_hdr_off;
	qdev->n_surfaces = readl(&rom->n_surfaces);
	qdev->slot_gen_bits = gen_bits;
	qdev->slot_id_bits = id_bits;

	qdev->main_slot.id = start;
	qdev->main_slot.start = qdev->ram_phys;
	qdev->main_slot.size = ram_hdr_off;
	qdev->surf_slot.id = start + 1;
	qdev->surf_slot.start = qdev->vram_phys;
	qdev->surf_slot.size = qdev->vram_size;
	return 0;
}

static void qxl_hw_fini(void *data)
{
	struct qxl_device *qdev = data;

	/*
	 * Silence the device before its interrupt and mappings go away. A
	 * handler running now would write the old mask back after ours:
	 * clear the driver's copy and wait for it to finish first.
	 */
	WRITE_ONCE(qdev->int_mask, 0);
	synchronize_irq(to_pci_dev(qdev->drm.dev)->irq);
	writel(0, &qdev->ram_hdr->int_mask);
	qxl_io_write(qdev, QXL_IO_RESET, 0);
	/* the line low, and enabled for whoever shares it */
	qxl_io_write(qdev, QXL_IO_UPDATE_IRQ, 0);
	qxl_irq_unpark(qdev);
	qdev->primary_live = false;
	/* The reset dropped everything the device held. */
	qxl_dmem_free_all_released(qdev);
}

static void qxl_cancel_work(void *data)
{
	struct qxl_device *qdev = data;

	/* before release_work: its end schedules release_work */
	cancel_delayed_work_sync(&qdev->release_hold_work);
	cancel_work_sync(&qdev->release_work);
	cancel_work_sync(&qdev->reset_work);
	cancel_work_sync(&qdev->client_work);
	cancel_delayed_work_sync(&qdev->scanout_work);
	cancel_delayed_work_sync(&qdev->idle_work);
}

/**
 * qxl_hw_init - map the BARs, validate the ROM, reset the device
 * @qdev: the device
 *
 * All resources are device-managed; teardown runs in reverse order when the
 * PCI device is unbound: the device is reset with interrupts masked, then
 * the IRQ is freed, then the workers are cancelled, then the BARs unmapped.
 *
 * Return: 0; -ENODEV for a device too old or whose BARs or ROM are not
 * usable; -ENOMEM or another negative errno if a mapping, the interrupt or
 * a devres action could not be set up.
 */
int qxl_hw_init(struct qxl_device *qdev)
{
	struct pci_dev *pdev = to_pci_dev(qdev->drm.dev);
	struct device *dev = &pdev->dev;
	int vram_bar;
	u32 hdr_off;
	int ret;

	qdev->revision = pdev->revision;
	if (qdev->revision < QXL_MIN_REVISION) {
		drm_err(&qdev->drm,
			"device revision %u is too old (need %u); use a newer QEMU machine or revision= property\n",
			qdev->revision, QXL_MIN_REVISION);
		return -ENODEV;
	}

	vram_bar = pci_resource_len(pdev, QXL_BAR_VRAM64) ? QXL_BAR_VRAM64 : QXL_BAR_VRAM;
	qdev->ram_phys = pci_resource_start(pdev, QXL_BAR_RAM);
	qdev->ram_size = pci_resource_len(pdev, QXL_BAR_RAM);
	qdev->vram_phys = pci_resource_start(pdev, vram_bar);
	qdev->vram_size = pci_resource_len(pdev, vram_bar);
	qdev->rom_size = pci_resource_len(pdev, QXL_BAR_ROM);
	qdev->io_base = pci_resource_start(pdev, QXL_BAR_IO);
	if (!qdev->ram_size || !qdev->vram_size || !qdev->rom_size ||
	    pci_resource_len(pdev, QXL_BAR_IO) < QXL_IO_MONITORS_CONFIG_ASYNC + 1) {
		drm_err(&qdev->drm, "missing or short BARs\n");
		return -ENODEV;
	}

	qdev->rom = devm_ioremap(dev, pci_resource_start(pdev, QXL_BAR_ROM), qdev->rom_size);
	if (!qdev->rom)
		return -ENOMEM;

	ret = qxl_rom_validate(qdev);
	if (ret)
		return ret;

	/*
	 * BAR0 is plain memory on the device side, with no side effects on
	 * access, and the CPU fills it in bulk: memremap() it write-combined
	 * so that uploads use the ordinary memcpy() instead of the 4-byte
	 * string moves of memcpy_toio(), which doubles the upload speed under
	 * emulation. The RAM header is mapped uncached on its own, for the
	 * ring counters and the atomic interrupt swap.
	 */
	hdr_off = qdev->pool_end;
	qdev->ram = devm_memremap(dev, qdev->ram_phys, hdr_off, MEMREMAP_WC);
	if (IS_ERR(qdev->ram))
		return PTR_ERR(qdev->ram);
	qdev->ram_hdr = devm_ioremap(dev, qdev->ram_phys + hdr_off, sizeof(struct qxl_ram));
	qdev->vram = devm_ioremap_wc(dev, qdev->vram_phys, qdev->vram_size);
	if (!qdev->ram_hdr || !qdev->vram)
		return -ENOMEM;

	ret = qxl_dmem_init(qdev);
	if (ret)
		return ret;

	ret = devm_add_action_or_reset(dev, qxl_cancel_work, qdev);
	if (ret)
		return ret;

	writel(0, &qdev->ram_hdr->int_mask);
	ret = devm_request_irq(dev, pdev->irq, qxl_irq_handler, IRQF_SHARED,
			       QXL_DRIVER_NAME, qdev);
	if (ret)
		return ret;

	/* nothing else uses the device yet: io_lock for the rule of qxl_cmd.c */
	mutex_lock(&qdev->io_lock);
	qxl_hw_reset_and_setup(qdev);
	mutex_unlock(&qdev->io_lock);

	return devm_add_action_or_reset(dev, qxl_hw_fini, qdev);
}
