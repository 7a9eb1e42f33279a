// SPDX-License-Identifier: MIT
/*
 * scanout-bench: frames/s and bytes copied per frame delivered to a consumer
 * of the display, zero-copy (qxl-scanout + a libqxl-scanout consumer that
 * copies only the GL_DRAW rectangle out of the mapped dma-buf) versus reading
 * the screen back (every frame copied whole out of the framebuffer and sent
 * over a unix socket to the consumer, as a screendump-style grabber does).
 *
 * The animation is the same in both: a 64x64 square moving over a still
 * background, one DIRTYFB per step. Run in the guest:
 *   scanout-bench WIDTH HEIGHT SECONDS
 * Prints "BENCH mode=<zero-copy|readback> size=WxH frames=N fps=F
 * bytes_per_frame=B" and an @@TEST line per mode.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <drm_fourcc.h>
#include <xf86drm.h>
#include <xf86drmMode.h>

#include "qxl-scanout.h"

#define SOCK "/tmp/scanout-bench.sock"
#define SQ 64

static int fd;
static uint32_t crtc_id, conn_id, W, H, pitch, fb_id;
static uint32_t *px;
static uint64_t fb_size;

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static int setup(void)
{
	drmModeRes *res;
	drmModeConnector *c = NULL;
	drmModeModeInfo mode;
	int found = 0;
	struct drm_mode_create_dumb cr = { .bpp = 32 };
	struct drm_mode_map_dumb mp = { 0 };
	uint32_t handles[4] = { 0 }, pitches[4] = { 0 }, offsets[4] = { 0 };

	fd = open("/dev/dri/card0", O_RDWR | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	res = drmModeGetResources(fd);
	if (!res)
		return -ENODEV;
	crtc_id = res->crtcs[0];
	for (int i = 0; i < res->count_connectors && !found; i++) {
		c = drmModeGetConnector(fd, res->connectors[i]);
		for (int m = 0; c && m < c->count_modes; m++)
			if (c->modes[m].hdisplay == W && c->modes[m].vdisplay == H) {
				mode = c->modes[m];
				conn_id = c->connector_id;
				found = 1;
				break;
			}
		drmModeFreeConnector(c);
	}
	drmModeFreeResources(res);
	if (!found)
		return -ENOENT;
	cr.width = W;
	cr.height = H;
	if (drmIoctl(fd, DRM_IOCTL_MODE_CREATE_DUMB, &cr))
		return -errno;
	pitch = cr.pitch;
	fb_size = cr.size;
	handles[0] = cr.handle;
	pitches[0] = cr.pitch;
	if (drmModeAddFB2(fd, W, H, DRM_FORMAT_XRGB8888, handles, pitches, offsets, &fb_id, 0))
		return -errno;
	mp.handle = cr.handle;
	if (drmIoctl(fd, DRM_IOCTL_MODE_MAP_DUMB, &mp))
		return -errno;
	px = mmap(NULL, cr.size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, (off_t)mp.offset);
	if (px == MAP_FAILED)
		return -errno;
	for (uint32_t y = 0; y < H; y++)
		for (uint32_t x = 0; x < W; x++)
			px[y * (pitch / 4) + x] = ((x / 32 + y / 32) & 1) ? 0x304050 : 0x203040;
	if (drmModeSetCrtc(fd, crtc_id, fb_id, 0, 0, &conn_id, 1, &mode))
		return -errno;
	return 0;
}

/* One animation step: move the square, paint, DIRTYFB the union. */
static void step(unsigned i)
{
	static uint32_t ox, oy;
	uint32_t nx = (i * 8) % (W - SQ), ny = ((i * 8) / (W - SQ) * SQ) % (H - SQ);
	uint32_t x0 = ox < nx ? ox : nx, y0 = oy < ny ? oy : ny;
	uint32_t x1 = (ox > nx ? ox : nx) + SQ, y1 = (oy > ny ? oy : ny) + SQ;
	drmModeClip clip = { (uint16_t)x0, (uint16_t)y0, (uint16_t)x1, (uint16_t)y1 };

	for (uint32_t y = oy; y < oy + SQ; y++)
		for (uint32_t x = ox; x < ox + SQ; x++)
			px[y * (pitch / 4) + x] = ((x / 32 + y / 32) & 1) ? 0x304050 : 0x203040;
	for (uint32_t y = ny; y < ny + SQ; y++)
		for (uint32_t x = nx; x < nx + SQ; x++)
			px[y * (pitch / 4) + x] = 0xff8000 + i % 256;
	ox = nx;
	oy = ny;
	drmModeDirtyFB(fd, fb_id, &clip, 1);
}

struct report {
	unsigned long long frames, bytes;
	double secs;
};

/* zero-copy consumer: copies only the damaged rectangle out of the mapping */
static void zc_consumer(int out, double secs)
{
	struct report rep = { 0 };
	struct qs_client *c = NULL;
	uint8_t *mine = NULL;
	double end = now_s() + secs + 10, t0 = 0;
	int ret = -1;

	for (int i = 0; i < 100 && ret; i++) {
		ret = qs_client_connect(&c, SOCK, 0, 5000);
		if (ret)
			usleep(50000);
	}
	if (ret)
		_exit(1);
	while (now_s() < end) {
		struct qs_event ev;

		ret = qs_client_next(c, &ev, 1000);
		if (ret == -ETIMEDOUT)
			continue;
		if (ret)
			break;
		const struct qs_mapped_frame *f = qs_client_frame(c);

		if (ev.type == QS_EVENT_SCANOUT) {
			free(mine);
			mine = malloc((size_t)f->planes[0].stride * f->height);
			continue;
		}
		if (!t0) {	/* the first draw is the whole frame: start counting after it */
			t0 = now_s();
			end = t0 + secs;
			qs_client_ack(c);
			continue;
		}
		qs_client_begin_read(c);
		for (uint32_t y = ev.rect.y; y < ev.rect.y + ev.rect.h; y++) {
			size_t off = (size_t)y * f->planes[0].stride + ev.rect.x * 4;

			memcpy(mine + off, f->planes[0].data + off, ev.rect.w * 4);
		}
		qs_client_end_read(c);
		rep.bytes += (unsigned long long)ev.rect.w * ev.rect.h * 4;
		rep.frames++;
		qs_client_ack(c);
	}
	rep.secs = now_s() - t0;
	if (write(out, &rep, sizeof(rep)) != sizeof(rep))
		_exit(2);
	qs_client_free(c);
	free(mine);
	_exit(0);
}

/* readback consumer: receives whole frames over the socket */
static void rb_consumer(int sock, int out, size_t frame)
{
	struct report rep = { 0 };
	uint8_t *mine = malloc(frame);
	double t0 = now_s();

	for (;;) {
		size_t got = 0;

		while (got < frame) {
			ssize_t r = read(sock, mine + got, frame - got);

			if (r <= 0)
				goto done;
			got += (size_t)r;
		}
		rep.frames++;
		/* copied out of the scanout by the grabber, then through the socket */
		rep.bytes += 2ull * frame;
		if (write(sock, "k", 1) != 1)
			break;
	}
done:
	rep.secs = now_s() - t0;
	if (write(out, &rep, sizeof(rep)) != sizeof(rep))
		_exit(2);
	_exit(0);
}

static int collect(int p, pid_t pid, struct report *rep)
{
	int st;
	ssize_t n;
	struct pollfd pf = { .fd = p, .events = POLLIN };

	if (poll(&pf, 1, 30000) != 1) {
		kill(pid, SIGKILL);
		waitpid(pid, &st, 0);
		return -1;
	}
	n = read(p, rep, sizeof(*rep));
	waitpid(pid, &st, 0);
	return n == sizeof(*rep) ? 0 : -1;
}

int main(int argc, char **argv)
{
	double secs;
	int p[2], ret;
	struct report zc = { 0 }, rb = { 0 };
	pid_t srv, cons;

	if (argc < 4) {
		fprintf(stderr, "usage: %s WIDTH HEIGHT SECONDS\n", argv[0]);
		return 2;
	}
	W = (uint32_t)atoi(argv[1]);
	H = (uint32_t)atoi(argv[2]);
	secs = atof(argv[3]);
	signal(SIGPIPE, SIG_IGN);
	ret = setup();
	if (ret) {
		printf("@@TEST bench_%ux%u SKIP no %ux%u mode or buffer: %s\n", W, H, W, H, strerror(-ret));
		return 0;
	}

	/* ---- zero-copy: qxl-scanout + a consumer ---- */
	unlink(SOCK);
	fflush(stdout);
	srv = fork();
	if (srv == 0) {
		int e = open("/tmp/scanout-bench-server.log", O_WRONLY | O_CREAT | O_TRUNC, 0644);

		if (e >= 0)
			dup2(e, 2);
		execlp("qxl-scanout", "qxl-scanout", "-s", SOCK, "-t", "2000", (char *)NULL);
		_exit(127);
	}
	if (pipe(p))
		return 1;
	cons = fork();
	if (cons == 0) {
		close(p[0]);
		zc_consumer(p[1], secs);
	}
	close(p[1]);
	{
		double end = now_s() + secs + 12;
		unsigned i = 0;
		struct pollfd pf = { .fd = p[0], .events = POLLIN };

		while (now_s() < end && poll(&pf, 1, 0) == 0) {
			step(i++);
			usleep(4000);
		}
	}
	ret = collect(p[0], cons, &zc);
	close(p[0]);
	kill(srv, SIGTERM);
	waitpid(srv, NULL, 0);

	/* ---- readback: whole frames through a socket ---- */
	{
		int sv[2];
		size_t frame = (size_t)W * H * 4;
		uint8_t *stage = malloc(frame);
		double end;
		unsigned i = 0;
		char k;

		if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) || pipe(p))
			return 1;
		fflush(stdout);
		cons = fork();
		if (cons == 0) {
			close(sv[0]);
			close(p[0]);
			rb_consumer(sv[1], p[1], frame);
		}
		close(sv[1]);
		close(p[1]);
		end = now_s() + secs;
		while (now_s() < end) {
			step(i++);
			for (uint32_t y = 0; y < H; y++)	/* the visible rows, copied out */
				memcpy(stage + (size_t)y * W * 4, (uint8_t *)px + (size_t)y * pitch, (size_t)W * 4);
			size_t put = 0;

			while (put < frame) {
				ssize_t w = write(sv[0], stage + put, frame - put);

				if (w <= 0)
					break;
				put += (size_t)w;
			}
			if (read(sv[0], &k, 1) != 1)
				break;
		}
		close(sv[0]);
		collect(p[0], cons, &rb);
		close(p[0]);
		free(stage);
	}

	double zfps = zc.secs > 0 ? zc.frames / zc.secs : 0, rfps = rb.secs > 0 ? rb.frames / rb.secs : 0;

	printf("BENCH mode=zero-copy size=%ux%u frames=%llu fps=%.1f bytes_per_frame=%llu\n", W, H, zc.frames, zfps,
	       zc.frames ? zc.bytes / zc.frames : 0);
	printf("BENCH mode=readback size=%ux%u frames=%llu fps=%.1f bytes_per_frame=%llu\n", W, H, rb.frames, rfps,
	       rb.frames ? rb.bytes / rb.frames : 0);
	printf("@@TEST bench_%ux%u %s zero-copy %.1f fps %llu B/frame; readback %.1f fps %llu B/frame\n", W, H,
	       ret || !zc.frames || !rb.frames ? "FAIL" : "PASS", zfps, zc.frames ? zc.bytes / zc.frames : 0, rfps,
	       rb.frames ? rb.bytes / rb.frames : 0);
	return 0;
}
