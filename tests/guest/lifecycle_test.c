// SPDX-License-Identifier: MIT
/*
 * The VM lifecycle with a live display: suspend to RAM, hibernation,
 * save/restore to a file and live migration. After each event the display
 * must continue with nothing done by userspace: damage on the framebuffer
 * this program holds reaches the screen (QMP screendump) and the SPICE
 * client, the cursor keeps its image, hotspot and position, an off-screen
 * surface keeps its pixels and takes new draws, and the kernel log has no
 * error from the driver.
 *
 *   lifecycle_test event=s3|s4|live|file|reset|after-reset [wake=rtc|qmp] [cycles=N]
 *                  [draw=flip,dirty,cursor,fill,vblank] [drawing=1] [blocked=1]
 *                  [probe=seamless|semi-seamless|switch-host]
 *
 * s3 suspends to RAM (QEMU resets the device on wake-up); wake=rtc arms the
 * RTC alarm, wake=qmp has the host send system_wakeup. s4 hibernates to
 * /dev/vda (vmtest.py --swap-mib) and the host resumes the image in a new
 * QEMU. live and file have the host migrate the VM to a new QEMU (over TCP
 * with the SPICE client told to follow, or through a file) while a child
 * process draws continuously: page flips, DIRTYFB, cursor moves and 2D
 * commands (draw= narrows or extends what it does: vblank waits too); what
 * it drew last must be what both the screen and the client show, and it
 * must keep drawing on the destination. drawing=1 has s3 and s4 happen
 * while the child draws too: the freezer stops it wherever it is, maybe in
 * an ioctl that waits for the device, and it must go on after the resume.
 * probe=P (event=live, vmtest.py --spice-probe): spice-probe followed the
 * migration with protocol P and shows the drawer's last frame too.
 * blocked=1 makes sure of it: with the release ring held (debugfs
 * qxl_hold_releases) one child is blocked in WAIT and one in EXECBUFFER
 * (throttled) when s3 or s4 comes; each must get a result after the resume
 * (0, or EINTR from the freezer, after which the call is repeated as
 * libdrm's drmIoctl() does) and go on working.
 *
 * reset has the host send QMP system_reset while a child draws (commands
 * in flight, surfaces, a cursor): the guest reboots into the same kernel and
 * initramfs, whose /init goes on after this command (vmtest.py --swap-mib:
 * the command leaves its number on /dev/vda). after-reset, the next command,
 * then checks that qxl-ng probed the device the previous kernel left and
 * that a fresh modeset, damage, the cursor and 2D commands work, with no
 * driver error in this boot's kernel log.
 */
#define _GNU_SOURCE
#include <signal.h>
#include <sys/ioctl.h>
#include <sys/klog.h>
#include <sys/wait.h>

#include "kmsutil.h"
#include "qxlcmd.h"

#define W 1024
#define H 768
#define BG 0x203050u
#define C1 0xd04030u
#define C2 0x40c060u
#define C3 0xe0d020u
#define SW 256
#define SH 128
#define CX 300
#define CY 200

static const uint32_t palette[] = { 0xe0d020, 0x20a0e0, 0xc040c0, 0x80e040, 0xf08020 };
#define NPAL (sizeof(palette) / sizeof(palette[0]))

static const uint32_t quad[4] = { 0xffff0000, 0xff00ff00, 0xff0000ff, 0xffffffff };

static struct kdev dev;
static drmModeModeInfo mode;
static struct kfb fbs[2];
static uint32_t surf, *spx;
static const char *event = "s3", *wake = "rtc";
static const char *draw_ops = "flip,dirty,cursor,fill";	/* what the drawer does */
static char cycle_tag[16];	/* "-N" when there are several cycles */
static const char *probe_proto;	/* probe=: spice-probe's expected protocol */
static const char *drawing_tag = "";	/* "-drawing" for s3/s4 while a child draws */

/* What the drawer child did, shared with the parent. */
struct drawer {
	volatile int stop;
	volatile unsigned int frames;
	volatile unsigned int front;	/* index of the framebuffer shown */
	volatile uint32_t color;	/* of the surface's last fill */
	volatile uint32_t shown;	/* of the changing rectangle on screen */
	volatile int cx;		/* cursor x, last set */
	volatile int error;
};

static int file_has(const char *path, const char *word)
{
	char buf[256] = "";
	int f = open(path, O_RDONLY | O_CLOEXEC);
	ssize_t n;

	if (f < 0)
		return 0;
	n = read(f, buf, sizeof(buf) - 1);
	close(f);
	return n > 0 && strstr(buf, word) != NULL;
}

/* The first driver error in the kernel log after the line @since, or NULL. */
static const char *driver_error(const char *since)
{
	static char line[200];
	int size = klogctl(10, NULL, 0), n;
	const char *p, *found = NULL;
	char *log;

	if (size <= 0 || !(log = malloc(size + 1)))
		return "the kernel log cannot be read";
	n = klogctl(3, log, size);
	log[n > 0 ? n : 0] = 0;
	p = strstr(log, since);
	if (!p) {
		snprintf(line, sizeof(line), "the mark \"%s\" is not in the %d bytes of kernel log: ...%s",
			 since, n, log + (n > 120 ? n - 120 : 0));
		free(log);
		return line;
	}
	while (*p && !found) {
		const char *end = strchrnul(p, '\n');

		snprintf(line, sizeof(line), "%.*s", (int)(end - p), p);
		if (strstr(line, "qxl") && (strstr(line, "ERROR") || strstr(line, "timed out") ||
					    strstr(line, "resetting") || strstr(line, "failed")))
			found = line;
		p = *end ? end + 1 : end;
	}
	free(log);
	return found;
}

static void paint(struct kfb *fb, uint32_t color)
{
	kfb_fill(fb, 0, 0, W, H, BG);
	kfb_fill(fb, 100, 100, 200, 150, C1);
	kfb_fill(fb, 500, 300, 300, 300, color);
}

static int screen_is(uint32_t color)
{
	return qt_host("screen %d %d 0x%06x 100 100 200 150 0x%06x 500 300 300 300 0x%06x", W, H,
		       BG, C1, color);
}

static int probe_screen_is(uint32_t color)
{
	return qt_host("probe-screen %d %d 0x%06x 100 100 200 150 0x%06x 500 300 300 300 0x%06x",
		       W, H, BG, C1, color);
}

/* spice-gtk's cursor; spice-probe's (size, hotspot, place) with probe= */
static int client_cursor(int x)
{
	if (probe_proto)
		return qt_host("probe-cursor 1 64 64 5 7 %d %d", x + 5, CY + 7);
	return qt_host("spice-cursor 1 64 64 5 7 %d %d %08x,%08x,%08x,%08x", x + 5, CY + 7,
		       quad[0], quad[1], quad[2], quad[3]);
}

/* Every pixel of the off-screen surface is @color, after UPDATE_AREA. */
static int surface_is(uint32_t color, char *why, size_t len)
{
	int ret = qc_update(dev.fd, surf, 0, 0, SW, SH), i;

	if (ret) {
		snprintf(why, len, "UPDATE_AREA: %d", ret);
		return 0;
	}
	for (i = 0; i < SW * SH; i++)
		if ((spx[i] & 0xffffff) != color) {
			snprintf(why, len, "pixel %d,%d is 0x%06x, want 0x%06x", i % SW, i / SW,
				 spx[i] & 0xffffff, color);
			return 0;
		}
	snprintf(why, len, "all %dx%d pixels 0x%06x", SW, SH, color);
	return 1;
}

static void result(const char *what, int ok, const char *fmt, const char *detail)
{
	char name[96];

	snprintf(name, sizeof(name), "lifecycle-%s%s%s%s-%s%s", event, strcmp(event, "s3") ? "" : "-",
		 strcmp(event, "s3") ? "" : wake, drawing_tag, what, cycle_tag);
	qt_result(name, ok ? QT_PASS : QT_FAIL, fmt, detail);
}

static int setup(void)
{
	struct kfb cur;
	int ret;

	ret = kms_open(&dev);
	if (ret || kms_find_mode(&dev, W, H, &mode) || kfb_create(&dev, &fbs[0], W, H) ||
	    kfb_create(&dev, &fbs[1], W, H) || kfb_create(&dev, &cur, 64, 64))
		return ret ? ret : -ENOMEM;
	paint(&fbs[0], C3);
	ret = kms_set(&dev, &fbs[0], &mode);
	if (ret || screen_is(C3))
		return ret ? ret : -EIO;

	kfb_fill(&cur, 0, 0, 32, 32, quad[0]);
	kfb_fill(&cur, 32, 0, 32, 32, quad[1]);
	kfb_fill(&cur, 0, 32, 32, 32, quad[2]);
	kfb_fill(&cur, 32, 32, 32, 32, quad[3]);
	ret = drmModeSetCursor2(dev.fd, dev.crtc_id, cur.handle, 64, 64, 5, 7);
	if (!ret)
		ret = drmModeMoveCursor(dev.fd, dev.crtc_id, CX, CY);
	if (ret || client_cursor(CX))
		return ret ? ret : -EIO;

	ret = qc_surf_alloc(dev.fd, 32, SW, SH, SW * 4, &surf);
	spx = ret ? NULL : bo_map(dev.fd, surf, SW * SH * 4);
	if (!spx)
		return ret ? ret : -ENOMEM;
	return qc_fill(dev.fd, surf, 0, 0, SW, SH, C2);
}

/* Suspend to RAM; returns when the VM woke up. */
static int suspend_to_ram(void)
{
	int ret;

	qt_write_file("/sys/power/mem_sleep", "deep");
	if (!strcmp(wake, "qmp")) {
		if (qt_host("system-wakeup 500"))
			return -EIO;
	} else {
		qt_write_file("/sys/class/rtc/rtc0/wakealarm", "0");
		ret = qt_write_file("/sys/class/rtc/rtc0/wakealarm", "+6");
		if (ret)
			return ret;
	}
	return qt_write_file("/sys/power/state", "mem");
}

/* What the blocked children did, shared with the parent. */
struct blocked {
	volatile int stop;
	volatile int in_ioctl[2];	/* 0: WAIT, 1: EXECBUFFER */
	volatile double since[2];	/* kms_now() when the current call began */
	volatile int rc[2];		/* result of the first call blocked over 1 s */
	volatile int eintr[2];		/* EINTR results on the way */
	volatile int after[2];		/* a fill and a WAIT afterwards */
	volatile unsigned int calls;
};

/* ioctl() repeated on EINTR, counting them; 0 or -errno. */
static int ioctl_counting(int req_idx, struct blocked *b, unsigned long req, void *arg)
{
	int ret;

	b->since[req_idx] = kms_now();
	b->in_ioctl[req_idx] = 1;
	while ((ret = ioctl(dev.fd, req, arg)) && errno == EINTR)
		b->eintr[req_idx]++;
	b->in_ioctl[req_idx] = 0;
	return ret ? -errno : 0;
}

static int wait_idle(uint32_t h)
{
	struct drm_qxl_ng_wait w = { .handle = h, .timeout_ns = QXL_NG_WAIT_MAX_NS };

	return xioctl(dev.fd, DRM_IOCTL_QXL_NG_WAIT, &w);
}

static void blocked_child(struct blocked *b, int which)
{
	struct drm_qxl_ng_wait w = { .handle = surf, .timeout_ns = QXL_NG_WAIT_MAX_NS };
	struct cmd c;
	int ret;

	if (which == 0) {
		/* a fill whose release is held, then WAIT for it */
		qc_fill(dev.fd, surf, 0, 0, SW, SH, C2);
		b->rc[0] = ioctl_counting(0, b, DRM_IOCTL_QXL_NG_WAIT, &w);
	} else {
		/* fills until one is throttled: its queue never drains */
		draw_init(&c, DRAW_FILL, surf, 0, 0, SW, SH);
		put32(c.d + FILL_BRUSH, 1);
		put32(c.d + FILL_BRUSH + 4, C2);
		c.d[FILL_ROP] = ROPD_OP_PUT;
		do {
			struct drm_qxl_command qc = {
				.command = (uintptr_t)(c.d + 8), .relocs = (uintptr_t)c.r,
				.type = c.type, .command_size = c.size, .relocs_num = c.nr };
			struct drm_qxl_execbuffer eb = { .commands_num = 1,
							 .commands = (uintptr_t)&qc };

			ret = ioctl_counting(1, b, DRM_IOCTL_QXL_EXECBUFFER, &eb);
			b->calls++;
		} while (!ret && !b->stop && kms_now() - b->since[1] < 1);
		b->rc[1] = ret;
	}
	while (!b->stop)
		usleep(10000);
	b->after[which] = qc_fill(dev.fd, surf, 0, 0, SW, SH, C2) || wait_idle(surf) ? -EIO : 1;
}

/*
 * blocked=1: hold the device's releases, get one child blocked in WAIT and
 * one in EXECBUFFER, then suspend or hibernate. The hold ends when the
 * driver suspends; after the resume both calls must have returned and both
 * children must draw again.
 */
static int event_while_blocked(const char *how, char *why, size_t len)
{
	struct blocked *b = mmap(NULL, sizeof(*b), PROT_READ | PROT_WRITE,
				 MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	double t0 = kms_now(), t1, w_s, e_s;
	pid_t pid[2];
	int i, ret, status;

	if (b == MAP_FAILED)
		return -errno;
	memset(b, 0, sizeof(*b));
	ret = qt_write_file("/sys/kernel/debug/dri/0/qxl_hold_releases", "20000");
	if (ret) {
		snprintf(why, len, "qxl_hold_releases: %s", strerror(-ret));
		return ret;
	}
	for (i = 0; i < 2; i++) {
		pid[i] = fork();
		if (pid[i] == 0) {
			blocked_child(b, i);
			_exit(0);
		}
	}
	/* both inside their call for 1 s, within 8 s */
	while (kms_now() - t0 < 8 &&
	       !(b->in_ioctl[0] && b->in_ioctl[1] && kms_now() - b->since[0] > 1 &&
		 kms_now() - b->since[1] > 1))
		usleep(50000);
	t1 = kms_now();
	w_s = t1 - b->since[0];
	e_s = t1 - b->since[1];
	ret = b->in_ioctl[0] && b->in_ioctl[1] ? 0 : -EBUSY;
	if (!ret)
		ret = how[1] == '3' ? suspend_to_ram() : qt_hibernate();
	else
		qt_write_file("/sys/kernel/debug/dri/0/qxl_hold_releases", "0");
	sleep(1);
	b->stop = 1;
	for (i = 0; i < 2; i++)
		waitpid(pid[i], &status, 0);
	snprintf(why, len, "%s after %.1f s, WAIT blocked for %.1f s and EXECBUFFER (call %u) "
		 "for %.1f s: %d; then WAIT returned %d (%d EINTR), EXECBUFFER %d (%d EINTR); "
		 "afterwards fill+WAIT %s, %s", ret == -EBUSY ? "not both blocked" : how,
		 t1 - t0, w_s, b->calls, e_s, ret, b->rc[0],
		 b->eintr[0], b->rc[1], b->eintr[1], b->after[0] == 1 ? "ok" : "failed",
		 b->after[1] == 1 ? "ok" : "failed");
	if (ret || b->rc[0] || b->rc[1] || b->after[0] != 1 || b->after[1] != 1)
		return -EIO;
	return 0;
}

/* The child: draw until told to stop, alternating flips and DIRTYFB. */
static void draw_loop(struct drawer *d)
{
	unsigned int front = 0, i;

	for (i = 0; !d->stop; i++) {
		uint32_t color = palette[i % NPAL];
		drmModeClip clip = { 500, 300, 800, 600 };
		int ret;

		ret = 0;
		if (i % 2 && strstr(draw_ops, "flip")) {
			paint(&fbs[!front], color);
			ret = drmModePageFlip(dev.fd, dev.crtc_id, fbs[!front].fb_id,
					      DRM_MODE_PAGE_FLIP_EVENT, NULL) ? -errno : 0;
			if (!ret)
				ret = kms_wait_event(&dev, 2000, NULL, NULL);
			if (!ret)
				front = !front;
		} else if (strstr(draw_ops, "dirty")) {
			kfb_fill(&fbs[front], 500, 300, 300, 300, color);
			ret = kms_dirty(&dev, &fbs[front], &clip, 1);
		}
		if (!ret && strstr(draw_ops, "vblank")) {
			drmVBlank vbl = { .request = { .type = DRM_VBLANK_RELATIVE, .sequence = 1 } };

			ret = drmWaitVBlank(dev.fd, &vbl) ? -errno : 0;
		}
		if (!ret && strstr(draw_ops, "cursor"))
			ret = drmModeMoveCursor(dev.fd, dev.crtc_id, CX + (int)(i % 50), CY);
		if (!ret && strstr(draw_ops, "fill"))
			ret = qc_fill(dev.fd, surf, 0, 0, SW, SH, color);
		if (ret && ret != -EBUSY) {
			d->error = ret;
			break;
		}
		d->front = front;
		d->color = color;
		if (strstr(draw_ops, "flip") || strstr(draw_ops, "dirty"))
			d->shown = color;
		d->cx = CX + (int)(i % 50);
		d->frames = i + 1;
		usleep(20000);
	}
}

/*
 * The event (a migration by the host, or with drawing=1 a suspend or
 * hibernation by this process) while a child draws: the freezer stops the
 * child wherever it is, possibly inside an ioctl waiting for the device,
 * which must give it a result after the resume, not a hang.
 */
static int event_while_drawing(const char *how, char *why, size_t len, uint32_t *shown)
{
	struct drawer *d = mmap(NULL, sizeof(*d), PROT_READ | PROT_WRITE,
				MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	unsigned int before, after;
	char req[32], reply[256] = "";
	int status, ret;
	pid_t pid;

	if (d == MAP_FAILED)
		return -errno;
	memset(d, 0, sizeof(*d));
	d->shown = C3;
	d->color = C2;
	pid = fork();
	if (pid == 0) {
		draw_loop(d);
		_exit(0);
	}
	sleep(1);
	before = d->frames;
	if (!strcmp(how, "s3") || !strcmp(how, "s4")) {
		double t0 = kms_now();

		ret = how[1] == '3' ? suspend_to_ram() : qt_hibernate();
		snprintf(reply, sizeof(reply), "echo to /sys/power/state: %d, back after %.1f s",
			 ret, kms_now() - t0);
	} else {
		snprintf(req, sizeof(req), "migrate %s", how);
		ret = qt_host_reply(reply, sizeof(reply), "%s", req);
	}
	after = d->frames;
	sleep(2);
	d->stop = 1;
	waitpid(pid, &status, 0);
	snprintf(why, len, "%s; the drawer drew %u frames before, %u during and %u after it%s%s",
		 reply, before, after - before, d->frames - after, d->error ? ", then failed: " : "",
		 d->error ? strerror(-d->error) : "");
	if (ret || d->error || d->frames <= after)
		return -EIO;
	/* What the drawer drew last is on the framebuffer it showed last. */
	fbs[0] = fbs[d->front];
	*shown = d->shown;
	return d->color;
}

/*
 * event=reset: leave "QTEST-REBOOT <this command's number>" on /dev/vda for
 * the next boot's /init, then have the host reset the VM while a child
 * draws. Nothing after the reset runs here: the harness takes the next
 * boot's "@@REBOOT" line as this command's end.
 */
static int reset_while_drawing(void)
{
	struct drawer *d = mmap(NULL, sizeof(*d), PROT_READ | PROT_WRITE,
				MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	const char *n = getenv("QTEST_CMD");
	char mark[64];
	int f, ret;

	if (d == MAP_FAILED || !n)
		return 1;
	memset(d, 0, sizeof(*d));
	d->shown = C3;
	d->color = C2;
	if (fork() == 0) {
		draw_loop(d);
		_exit(0);
	}
	sleep(1);
	snprintf(mark, sizeof(mark), "QTEST-REBOOT %s\n", n);
	f = open("/dev/vda", O_WRONLY | O_SYNC | O_CLOEXEC);
	ret = f < 0 ? -errno : 0;
	if (f >= 0 && write(f, mark, strlen(mark)) != (ssize_t)strlen(mark))
		ret = -EIO;
	if (f >= 0)
		close(f);
	result("mark", !ret, "the next boot's mark on /dev/vda: %s", ret ? strerror(-ret) : "ok");
	if (ret)
		return 1;
	result("drawing", d->frames > 0 && !d->error, "the child draws when the reset comes%s", "");
	if (qt_host("system-reset 500"))
		return 1;
	sleep(60);
	result("reset", 0, "the VM was not reset within 60 s of the request%s", "");
	return 1;
}

/* event=after-reset: a fresh display on the device the reset kernel left. */
static int after_reset(void)
{
	drmModeClip clip = { 500, 300, 800, 600 };
	const char *err;
	char why[128];
	int ret;

	kfb_fill(&fbs[0], 500, 300, 300, 300, C1);
	ret = kms_dirty(&dev, &fbs[0], &clip, 1);
	snprintf(why, sizeof(why), "%d", ret);
	result("damage", !ret && !screen_is(C1), "DIRTYFB reaches screen and client: %s", why);
	ret = drmModeMoveCursor(dev.fd, dev.crtc_id, CX + 40, CY);
	result("cursor-moves", !ret && !client_cursor(CX + 40), "MoveCursor%s", "");
	ret = qc_fill(dev.fd, surf, 0, 0, SW, SH, C1);
	result("surface-renders", !ret && surface_is(C1, why, sizeof(why)),
	       "a fill on an off-screen surface: %s", why);
	err = driver_error("Initialized qxl");
	result("kernel-log", !err, "%s", err ? err : "no driver error since this boot's probe");
	return 0;
}

int main(int argc, char **argv)
{
	char why[512], mark[64];
	int cycles = 1, drawing = 0, blocked = 0, c, ret, color = C3, cx = CX;
	const char *err;

	for (c = 1; c < argc; c++) {
		if (!strncmp(argv[c], "event=", 6))
			event = argv[c] + 6;
		else if (!strncmp(argv[c], "wake=", 5))
			wake = argv[c] + 5;
		else if (!strncmp(argv[c], "draw=", 5))
			draw_ops = argv[c] + 5;
		else if (!strncmp(argv[c], "cycles=", 7))
			cycles = atoi(argv[c] + 7);
		else if (!strncmp(argv[c], "drawing=", 8))
			drawing = atoi(argv[c] + 8);
		else if (!strncmp(argv[c], "blocked=", 8))
			blocked = atoi(argv[c] + 8);
		else if (!strncmp(argv[c], "probe=", 6))
			probe_proto = argv[c] + 6;
	}
	if (drawing && (!strcmp(event, "s3") || !strcmp(event, "s4")))
		drawing_tag = "-drawing";
	if (probe_proto) {
		static char tag[32];

		snprintf(tag, sizeof(tag), "-probe-%s", probe_proto);
		drawing_tag = tag;
	}
	if (blocked && (!strcmp(event, "s3") || !strcmp(event, "s4")))
		drawing_tag = "-blocked";
	else
		blocked = 0;
	if (!strcmp(event, "s3") && (!file_has("/sys/power/state", "mem") ||
				     !file_has("/sys/power/mem_sleep", "deep"))) {
		qt_result("lifecycle-s3", QT_SKIP, "this VM offers no S3 (/sys/power/state, mem_sleep)");
		return 0;
	}
	if (!strcmp(event, "s4") && (!file_has("/sys/power/state", "disk") ||
				     access("/dev/vda", F_OK))) {
		qt_result("lifecycle-s4", QT_SKIP, "no hibernation support or no /dev/vda swap disk");
		return 0;
	}
	if (!strcmp(event, "after-reset") && !getenv("QTEST_REBOOTED")) {
		qt_result("lifecycle-after-reset-boot", QT_FAIL,
			  "this boot did not follow a reset by lifecycle_test event=reset");
		return 1;
	}
	if (!strcmp(event, "reset") && access("/dev/vda", F_OK)) {
		qt_result("lifecycle-reset", QT_SKIP, "no /dev/vda to note the reset on (--swap-mib)");
		return 0;
	}
	ret = setup();
	snprintf(why, sizeof(why), "%d", ret);
	result("setup", !ret, "a held framebuffer, a cursor and a filled off-screen surface: %s", why);
	if (ret)
		return 1;

	if (!strcmp(event, "reset"))
		return reset_while_drawing();
	if (!strcmp(event, "after-reset"))
		return after_reset();

	for (c = 0; c < cycles; c++) {
		drmModeClip clip = { 500, 300, 800, 600 };

		if (cycles > 1)
			snprintf(cycle_tag, sizeof(cycle_tag), "-%d", c);
		snprintf(mark, sizeof(mark), "lifecycle_test: %s %d\n", event, c);
		qt_write_file("/dev/kmsg", mark);
		if (blocked) {
			ret = event_while_blocked(event, why, sizeof(why));
			result("event", !ret, "%s", why);
			if (ret)
				return 1;
			result("surface-kept", surface_is(C2, why, sizeof(why)),
			       "the off-screen surface holds the children's last fill: %s", why);
		} else if ((!strcmp(event, "s3") || !strcmp(event, "s4")) && !drawing) {
			double t0 = kms_now();

			ret = event[1] == '3' ? suspend_to_ram() : qt_hibernate();
			snprintf(why, sizeof(why), "%d, back after %.1f s", ret, kms_now() - t0);
			result("event", !ret, "echo to /sys/power/state: %s", why);
			if (ret)
				return 1;
			/* The surface's last fill was made before the event. */
			result("surface-kept", surface_is(c ? C1 : C2, why, sizeof(why)),
			       "the off-screen surface's pixels: %s", why);
		} else {
			uint32_t shown = C3;

			ret = event_while_drawing(event, why, sizeof(why), &shown);
			result("event", ret >= 0, "%s", why);
			if (ret < 0)
				return 1;
			snprintf(why, sizeof(why), "0x%06x", shown);
			result("last-frame-shown", !screen_is(shown),
			       "what the drawer showed last (%s) is on screen and client", why);
			if (probe_proto)
				result("spice-probe-follows",
				       !qt_host("probe-migration %s", probe_proto) &&
				       !probe_screen_is(shown),
				       "spice-probe followed (%s) and shows the last frame",
				       probe_proto);
			result("surface-kept", surface_is(ret, why, sizeof(why)),
			       "the off-screen surface holds the drawer's last fill: %s", why);
		}

		color = palette[c % NPAL] ^ 0x102030;
		kfb_fill(&fbs[0], 500, 300, 300, 300, color);
		ret = kms_dirty(&dev, &fbs[0], &clip, 1);
		snprintf(why, sizeof(why), "%d", ret);
		result("damage-after", !ret && !screen_is(color),
		       "DIRTYFB on the shown framebuffer afterwards reaches screen and client: %s",
		       why);

		if (probe_proto)
			result("damage-after-spice-probe", !probe_screen_is(color),
			       "the same update reaches spice-probe on the destination%s", "");

		ret = drmModeMoveCursor(dev.fd, dev.crtc_id, cx, CY);
		result("cursor-after", !ret && !client_cursor(cx),
		       "the client's cursor afterwards: image, hotspot 5,7, position%s", "");
		cx = CX + 40 + c;
		ret = drmModeMoveCursor(dev.fd, dev.crtc_id, cx, CY);
		result("cursor-moves", !ret && !client_cursor(cx), "MoveCursor afterwards%s", "");

		ret = qc_fill(dev.fd, surf, 0, 0, SW, SH, C1);
		result("surface-renders", !ret && surface_is(C1, why, sizeof(why)),
		       "a fill on the off-screen surface afterwards: %s", why);

		err = driver_error(mark);
		result("kernel-log", !err, "%s", err ? err : "no driver error since the event");
	}
	return 0;
}
