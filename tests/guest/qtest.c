// SPDX-License-Identifier: GPL-2.0-only
/*
 * qtest: the guest side of the qxl-ng VM test protocol. See qtest.h and
 * tests/harness/README.md.
 */
#define _GNU_SOURCE
#include "qtest.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

#define QT_CTL_DEV "/dev/ttyS1"
#define QT_HOST_TIMEOUT_MS 120000
#define QT_LINE_MAX 4096

static const char *const qt_status_names[] = { "PASS", "FAIL", "SKIP" };

/* Replace line breaks so that one result stays one console line. */
static void qt_flatten(char *s)
{
	for (; *s; s++)
		if (*s == '\n' || *s == '\r')
			*s = ' ';
}

void qt_result(const char *name, int status, const char *fmt, ...)
{
	char msg[QT_LINE_MAX];
	va_list ap;

	if (status < 0 || status > 2)
		status = QT_FAIL;
	msg[0] = '\0';
	if (fmt) {
		va_start(ap, fmt);
		vsnprintf(msg, sizeof(msg), fmt, ap);
		va_end(ap);
	}
	qt_flatten(msg);
	if (status == QT_SKIP && !msg[0])
		snprintf(msg, sizeof(msg), "(no reason given)");
	/* One write so that it is not interleaved with other output. */
	fflush(stdout);
	printf("@@TEST %s %s %s\n", name, qt_status_names[status], msg);
	fflush(stdout);
}

static long long qt_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static int qt_open_ctl(void)
{
	struct termios tio;
	int fd;

	fd = open(QT_CTL_DEV, O_RDWR | O_NOCTTY | O_CLOEXEC);
	if (fd < 0) {
		fprintf(stderr, "qtest: open %s: %s\n", QT_CTL_DEV, strerror(errno));
		return -1;
	}
	if (tcgetattr(fd, &tio) == 0) {
		cfmakeraw(&tio);
		cfsetispeed(&tio, B115200);
		cfsetospeed(&tio, B115200);
		tio.c_cflag |= CLOCAL | CREAD;
		tio.c_cc[VMIN] = 1;
		tio.c_cc[VTIME] = 0;
		tcsetattr(fd, TCSANOW, &tio);
	}
	tcflush(fd, TCIFLUSH);
	return fd;
}

static int qt_write_all(int fd, const char *buf, size_t len)
{
	while (len) {
		ssize_t n = write(fd, buf, len);

		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		buf += n;
		len -= (size_t)n;
	}
	return 0;
}

static int qt_vhost(char *reply, size_t reply_len, const char *fmt, va_list ap)
{
	static unsigned int counter;
	char req[QT_LINE_MAX], line[QT_LINE_MAX], prefix[64], *out;
	size_t used = 0, plen;
	long long deadline;
	unsigned long seq;
	int fd, ret = -1;

	if (reply && reply_len)
		reply[0] = '\0';
	vsnprintf(req, sizeof(req), fmt, ap);
	qt_flatten(req);

	seq = (unsigned long)getpid() * 1000UL + (++counter % 1000U);
	fd = qt_open_ctl();
	if (fd < 0) {
		printf("qt_host: no control channel for: %s\n", req);
		fflush(stdout);
		return -1;
	}
	out = malloc(strlen(req) + 64);
	if (!out) {
		close(fd);
		return -1;
	}
	sprintf(out, "CHECK %lu %s\n", seq, req);
	if (qt_write_all(fd, out, strlen(out))) {
		printf("qt_host: write to %s failed: %s\n", QT_CTL_DEV, strerror(errno));
		goto done;
	}
	tcdrain(fd);

	plen = (size_t)snprintf(prefix, sizeof(prefix), "RESULT %lu ", seq);
	deadline = qt_now_ms() + QT_HOST_TIMEOUT_MS;
	for (;;) {
		struct pollfd pfd = { .fd = fd, .events = POLLIN };
		long long left = deadline - qt_now_ms();
		char c;
		ssize_t n;

		if (left <= 0) {
			printf("qt_host: no answer within %d s to: %s\n",
			       QT_HOST_TIMEOUT_MS / 1000, req);
			break;
		}
		n = poll(&pfd, 1, (int)left);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			continue;
		n = read(fd, &c, 1);
		if (n < 0 && (errno == EINTR || errno == EAGAIN))
			continue;
		if (n <= 0) {
			printf("qt_host: read from %s failed\n", QT_CTL_DEV);
			break;
		}
		if (c == '\r')
			continue;
		if (c != '\n') {
			if (used < sizeof(line) - 1)
				line[used++] = c;
			continue;
		}
		line[used] = '\0';
		used = 0;
		if (strncmp(line, prefix, plen) != 0)
			continue; /* an answer to someone else, or noise */
		if (reply && reply_len)
			snprintf(reply, reply_len, "%s", line + plen);
		if (strncmp(line + plen, "PASS", 4) == 0) {
			printf("host: PASS%s\n", line + plen + 4);
			ret = 0;
		} else {
			printf("host: %s\n", line + plen);
		}
		break;
	}
done:
	fflush(stdout);
	free(out);
	close(fd);
	return ret;
}

int qt_host(const char *fmt, ...)
{
	va_list ap;
	int ret;

	va_start(ap, fmt);
	ret = qt_vhost(NULL, 0, fmt, ap);
	va_end(ap);
	return ret;
}

int qt_host_reply(char *reply, size_t len, const char *fmt, ...)
{
	va_list ap;
	int ret;

	va_start(ap, fmt);
	ret = qt_vhost(reply, len, fmt, ap);
	va_end(ap);
	return ret;
}

int qt_status_each(void (*fn)(const char *key, const char *value, void *arg), void *arg)
{
	FILE *f = fopen("/sys/kernel/debug/dri/0/qxl_status", "r");
	char line[256];

	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f)) {
		char *colon = strchr(line, ':');

		if (!colon)
			continue;
		*colon = 0;
		fn(line, colon + 1, arg);
	}
	fclose(f);
	return 0;
}

struct status_key {
	const char *key;
	long long v;
};

static void status_key(const char *key, const char *value, void *arg)
{
	struct status_key *k = arg;

	if (!strcmp(key, k->key))
		k->v = strtoll(value, NULL, 0);
}

long long qt_status_ll(const char *key)
{
	struct status_key k = { key, -1 };

	qt_status_each(status_key, &k);
	return k.v;
}

int qt_status(const char *key)
{
	return (int)qt_status_ll(key);
}

int qt_write_file(const char *path, const char *s)
{
	int f = open(path, O_WRONLY | O_CLOEXEC), ret = 0;
	ssize_t n;

	if (f < 0)
		return -errno;
	n = write(f, s, strlen(s));
	if (n < 0)
		ret = -errno;
	else if ((size_t)n != strlen(s))
		ret = -EIO;
	close(f);
	return ret;
}

int qt_hibernate(void)
{
	int ret;

	if (system("mkswap /dev/vda >/dev/null && swapon /dev/vda"))
		return -EIO;
	ret = qt_write_file("/sys/power/disk", "shutdown");
	if (!ret && qt_host("hibernate"))
		ret = -EIO;
	if (!ret)
		ret = qt_write_file("/sys/power/state", "disk");
	if (system("swapoff /dev/vda"))
		fprintf(stderr, "qt_hibernate: swapoff /dev/vda failed\n");
	return ret;
}
