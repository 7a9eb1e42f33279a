# SPDX-License-Identifier: GPL-2.0-only
"""Pictures of the harness's host code, read and written with Debian's
python3-pil (Pillow), whatever their format: QMP screendumps and
spice_client.py's snapshots (PPM), spice-probe's pictures (PNG).

A picture is a tuple (width, height, pixels): pixels are bytes, 3 a pixel
(R, G, B), rows top down without padding; two pictures are the same when
the tuples are equal.

Debian's python3-pil is importable by Debian's /usr/bin/python3 only: a
script that imports this module under another python3 found first in PATH
(pyenv's, a venv's) is run again, with the same arguments, under
/usr/bin/python3.
"""

import os
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
