/* SPDX-License-Identifier: GPL-2.0-only */
#ifndef QXL_DRV_H
#define QXL_DRV_H

#include <linux/hrtimer.h>
#include <linux/idr.h>
#include <linux/kref.h>
#include <linux/llist.h>
#include <linux/mutex.h>
#include <linux/wait.h>
#include <linux/workqueue.h>
#include <linux/xarray.h>

#include <drm/drm_connector.h>
#include <drm/drm_crtc.h>
#include <drm/drm_device.h>
#include <drm/drm_encoder.h>
#include <drm/drm_gem.h>
#include <drm/drm_gem_atomic_helper.h>
#include <drm/drm_ioctl.h>
#include <drm/drm_mm.h>
#include <drm/drm_plane.h>
#include <drm/drm_rect.h>

#include "qxl_cmd.h"
#include "qxl_compat.h"
#include "qxl_drm.h"
#include "qxl_hw.h"

#define QXL_DRIVER_NAME		"qxl"
#define QXL_DRIVER_DESC		"qxl-ng DRM driver for the QXL paravirtual display"
#define QXL_DRIVER_VERSION	"0.1.0"
#define QXL_DRIVER_MAJOR	0
#define QXL_DRIVER_MINOR	1

/* Bounds on every wait for the device, in milliseconds. */
#define QXL_IO_TIMEOUT_MS	5000
/* An asynchronous operation outstanding this long, with no interrupt, means a dead device. */
#define QXL_IO_DEAD_MS		30000

/* Bits of qxl_device.hw_state */
#define QXL_HW_IN_ERROR		0
#define QXL_HW_IRQ_PARKED	1
#define QXL_RING_TIMEOUT_MS	5000
#define QXL_ALLOC_TIMEOUT_MS	5000
/* Releases are asked for this long after the last command. */
#define QXL_IDLE_FLUSH_MS	50
/* Releases the device publishes at once (QEMU's QXL_FREE_BUNCH_SIZE). */
#define QXL_NUDGE_MESSAGES	32
/* Times the idle work tries again when a nudge was cut short. */
#define QXL_IDLE_RETRIES	10
/* The idle nudge is repeated after 0.5, 1, 2 and 4 s, for slow SPICE clients. */
#define QXL_IDLE_FOLLOWUPS	4
#define QXL_IDLE_FOLLOWUP_MS	500
/*
 * The highest refresh rate a mode may have: the device shows no pixel
 * clock, but the vblank timer fires at this rate (an absurd clock would
 * make it fire every few nanoseconds).
 */
#define QXL_MAX_REFRESH_HZ	1000
/* The longest hold of the release ring debugfs qxl_hold_releases takes. */
#define QXL_RELEASE_HOLD_MAX_MS	30000

/* More damage rectangles than this in one update are merged into one. */
#define QXL_MAX_DAMAGE_DRAWS	128
/* Rows compared at a time by qxl_flip_diff(): one rectangle per band at most. */
#define QXL_DIFF_BAND		16
/*
 * Two flips in a row whose comparison found more than 3/4 of the picture
 * changed make the next QXL_DIFF_SKIP flips upload in full without
 * comparing or keeping the shadow (video, 3D: both would only add cost).
 */
#define QXL_DIFF_SKIP		8

/* Upper bound of the num_heads module parameter. */
#define QXL_MAX_HEADS		16

struct qxl_device;
struct qxl_vram_copy;

/**
 * struct qxl_deferred - work a release hook leaves for process context
 * @node: entry of qdev->deferred_list
 * @fn: what to do; may sleep and take any lock
 *
 * Release hooks run under mem_lock; what they free may need to sleep or
 * to send a command, so they queue it with qxl_defer().
 */
struct qxl_deferred {
	struct llist_node node;
	void (*fn)(struct qxl_device *qdev, struct qxl_deferred *d);
};

struct qxl_memslot {
	u8 id;
	u8 generation;
	u64 high_bits;		/* slot id and generation, pre-shifted */
	resource_size_t start;	/* guest-physical start of the slot */
	resource_size_t size;
};

/**
 * struct qxl_dmem - a block of device memory for one resource
 * @node: the range inside the device memory pool (qxl_device.mm), placed
 *	and removed under mem_lock
 * @id: release id, reserved in qxl_device.releases at allocation so that
 *	handing the block to the device never allocates; never 0
 * @released: if set, called when the device gives the block back (or a
 *	reset drops it), with mem_lock held and before the block is freed;
 *	it must not sleep
 * @owner: what @released works on (the struct qxl_bo of a surface's
 *	DESTROY, the struct qxl_job of an EXECBUFFER command)
 *
 * A block is owned by the driver until qxl_ring_push() hands it to the
 * device, and by the device until its id comes back on the release ring.
 * Every resource starts with a struct qxl_release_info.
 */
struct qxl_dmem {
	struct drm_mm_node node;
	u32 id;
	void (*released)(struct qxl_device *qdev, struct qxl_dmem *dmem);
	void *owner;
};

/* Largest cursor image side; reported as DRM_CAP_CURSOR_WIDTH/HEIGHT. */
#define QXL_CURSOR_MAX		256

/**
 * struct qxl_vram_account - surfaces-BAR memory and surface ids charged to
 * one process (all the files it opened)
 * @ref: held by each of its files and each of its buffers, which can
 *	outlive the files while commands use them
 * @link: in qxl_device.accounts
 * @tgid: the process
 * @bytes: memory of its live buffers
 * @surfaces: surface ids of its live surfaces
 * @queued_px: pixels drawn by its commands that the device holds (qxl_exec.c)
 *
 * @link, @bytes and @surfaces are under vram_lock; the last reference is
 * dropped under it too (kref_put_mutex), so a lookup never finds a dying
 * account.
 */
struct qxl_vram_account {
	struct kref ref;
	struct list_head link;
	struct pid *tgid;
	u64 bytes;
	u32 surfaces;
	atomic64_t queued_px;
};

/*
 * One process may hold at most this share of the surfaces BAR and of the
 * surface ids, in eighths; and none may take the last eighth unless what
 * it holds stays within an eighth, so that a small client always finds
 * room next to a greedy one.
 */
#define QXL_SHARE_MAX_EIGHTHS	6
#define QXL_SHARE_FLOOR_EIGHTHS	1

/**
 * struct qxl_bo - a buffer in the surfaces BAR (qxl_bo.c)
 * @base: GEM object
 * @node: the range of the surfaces BAR
 * @surface_id: hardware surface id of an off-screen surface, 0 for a plain
 *	buffer (whose @format, @width, @height, @stride and @bpp are 0 too)
 * @format: surface format (QXL_SURF_FMT_*)
 * @width: surface width in pixels
 * @height: surface height in pixels
 * @stride: surface stride in bytes, negative for bottom-up
 * @bpp: bits per pixel of the surface format
 * @account: the process its memory (and its surface id) is charged to; the
 *	buffer holds a reference on it
 * @free: its end, deferred from the GEM free callback: sends a surface's
 *	DESTROY, then frees the memory once the device released that (at once
 *	for a plain buffer)
 * @zombie: entry of qxl_device.zombies while a DESTROY that could not be
 *	queued waits to be sent again
 * @zombie_resets: qxl_device.reset_count when the DESTROY was first tried,
 *	under surf_lock; once the count moved, a reset made the device forget
 *	the surface and its memory is freed without a DESTROY
 */
struct qxl_bo {
	struct drm_gem_object base;
	struct drm_mm_node node;
	u32 surface_id;
	u32 format;
	u32 width;
	u32 height;
	s32 stride;
	u32 bpp;
	struct qxl_vram_account *account;
	struct qxl_deferred free;
	struct llist_node zombie;
	int zombie_resets;
};

/**
 * struct qxl_scanout - an off-screen surface shown on a head
 * @surface_id: the surface, 0 when the head shows no surface framebuffer
 * @src: the part of it the head shows
 * @dx: offset from surface to primary surface coordinates
 * @dy: offset from surface to primary surface coordinates
 * @pending: drawn on since the last copy to the primary (empty: nothing)
 */
struct qxl_scanout {
	u32 surface_id;
	struct drm_rect src;
	int dx;
	int dy;
	struct drm_rect pending;
};

/* A rectangle of the primary surface, or of the client's desktop. */
struct qxl_head_rect {
	u32 x;
	u32 y;
	u32 w;		/* 0: head off */
	u32 h;
};

#define QXL_DAMAGE_HISTORY	32	/* updates remembered per CRTC */
#define QXL_DAMAGE_ENTRY_RECTS	8	/* rectangles kept per update */

/* One update of a CRTC's scanout, as reported by SCANOUT_DAMAGE. */
struct qxl_damage_entry {
	bool full;
	unsigned int n;
	struct drm_rect rects[QXL_DAMAGE_ENTRY_RECTS];
};

/* What changed on a head since an earlier update (qxl_damage_collect()). */
struct qxl_damage_report {
	u64 seq;		/* the latest update */
	u32 fb_id;		/* framebuffer of that update, 0: none yet */
	u32 fb_w;
	u32 fb_h;
	unsigned int n;		/* rectangles written */
	bool full;		/* the whole framebuffer is to be taken as changed */
};

/*
 * Nearby damage rectangles share one command: a DRAW_COPY of their bounding
 * box clipped to them, of which only the rectangles are copied. A group is
 * extended while its bounding box stays within QXL_GROUP_MAX_WASTE times the
 * damaged area, so scattered rectangles in one band of the screen cost one
 * command instead of one each, without sending much more than was damaged.
 */
#define QXL_GROUP_MAX_CLIPS	16
#define QXL_GROUP_MAX_WASTE	8

/**
 * struct qxl_upload - one command of an update
 * @dmem: its device memory
 * @src: bounding box of its rectangles, framebuffer coordinates
 * @first: index of its first rectangle in the plane state's @clips
 * @count: number of rectangles
 */
struct qxl_upload {
	struct qxl_dmem *dmem;
	struct drm_rect src;
	unsigned int first;
	unsigned int count;
};

/**
 * struct qxl_crc_cursor - the cursor a head shows, as its CRC includes it
 * @px: the image, pre-multiplied ARGB8888 as the plane's framebuffer has it
 * @w: its width
 * @h: its height
 * @x: left edge on the head (the plane's crtc_x)
 * @y: top edge on the head (crtc_y)
 * @on: the cursor is shown
 */
struct qxl_crc_cursor {
	__le32 *px;
	u32 w;
	u32 h;
	int x;
	int y;
	bool on;
};

/**
 * struct qxl_head - the KMS objects of one output
 * @primary: primary plane
 * @cursor: cursor plane
 * @crtc: CRTC
 * @encoder: virtual encoder
 * @connector: virtual connector
 * @vblank_timer: emulated vblank, running while vblank is enabled (only on
 *	kernels without the core's vblank timer: qxl_compat_vblank.c)
 * @period: frame time of the current mode (same)
 * @crc_enabled: a CRC source is open; set and read with READ_ONCE/WRITE_ONCE
 * @crc_frame: vblank count the pending @crc_work computes the CRC for
 * @crc_work: reads the head back from the device and reports its CRC
 * @crc_lock: protects @crc_cursor
 * @crc_cursor: the cursor composed into the CRC, set by cursor commits
 * @damage_lock: protects @damage, @damage_seq and @damage_fb_*
 * @damage: ring of the last updates, indexed by sequence number
 * @damage_seq: number of updates so far
 * @damage_fb_id: framebuffer (object id) of the last update, 0 before the
 *	first and while the head shows none
 * @damage_fb_w: width of that framebuffer in pixels
 * @damage_fb_h: height of that framebuffer in pixels
 * @shadow: for flips without damage (qxl_flipdiff.c), what the device shows
 *	of the primary plane's source: @shadow_w x @shadow_h XRGB8888 pixels,
 *	packed. Allocated at the first such flip and kept by every later
 *	update of the plane; freed at driver teardown. It and the members
 *	below but @shadow_stale are used in prepare_fb only, under the plane's
 *	modeset lock.
 * @shadow_w: width of @shadow in pixels, 0 when not allocated
 * @shadow_h: height of @shadow in pixels, 0 when not allocated
 * @shadow_ok: @shadow holds the whole picture; cleared by anything else
 *	that the plane puts there (a surface framebuffer, none, an update
 *	while @diff_skip runs)
 * @shadow_draws: qxl_device.primary_draws when @shadow was last whole (2D
 *	commands on the primary surface since make it stale)
 * @shadow_stale: set when an update @shadow already holds failed to upload
 *	or never ran (the commit's plane update, cleanup_fb); taken by the
 *	next comparison
 * @diff_big: comparisons in a row that found more than 3/4 of the picture
 *	changed, or more rectangles than fit
 * @diff_skip: flips left to upload in full without comparing or keeping
 *	@shadow (QXL_DIFF_SKIP after two @diff_big)
 */
struct qxl_head {
	struct drm_plane primary;
	struct drm_plane cursor;
	struct drm_crtc crtc;
	struct drm_encoder encoder;
	struct drm_connector connector;
	struct hrtimer vblank_timer;
	ktime_t period;
	bool crc_enabled;
	u32 crc_frame;
	struct work_struct crc_work;
	struct mutex crc_lock;		/* see @crc_lock above */
	struct qxl_crc_cursor crc_cursor;
	spinlock_t damage_lock;		/* see @damage_lock above */
	struct qxl_damage_entry damage[QXL_DAMAGE_HISTORY];
	u64 damage_seq;
	u32 damage_fb_id;
	u32 damage_fb_w;
	u32 damage_fb_h;
	u32 *shadow;
	u32 shadow_w;
	u32 shadow_h;
	bool shadow_ok;
	u32 shadow_draws;
	atomic_t shadow_stale;
	u8 diff_big;
	u8 diff_skip;
};

/**
 * struct qxl_device - one QXL PCI function
 *
 * Lifetime: the structure lives as long as the DRM device (drmm). The
 * mappings of the BARs are devm and only valid while the PCI device is
 * bound; code that touches them runs inside drm_dev_enter()/drm_dev_exit()
 * or during probe/remove.
 */
struct qxl_device {
	/** @drm: the DRM device; to_qxl() goes back from it */
	struct drm_device drm;

	/**
	 * @ram: BAR0 from its start up to the RAM header (@pool_end bytes),
	 * mapped write-combined: the primary surface, then the device memory
	 * pool
	 */
	void *ram;
	/** @ram_phys: physical address of BAR0 */
	resource_size_t ram_phys;
	/** @ram_size: size of BAR0 in bytes, RAM header included */
	resource_size_t ram_size;
	/**
	 * @vram: the surfaces BAR (BAR4 when present, else BAR1), mapped
	 * write-combined: struct qxl_bo buffers and off-screen surfaces
	 */
	void __iomem *vram;
	/** @vram_phys: physical address of the surfaces BAR */
	resource_size_t vram_phys;
	/** @vram_size: size of the surfaces BAR in bytes */
	resource_size_t vram_size;
	/**
	 * @rom: the ROM BAR (BAR2): the device's parameters, and the layout
	 * and capabilities of the SPICE client, which the device rewrites
	 */
	const struct qxl_rom __iomem *rom;
	/** @rom_size: size of the ROM BAR in bytes */
	resource_size_t rom_size;
	/**
	 * @ram_hdr: the RAM header at @pool_end of BAR0, mapped uncached: the
	 * rings, the interrupt registers and the arguments of the ports
	 */
	struct qxl_ram __iomem *ram_hdr;
	/** @io_base: first I/O port (BAR3); written through qxl_io_write() */
	unsigned long io_base;
	/** @revision: PCI revision of the device, at least QXL_MIN_REVISION */
	u8 revision;

	/**
	 * @surface0_size: bytes at the start of BAR0 reserved for the primary
	 * surface, which every mode must fit. It and the members up to
	 * @slot_id_bits are read from the ROM, once it is validated.
	 */
	u32 surface0_size;
	/** @pool_offset: start of the device memory pool in BAR0, in bytes */
	u32 pool_offset;
	/**
	 * @pool_end: end of the device memory pool in BAR0, in bytes: the
	 * offset of the RAM header
	 */
	u32 pool_end;
	/**
	 * @n_surfaces: number of surface ids of the device; 0 is the primary
	 * surface, off-screen surfaces get 1 .. @n_surfaces - 1
	 */
	u32 n_surfaces;
	/** @slot_gen_bits: bits of a device address for the memslot generation */
	u8 slot_gen_bits;
	/** @slot_id_bits: bits of a device address for the memslot id */
	u8 slot_id_bits;
	/**
	 * @main_slot: memslot of BAR0 up to the RAM header: primary and pool.
	 * Like @surf_slot, registered again at every reset, which reads its
	 * generation anew.
	 */
	struct qxl_memslot main_slot;
	/** @surf_slot: memslot of the surfaces BAR */
	struct qxl_memslot surf_slot;

	/**
	 * @io_lock: serialises the asynchronous I/O ports: the device accepts
	 * one outstanding operation and treats a second one as a guest bug.
	 * It also covers the ports' arguments in the RAM header, which only
	 * the port chokepoint writes (the rule in qxl_cmd.c); a reset holds it.
	 */
	struct mutex io_lock;
	/**
	 * @io_pending: an asynchronous operation is outstanding: set when one
	 * starts, cleared by the IO_CMD interrupt that ends it (which also
	 * wakes @io_wq) or by a reset. An operation a slow device has not
	 * finished stays pending across @io_lock. READ_ONCE()/WRITE_ONCE().
	 */
	bool io_pending;
	/** @io_port: port of the last operation started, under @io_lock */
	enum qxl_io_port io_port;
	/** @io_started: jiffies when that operation started, under @io_lock */
	unsigned long io_started;
	/**
	 * @last_progress: jiffies of the last DISPLAY or CURSOR interrupt,
	 * the device's sign of life (qxl_io_stuck()); READ_ONCE()/WRITE_ONCE()
	 */
	unsigned long last_progress;
	/**
	 * @io_wq: woken by the IO_CMD and ERROR interrupts and when a primary
	 * is created: waiters for @io_pending and @ring_live
	 */
	wait_queue_head_t io_wq;

	/**
	 * @cmd_lock: serialises producers on the command ring. A reset holds
	 * it and @cursor_lock until it has freed what the device held.
	 */
	struct mutex cmd_lock;
	/** @cursor_lock: @cmd_lock's twin for the cursor ring */
	struct mutex cursor_lock;
	/**
	 * @ring_wq: woken by the DISPLAY and CURSOR interrupts, i.e. when the
	 * device consumed commands or published releases, by the ERROR
	 * interrupt, and when an EXECBUFFER command is released
	 */
	wait_queue_head_t ring_wq;
	/** @irq_seq: DISPLAY and CURSOR interrupts, so that waiters can tell */
	atomic_t irq_seq;

	/**
	 * @mem_lock: protects the device memory pool (@mm), the table of
	 * blocks the device holds (@releases, @next_release_id) and the
	 * release ring's consumer side. Release hooks run under it.
	 */
	struct mutex mem_lock;
	/** @mm: allocator of the device memory pool, under @mem_lock */
	struct drm_mm mm;
	/**
	 * @releases: release id -> struct qxl_dmem, under @mem_lock. An id is
	 * reserved when its block is allocated; the entry holds the block
	 * from its push to the device until the device releases it or a
	 * reset drops it.
	 */
	struct xarray releases;
	/** @next_release_id: next id tried for @releases, under @mem_lock */
	u32 next_release_id;
	/**
	 * @release_work: takes the release ring (qxl_release_process()),
	 * scheduled by the DISPLAY interrupt
	 */
	struct work_struct release_work;
	/**
	 * @releases_held: a test hook (debugfs qxl_hold_releases): while set,
	 * the release ring is left alone, so waits for the device block, until
	 * @release_hold_work ends the hold or a suspend does.
	 * READ_ONCE()/WRITE_ONCE().
	 */
	bool releases_held;
	/** @release_hold_work: ends the hold of @releases_held */
	struct delayed_work release_hold_work;

	/**
	 * @vram_lock: protects @vram_mm, @vram_mm_used, @accounts and
	 * @surfaces_used (and what each account counts: struct
	 * qxl_vram_account)
	 */
	struct mutex vram_lock;
	/** @vram_mm: allocator of the surfaces BAR, under @vram_lock */
	struct drm_mm vram_mm;
	/** @vram_mm_used: bytes allocated from @vram_mm, under @vram_lock */
	u64 vram_mm_used;
	/** @accounts: the struct qxl_vram_account of each process, under @vram_lock */
	struct list_head accounts;
	/**
	 * @surfaces_used: surface ids charged to all accounts, under
	 * @vram_lock; a surface counts until its memory is freed, after its
	 * DESTROY
	 */
	u32 surfaces_used;
	/**
	 * @zombies: surfaces whose DESTROY must be sent again (struct
	 * qxl_bo.zombie); a lockless list
	 */
	struct llist_head zombies;
	/**
	 * @zombie_work: sends those DESTROYs again, or frees the surfaces a
	 * reset made the device forget; under @surf_lock
	 */
	struct delayed_work zombie_work;
	/**
	 * @surf_lock: protects @surfaces and orders CREATE/DESTROY commands
	 * against a reset's re-creation of the surfaces; EXECBUFFER holds it
	 * from the verification of its commands until they are queued
	 */
	struct mutex surf_lock;
	/** @surfaces: hardware id -> live struct qxl_bo, under @surf_lock */
	struct xarray surfaces;
	/** @surface_ids: allocator of the ids 1 .. @n_surfaces - 1 */
	struct ida surface_ids;
	/**
	 * @deferred_list: struct qxl_deferred work for @deferred_work, a
	 * lockless list: buffers and finished submissions are freed there, as
	 * their last reference may be dropped under @mem_lock
	 */
	struct llist_head deferred_list;
	/** @deferred_work: runs @deferred_list in process context */
	struct work_struct deferred_work;
	/**
	 * @idle_work: makes the device publish the releases it holds back,
	 * QXL_IDLE_FLUSH_MS after the last command, then again a few times
	 * (qxl_idle_work())
	 */
	struct delayed_work idle_work;
	/** @idle_retries: nudges cut short in a row (no room in ring or pool) */
	atomic_t idle_retries;
	/** @idle_followups: nudges still to repeat after the last command */
	atomic_t idle_followups;
	/**
	 * @idle_render: a client closed: the next @idle_work first makes the
	 * device render every surface, so that the client's can go
	 */
	atomic_t idle_render;
	/** @exec_rejects: EXECBUFFER commands refused */
	atomic_t exec_rejects;

	/** @scanout_lock: protects @scanout */
	spinlock_t scanout_lock;
	/**
	 * @scanout: per head, the off-screen surface its primary plane shows,
	 * if any, written by the plane's updates. Draws on such a surface
	 * mark their area pending; @scanout_work copies the pending part to
	 * the primary surface, on the device.
	 */
	struct qxl_scanout scanout[QXL_MAX_HEADS];
	/** @scanout_work: the copy of the pending parts of @scanout */
	struct delayed_work scanout_work;
	/** @scanout_copies: surface to primary copies pushed */
	atomic_t scanout_copies;

	/**
	 * @reset_work: resets the device and restores the display, after an
	 * ERROR interrupt or a device taken as dead (qxl_kms_reset_work())
	 */
	struct work_struct reset_work;
	/**
	 * @hw_state: QXL_HW_IN_ERROR: the device reported an error and ignores
	 * every port but RESET until it is reset (waiters on it give up at
	 * once). QXL_HW_IRQ_PARKED: its interrupt line is disabled until that
	 * reset, for the device cannot lower it before (qxl_irq_handler()).
	 */
	unsigned long hw_state;
	/** @irq_none: interrupts on the shared line that were not the device's */
	atomic_t irq_none;
	/** @primary_draws: EXECBUFFER commands queued onto the primary surface */
	atomic_t primary_draws;
	/** @flip_diffs: flips compared with their head's shadow */
	atomic_t flip_diffs;
	/** @flip_diff_ns: time those comparisons took, in nanoseconds */
	atomic64_t flip_diff_ns;
	/** @upload_pixels: pixels uploaded to the primary surface */
	atomic64_t upload_pixels;
	/**
	 * @pm_copies: device memory buffers copied to RAM by the hibernation
	 * freeze, for a restore into a device whose memory is new; freed by
	 * thaw/restore
	 */
	struct qxl_vram_copy *pm_copies;
	/** @pm_ncopies: entries in @pm_copies */
	unsigned int pm_ncopies;
	/** @error_count: ERROR interrupts seen */
	atomic_t error_count;
	/**
	 * @reset_count: device resets by qxl_kms_reset_device(): recoveries,
	 * and every wake from a sleep; it moves under @surf_lock
	 */
	atomic_t reset_count;
	/** @reclaim_kicks: times the pool had to ask for releases */
	atomic_t reclaim_kicks;
	/** @nudge_messages: messages sent by qxl_release_nudge() */
	atomic_t nudge_messages;
	/** @release_chains: release ring items taken */
	atomic_t release_chains;
	/** @release_unknown: chains cut short by an id the device did not hold */
	atomic_t release_unknown;
	/** @port_writes: writes to each I/O port (enum qxl_io_port), for tests */
	atomic_t port_writes[QXL_IO_PORTS];

	/**
	 * @int_mask: interrupt bits the driver handles; written to the RAM
	 * header's int_mask at reset and after each interrupt. 0 from
	 * unbind on (qxl_hw_fini() clears it, then waits for a running
	 * handler), so no handler unmasks the device again.
	 */
	u32 int_mask;

	/**
	 * @primary_live: a primary surface exists on the device. With
	 * @primary_width, @primary_height and @layout it describes the
	 * primary as last created and the position of every head in it. They
	 * are written by the commit tail of a commit that includes every CRTC
	 * (any modeset does), and read by plane updates, which the atomic
	 * helpers order after such commits. @primary_live is also cleared by
	 * every device reset, before the reset worker or resume commits the
	 * display again. The CRC worker, EXECBUFFER, WAIT, the panic handler
	 * and debugfs read them without that ordering.
	 */
	bool primary_live;
	/**
	 * @ring_live: the device reads the command ring: a primary was
	 * created since the last reset. READ_ONCE()/WRITE_ONCE().
	 */
	bool ring_live;
	/** @primary_width: width of the primary surface in pixels */
	u32 primary_width;
	/** @primary_height: height of the primary surface in pixels */
	u32 primary_height;
	/** @layout: each head's rectangle of the primary surface, w 0 if off */
	struct qxl_head_rect layout[QXL_MAX_HEADS];
	/**
	 * @monitors_block: device memory for the monitors config that the
	 * commit tail sends after a modeset; permanent, never on a ring
	 */
	struct qxl_dmem *monitors_block;
	/**
	 * @panic_block: the panic screen's command (qxl_panic.c), reserved at
	 * load; NULL without CONFIG_DRM_PANIC
	 */
	struct qxl_dmem *panic_block;

	/** @client_lock: protects @client and @client_count */
	struct mutex client_lock;
	/**
	 * @client: the layout the SPICE client last asked for, validated, one
	 * entry per head (w 0: off)
	 */
	struct qxl_head_rect client[QXL_MAX_HEADS];
	/** @client_count: heads in that layout, at most @num_heads */
	unsigned int client_count;
	/**
	 * @client_work: reads the client's layout again after the
	 * CLIENT_MONITORS_CONFIG interrupt; a hotplug event if it changed
	 */
	struct work_struct client_work;
	/** @client_events: hotplug events sent for a new client layout */
	atomic_t client_events;
	/** @client_caps_seq: CLIENT interrupts seen (GETPARAM reports it) */
	atomic_t client_caps_seq;

	/**
	 * @hotplug_mode_update_prop: the connectors' "hotplug_mode_update"
	 * property: compositors follow the preferred mode
	 */
	struct drm_property *hotplug_mode_update_prop;
	/** @num_heads: heads in use: the num_heads parameter, 1..QXL_MAX_HEADS */
	unsigned int num_heads;
	/** @heads: the heads; the first @num_heads are in use */
	struct qxl_head heads[QXL_MAX_HEADS];
};

/* Grow @a to also cover @b. */
static inline void qxl_rect_union(struct drm_rect *a, const struct drm_rect *b)
{
	a->x1 = min(a->x1, b->x1);
	a->y1 = min(a->y1, b->y1);
	a->x2 = max(a->x2, b->x2);
	a->y2 = max(a->y2, b->y2);
}

static inline struct qxl_head *to_qxl_head(struct drm_crtc *crtc)
{
	return container_of(crtc, struct qxl_head, crtc);
}

static inline struct qxl_device *to_qxl(struct drm_device *drm)
{
	return container_of(drm, struct qxl_device, drm);
}

/* qxl_hw.c: BARs, ROM, ports, memslots, interrupts, reset */
int qxl_hw_init(struct qxl_device *qdev);
void qxl_io_write(struct qxl_device *qdev, enum qxl_io_port port, u8 val);
int qxl_io_async(struct qxl_device *qdev, enum qxl_io_port port, u8 val);
int qxl_io_async_args(struct qxl_device *qdev, enum qxl_io_port port, u8 val,
		      const struct qxl_port_args *args);
void qxl_io_write_args(struct qxl_device *qdev, enum qxl_io_port port, u8 val,
		       const struct qxl_port_args *args);
int qxl_io_update_area(struct qxl_device *qdev, u32 surface_id, const struct drm_rect *r);
void qxl_hw_reset_and_setup(struct qxl_device *qdev);
u64 qxl_slot_phys(const struct qxl_memslot *slot, u64 offset);
u32 qxl_mm_time(struct qxl_device *qdev);
int qxl_primary_create(struct qxl_device *qdev, u32 width, u32 height);
void qxl_primary_destroy(struct qxl_device *qdev);

/* qxl_ring.c: command ring and releases */
int qxl_ring_push_panic(struct qxl_device *qdev, enum qxl_cmd_type type, struct qxl_dmem *dmem);
int qxl_ring_push_nowait(struct qxl_device *qdev, enum qxl_cmd_type type,
			 struct qxl_dmem *dmem);
int qxl_ring_push_many(struct qxl_device *qdev, enum qxl_cmd_type type,
		       struct qxl_dmem **dmems, unsigned int n);
int qxl_ring_push(struct qxl_device *qdev, bool cursor, enum qxl_cmd_type type,
		  struct qxl_dmem *dmem);
void qxl_release_process(struct qxl_device *qdev);
void qxl_release_work(struct work_struct *work);
void qxl_release_hold_work(struct work_struct *work);
void qxl_release_hold(struct qxl_device *qdev, unsigned int ms);
void qxl_release_hold_end(struct qxl_device *qdev);

/* qxl_dmem.c: device memory pool */
int qxl_dmem_init(struct qxl_device *qdev);
int qxl_dmem_alloc(struct qxl_device *qdev, u32 size, struct qxl_dmem **out);
void qxl_dmem_free(struct qxl_device *qdev, struct qxl_dmem *dmem);
void qxl_dmem_free_all_released(struct qxl_device *qdev);
void qxl_dmem_reclaim(struct qxl_device *qdev, unsigned int round);
int qxl_dmem_alloc_nowait(struct qxl_device *qdev, u32 size, struct qxl_dmem **out);
int qxl_release_nudge(struct qxl_device *qdev);
void qxl_defer(struct qxl_device *qdev, struct qxl_deferred *d);
void qxl_deferred_work(struct work_struct *work);
void qxl_idle_work(struct work_struct *work);
void qxl_idle_flush(struct qxl_device *qdev, bool render);
void *qxl_dmem_ptr(struct qxl_device *qdev, struct qxl_dmem *dmem);
u64 qxl_dmem_phys(struct qxl_device *qdev, struct qxl_dmem *dmem, u32 offset);

/* qxl_bo.c: device-memory buffers and off-screen surfaces */
static inline struct qxl_bo *to_qxl_bo(struct drm_gem_object *obj)
{
	return container_of(obj, struct qxl_bo, base);
}

int qxl_bo_init(struct qxl_device *qdev);
bool qxl_is_bo(struct drm_gem_object *obj);
u64 qxl_bo_phys(struct qxl_device *qdev, struct qxl_bo *bo, u64 offset);
void __iomem *qxl_bo_io(struct qxl_device *qdev, struct qxl_bo *bo, u64 offset);
s64 qxl_bo_resolve(struct qxl_device *qdev, struct drm_gem_object **objs, unsigned int n,
		   u64 addr, u64 len, struct qxl_bo **out);
struct qxl_bo *qxl_bo_surface(struct qxl_device *qdev, u32 id);
void qxl_bo_reset_surfaces(struct qxl_device *qdev);
int qxl_alloc_ioctl(struct drm_device *drm, void *data, struct drm_file *file);
int qxl_map_ioctl(struct drm_device *drm, void *data, struct drm_file *file);
int qxl_alloc_surf_ioctl(struct drm_device *drm, void *data, struct drm_file *file);

/* qxl_exec.c: command submission with its verifier, update area, wait */
int qxl_execbuffer_ioctl(struct drm_device *drm, void *data, struct drm_file *file);
int qxl_update_area_ioctl(struct drm_device *drm, void *data, struct drm_file *file);
int qxl_wait_ioctl(struct drm_device *drm, void *data, struct drm_file *file);

/* qxl_ioctl.c */
struct drm_file;
struct drm_ioctl_desc;
#define QXL_NUM_IOCTLS	(DRM_QXL_NG_WAIT + 1)
extern const struct drm_ioctl_desc qxl_ioctls[QXL_NUM_IOCTLS];
int qxl_file_open(struct drm_device *drm, struct drm_file *file);
struct qxl_vram_account *qxl_file_account(struct drm_file *file);
struct qxl_vram_account *qxl_vram_account_get(struct qxl_device *qdev);
void qxl_vram_account_put(struct qxl_device *qdev, struct qxl_vram_account *account);
void qxl_file_postclose(struct drm_device *drm, struct drm_file *file);
int qxl_flip_diff(const void *cur, u32 cur_pitch, const void *prev, u32 prev_pitch, u32 w,
		  u32 h, struct drm_rect *out, unsigned int max, u64 *area);
int qxl_shadow_diff(struct qxl_device *qdev, struct qxl_head *head, const void *src, u32 pitch,
		    u32 w, u32 h, struct drm_rect *out);
void qxl_shadow_store(struct qxl_device *qdev, struct qxl_head *head, const void *src, u32 pitch,
		      u32 w, u32 h, int ox, int oy, const struct drm_rect *rects, unsigned int n);
void qxl_shadow_fini(struct qxl_device *qdev);
void qxl_damage_record(struct qxl_head *head, struct drm_framebuffer *fb,
		       const struct drm_rect *rects, unsigned int n, bool full);
void qxl_damage_collect(struct qxl_head *head, u64 since, struct drm_mode_rect *out,
			unsigned int max, struct qxl_damage_report *rep);

/* qxl_debugfs.c */
struct drm_minor;
void qxl_debugfs_init(struct drm_minor *minor);

/* qxl_plane.c: primary planes and damage uploads */
void qxl_scanout_damage(struct qxl_device *qdev, u32 surface_id, const struct drm_rect *r);
void qxl_scanout_work(struct work_struct *work);
int qxl_primary_plane_init(struct qxl_device *qdev, struct drm_plane *plane, unsigned int index);
int qxl_cursor_plane_init(struct qxl_device *qdev, struct drm_plane *plane, unsigned int index);

/* qxl_output.c: CRTC with emulated vblank, encoder, connector, client layout */
int qxl_output_init(struct qxl_device *qdev, unsigned int index);
bool qxl_mode_fits(struct qxl_device *qdev, u32 w, u32 h);
void qxl_output_fini(void *data);
bool qxl_crtc_vblank_timeout(struct drm_crtc *crtc);
bool qxl_client_update(struct qxl_device *qdev);
void qxl_client_work(struct work_struct *work);

/* qxl_kms.c: mode config, layout of the heads on the primary surface */
int qxl_kms_init(struct qxl_device *qdev);
void qxl_kms_reset_work(struct work_struct *work);
void qxl_kms_reset_device(struct qxl_device *qdev);

/* qxl_pm.c */
extern const struct dev_pm_ops qxl_pm_ops;

#endif /* QXL_DRV_H */
