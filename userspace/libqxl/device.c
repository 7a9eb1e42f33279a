// SPDX-License-Identifier: MIT
/*
 * The device: finding and opening the qxl DRM node, driver parameters,
 * client capabilities and the limits of the API.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <xf86drm.h>

#include "private.h"

static const char *const qxl_cap_names[] = {
	"SIZED_STREAM", "MONITORS_CONFIG", "COMPOSITE", "A8_SURFACE",
};

QXL_PUBLIC const char *qxl_client_cap_name(unsigned int bit)
{
	return bit < 4 ? qxl_cap_names[bit] : NULL;
}

static bool qxl_fd_is_qxl(int fd)
{
	drmVersionPtr v = drmGetVersion(fd);
	bool ok = v && v->name && strcmp(v->name, "qxl") == 0;

	drmFreeVersion(v);
	return ok;
}

static int qxl_device_wrap(int fd, struct qxl_device **out)
{
	struct qxl_device *dev;
	char *name;

	if (!qxl_fd_is_qxl(fd))
		return -ENODEV;
	dev = calloc(1, sizeof(*dev));
	if (!dev)
		return -ENOMEM;
	dev->fd = fd;
	dev->policy = QXL_POLICY_AUTO;
	dev->render_node = drmGetNodeTypeFromFd(fd) == DRM_NODE_RENDER;
	name = drmGetDeviceNameFromFd2(fd);
	snprintf(dev->node, sizeof(dev->node), "%s", name ? name : "?");
	free(name);
	*out = dev;
	return 0;
}

/* Try /dev/dri/<prefix>N for N in [first, first + 16). */
static int qxl_open_first(const char *prefix, int first, struct qxl_device **out)
{
	char path[64];
	int i, ret = -ENODEV;

	for (i = first; i < first + 16; i++) {
		int fd;

		snprintf(path, sizeof(path), "/dev/dri/%s%d", prefix, i);
		fd = open(path, O_RDWR | O_CLOEXEC);
		if (fd < 0)
			continue;
		ret = qxl_device_wrap(fd, out);
		if (!ret)
			return 0;
		close(fd);
	}
	return ret;
}

QXL_PUBLIC int qxl_device_open(const char *path, struct qxl_device **out)
{
	int fd, ret;

	if (!out)
		return -EINVAL;
	if (!path) {
		ret = qxl_open_first("renderD", 128, out);
		if (ret == -ENODEV)
			ret = qxl_open_first("card", 0, out);
		return ret;
	}
	fd = open(path, O_RDWR | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	ret = qxl_device_wrap(fd, out);
	if (ret)
		close(fd);
	return ret;
}

QXL_PUBLIC int qxl_device_new_from_fd(int fd, struct qxl_device **out)
{
	int dup_fd, ret;

	if (fd < 0 || !out)
		return -EINVAL;
	dup_fd = fcntl(fd, F_DUPFD_CLOEXEC, 0);
	if (dup_fd < 0)
		return -errno;
	ret = qxl_device_wrap(dup_fd, out);
	if (ret)
		close(dup_fd);
	return ret;
}

QXL_PUBLIC void qxl_device_free(struct qxl_device *dev)
{
	if (!dev)
		return;
	qxl_bo_unref(dev->stream);
	close(dev->fd);
	free(dev);
}

QXL_PUBLIC int qxl_device_fd(const struct qxl_device *dev)
{
	return dev ? dev->fd : -EINVAL;
}

static int qxl_getparam(struct qxl_device *dev, uint64_t param, uint32_t *value)
{
	struct drm_qxl_getparam gp = { .param = param };

	if (drmIoctl(dev->fd, DRM_IOCTL_QXL_GETPARAM, &gp))
		return -errno;
	*value = (uint32_t)gp.value;
	return 0;
}

QXL_PUBLIC int qxl_device_client_caps(struct qxl_device *dev, uint32_t *caps)
{
	if (!dev || !caps)
		return -EINVAL;
	return qxl_getparam(dev, QXL_NG_PARAM_CLIENT_CAPS, caps);
}

QXL_PUBLIC int qxl_device_query(struct qxl_device *dev, struct qxl_device_info *info)
{
	uint32_t version = 0;
	int ret;

	if (!dev || !info)
		return -EINVAL;
	memset(info, 0, sizeof(*info));
	snprintf(info->node, sizeof(info->node), "%s", dev->node);
	info->render_node = dev->render_node;
	ret = qxl_getparam(dev, QXL_NG_PARAM_DRIVER_VERSION, &version);
	if (!ret)
		ret = qxl_getparam(dev, QXL_PARAM_NUM_SURFACES, &info->num_surfaces);
	if (!ret)
		ret = qxl_getparam(dev, QXL_PARAM_MAX_RELOCS, &info->max_relocs);
	if (!ret)
		ret = qxl_getparam(dev, QXL_NG_PARAM_CLIENT_CAPS, &info->client_caps);
	if (!ret)
		ret = qxl_getparam(dev, QXL_NG_PARAM_CLIENT_CAPS_SEQ, &info->client_caps_seq);
	info->driver_major = version >> 16;
	info->driver_minor = version & 0xffff;
	return ret;
}

QXL_PUBLIC void qxl_device_limits(const struct qxl_device *dev, struct qxl_limits *limits)
{
	(void)dev;
	if (!limits)
		return;
	limits->max_width = QXL_MAX_DIM;
	limits->max_height = QXL_MAX_DIM;
	limits->max_commands = QXL_MAX_COMMANDS;
	limits->max_relocs = QXL_MAX_RELOCS;
	limits->max_clip_rects = QXL_MAX_CLIP_RECTS;
	limits->stride_align = 4;
}

QXL_PUBLIC int qxl_device_set_policy(struct qxl_device *dev, enum qxl_policy policy)
{
	if (!dev || (unsigned int)policy > QXL_POLICY_FALLBACK)
		return -EINVAL;
	dev->policy = policy;
	return 0;
}
