# SPDX-License-Identifier: GPL-2.0-only
"""Pictures of the harness's host code, read and written with Debian's
python3-pil (Pillow), whatever their format: QMP screendumps and
spice_client.py's snapshots (PPM), spice-probe's pictures (PNG); the
pictures the guest describes in its host requests, and how two differ.

A picture is a tuple (width, height, pixels): pixels are bytes, 3 a pixel
(R, G, B), rows top down without padding; two pictures are the same when
the tuples are equal.

Debian's python3-pil is importable by Debian's /usr/bin/python3 only: a
script that imports this module under another python3 found first in PATH
(pyenv's, a venv's) is run again, with the same arguments, under
/usr/bin/python3.
"""

import os
import re
import sys

DEBIAN_PYTHON = "/usr/bin/python3"

try:
    from PIL import Image
except ImportError:
    if (os.path.realpath(sys.executable) != os.path.realpath(DEBIAN_PYTHON) and
            os.access(DEBIAN_PYTHON, os.X_OK) and sys.argv and os.path.isfile(sys.argv[0])):
        os.execv(DEBIAN_PYTHON, [DEBIAN_PYTHON] + sys.orig_argv[1:])
    sys.exit("%s: needs Debian's python3-pil for %s (apt-get install python3-pil; "
             "tests/setup.sh installs it)" % (os.path.basename(sys.argv[0] if sys.argv else
                                                              "python3"), DEBIAN_PYTHON))


def read(path):
    """The picture in the file PATH (PPM, PNG, ...; grey or alpha made RGB:
    grey replicated, alpha dropped)."""
    with Image.open(path) as im:
        im.load()
        return from_pil(im)


def write(path, img):
    """Write the picture IMG to PATH, in the format its extension names."""
    pil(img).save(path)


def pil(img):
    """The picture IMG as a PIL image (mode RGB)."""
    w, h, px = img
    return Image.frombytes("RGB", (w, h), bytes(px))


def from_pil(im):
    """The PIL image IM as a picture."""
    if im.mode != "RGB":
        im = im.convert("RGB")
    return im.width, im.height, im.tobytes()


def xrgb(data, w, h, stride):
    """The PIL image (mode RGB) of W x H 32-bit xRGB pixels, little-endian
    (B, G, R, X in memory), rows STRIDE bytes apart in DATA."""
    return Image.frombuffer("RGB", (w, h), data, "raw", "BGRX", stride, 1)


def crop(img, x, y, w, h):
    """The W x H rectangle of IMG at (X, Y) (what lies outside IMG black)."""
    return from_pil(pil(img).crop((x, y, x + w, y + h)))


def client_window(img, reply, who):
    """A client's picture IMG as its window shows it: cut to head 0 when
    REPLY (the client's answer to the picture request, with the monitors it
    was told as WxH+X+Y) names one head smaller than the surface. Returns
    (picture, note), the note saying so ("" if not cut); WHO names the
    client in it."""
    heads = re.findall(r"(\d+)x(\d+)\+(\d+)\+(\d+)", reply)
    if len(heads) != 1:
        return img, ""
    hw, hh, hx, hy = (int(v) for v in heads[0])
    w, h = img[0], img[1]
    if (hw, hh) == (w, h) or hx + hw > w or hy + hh > h or not hw or not hh:
        return img, ""
    return crop(img, hx, hy, hw, hh), " (%s surface %dx%d, head 0 %dx%d+%d+%d)" % (
        who, w, h, hw, hh, hx, hy)


def parse_color(s):
    """The RGB bytes of the colour S ("0xRRGGBB", any base int(s, 0) reads)."""
    v = int(s, 0)
    if not 0 <= v <= 0xFFFFFF:
        raise ValueError("color %s out of range" % s)
    return bytes(((v >> 16) & 255, (v >> 8) & 255, v & 255))


def expected_image(args):
    """Parse "<W> <H> <BG> [<X> <Y> <RW> <RH> <COLOR>]..." into (w, h, RGB bytes)."""
    if len(args) < 3 or (len(args) - 3) % 5:
        raise ValueError("expected <W> <H> <BG> [<X> <Y> <RW> <RH> <COLOR>]...")
    w, h = int(args[0], 0), int(args[1], 0)
    if not (0 < w <= 16384 and 0 < h <= 16384):
        raise ValueError("bad size %dx%d" % (w, h))
    img = bytearray(parse_color(args[2]) * (w * h))
    for i in range(3, len(args), 5):
        x, y, rw, rh = (int(a, 0) for a in args[i:i + 4])
        col = parse_color(args[i + 4])
        x0, y0 = max(x, 0), max(y, 0)
        x1, y1 = min(x + rw, w), min(y + rh, h)
        if x1 <= x0 or y1 <= y0:
            continue
        row = col * (x1 - x0)
        for yy in range(y0, y1):
            o = (yy * w + x0) * 3
            img[o:o + len(row)] = row
    return w, h, bytes(img)


def compare(exp, got):
    """None if equal, else a description of the first mismatching pixel."""
    ew, eh, epx = exp
    gw, gh, gpx = got
    if (ew, eh) != (gw, gh):
        return "size %dx%d, expected %dx%d" % (gw, gh, ew, eh)
    if epx == gpx:
        return None
    stride = ew * 3
    for y in range(eh):
        er = epx[y * stride:(y + 1) * stride]
        gr = gpx[y * stride:(y + 1) * stride]
        if er != gr:
            for x in range(ew):
                if er[x * 3:x * 3 + 3] != gr[x * 3:x * 3 + 3]:
                    nbad = sum(1 for i in range(0, len(epx), 3)
                               if epx[i:i + 3] != gpx[i:i + 3])
                    return ("first mismatch at (%d,%d): expected 0x%s got 0x%s "
                            "(%d pixels differ)" % (x, y, er[x * 3:x * 3 + 3].hex(),
                                                    gr[x * 3:x * 3 + 3].hex(), nbad))
    return "differs"


def near(exp, got, mean_max, peak, frac_max):
    """None if GOT is EXP within a lossy codec's error: the mean absolute
    channel difference at most MEAN_MAX and at most FRAC_MAX of the pixels
    off by more than PEAK in a channel; else what differs."""
    from PIL import ImageChops, ImageStat
    if exp[:2] != got[:2]:
        return "size %dx%d, expected %dx%d" % (got[0], got[1], exp[0], exp[1])
    diff = ImageChops.difference(pil(exp), pil(got))
    mean = sum(ImageStat.Stat(diff).mean) / 3
    worst = ImageChops.lighter(ImageChops.lighter(*diff.split()[:2]), diff.split()[2])
    hist = worst.histogram()
    far = sum(hist[peak + 1:]) / float(exp[0] * exp[1])
    detail = "mean error %.2f (at most %.2f), %.3f%% of pixels off by more than %d (at most %.3f%%)" % (
        mean, mean_max, 100 * far, peak, 100 * frac_max)
    return None if mean <= mean_max and far <= frac_max else detail


def fast_nonblack(px):
    """Number of pixels that are not 0x000000 (fast path through bytes)."""
    if not px.strip(b"\0"):
        return 0
    return sum(1 for i in range(0, len(px), 3) if px[i] or px[i + 1] or px[i + 2])
