// SPDX-License-Identifier: MIT
/*
 * A key scancode sent by spice-probe reaches the guest (issue 5): finds the
 * evdev node of QEMU's PS/2 keyboard (i8042 + atkbd are built into Debian's
 * kernel; evdev is a module, spice_input.sh loads it), asks the host for
 * `probe-key 0x1e,0x11d` (A, then E0-prefixed right Ctrl; press + release
 * each) and reads the four key events from /dev/input/eventN within 10 s.
 *
 *   probe_key_a       KEY_A (30) press and release
 *   probe_key_e0      KEY_RIGHTCTRL (97) press and release (E0 1D / E0 9D)
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/input.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <time.h>
#include <unistd.h>

#include "qtest.h"

#define BIT(a, n) ((a)[(n) / 8] & (1u << ((n) % 8)))

static int find_keyboard(char *path, size_t n)
{
	DIR *d = opendir("/dev/input");
	struct dirent *e;
	int fd = -1;

	while (d && (e = readdir(d))) {
		unsigned char keys[KEY_MAX / 8 + 1] = { 0 };

		if (strncmp(e->d_name, "event", 5))
			continue;
		snprintf(path, n, "/dev/input/%s", e->d_name);
		fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC);
		if (fd < 0)
			continue;
		if (ioctl(fd, EVIOCGBIT(EV_KEY, sizeof(keys)), keys) >= 0 && BIT(keys, KEY_A) &&
		    BIT(keys, KEY_RIGHTCTRL))
			break;
		close(fd);
		fd = -1;
	}
	if (d)
		closedir(d);
	return fd;
}

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

int main(void)
{
	char path[300], seen[256] = "";
	struct input_event ev;
	int a_down = 0, a_up = 0, c_down = 0, c_up = 0, n = 0;
	size_t len = 0;
	double end;
	int fd = find_keyboard(path, sizeof(path));

	if (fd < 0) {
		qt_result("probe_key_a", QT_FAIL, "no keyboard evdev node in /dev/input (evdev loaded?)");
		return 1;
	}
	printf("keyboard: %s\n", path);
	while (read(fd, &ev, sizeof(ev)) == sizeof(ev))
		;	/* drain */
	if (qt_host("probe-key 0x1e,0x11d")) {
		qt_result("probe_key_a", QT_FAIL, "spice-probe did not send the keys (host detail above)");
		return 1;
	}
	end = now() + 10;
	while (now() < end && !(a_up && c_up)) {
		struct pollfd pfd = { .fd = fd, .events = POLLIN };

		if (poll(&pfd, 1, 200) != 1)
			continue;
		while (read(fd, &ev, sizeof(ev)) == sizeof(ev)) {
			if (ev.type != EV_KEY)
				continue;
			n++;
			if (len < sizeof(seen) - 16)
				len += (size_t)snprintf(seen + len, sizeof(seen) - len, " %u:%d", ev.code, ev.value);
			if (ev.code == KEY_A && ev.value == 1)
				a_down = 1;
			if (ev.code == KEY_A && ev.value == 0 && a_down)
				a_up = 1;
			if (ev.code == KEY_RIGHTCTRL && ev.value == 1)
				c_down = 1;
			if (ev.code == KEY_RIGHTCTRL && ev.value == 0 && c_down)
				c_up = 1;
		}
	}
	close(fd);
	qt_result("probe_key_a", a_down && a_up ? QT_PASS : QT_FAIL, "%s: %d key events:%s", path, n, seen);
	qt_result("probe_key_e0", c_down && c_up ? QT_PASS : QT_FAIL, "%s: %d key events:%s", path, n, seen);
	return a_up && c_up ? 0 : 1;
}
