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
 * @node: the range inside the device memory pool
 * @id: release id, reserved at allocation so that handing the block to the
 *	device never allocates; never 0
 *
 * A block is owned by the driver until qxl_ring_push() hands it to the
 * device, and by the device until its id comes back on the release ring.
 * Every resource starts with a struct qxl_release_info. @released, if set,
 * is called when the device gives the block back (or a reset drops it),
 * with mem_lock held and before the block is freed; it must not sleep.
 * @owner is its argument.
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
 *	buffer
 * @format: surface format (QXL_SURF_FMT_*)
 * @width: surface width
 * @height: surface height
 * @stride: surface stride, negative for bottom-up
 * @bpp: bits per pixel of the surface format
 * @account: the client its memory is charged to
 * @free: frees it once the device let go of it
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
 * @damage_fb_id: framebuffer of the last update, and its size
 * @damage_fb_w: width of that framebuffer
 * @damage_fb_h: height of that framebuffer
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
	/*
	 * Flips without damage (qxl_flipdiff.c): @shadow holds what the
	 * device shows of the primary plane's source (@shadow_w x
	 * @shadow_h), allocated at the first such flip and kept by every
	 * later update of the plane, in prepare_fb under the plane's modeset
	 * lock. @shadow_ok is cleared by anything else that draws there;
	 * @shadow_draws is qxl_device.primary_draws when it was last whole
	 * (2D commands on the primary surface since make it stale);
	 * @shadow_stale is set when an upload failed or never ran.
	 * @diff_big counts comparisons in a row that found most of the
	 * picture changed; @diff_skip the flips left to upload without one.
	 */
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
	struct drm_device drm;

	void *ram;			/* BAR0 up to the RAM header: primary, pool */
	resource_size_t ram_phys;
	resource_size_t ram_size;
	void __iomem *vram;		/* BAR4 when present, else BAR1 */
	resource_size_t vram_phys;
	resource_size_t vram_size;
	const struct qxl_rom __iomem *rom;
	resource_size_t rom_size;
	struct qxl_ram __iomem *ram_hdr;
	unsigned long io_base;
	u8 revision;

	/* Copied from the ROM after validation. */
	u32 surface0_size;		/* bytes of BAR0 reserved for the primary */
	u32 pool_offset;		/* device memory pool: [pool_offset, pool_end) of BAR0 */
	u32 pool_end;
	u32 n_surfaces;
	u8 slot_gen_bits;
	u8 slot_id_bits;
	struct qxl_memslot main_slot;	/* BAR0 up to the RAM header */
	struct qxl_memslot surf_slot;	/* the surfaces BAR */

	/*
	 * io_lock serialises the asynchronous I/O ports: the device accepts
	 * one outstanding operation and treats a second one as a guest bug.
	 * It also covers the ports' arguments in the RAM header, which only
	 * the port chokepoint writes (the rule in qxl_cmd.c).
	 * io_pending is set when an operation starts and cleared by the IO_CMD
	 * interrupt that ends it, which also wakes io_wq; an operation a slow
	 * device has not finished stays pending across io_lock (io_port and
	 * io_started, under io_lock, say which and since when).
	 */
	struct mutex io_lock;
	bool io_pending;
	enum qxl_io_port io_port;
	unsigned long io_started;
	unsigned long last_progress;	/* jiffies of the last DISPLAY or CURSOR interrupt */
	wait_queue_head_t io_wq;

	/*
	 * cmd_lock serialises producers on the command ring. ring_wq is
	 * woken by the DISPLAY and CURSOR interrupts, i.e. when the device
	 * consumed commands or published releases. irq_seq counts those
	 * interrupts so waiters can tell. cursor_lock is cmd_lock's twin for
	 * the cursor ring.
	 */
	struct mutex cmd_lock;
	struct mutex cursor_lock;	/* cmd_lock for the cursor ring */
	wait_queue_head_t ring_wq;
	atomic_t irq_seq;

	/*
	 * mem_lock protects the device memory pool (mm), the table of blocks
	 * the device holds (releases) and the release ring's consumer side.
	 */
	struct mutex mem_lock;
	struct drm_mm mm;
	struct xarray releases;
	u32 next_release_id;
	struct work_struct release_work;
	/*
	 * A test hook (debugfs qxl_hold_releases): while releases_held, the
	 * release ring is left alone, so waits for the device block, until
	 * release_hold_work ends the hold or a suspend does.
	 */
	bool releases_held;
	struct delayed_work release_hold_work;

	/*
	 * vram_lock protects vram_mm, the allocator of the surfaces BAR.
	 * surf_lock protects surfaces (hardware id -> live struct qxl_bo) and
	 * orders CREATE/DESTROY commands against a reset's re-creation.
	 * Buffers and finished submissions are freed by workers, as their
	 * last reference may be dropped under mem_lock.
	 */
	struct mutex vram_lock;		/* see above */
	struct drm_mm vram_mm;
	u64 vram_mm_used;		/* bytes allocated from vram_mm, under vram_lock */
	struct list_head accounts;	/* struct qxl_vram_account, under vram_lock */
	u32 surfaces_used;		/* surface ids of all accounts, under vram_lock */
	struct llist_head zombies;	/* surfaces whose DESTROY must be sent again */
	struct delayed_work zombie_work;
	struct mutex surf_lock;		/* see above */
	struct xarray surfaces;
	struct ida surface_ids;
	struct llist_head deferred_list;
	struct work_struct deferred_work;
	struct delayed_work idle_work;	/* see qxl_idle_work() */
	atomic_t idle_retries;		/* nudges cut short in a row */
	atomic_t idle_followups;	/* nudges still to repeat after the last command */
	atomic_t idle_render;
	atomic_t exec_rejects;		/* EXECBUFFER commands refused */

	/*
	 * scanout_lock protects scanout[]: heads whose framebuffer is an
	 * off-screen surface, written by the primary planes' updates. Draws
	 * on such a surface mark it pending; scanout_work copies the pending
	 * part to the primary surface, on the device.
	 */
	spinlock_t scanout_lock;
	struct qxl_scanout scanout[QXL_MAX_HEADS];
	struct delayed_work scanout_work;
	atomic_t scanout_copies;	/* surface to primary copies pushed */

	struct work_struct reset_work;
	/*
	 * QXL_HW_IN_ERROR: the device reported an error and ignores every port
	 * but RESET until it is reset (waiters on it give up at once).
	 * QXL_HW_IRQ_PARKED: its interrupt line is disabled until that reset,
	 * for the device cannot lower it before (qxl_irq_handler()).
	 */
	unsigned long hw_state;
	atomic_t irq_none;		/* interrupts that were not the device's */
	atomic_t primary_draws;		/* 2D commands queued onto the primary surface */
	atomic_t flip_diffs;		/* flips whose damage was found by comparing */
	atomic64_t flip_diff_ns;	/* time those comparisons took */
	atomic64_t upload_pixels;	/* pixels uploaded to the primary surface */
	/*
	 * Device memory buffers copied to RAM by the hibernation freeze, for
	 * a restore into a device whose memory is new; freed by thaw/restore.
	 */
	struct qxl_vram_copy *pm_copies;
	unsigned int pm_ncopies;
	atomic_t error_count;		/* ERROR interrupts seen */
	atomic_t reset_count;		/* recoveries by reset */
	atomic_t reclaim_kicks;		/* times the pool had to ask for releases */
	atomic_t nudge_messages;	/* messages sent by qxl_release_nudge() */
	atomic_t release_chains;	/* release ring items taken */
	atomic_t release_unknown;	/* chains cut short by an id the driver never gave */
	atomic_t port_writes[QXL_IO_PORTS];	/* writes to each I/O port, for tests */

	/* Interrupt bits the driver handles; written to ram->int_mask. */
	u32 int_mask;

	/*
	 * Primary surface as last created on the device and the position of
	 * every head in it. Written by the commit tail of a commit that
	 * includes every CRTC (any modeset does) or by the reset worker under
	 * all modeset locks; read by plane updates, which are ordered after
	 * such commits by the atomic helpers.
	 */
	bool primary_live;
	/* The device reads the command ring: a primary was created since the last reset. */
	bool ring_live;
	u32 primary_width;
	u32 primary_height;
	struct qxl_head_rect layout[QXL_MAX_HEADS];
	struct qxl_dmem *monitors_block;	/* permanent QXLMonitorsConfig */
	struct qxl_dmem *panic_block;	/* the panic screen's command (qxl_panic.c) */

	/*
	 * client_lock protects client[] and client_count: the layout the
	 * SPICE client last asked for, validated, one entry per head.
	 */
	struct mutex client_lock;
	struct qxl_head_rect client[QXL_MAX_HEADS];
	unsigned int client_count;
	struct work_struct client_work;
	atomic_t client_events;
	atomic_t client_caps_seq;	/* CLIENT interrupts seen */

	/* "hotplug_mode_update": compositors follow the preferred mode */
	struct drm_property *hotplug_mode_update_prop;
	unsigned int num_heads;
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
