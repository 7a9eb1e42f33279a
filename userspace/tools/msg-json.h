/* SPDX-License-Identifier: MIT */
#ifndef QXL_NG_MSG_JSON_H
#define QXL_NG_MSG_JSON_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "spice-wire.h"

/*
 * Appends a JSON object (no newline) describing the message: channel, id,
 * direction, type and name, size, and the fields of the server messages
 * qxl-ng's tests look at; a message that does not validate gets "error".
 * Returns the validation error or the buffer's error.
 */
int msg_json(struct sw_buf *out, uint8_t channel_type, uint8_t channel_id, bool server,
	     uint16_t type, const uint8_t *body, size_t len);

#endif
