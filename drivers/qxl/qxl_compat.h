/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * One source tree, every kernel users run: Debian 12's 6.1, the 6.12 LTS of
 * Debian 13 and the newest kernel Debian ships (7.x). The kernel interfaces
 * that changed in between are wrapped here and nowhere else, each keyed on
 * the kernel that changed it (or, where a header moved, on the header), so
 * that the driver reads as written for the newest kernel and 6.1 takes the
 * old path. Build them all with tests/kernels/build.sh. Versions were
 * checked against the headers of 6.1, 6.12, 7.2 and 7.3; where a change
 * landed in between, the version named is the kernel's changelog's. This is
 * the only file that tests LINUX_VERSION_CODE (tests/checkpatch.sh checks).
 */
#ifndef QXL_COMPAT_H
#define QXL_COMPAT_H

#include <linux/mm.h>
#include <linux/version.h>

#include <drm/drm_drv.h>

/* 6.12 moved the unaligned accessors out of asm/. */
#if LINUX_VERSION_CODE >= KERNEL_VERSION(6, 12, 0)
#include <linux/unaligned.h>
#else
#include <asm/unaligned.h>
#endif

/* 6.13 made symbol namespaces string literals (the KUnit exports, qxl_kunit.h). */
#if LINUX_VERSION_CODE >= KERNEL_VERSION(6, 13, 0)
#define QXL_KUNIT_NS	"QXL_KUNIT"
#else
#define QXL_KUNIT_NS	QXL_KUNIT
#endif

/* 6.3 made vma->vm_flags read-only behind vm_flags_set(). */
#if LINUX_VERSION_CODE < KERNEL_VERSION(6, 3, 0)
static inline void vm_flags_set(struct vm_area_struct *vma, vm_flags_t flags)
{
	vma->vm_flags |= flags;
}
#endif

/*
 * 6.6 routes the mmap of an exported dma-buf through the GEM object's own
 * mmap; before, the driver had to name drm_gem_prime_mmap() for it.
 */
#if LINUX_VERSION_CODE < KERNEL_VERSION(6, 6, 0)
#include <drm/drm_prime.h>
#define QXL_DRIVER_PRIME_MMAP	.gem_prime_mmap = drm_gem_prime_mmap,
#else
#define QXL_DRIVER_PRIME_MMAP
#endif

/* 6.14 dropped the driver date from struct drm_driver. */
#if LINUX_VERSION_CODE < KERNEL_VERSION(6, 14, 0)
#define QXL_DRIVER_DATE		.date = "20261123",
#else
#define QXL_DRIVER_DATE
#endif

/*
 * The fbdev console on shmem buffers: drm_fbdev_generic_setup() up to 6.10,
 * drm_fbdev_shmem_setup() in 6.11 and 6.12, and from 6.13 the generic
 * in-kernel client setup, which needs the shmem fbdev hooks in the driver
 * (defined as DRM_FBDEV_SHMEM_DRIVER_OPS from then on); its header moved to
 * drm/clients/ in 6.15.
 */
#include <drm/drm_fb_helper.h>
#if LINUX_VERSION_CODE >= KERNEL_VERSION(6, 11, 0)
#include <drm/drm_fbdev_shmem.h>
#endif
#if LINUX_VERSION_CODE >= KERNEL_VERSION(6, 15, 0)
#include <drm/clients/drm_client_setup.h>
#elif LINUX_VERSION_CODE >= KERNEL_VERSION(6, 13, 0)
#include <drm/drm_client_setup.h>
#endif

#ifdef DRM_FBDEV_SHMEM_DRIVER_OPS
#define QXL_DRIVER_FBDEV_OPS	DRM_FBDEV_SHMEM_DRIVER_OPS,
static inline void qxl_fbdev_setup(struct drm_device *drm)
{
	drm_client_setup(drm, NULL);
}
#elif LINUX_VERSION_CODE >= KERNEL_VERSION(6, 11, 0)
#define QXL_DRIVER_FBDEV_OPS
static inline void qxl_fbdev_setup(struct drm_device *drm)
{
	drm_fbdev_shmem_setup(drm, 32);
}
#else
#define QXL_DRIVER_FBDEV_OPS
static inline void qxl_fbdev_setup(struct drm_device *drm)
{
	drm_fbdev_generic_setup(drm, 32);
}
#endif

/*
 * Shadow-plane buffers: up to 6.1, drm_gem_prepare_shadow_fb() took the
 * framebuffer's implicit fences and mapped it, and
 * drm_gem_cleanup_shadow_fb() unmapped it. 6.2 split the fences
 * (drm_gem_plane_helper_prepare_fb()) from the mapping
 * (drm_gem_begin/end_shadow_fb_access()). The driver's prepare_fb and
 * cleanup_fb call these two.
 */
#include <drm/drm_gem_atomic_helper.h>
#if LINUX_VERSION_CODE < KERNEL_VERSION(6, 2, 0)
static inline int qxl_shadow_fb_prepare(struct drm_plane *plane, struct drm_plane_state *state)
{
	return drm_gem_prepare_shadow_fb(plane, state);
}

static inline void qxl_shadow_fb_cleanup(struct drm_plane *plane, struct drm_plane_state *state)
{
	drm_gem_cleanup_shadow_fb(plane, state);
}
#else
static inline int qxl_shadow_fb_prepare(struct drm_plane *plane, struct drm_plane_state *state)
{
	int ret = drm_gem_plane_helper_prepare_fb(plane, state);

	return ret ? ret : drm_gem_begin_shadow_fb_access(plane, state);
}

static inline void qxl_shadow_fb_cleanup(struct drm_plane *plane, struct drm_plane_state *state)
{
	drm_gem_end_shadow_fb_access(plane, state);
}
#endif

/*
 * 6.8 moved the cursor hotspot from the framebuffer (set by the legacy
 * SetCursor2 only) to the cursor plane's state, where SetCursor2 and atomic
 * clients with DRM_CLIENT_CAP_CURSOR_PLANE_HOTSPOT (the HOTSPOT_X/Y
 * properties, which the core creates for a driver that declares
 * DRIVER_CURSOR_HOTSPOT) put it. mutter >= 46 and KWin keep atomic
 * modesetting on a virtual driver only with that cap.
 */
#include <drm/drm_framebuffer.h>
#include <drm/drm_plane.h>
#if LINUX_VERSION_CODE >= KERNEL_VERSION(6, 8, 0)
#define QXL_DRIVER_CURSOR_HOTSPOT	DRIVER_CURSOR_HOTSPOT
static inline int qxl_cursor_hot_x(const struct drm_plane_state *state)
{
	return state->hotspot_x;
}

static inline int qxl_cursor_hot_y(const struct drm_plane_state *state)
{
	return state->hotspot_y;
}
#else
#define QXL_DRIVER_CURSOR_HOTSPOT	0
static inline int qxl_cursor_hot_x(const struct drm_plane_state *state)
{
	return state->fb ? state->fb->hot_x : 0;
}

static inline int qxl_cursor_hot_y(const struct drm_plane_state *state)
{
	return state->fb ? state->fb->hot_y : 0;
}
#endif

/* 6.13 added hrtimer_setup(), which later kernels require. */
#include <linux/hrtimer.h>
#if LINUX_VERSION_CODE < KERNEL_VERSION(6, 13, 0)
static inline void hrtimer_setup(struct hrtimer *timer,
				 enum hrtimer_restart (*function)(struct hrtimer *),
				 clockid_t clock_id, enum hrtimer_mode mode)
{
	hrtimer_init(timer, clock_id, mode);
	timer->function = function;
}
#endif

/*
 * Vblank timer: newer kernels (6.18) have one in the core
 * (drm_vblank_helper.h), which calls the CRTC's handle_vblank_timeout hook
 * at each period; before, the driver runs its own hrtimer
 * (qxl_compat_vblank.c), which calls the same function. Keyed on the
 * header: the Kbuild file defines QXL_CORE_VBLANK_TIMER where it exists.
 */
struct drm_crtc;
struct qxl_head;
#ifdef QXL_CORE_VBLANK_TIMER
#include <drm/drm_vblank_helper.h>
#define QXL_CRTC_VBLANK_TIMER_FUNCS	DRM_CRTC_VBLANK_TIMER_FUNCS,
#define QXL_CRTC_HANDLE_VBLANK_TIMEOUT(fn)	.handle_vblank_timeout = (fn),
static inline void qxl_vblank_timer_init(struct qxl_head *head)
{
}
#else
void qxl_vblank_timer_init(struct qxl_head *head);
int qxl_vblank_timer_enable(struct drm_crtc *crtc);
void qxl_vblank_timer_disable(struct drm_crtc *crtc);
bool qxl_vblank_timer_timestamp(struct drm_crtc *crtc, int *max_error,
				ktime_t *vblank_time, bool in_vblank_irq);
#define QXL_CRTC_VBLANK_TIMER_FUNCS \
	.enable_vblank = qxl_vblank_timer_enable, \
	.disable_vblank = qxl_vblank_timer_disable, \
	.get_vblank_timestamp = qxl_vblank_timer_timestamp,
#define QXL_CRTC_HANDLE_VBLANK_TIMEOUT(fn)
#endif

/*
 * The BARs are requested so that unbind releases them. Up to 6.12,
 * pci_request_regions() after pcim_enable_device() is managed; on 7.3 the
 * request outlives unbind and the next probe fails with -EBUSY (measured).
 * pcim_request_all_regions() (in 6.12, not in 6.1) is always managed.
 */
#if LINUX_VERSION_CODE >= KERNEL_VERSION(6, 12, 0)
#define qxl_pcim_request_regions	pcim_request_all_regions
#else
#define qxl_pcim_request_regions	pci_request_regions
#endif

/*
 * system_wq and system_unbound_wq are deprecated in 7.x (a warning when
 * work is queued on them) in favour of system_percpu_wq and the unbound
 * system_dfl_wq, which 6.17 added and 6.12.y got by backport, so the
 * header is tested (Kbuild). Our works need no particular CPU: the
 * unbound queue (system_unbound_wq before 6.17).
 */
#ifndef QXL_HAVE_DFL_WQ
#define system_dfl_wq	system_unbound_wq
#endif

/*
 * dma_fence.ops is an __rcu pointer in 7.x (it is cleared when the fence
 * signals); whose fence it is, is then asked with rcu_access_pointer().
 * Keyed on the header: the Kbuild file defines QXL_FENCE_OPS_RCU.
 */
#include <linux/dma-fence.h>
static inline bool qxl_fence_ops_is(struct dma_fence *fence, const struct dma_fence_ops *ops)
{
#ifdef QXL_FENCE_OPS_RCU
	return rcu_access_pointer(fence->ops) == ops;
#else
	return fence->ops == ops;
#endif
}

/*
 * .fb_create gained the looked-up format (6.17: not in the 6.12 headers,
 * present in 7.2's); drm_gem_fb_create_with_dirty() with it.
 */
#include <drm/drm_gem_framebuffer_helper.h>
#if LINUX_VERSION_CODE >= KERNEL_VERSION(6, 17, 0)
#define QXL_FB_CREATE_INFO_ARG		const struct drm_format_info *info,
#define qxl_gem_fb_create_with_dirty(drm, file, cmd) \
	drm_gem_fb_create_with_dirty(drm, file, info, cmd)
#else
#define QXL_FB_CREATE_INFO_ARG
#define qxl_gem_fb_create_with_dirty(drm, file, cmd) \
	drm_gem_fb_create_with_dirty(drm, file, cmd)
#endif

/*
 * 7.2 renamed struct drm_atomic_state to struct drm_atomic_commit, with its
 * functions (drm_atomic_state_put() to drm_atomic_commit_put(), ...). The
 * driver uses the new names; before 7.2 they are mapped back here. Older
 * kernels also have a function drm_atomic_commit(), which the driver never
 * calls; every kernel header is included above, so the mapping only
 * reaches the driver's own code.
 */
#if LINUX_VERSION_CODE < KERNEL_VERSION(7, 2, 0)
#include <drm/drm_atomic.h>
#define drm_atomic_commit	drm_atomic_state
#define drm_atomic_commit_put	drm_atomic_state_put
#endif

/*
 * drm_panic (6.10) draws the panic screen through two plane hooks, on
 * kernels built with CONFIG_DRM_PANIC; the Kbuild file adds qxl_panic.c
 * only then. Without it the panic screen is the console's, if any.
 */
struct qxl_device;
#if IS_ENABLED(CONFIG_DRM_PANIC)
struct drm_scanout_buffer;
int qxl_panic_init(struct qxl_device *qdev);
int qxl_panic_get_scanout_buffer(struct drm_plane *plane, struct drm_scanout_buffer *sb);
void qxl_panic_flush(struct drm_plane *plane);
#define QXL_PLANE_PANIC_FUNCS \
	.get_scanout_buffer = qxl_panic_get_scanout_buffer, \
	.panic_flush = qxl_panic_flush,
#else
static inline int qxl_panic_init(struct qxl_device *qdev)
{
	return 0;
}

#define QXL_PLANE_PANIC_FUNCS
#endif

#endif /* QXL_COMPAT_H */
