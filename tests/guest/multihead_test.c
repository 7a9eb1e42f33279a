// SPDX-License-Identifier: MIT
/*
 * Multi-head: a real SPICE client asks for two monitors; the second
 * connector comes up with the client's size as preferred mode, its
 * suggested position, an EDID and one hotplug uevent. Both heads are then
 * set and checked (screendump and client picture, and the monitors the
 * client was told about); a layout beyond vgamem is refused and the old one
 * stays; a resize of head 0 and an oversized request are followed or
 * ignored. Run with --spice-client --vdagent --device-props max_outputs=2;
 * the vdagent port must be held open (multihead.sh does that). "s3" and
 * "s4": the same two heads across suspend to RAM or hibernation
 * (after_sleep()).
 */
#define _GNU_SOURCE

#include "kmsutil.h"

static struct kdev dev;
static uint32_t crtcs[4], conns[4];
static int ncrtc, nconn;

/* Count drm HOTPLUG=1 uevents arriving within ms milliseconds. */
static int count_hotplugs(int fd, int ms)
{
	double end = kms_now() + ms / 1000.0;
	char buf[4096];
	int n = 0;

	while (kms_now() < end) {
		struct pollfd pfd = { .fd = fd, .events = POLLIN };
		ssize_t len, i;
		int drm = 0, hp = 0;

		if (poll(&pfd, 1, 100) != 1)
			continue;
		len = recv(fd, buf, sizeof(buf) - 1, 0);
		for (i = 0; i < len; i += strlen(buf + i) + 1) {
			drm |= !strcmp(buf + i, "SUBSYSTEM=drm");
			hp |= !strcmp(buf + i, "HOTPLUG=1");
		}
		n += drm && hp;
	}
	return n;
}

static uint64_t conn_prop(uint32_t conn, const char *name, drmModePropertyBlobRes **blob)
{
	drmModeObjectProperties *p = drmModeObjectGetProperties(dev.fd, conn,
								 DRM_MODE_OBJECT_CONNECTOR);
	uint64_t v = ~0ull;
	uint32_t i;

	for (i = 0; p && i < p->count_props; i++) {
		drmModePropertyRes *pr = drmModeGetProperty(dev.fd, p->props[i]);

		if (pr && !strcmp(pr->name, name)) {
			v = p->prop_values[i];
			if (blob)
				*blob = drmModeGetPropertyBlob(dev.fd, (uint32_t)v);
		}
		drmModeFreeProperty(pr);
	}
	drmModeFreeObjectProperties(p);
	return v;
}

/* Preferred mode of a connector after a forced probe, or 0x0 if disconnected. */
static void preferred(uint32_t conn, drmModeModeInfo *out)
{
	drmModeConnector *c = drmModeGetConnector(dev.fd, conn);
	int i;

	memset(out, 0, sizeof(*out));
	for (i = 0; c && c->connection == DRM_MODE_CONNECTED && i < c->count_modes; i++)
		if (c->modes[i].type & DRM_MODE_TYPE_PREFERRED)
			*out = c->modes[i];
	drmModeFreeConnector(c);
}

static int wait_preferred(uint32_t conn, int w, int h, drmModeModeInfo *out)
{
	int i;

	for (i = 0; i < 100; i++) {
		preferred(conn, out);
		if (out->hdisplay == w && out->vdisplay == h)
			return 0;
		usleep(100000);
	}
	return -1;
}

static int set_head(int i, struct kfb *fb, drmModeModeInfo *mode)
{
	return drmModeSetCrtc(dev.fd, crtcs[i], fb ? fb->fb_id : 0, 0, 0,
			      fb ? &conns[i] : NULL, fb ? 1 : 0, fb ? mode : NULL) ? -errno : 0;
}

/*
 * num_heads=2 while the client asks for three monitors: the third is
 * ignored, the two connectors follow the first two.
 */
static int more_heads_than_outputs(void)
{
	drmModeModeInfo m;
	int ret;

	if (nconn != 2) {
		qt_result("client-more-heads-than-outputs", 1, "%d connectors, want 2 (num_heads=2)",
			  nconn);
		return 1;
	}
	if (qt_host("client-monitors 800x600+0+0 640x480+800+0 1024x768+1440+0")) {
		qt_result("client-more-heads-than-outputs", 1, "client could not send the layout");
		return 1;
	}
	ret = wait_preferred(conns[1], 640, 480, &m);
	qt_result("client-more-heads-than-outputs", ret ? 1 : 0,
		  "3 client heads on 2 outputs: connector 1 preferred %dx%d", m.hdisplay,
		  m.vdisplay);
	return ret ? 1 : 0;
}

#define SCREEN_AFTER_DAMAGE "2048 768 0xc00000 1024 0 1024 768 0x0000c0 100 100 50 50 " \
	"0xffff00 1224 300 60 40 0x00ff00 1034 10 20 20 0xffffff"

/*
 * multihead.sh s3|s4: suspend to RAM with both heads shown (QEMU resets the
 * device at wake-up, QMP system_wakeup), or hibernate to the swap disk and
 * resume in a new QEMU with a new SPICE client (a zeroed device, and a
 * server that has never seen the client's layout). Then the same layout
 * must be back with nothing done by userspace: both heads' pictures, the
 * monitors the client is told, the client's requested layout on the
 * connectors, and damage on head 1 still landing at its place. After S4
 * the new client sends its layout again, as remote-viewer does when it
 * connects: nothing may change.
 */
/* qt_result() named "<ev>-<what>". */
#define qt_result_tag(ev, what, st, ...) do {				\
	char name_[48];							\
	snprintf(name_, sizeof(name_), "%s-%s", ev, what);		\
	qt_result(name_, st, __VA_ARGS__);				\
} while (0)

static int after_sleep(struct kfb *b, const char *ev)
{
	uint64_t sx;
	drmModeModeInfo m1;
	int ret;

	if (!strcmp(ev, "s3")) {
		if (qt_write_file("/sys/power/mem_sleep", "deep") ||
		    qt_host("system-wakeup 500")) {
			qt_result("s3-event", 1, "no deep sleep, or the host cannot wake the VM");
			return 1;
		}
		ret = qt_write_file("/sys/power/state", "mem");
	} else {
		ret = qt_hibernate();
	}
	qt_result_tag(ev, "event", ret ? 1 : 0, "%s: %s", ev,
		      ret ? strerror(-ret) : "back");
	if (ret)
		return 1;
	ret = qt_host("screen " SCREEN_AFTER_DAMAGE);
	qt_result_tag(ev, "two-heads-shown", ret ? 1 : 0,
		      "both heads as before, screen and client");
	ret = qt_host("spice-monitors 1024x768+0+0 1024x768+1024+0");
	qt_result_tag(ev, "client-monitors", ret ? 1 : 0, "the client is told both heads again");
	preferred(conns[1], &m1);
	sx = conn_prop(conns[1], "suggested X", NULL);
	qt_result_tag(ev, "client-layout-kept",
		      m1.hdisplay != 1024 || m1.vdisplay != 768 || sx != 1024,
		      "connector 1 preferred %dx%d at suggested X %llu", m1.hdisplay, m1.vdisplay,
		      (unsigned long long)sx);
	kfb_fill(b, 40, 40, 20, 20, 0x00ffff);
	kms_dirty(&dev, b, &(drmModeClip){ 40, 40, 60, 60 }, 1);
	ret = qt_host("screen " SCREEN_AFTER_DAMAGE " 1064 40 20 20 0x00ffff");
	qt_result_tag(ev, "head1-damage", ret ? 1 : 0, "a 20x20 update on head 1 afterwards");
	if (strcmp(ev, "s4"))
		return 0;
	ret = qt_host("client-monitors 1024x768+0+0 1024x768+1024+0");
	usleep(2000000);
	preferred(conns[1], &m1);
	sx = conn_prop(conns[1], "suggested X", NULL);
	qt_result("s4-new-client-same-layout",
		  ret || m1.hdisplay != 1024 || m1.vdisplay != 768 || sx != 1024,
		  "the new client's request: connector 1 preferred %dx%d at suggested X %llu",
		  m1.hdisplay, m1.vdisplay, (unsigned long long)sx);
	ret = qt_host("screen " SCREEN_AFTER_DAMAGE " 1064 40 20 20 0x00ffff");
	qt_result("s4-new-client-two-heads", ret ? 1 : 0,
		  "both heads still shown after the new client's request");
	return 0;
}

int main(int argc, char **argv)
{
	drmModeModeInfo m0, m1, big;
	drmModePropertyBlobRes *edid = NULL;
	struct kfb a, b, huge;
	drmModeRes *res;
	int ufd, hp, ret, i;
	uint64_t sx;

	if (kms_open(&dev)) {
		qt_result("multihead-setup", 1, "no qxl card");
		return 1;
	}
	res = drmModeGetResources(dev.fd);
	ncrtc = res->count_crtcs < 4 ? res->count_crtcs : 4;
	nconn = res->count_connectors < 4 ? res->count_connectors : 4;
	for (i = 0; i < ncrtc; i++)
		crtcs[i] = res->crtcs[i];
	for (i = 0; i < nconn; i++)
		conns[i] = res->connectors[i];
	drmModeFreeResources(res);
	if (argc > 1 && !strcmp(argv[1], "overflow"))
		return more_heads_than_outputs();
	if (ncrtc < 2 || nconn < 2) {
		qt_result("multihead-outputs", 1, "%d CRTCs, %d connectors", ncrtc, nconn);
		return 1;
	}
	qt_result("multihead-outputs", 0, "%d CRTCs and connectors (num_heads)", ncrtc);

	ufd = kms_uevent_socket();
	if (qt_host("client-monitors 1024x768+0+0 1024x768+1024+0")) {
		qt_result("client-two-heads", 1, "the SPICE client could not send the layout");
		return 1;
	}
	hp = ufd >= 0 ? count_hotplugs(ufd, 4000) : -1;
	ret = wait_preferred(conns[1], 1024, 768, &m1);
	sx = conn_prop(conns[1], "suggested X", NULL);
	conn_prop(conns[1], "EDID", &edid);
	qt_result("client-two-heads", ret ? 1 : 0,
		  "connector 1 preferred %dx%d, suggested X %llu", m1.hdisplay, m1.vdisplay,
		  (unsigned long long)sx);
	qt_result("client-suggested-offset", sx == 1024 ? 0 : 1, "suggested X %llu, want 1024",
		  (unsigned long long)sx);
	qt_result("client-edid", !edid || edid->length < 128 ||
		  memcmp(edid->data, "\0\377\377\377\377\377\377\0", 8) ||
		  !memmem(edid->data, edid->length, "QXL-NG 1", 8),
		  "EDID %u bytes with the monitor name", edid ? edid->length : 0);
	qt_result("client-one-hotplug", hp == 1 ? 0 : 1,
		  "%d drm hotplug uevents within 4 s of the client's request (want 1)", hp);
	drmModeFreePropertyBlob(edid);
	qt_result("hotplug-mode-update", conn_prop(conns[1], "hotplug_mode_update", NULL) == 1 ?
		  0 : 1, "property present and 1");

	preferred(conns[0], &m0);
	if (kfb_create(&dev, &a, 1024, 768) || kfb_create(&dev, &b, 1024, 768)) {
		qt_result("two-heads-shown", 1, "framebuffers");
		return 1;
	}
	kfb_fill(&a, 0, 0, 1024, 768, 0xc00000);
	kfb_fill(&a, 100, 100, 50, 50, 0xffff00);
	kfb_fill(&b, 0, 0, 1024, 768, 0x0000c0);
	kfb_fill(&b, 200, 300, 60, 40, 0x00ff00);
	if (set_head(0, &a, &m0) || set_head(1, &b, &m1)) {
		qt_result("two-heads-shown", 1, "SETCRTC: %s", strerror(errno));
		return 1;
	}
	ret = qt_host("screen 2048 768 0xc00000 1024 0 1024 768 0x0000c0 100 100 50 50 0xffff00 1224 300 60 40 0x00ff00");
	qt_result("two-heads-shown", ret ? 1 : 0, "heads side by side on a 2048x768 primary");
	ret = qt_host("spice-monitors 1024x768+0+0 1024x768+1024+0");
	qt_result("two-heads-client-monitors", ret ? 1 : 0, "the client was told both heads");

	/* Damage on head 1 lands at its place in the primary surface. */
	kfb_fill(&b, 10, 10, 20, 20, 0xffffff);
	kms_dirty(&dev, &b, &(drmModeClip){ 10, 10, 30, 30 }, 1);
	ret = qt_host("screen " SCREEN_AFTER_DAMAGE);
	qt_result("head1-damage", ret ? 1 : 0, "a 20x20 update on head 1 at x+1024");
	if (argc > 1 && (!strcmp(argv[1], "s3") || !strcmp(argv[1], "s4")))
		return after_sleep(&b, argv[1]);

	/* Two 1920x1200 heads need 18 MiB: more than the 16 MiB primary area. */
	big = m1;
	if (!kms_find_mode(&dev, 1920, 1200, &big) && !kfb_create(&dev, &huge, 1920, 1200)) {
		ret = set_head(1, &huge, &big);
		if (!ret) {
			/* head 1 alone fit; now widen head 0 too */
			ret = set_head(0, &huge, &big);
		}
		qt_result("layout-above-vgamem-refused", ret == -EINVAL ? 0 : 1,
			  "second 1920x1200 head: %s", ret ? strerror(-ret) : "accepted");
		set_head(0, &a, &m0);
		set_head(1, &b, &m1);
		kfb_destroy(&dev, &huge);
		ret = qt_host("screendump-only " SCREEN_AFTER_DAMAGE);
		qt_result("layout-restored", ret ? 1 : 0, "both heads back after the refusal");
	} else {
		qt_result("layout-above-vgamem-refused", 1, "no 1920x1200 mode or fb");
	}

	/* The client resizes head 0. */
	qt_host("client-monitors 1280x800+0+0 1024x768+1280+0");
	ret = wait_preferred(conns[0], 1280, 800, &m0);
	qt_result("client-resize-head0", ret ? 1 : 0, "connector 0 preferred %dx%d",
		  m0.hdisplay, m0.vdisplay);

	/* A head larger than vgamem is ignored, not applied. */
	qt_host("client-monitors 4096x4096+0+0 1024x768+4096+0");
	usleep(2000000);
	preferred(conns[0], &m0);
	qt_result("client-oversized-ignored", m0.hdisplay == 4096 ? 1 : 0,
		  "connector 0 preferred %dx%d after a 4096x4096 request", m0.hdisplay,
		  m0.vdisplay);
	return 0;
}
