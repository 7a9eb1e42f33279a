#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Compare two images pixel for pixel (RGB). Reads 8-bit PNG (gray, RGB, RGBA,
any filter, not interlaced) and binary PPM (P6). Prints a one-line verdict;
exit 0 if identical, 1 if they differ, 2 on a read error."""
import struct
import sys
import zlib


def read_png(path):
    data = open(path, "rb").read()
    if data[:8] != b"\x89PNG\r\n\x1a\n":
        raise ValueError("not a PNG")
    pos, idat, w = 8, b"", None
    while pos < len(data):
        n, typ = struct.unpack(">I4s", data[pos:pos + 8])
        body = data[pos + 8:pos + 8 + n]
        pos += 12 + n
        if typ == b"IHDR":
            w, h, depth, ctype, _, _, interlace = struct.unpack(">IIBBBBB", body)
            if depth != 8 or interlace or ctype not in (0, 2, 6):
                raise ValueError("unsupported PNG (depth %d type %d)" % (depth, ctype))
            bpp = {0: 1, 2: 3, 6: 4}[ctype]
        elif typ == b"IDAT":
            idat += body
        elif typ == b"IEND":
            break
    raw = zlib.decompress(idat)
    stride = w * bpp
    out = bytearray(stride * h)
    prev = bytearray(stride)
    for y in range(h):
        f = raw[y * (stride + 1)]
        line = bytearray(raw[y * (stride + 1) + 1:(y + 1) * (stride + 1)])
        if f == 1:
            for i in range(bpp, stride):
                line[i] = (line[i] + line[i - bpp]) & 255
        elif f == 2:
            for i in range(stride):
                line[i] = (line[i] + prev[i]) & 255
        elif f == 3:
            for i in range(stride):
                a = line[i - bpp] if i >= bpp else 0
                line[i] = (line[i] + ((a + prev[i]) >> 1)) & 255
        elif f == 4:
            for i in range(stride):
                a = line[i - bpp] if i >= bpp else 0
                b = prev[i]
                c = prev[i - bpp] if i >= bpp else 0
                p = a + b - c
                pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
                pr = a if pa <= pb and pa <= pc else (b if pb <= pc else c)
                line[i] = (line[i] + pr) & 255
        elif f != 0:
            raise ValueError("bad filter %d" % f)
        out[y * stride:(y + 1) * stride] = line
        prev = line
    rgb = bytearray(w * h * 3)
    for i in range(w * h):
        if bpp == 1:
            rgb[3 * i:3 * i + 3] = bytes([out[i]] * 3)
        else:
            rgb[3 * i:3 * i + 3] = out[bpp * i:bpp * i + 3]
    return w, h, bytes(rgb)


def read_ppm(path):
    data = open(path, "rb").read()
    toks, pos = [], 0
    while len(toks) < 4:
        while data[pos:pos + 1].isspace():
            pos += 1
        if data[pos:pos + 1] == b"#":
            pos = data.index(b"\n", pos)
            continue
        start = pos
        while not data[pos:pos + 1].isspace():
            pos += 1
        toks.append(data[start:pos])
    if toks[0] != b"P6" or int(toks[3]) != 255:
        raise ValueError("unsupported PPM")
    w, h = int(toks[1]), int(toks[2])
    return w, h, data[pos + 1:pos + 1 + w * h * 3]


def read(path):
    with open(path, "rb") as f:
        head = f.read(2)
    return read_ppm(path) if head == b"P6" else read_png(path)


def main():
    try:
        a, b = read(sys.argv[1]), read(sys.argv[2])
    except Exception as e:  # noqa: BLE001
        print("read error: %s" % e)
        return 2
    if a[:2] != b[:2]:
        print("size differs: %dx%d vs %dx%d" % (a[0], a[1], b[0], b[1]))
        return 1
    w = a[0]
    diff = [i for i in range(0, len(a[2]), 3) if a[2][i:i + 3] != b[2][i:i + 3]]
    if diff:
        i = diff[0] // 3
        print("%d pixels differ, first at (%d,%d): %s vs %s" % (
            len(diff), i % w, i // w, a[2][3 * i:3 * i + 3].hex(), b[2][3 * i:3 * i + 3].hex()))
        return 1
    print("identical %dx%d" % (a[0], a[1]))
    return 0


if __name__ == "__main__":
    sys.exit(main())
