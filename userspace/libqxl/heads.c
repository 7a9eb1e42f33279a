// SPDX-License-Identifier: MIT
/*
 * Heads and modes. A render node has no KMS, so these read the connectors
 * through the same device's primary node (read-only queries need no master).
 * They report the connectors' current state without forcing a probe: the
 * driver updates it itself when the SPICE client's layout changes.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <xf86drm.h>
#include <xf86drmMode.h>

#include "private.h"

/* A file of the primary node of @dev's device (dev->fd itself if it is one). */
static int qxl_kms_fd(struct qxl_device *dev)
{
	drmDevicePtr info = NULL;
	int fd;

	if (!dev->render_node)
		return dev->fd;
	if (drmGetDevice2(dev->fd, 0, &info))
		return -ENODEV;
	if (!(info->available_nodes & (1 << DRM_NODE_PRIMARY))) {
		drmFreeDevice(&info);
		return -ENODEV;
	}
	fd = open(info->nodes[DRM_NODE_PRIMARY], O_RDWR | O_CLOEXEC);
	if (fd < 0)
		fd = -errno;
	/* The first opener becomes master: give it up at once, queries need none. */
	else if (drmIsMaster(fd))
		drmDropMaster(fd);
	drmFreeDevice(&info);
	return fd;
}

static void qxl_kms_put(struct qxl_device *dev, int fd)
{
	if (fd != dev->fd)
		close(fd);
}

static uint32_t qxl_mode_refresh(const drmModeModeInfo *m)
{
	if (m->vrefresh)
		return m->vrefresh;
	if (!m->htotal || !m->vtotal)
		return 0;
	return (uint32_t)(((uint64_t)m->clock * 1000 + (uint64_t)m->htotal * m->vtotal / 2) /
			  ((uint64_t)m->htotal * m->vtotal));
}

static void qxl_head_fill(int fd, drmModeConnectorPtr c, struct qxl_head *h)
{
	const char *type = drmModeGetConnectorTypeName(c->connector_type);
	int i;

	memset(h, 0, sizeof(*h));
	h->connector_id = c->connector_id;
	snprintf(h->name, sizeof(h->name), "%s-%u", type ? type : "Unknown",
		 c->connector_type_id);
	h->connected = c->connection == DRM_MODE_CONNECTED;
	h->num_modes = (uint32_t)c->count_modes;
	for (i = 0; i < c->count_modes; i++) {
		if (c->modes[i].type & DRM_MODE_TYPE_PREFERRED) {
			h->preferred_width = c->modes[i].hdisplay;
			h->preferred_height = c->modes[i].vdisplay;
			break;
		}
	}
	if (c->encoder_id) {
		drmModeEncoderPtr e = drmModeGetEncoder(fd, c->encoder_id);

		if (e && e->crtc_id) {
			drmModeCrtcPtr crtc = drmModeGetCrtc(fd, e->crtc_id);

			h->crtc_id = e->crtc_id;
			if (crtc && crtc->mode_valid) {
				h->x = (int32_t)crtc->x;
				h->y = (int32_t)crtc->y;
				h->width = crtc->mode.hdisplay;
				h->height = crtc->mode.vdisplay;
				h->refresh = qxl_mode_refresh(&crtc->mode);
			}
			drmModeFreeCrtc(crtc);
		}
		drmModeFreeEncoder(e);
	}
}

QXL_PUBLIC int qxl_device_heads(struct qxl_device *dev, struct qxl_head *heads,
				unsigned int max)
{
	drmModeResPtr res;
	int fd, i, n = 0;

	if (!dev || (max && !heads))
		return -EINVAL;
	fd = qxl_kms_fd(dev);
	if (fd < 0)
		return fd;
	res = drmModeGetResources(fd);
	if (!res) {
		n = errno ? -errno : -ENODEV;
		qxl_kms_put(dev, fd);
		return n;
	}
	for (i = 0; i < res->count_connectors; i++) {
		drmModeConnectorPtr c = drmModeGetConnectorCurrent(fd, res->connectors[i]);

		if (!c)
			continue;
		if (heads && (unsigned int)n < max)
			qxl_head_fill(fd, c, &heads[n]);
		n++;
		drmModeFreeConnector(c);
	}
	drmModeFreeResources(res);
	qxl_kms_put(dev, fd);
	return n;
}

QXL_PUBLIC int qxl_device_modes(struct qxl_device *dev, uint32_t connector_id,
				struct qxl_mode *modes, unsigned int max)
{
	drmModeConnectorPtr c;
	int fd, i;

	if (!dev || (max && !modes))
		return -EINVAL;
	fd = qxl_kms_fd(dev);
	if (fd < 0)
		return fd;
	c = drmModeGetConnectorCurrent(fd, connector_id);
	if (!c) {
		qxl_kms_put(dev, fd);
		return -ENOENT;
	}
	for (i = 0; modes && i < c->count_modes && (unsigned int)i < max; i++) {
		const drmModeModeInfo *m = &c->modes[i];

		memset(&modes[i], 0, sizeof(modes[i]));
		snprintf(modes[i].name, sizeof(modes[i].name), "%s", m->name);
		modes[i].width = m->hdisplay;
		modes[i].height = m->vdisplay;
		modes[i].refresh = qxl_mode_refresh(m);
		modes[i].preferred = (m->type & DRM_MODE_TYPE_PREFERRED) != 0;
	}
	i = c->count_modes;
	drmModeFreeConnector(c);
	qxl_kms_put(dev, fd);
	return i;
}
