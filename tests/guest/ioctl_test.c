// SPDX-License-Identifier: MIT
/*
 * The driver's ioctls: upstream-compatible GETPARAM and CLIENTCAP (the
 * buffer and command ioctls have their own test, exec_test), and qxl-ng's
 * SCANOUT_DAMAGE with every rejection path and its reporting rules.
 * Run with --spice-client (the client makes the ROM advertise caps 0-3).
 */
#define _GNU_SOURCE
#include "kmsutil.h"
/* qxl-ng's own header, not libdrm's upstream copy of the same name. */
#include "../../uapi/qxl_drm.h"

static struct kdev dev;

static int getparam(uint64_t p, uint64_t *v)
{
	struct drm_qxl_getparam gp = { .param = p };
	int ret = drmIoctl(dev.fd, DRM_IOCTL_QXL_GETPARAM, &gp) ? -errno : 0;

	*v = gp.value;
	return ret;
}

static int clientcap(uint32_t index, uint32_t pad)
{
	struct drm_qxl_clientcap cc = { .index = index, .pad = pad };

	return drmIoctl(dev.fd, DRM_IOCTL_QXL_CLIENTCAP, &cc) ? -errno : 0;
}

static int damage(struct drm_qxl_ng_scanout_damage *d, struct drm_mode_rect *r, uint32_t max)
{
	memset(d, 0, sizeof(*d));
	d->crtc_id = dev.crtc_id;
	d->max_rects = max;
	d->rects_ptr = (uintptr_t)r;
	return drmIoctl(dev.fd, DRM_IOCTL_QXL_NG_SCANOUT_DAMAGE, d) ? -errno : 0;
}

static void expect(const char *name, int ret, int want, const char *what)
{
	qt_result(name, ret == want ? 0 : 1, "%s: got %d (%s), want %d", what, ret,
		  ret ? strerror(-ret) : "ok", want);
}

static void t_params(void)
{
	uint64_t v = 0, caps = 0;
	struct drm_qxl_alloc al = { .size = 0 };
	int ret;

	ret = getparam(QXL_PARAM_NUM_SURFACES, &v);
	qt_result("getparam-num-surfaces", ret || v != 1024, "%llu (ROM n_surfaces)",
		  (unsigned long long)v);
	ret = getparam(QXL_PARAM_MAX_RELOCS, &v);
	qt_result("getparam-max-relocs", ret || v != 96, "%llu", (unsigned long long)v);
	ret = getparam(QXL_NG_PARAM_DRIVER_VERSION, &v);
	qt_result("getparam-qxl-ng-version", ret || v != 1, "0x%llx", (unsigned long long)v);
	expect("getparam-unknown", getparam(0x7777, &v), -EINVAL, "param 0x7777");

	ret = getparam(QXL_NG_PARAM_CLIENT_CAPS, &caps);
	qt_result("client-caps-with-client", ret || (caps & 0xf) != 0xf,
		  "caps 0x%llx with spice-gtk connected (SIZED_STREAM, MONITORS_CONFIG, COMPOSITE, A8)",
		  (unsigned long long)caps);
	ret = getparam(QXL_NG_PARAM_CLIENT_CAPS_SEQ, &v);
	qt_result("client-caps-seq", ret || !v, "%llu CLIENT interrupts seen (the client's connect)",
		  (unsigned long long)v);
	expect("clientcap-a8", clientcap(3, 0), 0, "A8_SURFACE");
	expect("clientcap-absent", clientcap(40, 0), -EOPNOTSUPP, "cap 40");
	expect("clientcap-out-of-range", clientcap(100000, 0), -EOPNOTSUPP, "index 100000");
	expect("clientcap-nonzero-pad", clientcap(3, 1), -EINVAL, "pad 1");
	expect("alloc-zero-size",
	       drmIoctl(dev.fd, DRM_IOCTL_QXL_ALLOC, &al) ? -errno : 0, -EINVAL,
	       "ALLOC of 0 bytes");
}

static void t_damage(void)
{
	struct drm_mode_rect r[300];
	struct drm_qxl_ng_scanout_damage d;
	drmModeModeInfo mode;
	drmModeClip clips[20];
	struct kfb a, b;
	int i, ret;
	const char *why;

	if (kms_flip_pair(&dev, &mode, &a, &b, 0, 0, &why)) {
		qt_result("damage-setup", 1, "%s", why);
		return;
	}
	/* Rejections. */
	memset(&d, 0, sizeof(d));
	d.crtc_id = dev.crtc_id;
	d.max_rects = 4;
	d.rects_ptr = (uintptr_t)r;
	d.flags = 1;
	expect("damage-flags-rejected",
	       drmIoctl(dev.fd, DRM_IOCTL_QXL_NG_SCANOUT_DAMAGE, &d) ? -errno : 0, -EINVAL,
	       "flags 1");
	d.flags = 0;
	d.pad = 1;
	expect("damage-pad-rejected",
	       drmIoctl(dev.fd, DRM_IOCTL_QXL_NG_SCANOUT_DAMAGE, &d) ? -errno : 0, -EINVAL,
	       "pad 1");
	expect("damage-zero-rects", damage(&d, r, 0), -EINVAL, "max_rects 0");
	expect("damage-too-many-rects", damage(&d, r, 257), -EINVAL, "max_rects 257");
	expect("damage-null-pointer", damage(&d, NULL, 4), -EINVAL, "rects_ptr 0");
	memset(&d, 0, sizeof(d));
	d.crtc_id = 0x7fffff;
	d.max_rects = 4;
	d.rects_ptr = (uintptr_t)r;
	expect("damage-bad-crtc", drmIoctl(dev.fd, DRM_IOCTL_QXL_NG_SCANOUT_DAMAGE, &d) ?
	       -errno : 0, -ENOENT, "crtc 0x7fffff");
	expect("damage-bad-pointer", damage(&d, (void *)(uintptr_t)0x10, 4), -EFAULT,
	       "rects_ptr 0x10 on a first call that has a rectangle");

	/* First call after the bad pointer: still a full report (nothing was consumed). */
	ret = damage(&d, r, 4);
	qt_result("damage-first-call-full", ret || !(d.flags & QXL_NG_DAMAGE_FULL) ||
		  d.fb_id != a.fb_id || d.num_rects != 1 || r[0].x2 != 1024 || r[0].y2 != 768,
		  "flags %u fb %u (want %u) %u rects, first %d,%d-%d,%d", d.flags, d.fb_id, a.fb_id,
		  d.num_rects, r[0].x1, r[0].y1, r[0].x2, r[0].y2);
	ret = damage(&d, r, 4);
	qt_result("damage-nothing-new", ret || d.flags || d.num_rects, "%u rects, flags %u",
		  d.num_rects, d.flags);

	kms_dirty(&dev, &a, (drmModeClip[]){ { 10, 20, 30, 40 }, { 500, 600, 510, 700 } }, 2);
	ret = damage(&d, r, 4);
	qt_result("damage-two-rects", ret || d.flags || d.num_rects != 2 ||
		  r[0].x1 != 10 || r[0].y2 != 40 || r[1].x1 != 500 || r[1].y2 != 700,
		  "%u rects: %d,%d-%d,%d %d,%d-%d,%d", d.num_rects, r[0].x1, r[0].y1, r[0].x2,
		  r[0].y2, r[1].x1, r[1].y1, r[1].x2, r[1].y2);

	for (i = 0; i < 3; i++)
		kms_dirty(&dev, &a, (drmModeClip[]){ { i * 100, 0, i * 100 + 8, 8 } }, 1);
	ret = damage(&d, r, 2);
	qt_result("damage-overflow-merged", ret || d.num_rects != 1 || r[0].x1 != 0 ||
		  r[0].x2 != 208 || r[0].y2 != 8,
		  "3 updates into max_rects 2: %u rects, %d,%d-%d,%d", d.num_rects, r[0].x1,
		  r[0].y1, r[0].x2, r[0].y2);

	for (i = 0; i < 20; i++)
		clips[i] = (drmModeClip){ i * 40, 100, i * 40 + 4, 104 };
	kms_dirty(&dev, &a, clips, 20);
	ret = damage(&d, r, 256);
	{
		int j, covered = 0;

		/* The driver keeps at most 8 per update: merged, but covering all. */
		for (i = 0; i < 20; i++)
			for (j = 0; j < (int)d.num_rects; j++)
				if (r[j].x1 <= clips[i].x1 && r[j].y1 <= clips[i].y1 &&
				    r[j].x2 >= clips[i].x2 && r[j].y2 >= clips[i].y2) {
					covered++;
					break;
				}
		qt_result("damage-many-rects-covered", ret || d.num_rects > 8 || covered != 20,
			  "20 rects in one update: %u rects cover %d of them", d.num_rects,
			  covered);
	}

	kms_set(&dev, &b, &mode);
	ret = damage(&d, r, 4);
	qt_result("damage-new-fb-full", ret || !(d.flags & QXL_NG_DAMAGE_FULL) ||
		  d.fb_id != b.fb_id, "flags %u, fb %u (want %u)", d.flags, d.fb_id, b.fb_id);

	for (i = 0; i < 40; i++)
		kms_dirty(&dev, &b, (drmModeClip[]){ { 0, 0, 1, 1 } }, 1);
	ret = damage(&d, r, 4);
	qt_result("damage-history-overrun-full", ret || !(d.flags & QXL_NG_DAMAGE_FULL),
		  "40 updates since the last call: flags %u, seq %llu", d.flags,
		  (unsigned long long)d.seq);

	/* CRTC off: the head shows nothing, no framebuffer and no rectangle */
	drmModeSetCrtc(dev.fd, dev.crtc_id, 0, 0, 0, NULL, 0, NULL);
	ret = damage(&d, r, 4);
	qt_result("damage-crtc-off-no-fb", ret || d.fb_id || d.num_rects || !(d.flags & QXL_NG_DAMAGE_FULL),
		  "fb %u, %u rects, flags %u", d.fb_id, d.num_rects, d.flags);
	kms_set(&dev, &a, &mode);
	ret = damage(&d, r, 4);
	qt_result("damage-crtc-on-again-full", ret || d.fb_id != a.fb_id || d.num_rects != 1 ||
		  !(d.flags & QXL_NG_DAMAGE_FULL), "fb %u (want %u), %u rects, flags %u", d.fb_id,
		  a.fb_id, d.num_rects, d.flags);
}

int main(void)
{
	if (kms_open(&dev)) {
		qt_result("ioctl-setup", 1, "no qxl card");
		return 1;
	}
	t_params();
	t_damage();
	return 0;
}
