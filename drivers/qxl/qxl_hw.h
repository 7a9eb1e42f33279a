/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The QXL device ABI as seen by the guest: PCI BAR layout, I/O ports, ROM and
 * RAM headers, rings and the commands this driver builds. Everything the
 * device reads is little-endian and packed; each size is asserted so that a
 * typo in a field cannot silently move the ones after it.
 */
#ifndef QXL_HW_H
#define QXL_HW_H

#include <linux/build_bug.h>
#include <linux/types.h>

#define QXL_PCI_VENDOR			0x1b36
#define QXL_PCI_DEVICE			0x0100
#define QXL_MIN_REVISION		4

#define QXL_BAR_RAM			0
#define QXL_BAR_VRAM			1
#define QXL_BAR_ROM			2
#define QXL_BAR_IO			3
#define QXL_BAR_VRAM64			4

#define QXL_ROM_MAGIC			0x4f525851	/* "QXRO" */
#define QXL_RAM_MAGIC			0x41525851	/* "QXRA" */

/* I/O port offsets from BAR3; every access is a single byte write. */
enum qxl_io_port {
	QXL_IO_NOTIFY_CMD = 0,
	QXL_IO_NOTIFY_CURSOR = 1,
	QXL_IO_UPDATE_AREA = 2,
	QXL_IO_UPDATE_IRQ = 3,
	QXL_IO_NOTIFY_OOM = 4,
	QXL_IO_RESET = 5,
	QXL_IO_LOG = 7,
	QXL_IO_MEMSLOT_ADD = 8,
	QXL_IO_MEMSLOT_DEL = 9,
	QXL_IO_DETACH_PRIMARY = 10,	/* defined, but QEMU treats it as a guest bug */
	QXL_IO_UPDATE_AREA_ASYNC = 16,
	QXL_IO_MEMSLOT_ADD_ASYNC = 17,
	QXL_IO_CREATE_PRIMARY_ASYNC = 18,
	QXL_IO_DESTROY_PRIMARY_ASYNC = 19,
	QXL_IO_DESTROY_SURFACE_ASYNC = 20,
	QXL_IO_DESTROY_ALL_SURFACES_ASYNC = 21,
	QXL_IO_FLUSH_SURFACES_ASYNC = 22,
	QXL_IO_FLUSH_RELEASE = 23,	/* never written: races in QEMU (qxl_dmem.c) */
	QXL_IO_MONITORS_CONFIG_ASYNC = 24,
	QXL_IO_PORTS		/* number of ports, not a port */
};

/* Interrupt bits in ram->int_pending and ram->int_mask. */
#define QXL_INT_DISPLAY			BIT(0)
#define QXL_INT_CURSOR			BIT(1)
#define QXL_INT_IO_CMD			BIT(2)
#define QXL_INT_ERROR			BIT(3)
#define QXL_INT_CLIENT			BIT(4)
#define QXL_INT_CLIENT_MONITORS_CONFIG	BIT(5)

/* Display-channel capabilities the device copies into rom->client_caps. */
#define QXL_CLIENT_CAP_SIZED_STREAM	0
#define QXL_CLIENT_CAP_MONITORS_CONFIG	1
#define QXL_CLIENT_CAP_COMPOSITE	2
#define QXL_CLIENT_CAP_A8_SURFACE	3

#define QXL_MAX_CLIENT_HEADS		64

struct qxl_urect {
	__le32 top;
	__le32 left;
	__le32 bottom;
	__le32 right;
} __packed;
static_assert(sizeof(struct qxl_urect) == 16);

struct qxl_rom {
	__le32 magic;
	__le32 id;
	__le32 update_id;
	__le32 compression_level;
	__le32 log_level;
	__le32 mode;
	__le32 modes_offset;
	__le32 num_pages;
	__le32 pages_offset;
	__le32 draw_area_offset;
	__le32 surface0_area_size;
	__le32 ram_header_offset;
	__le32 mm_clock;
	__le32 n_surfaces;
	__le64 flags;
	u8 slots_start;
	u8 slots_end;
	u8 slot_gen_bits;
	u8 slot_id_bits;
	u8 slot_generation;
	u8 client_present;
	u8 client_caps[58];
	__le32 client_monitors_crc;
	__le16 client_monitors_count;
	__le16 client_monitors_pad;
	struct qxl_urect client_heads[QXL_MAX_CLIENT_HEADS];
} __packed;
static_assert(sizeof(struct qxl_rom) == 1160);

struct qxl_mode {
	__le32 id;
	__le32 x_res;
	__le32 y_res;
	__le32 bits;
	__le32 stride;
	__le32 x_mili;
	__le32 y_mili;
	__le32 orientation;
} __packed;
static_assert(sizeof(struct qxl_mode) == 32);

/*
 * Ring header shared by the command, cursor and release rings; the items
 * follow it. Counters run freely and are reduced modulo num_items.
 */
struct qxl_ring_hdr {
	__le32 num_items;
	__le32 prod;
	__le32 notify_on_prod;
	__le32 cons;
	__le32 notify_on_cons;
} __packed;
static_assert(sizeof(struct qxl_ring_hdr) == 20);

#define QXL_CMD_RING_SIZE		32
#define QXL_CURSOR_RING_SIZE		32
#define QXL_RELEASE_RING_SIZE		8

enum qxl_cmd_type {
	QXL_CMD_NOP = 0,
	QXL_CMD_DRAW = 1,
	QXL_CMD_UPDATE = 2,
	QXL_CMD_CURSOR = 3,
	QXL_CMD_MESSAGE = 4,
	QXL_CMD_SURFACE = 5,
};

struct qxl_command {
	__le64 data;
	__le32 type;
	__le32 pad;
} __packed;
static_assert(sizeof(struct qxl_command) == 16);

struct qxl_cmd_ring {
	struct qxl_ring_hdr hdr;
	struct qxl_command items[QXL_CMD_RING_SIZE];
} __packed;

struct qxl_release_ring {
	struct qxl_ring_hdr hdr;
	__le64 items[QXL_RELEASE_RING_SIZE];
} __packed;

struct qxl_rect {
	__le32 top;
	__le32 left;
	__le32 bottom;
	__le32 right;
} __packed;
static_assert(sizeof(struct qxl_rect) == 16);

#define QXL_SURF_FMT_1_A		1
#define QXL_SURF_FMT_8_A		8
#define QXL_SURF_FMT_16_555		16
#define QXL_SURF_FMT_32_XRGB		32
#define QXL_SURF_FMT_16_565		80
#define QXL_SURF_FMT_32_ARGB		96
#define QXL_SURF_TYPE_PRIMARY		0

struct qxl_surface_create {
	__le32 width;
	__le32 height;
	__le32 stride;
	__le32 format;
	__le32 position;
	__le32 mouse_mode;
	__le32 flags;
	__le32 type;
	__le64 mem;
} __packed;
static_assert(sizeof(struct qxl_surface_create) == 40);

struct qxl_memslot_range {
	__le64 mem_start;
	__le64 mem_end;
} __packed;

struct qxl_ram {
	__le32 magic;
	__le32 int_pending;
	__le32 int_mask;
	u8 log_buf[4096];
	struct qxl_cmd_ring cmd_ring;
	struct qxl_cmd_ring cursor_ring;
	struct qxl_release_ring release_ring;
	struct qxl_rect update_area;
	__le32 update_surface;
	struct qxl_memslot_range mem_slot;
	struct qxl_surface_create create_surface;
	__le64 flags;
	__le64 monitors_config;
} __packed;
static_assert(sizeof(struct qxl_ram) == 5348);
static_assert(offsetof(struct qxl_ram, cmd_ring) == 4108);
static_assert(offsetof(struct qxl_ram, release_ring) == 5172);
static_assert(offsetof(struct qxl_ram, create_surface) == 5292);

/*
 * Every resource handed to the device starts with this. The guest writes an
 * id; when the device is done it overwrites the field with the id of the
 * next resource in the release chain (0 ends the chain).
 */
struct qxl_release_info {
	__le64 id;
} __packed;

struct qxl_clip {
	__le32 type;
	__le64 data;
} __packed;

struct qxl_point {
	__le32 x;
	__le32 y;
} __packed;

struct qxl_qmask {
	u8 flags;
	struct qxl_point pos;
	__le64 bitmap;
} __packed;
static_assert(sizeof(struct qxl_qmask) == 17);

struct qxl_copy {
	__le64 src_bitmap;
	struct qxl_rect src_area;
	__le16 rop_descriptor;
	u8 scale_mode;
	struct qxl_qmask mask;
} __packed;

#define QXL_DRAW_COPY			3
#define QXL_EFFECT_OPAQUE		1
#define QXL_ROPD_OP_PUT			BIT(3)
#define QXL_CLIP_TYPE_NONE		0
#define QXL_CLIP_TYPE_RECTS		1
#define QXL_SURFACE_NONE		(-1)

struct qxl_drawable {
	struct qxl_release_info release_info;
	__le32 surface_id;
	u8 effect;
	u8 type;
	u8 self_bitmap;
	struct qxl_rect self_bitmap_area;
	struct qxl_rect bbox;
	struct qxl_clip clip;
	__le32 mm_time;
	__le32 surfaces_dest[3];
	struct qxl_rect surfaces_rects[3];
	union {
		struct qxl_copy copy;
		u8 pad[68];
	} u;
} __packed;
static_assert(sizeof(struct qxl_drawable) == 191);
static_assert(offsetof(struct qxl_drawable, u) == 123);

#define QXL_IMAGE_BITMAP		0
#define QXL_BITMAP_FMT_32BIT		8
#define QXL_BITMAP_DIRECT		BIT(0)
#define QXL_BITMAP_TOP_DOWN		BIT(2)
/* Image id group telling the device not to cache the image. */
#define QXL_IMAGE_GROUP_DRIVER_DONT_CACHE 3

struct qxl_image_descriptor {
	__le64 id;
	u8 type;
	u8 flags;
	__le32 width;
	__le32 height;
} __packed;

struct qxl_bitmap {
	u8 format;
	u8 flags;
	__le32 x;
	__le32 y;
	__le32 stride;
	__le64 palette;
	__le64 data;
} __packed;

struct qxl_image {
	struct qxl_image_descriptor descriptor;
	struct qxl_bitmap bitmap;
} __packed;
static_assert(sizeof(struct qxl_image) == 48);

/* Guest to device: where each head sits in the primary surface. */
struct qxl_head_config {
	__le32 id;
	__le32 surface_id;
	__le32 width;
	__le32 height;
	__le32 x;
	__le32 y;
	__le32 flags;
} __packed;
static_assert(sizeof(struct qxl_head_config) == 28);

struct qxl_monitors_config {
	__le16 count;
	__le16 max_allowed;
	struct qxl_head_config heads[];
} __packed;

enum qxl_cursor_cmd_type {
	QXL_CURSOR_SET = 0,
	QXL_CURSOR_MOVE = 1,
	QXL_CURSOR_HIDE = 2,
};

#define QXL_CURSOR_TYPE_ALPHA		0

struct qxl_point16 {
	__le16 x;
	__le16 y;
} __packed;

struct qxl_cursor_cmd {
	struct qxl_release_info release_info;
	u8 type;
	union {
		struct {
			struct qxl_point16 position;
			u8 visible;
			__le64 shape;
		} __packed set;
		struct qxl_point16 position;
		u8 pad[13];
	} u;
	u8 device_data[128];
} __packed;
static_assert(sizeof(struct qxl_cursor_cmd) == 150);

struct qxl_data_chunk {
	__le32 data_size;
	__le64 prev_chunk;
	__le64 next_chunk;
	u8 data[];
} __packed;
static_assert(sizeof(struct qxl_data_chunk) == 20);

/* What a drawable's clip of type RECTS points to; QXLRects follow. */
struct qxl_clip_rects {
	__le32 num_rects;
	struct qxl_data_chunk chunk;
} __packed;
static_assert(sizeof(struct qxl_clip_rects) == 24);

struct qxl_cursor {
	__le64 unique;
	__le16 type;
	__le16 width;
	__le16 height;
	__le16 hot_spot_x;
	__le16 hot_spot_y;
	__le32 data_size;
	struct qxl_data_chunk chunk;
} __packed;
static_assert(sizeof(struct qxl_cursor) == 42);

/* Off-screen surfaces: created and destroyed through the command ring. */
#define QXL_SURFACE_CMD_CREATE		0
#define QXL_SURFACE_CMD_DESTROY		1
#define QXL_SURF_FLAG_KEEP_DATA		BIT(0)

struct qxl_surface_cmd {
	struct qxl_release_info release_info;
	__le32 surface_id;
	u8 type;
	__le32 flags;
	struct {
		__le32 format;
		__le32 width;
		__le32 height;
		__le32 stride;
		__le64 data;
	} __packed create;
} __packed;
static_assert(sizeof(struct qxl_surface_cmd) == 41);

/* QXLMessage: text the device logs; the driver's are empty (qxl_dmem.c). */
struct qxl_message_cmd {
	struct qxl_release_info release_info;
	u8 text[8];
} __packed;
static_assert(sizeof(struct qxl_message_cmd) == 16);

/* Draw types (QXLDrawable.type) */
enum qxl_draw_type {
	QXL_DRAW_NOP = 0,
	QXL_DRAW_FILL = 1,
	QXL_DRAW_OPAQUE = 2,
	/* QXL_DRAW_COPY = 3 is defined above */
	QXL_DRAW_COPY_BITS = 4,
	QXL_DRAW_BLEND = 5,
	QXL_DRAW_BLACKNESS = 6,
	QXL_DRAW_WHITENESS = 7,
	QXL_DRAW_INVERS = 8,
	QXL_DRAW_ROP3 = 9,
	QXL_DRAW_STROKE = 10,
	QXL_DRAW_TEXT = 11,
	QXL_DRAW_TRANSPARENT = 12,
	QXL_DRAW_ALPHA_BLEND = 13,
	QXL_DRAW_COMPOSITE = 14,
};

#define QXL_EFFECT_NOP_ON_DUP		5
#define QXL_EFFECT_OPAQUE_BRUSH		7

#define QXL_BRUSH_TYPE_NONE		0
#define QXL_BRUSH_TYPE_SOLID		1
#define QXL_BRUSH_TYPE_PATTERN		2

struct qxl_brush {
	__le32 type;
	union {
		__le32 color;
		struct {
			__le64 pat;
			struct qxl_point pos;
		} __packed pattern;
	} u;
} __packed;
static_assert(sizeof(struct qxl_brush) == 20);

/* Payload offsets inside struct qxl_drawable.u, per draw type. */
struct qxl_fill {
	struct qxl_brush brush;
	__le16 rop_descriptor;
	struct qxl_qmask mask;
} __packed;

#define QXL_COMPOSITE_OP_MASK		0xff
#define QXL_COMPOSITE_FILTER_SHIFT	8	/* 3 bits source, 3 bits mask */
#define QXL_COMPOSITE_REPEAT_SHIFT	14	/* 2 bits source, 2 bits mask */
#define QXL_COMPOSITE_COMPONENT_ALPHA	BIT(18)
#define QXL_COMPOSITE_DERIVED		(BIT(19) | BIT(20) | BIT(21))
#define QXL_COMPOSITE_SOURCE_OPAQUE	BIT(22)
#define QXL_COMPOSITE_MASK_OPAQUE	BIT(23)
#define QXL_COMPOSITE_DEST_OPAQUE	BIT(24)

struct qxl_composite {
	__le32 flags;
	__le64 src;
	__le64 src_transform;
	__le64 mask;
	__le64 mask_transform;
	struct qxl_point16 src_origin;
	struct qxl_point16 mask_origin;
} __packed;
static_assert(sizeof(struct qxl_composite) == 44);

struct qxl_transform {
	__le32 t[6];
} __packed;

#define QXL_IMAGE_SURFACE		104
#define QXL_IMAGE_CACHE			BIT(0)

#define QXL_BITMAP_FMT_1BIT_LE		1
#define QXL_BITMAP_FMT_1BIT_BE		2
#define QXL_BITMAP_FMT_16BIT		6
#define QXL_BITMAP_FMT_24BIT		7
#define QXL_BITMAP_FMT_RGBA		9
#define QXL_BITMAP_FMT_8BIT_A		10
#define QXL_BITMAP_UNSTABLE		BIT(1)

#endif /* QXL_HW_H */
