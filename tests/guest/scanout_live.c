// SPDX-License-Identifier: MIT
/*
 * The scanout bridge on the real display: qxl-scanout serves CRTC 0 and
 * qxl-scanout-dump (separate processes) receive it. Checks:
 *   scanout_live_frame     GL_SCANOUT2_UNIX of the 1024x768 scanout; the CRC of
 *                          the consumer's mapped pixels equals what was drawn
 *   scanout_live_damage    DIRTYFB of a rectangle -> GL_DRAW with exactly that
 *                          rectangle, new pixels seen by the consumer
 *   scanout_live_modeset   a modeset to 800x600 with a new fb -> a new
 *                          GL_SCANOUT2_UNIX with the new size and pixels
 *   scanout_live_v1        a consumer without the multi-plane cap gets GL_SCANOUT_UNIX
 *   scanout_live_stuck     a consumer that never answers GL_DRAW_DONE is dropped
 *                          (1 s bound) while the display and another consumer go on
 *   scanout_live_screen    the screen (host check) shows the last picture
 *
 * Needs /usr/bin/qxl-scanout and qxl-scanout-dump in the image (meson build).
 */
#define _GNU_SOURCE
#include <signal.h>
#include <sys/wait.h>
#include <zlib.h>

#include "kmsutil.h"

#define SOCK "/tmp/qxl-scanout-test.sock"

static struct kdev dev;

/* zlib's CRC-32 of the rows, as qxl-scanout-dump computes it of what it maps */
static uint32_t fb_crc(const struct kfb *fb)
{
	uLong crc = crc32(0, Z_NULL, 0);

	for (uint32_t y = 0; y < fb->h; y++)
		crc = crc32(crc, (const Bytef *)(fb->px + y * (fb->pitch / 4)), fb->w * 4);
	return (uint32_t)crc;
}

struct proc {
	pid_t pid;
	int out;	/* its stdout */
	char buf[8192];
	size_t len;
};

static int spawn(struct proc *p, char *const argv[], const char *errlog)
{
	int pp[2];

	memset(p, 0, sizeof(*p));
	if (pipe2(pp, O_CLOEXEC))
		return -errno;
	fflush(stdout);
	p->pid = fork();
	if (p->pid < 0)
		return -errno;
	if (p->pid == 0) {
		int e = open(errlog, O_WRONLY | O_CREAT | O_APPEND, 0644);

		dup2(pp[1], 1);
		if (e >= 0)
			dup2(e, 2);
		execvp(argv[0], argv);
		_exit(127);
	}
	close(pp[1]);
	p->out = pp[0];
	return 0;
}

/* Next stdout line of p within timeout_ms; 0 or -ETIMEDOUT / -EPIPE. */
static int next_line(struct proc *p, char *line, size_t max, int timeout_ms)
{
	double end = kms_now() + timeout_ms / 1000.0;

	for (;;) {
		char *nl = memchr(p->buf, '\n', p->len);

		if (nl) {
			size_t n = (size_t)(nl - p->buf);

			snprintf(line, max, "%.*s", (int)n, p->buf);
			memmove(p->buf, nl + 1, p->len - n - 1);
			p->len -= n + 1;
			return 0;
		}
		int left = (int)((end - kms_now()) * 1000);

		if (left <= 0)
			return -ETIMEDOUT;
		struct pollfd pfd = { .fd = p->out, .events = POLLIN };

		if (poll(&pfd, 1, left) <= 0)
			continue;
		ssize_t r = read(p->out, p->buf + p->len, sizeof(p->buf) - 1 - p->len);

		if (r <= 0)
			return -EPIPE;
		p->len += (size_t)r;
	}
}

/* Waits for a line starting with prefix; other lines are skipped. */
static int wait_line(struct proc *p, const char *prefix, char *line, size_t max, int timeout_ms)
{
	double end = kms_now() + timeout_ms / 1000.0;

	for (;;) {
		int left = (int)((end - kms_now()) * 1000), r;

		if (left <= 0)
			return -ETIMEDOUT;
		r = next_line(p, line, max, left);
		if (r)
			return r;
		if (!strncmp(line, prefix, strlen(prefix)) || !strncmp(line, "error", 5))
			return strncmp(line, "error", 5) ? 0 : -EPROTO;
	}
}

static int stop(struct proc *p, int sig)
{
	int st = -1;

	if (p->pid <= 0)
		return -1;
	kill(p->pid, sig);
	for (int i = 0; i < 50; i++) {
		if (waitpid(p->pid, &st, WNOHANG) == p->pid)
			goto done;
		usleep(100000);
	}
	kill(p->pid, SIGKILL);
	waitpid(p->pid, &st, 0);
done:
	close(p->out);
	p->pid = 0;
	return st;
}

static void file_tail(const char *path, const char *grep, char *out, size_t max)
{
	FILE *f = fopen(path, "r");
	char line[512];

	out[0] = 0;
	if (!f)
		return;
	while (fgets(line, sizeof(line), f)) {
		line[strcspn(line, "\n")] = 0;
		if (!grep || strstr(line, grep))
			snprintf(out, max, "%s", line);
	}
	fclose(f);
}

static int parse_draw(const char *line, uint32_t r[4], uint32_t *crc)
{
	return sscanf(line, "draw %u %u %u %u crc=0x%x", &r[0], &r[1], &r[2], &r[3], crc) == 5 ? 0 : -1;
}

int main(void)
{
	struct kfb a, b;
	drmModeModeInfo m1024, m800;
	struct proc srv, c1, c2, c3;
	char line[512], tail[512];
	char *srv_argv[] = { "qxl-scanout", "-s", SOCK, "-t", "1000", "-v", NULL };
	char *dump_argv[] = { "qxl-scanout-dump", "-s", SOCK, "-T", "120", NULL };
	char *v1_argv[] = { "qxl-scanout-dump", "-1", "-s", SOCK, "-n", "1", "-T", "20", "-p", "/tmp/scanout-live.png",
			    NULL };
	char *stuck_argv[] = { "qxl-scanout-dump", "-x", "-s", SOCK, "-T", "60", NULL };
	uint32_t crc, r[4], want;
	int ret;

	if (access("/usr/bin/qxl-scanout", X_OK) || access("/usr/bin/qxl-scanout-dump", X_OK)) {
		qt_result("scanout_live_frame", 2, "qxl-scanout is not in the image (build userspace with meson first)");
		return 0;
	}
	ret = kms_open(&dev);
	if (ret || kms_find_mode(&dev, 1024, 768, &m1024) || kms_find_mode(&dev, 800, 600, &m800)) {
		qt_result("scanout_live_frame", 1, "no qxl card or modes: %s", strerror(-ret));
		return 1;
	}
	if (kfb_create(&dev, &a, 1024, 768) || kfb_create(&dev, &b, 800, 600)) {
		qt_result("scanout_live_frame", 1, "fbs: %s", strerror(errno));
		return 1;
	}
	kfb_fill(&a, 0, 0, 1024, 768, 0x203040);
	kfb_fill(&a, 10, 20, 300, 200, 0xc08020);
	kfb_fill(&b, 0, 0, 800, 600, 0x405060);
	kfb_fill(&b, 700, 500, 100, 100, 0x00ff00);
	if (kms_set(&dev, &a, &m1024)) {
		qt_result("scanout_live_frame", 1, "modeset: %s", strerror(errno));
		return 1;
	}
	unlink("/tmp/qxl-scanout.log");
	spawn(&srv, srv_argv, "/tmp/qxl-scanout.log");
	spawn(&c1, dump_argv, "/tmp/dump1.log");

	/* 1. the frame */
	want = fb_crc(&a);
	ret = wait_line(&c1, "scanout ", line, sizeof(line), 20000);
	if (ret) {
		file_tail("/tmp/qxl-scanout.log", NULL, tail, sizeof(tail));
		qt_result("scanout_live_frame", 1, "no scanout: %s (%s); server: %s", strerror(-ret), line, tail);
		goto out;
	}
	if (!strstr(line, "scanout 1024x768 XR24 planes=1") || !strstr(line, "msg=GL_SCANOUT2"))
		qt_result("scanout_live_frame", 1, "%s", line);
	else if (sscanf(strstr(line, "crc="), "crc=0x%x", &crc) != 1 || crc != want)
		qt_result("scanout_live_frame", 1, "%s; drawn crc=0x%08x", line, want);
	else
		qt_result("scanout_live_frame", 0, "%s (= drawn)", line);
	wait_line(&c1, "draw ", line, sizeof(line), 5000);

	/* 2. damage */
	{
		drmModeClip clip = { 100, 120, 300, 170 };

		kfb_fill(&a, 100, 120, 200, 50, 0xff0000);
		want = fb_crc(&a);
		kms_dirty(&dev, &a, &clip, 1);
		ret = wait_line(&c1, "draw ", line, sizeof(line), 10000);
		if (ret || parse_draw(line, r, &crc))
			qt_result("scanout_live_damage", 1, "no GL_DRAW: %s %s", strerror(-ret), line);
		else if (r[0] != 100 || r[1] != 120 || r[2] != 200 || r[3] != 50)
			qt_result("scanout_live_damage", 1, "GL_DRAW %u,%u %ux%u, want 100,120 200x50 (%s)", r[0], r[1],
				  r[2], r[3], line);
		else if (crc != want)
			qt_result("scanout_live_damage", 1, "rectangle right, pixels crc 0x%08x want 0x%08x", crc, want);
		else
			qt_result("scanout_live_damage", 0, "%s", line);
	}

	/* 3. v1 consumer */
	spawn(&c2, v1_argv, "/tmp/dump2.log");
	ret = wait_line(&c2, "scanout ", line, sizeof(line), 20000);
	if (ret)
		qt_result("scanout_live_v1", 1, "no scanout: %s %s", strerror(-ret), line);
	else
		qt_result("scanout_live_v1", strstr(line, "msg=GL_SCANOUT ") && strstr(line, "1024x768") ? 0 : 1, "%s",
			  line);
	{
		/* it wrote the frame as PNG: 8-byte signature, IHDR 1024x768 */
		unsigned char hdr[24] = { 0 };
		FILE *f;

		wait_line(&c2, "done", line, sizeof(line), 20000);	/* it exits after its first draw */
		f = fopen("/tmp/scanout-live.png", "rb");
		size_t n = f ? fread(hdr, 1, sizeof(hdr), f) : 0;

		if (f)
			fclose(f);
		uint32_t pw = (uint32_t)hdr[16] << 24 | hdr[17] << 16 | hdr[18] << 8 | hdr[19];
		uint32_t ph = (uint32_t)hdr[20] << 24 | hdr[21] << 16 | hdr[22] << 8 | hdr[23];

		qt_result("scanout_live_png", n == 24 && !memcmp(hdr, "\x89PNG", 4) && pw == 1024 && ph == 768 ? 0 : 1,
			  "qxl-scanout-dump -p: %zu bytes read, %ux%u", n, pw, ph);
	}
	stop(&c2, SIGTERM);

	/* 4. modeset with a new fb */
	if (kms_set(&dev, &b, &m800)) {
		qt_result("scanout_live_modeset", 1, "modeset 800x600: %s", strerror(errno));
	} else {
		want = fb_crc(&b);
		ret = wait_line(&c1, "scanout ", line, sizeof(line), 10000);
		if (ret)
			qt_result("scanout_live_modeset", 1, "no new scanout: %s %s", strerror(-ret), line);
		else if (!strstr(line, "scanout 800x600 XR24") || !strstr(line, "msg=GL_SCANOUT2") ||
			 sscanf(strstr(line, "crc="), "crc=0x%x", &crc) != 1 || crc != want)
			qt_result("scanout_live_modeset", 1, "%s; drawn crc=0x%08x", line, want);
		else
			qt_result("scanout_live_modeset", 0, "%s", line);
	}

	/* 5. a stuck consumer */
	{
		int got = 0, ok = 0;
		double t0;

		spawn(&c3, stuck_argv, "/tmp/dump3.log");
		ret = wait_line(&c3, "draw ", line, sizeof(line), 20000);	/* linked, got its first draw */
		t0 = kms_now();
		for (int i = 0; i < 8; i++) {
			drmModeClip clip = { (uint16_t)(20 * i), 10, (uint16_t)(20 * i + 16), 26 };

			kfb_fill(&b, 20 * i, 10, 16, 16, 0xffffff);
			kms_dirty(&dev, &b, &clip, 1);
			/* the other consumer keeps getting its draws */
			while (!wait_line(&c1, "draw ", line, sizeof(line), 1000)) {
				got++;
				if (!parse_draw(line, r, &crc) && r[0] <= 20u * i && r[0] + r[2] >= 20u * i + 16) {
					ok++;
					break;
				}
			}
			usleep(250000);
		}
		double dt = kms_now() - t0;

		file_tail("/tmp/qxl-scanout.log", "no GL_DRAW_DONE", tail, sizeof(tail));
		want = fb_crc(&b);
		int last_ok = !parse_draw(line, r, &crc) && crc == want;
		int st = stop(&c3, SIGTERM);

		(void)st;
		qt_result("scanout_live_stuck", ret == 0 && tail[0] && ok == 8 && last_ok ? 0 : 1,
			  "stuck consumer: %s; the other consumer got %d/8 updates in %.1f s (%d draws), last pixels %s",
			  tail[0] ? tail : "NOT dropped", ok, dt, got, last_ok ? "match" : "DIFFER");
	}
	/* the display itself */
	if (qt_host("screen 800 600 0x405060 700 500 100 100 0x00ff00 0 10 16 16 0xffffff 20 10 16 16 0xffffff "
		    "40 10 16 16 0xffffff 60 10 16 16 0xffffff 80 10 16 16 0xffffff 100 10 16 16 0xffffff "
		    "120 10 16 16 0xffffff 140 10 16 16 0xffffff"))
		qt_result("scanout_live_screen", 1, "the screen is not the last picture");
	else
		qt_result("scanout_live_screen", 0, "");
out:
	stop(&c1, SIGTERM);
	int st = stop(&srv, SIGTERM);

	file_tail("/tmp/qxl-scanout.log", "accepted", tail, sizeof(tail));
	printf("server exit 0x%x: %s\n", st, tail);
	kfb_destroy(&dev, &b);
	kfb_destroy(&dev, &a);
	return 0;
}
