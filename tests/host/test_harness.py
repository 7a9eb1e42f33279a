#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-only
"""Self-tests of the harness's host code (no VM): picture parsing and comparison,
request parsing, and the initramfs writer. Run: python3 tests/host/test_harness.py"""

import contextlib
import gzip
import io
import os
import re
import subprocess
import sys
import tempfile
import types
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
HARNESS = os.path.join(HERE, "..", "harness")
sys.path.insert(0, HARNESS)

import images  # noqa: E402
import vmtest  # noqa: E402


def ppm(path, w, h, px):
    with open(path, "wb") as f:
        f.write(b"P6\n# comment\n%d %d\n255\n" % (w, h) + px)


class Pictures(unittest.TestCase):
    def test_expected_background_and_rects(self):
        w, h, px = images.expected_image(
            ["4", "3", "0x010203", "1", "1", "2", "1", "0xff0000", "2", "0", "5", "5", "0x00ff00"])
        self.assertEqual((w, h), (4, 3))
        at = lambda x, y: px[(y * w + x) * 3:(y * w + x) * 3 + 3]
        self.assertEqual(at(0, 0), b"\x01\x02\x03")
        self.assertEqual(at(1, 1), b"\xff\x00\x00")
        self.assertEqual(at(2, 1), b"\x00\xff\x00")  # later rectangle wins, clipped
        self.assertEqual(at(3, 2), b"\x00\xff\x00")
        self.assertEqual(at(0, 2), b"\x01\x02\x03")

    def test_bad_requests(self):
        for args in (["4", "3"], ["4", "3", "0", "1"], ["0", "3", "0"], ["4", "3", "0x1000000"]):
            with self.assertRaises(ValueError):
                images.expected_image(args)

    def test_compare(self):
        exp = images.expected_image(["8", "4", "0x000000"])
        self.assertIsNone(images.compare(exp, exp))
        got = bytearray(exp[2])
        got[(2 * 8 + 5) * 3:(2 * 8 + 5) * 3 + 3] = b"\x10\x20\x30"
        d = images.compare(exp, (8, 4, bytes(got)))
        self.assertIn("(5,2)", d)
        self.assertIn("expected 0x000000 got 0x102030", d)
        self.assertIn("1 pixels differ", d)
        self.assertIn("size 4x4", images.compare(exp, (4, 4, b"\0" * 48)))

    def test_read_ppm_and_nonblack(self):
        with tempfile.TemporaryDirectory() as d:
            p = os.path.join(d, "a.ppm")
            ppm(p, 2, 2, b"\0\0\0\0\0\1\0\0\0\xff\xff\xff")
            w, h, px = images.read(p)
            self.assertEqual((w, h), (2, 2))
            self.assertEqual(px, b"\0\0\0\0\0\1\0\0\0\xff\xff\xff")
            self.assertEqual(images.fast_nonblack(px), 2)

    def test_png_grey_and_alpha_read_as_rgb(self):
        with tempfile.TemporaryDirectory() as d:
            grey, rgba = os.path.join(d, "g.png"), os.path.join(d, "a.png")
            images.Image.frombytes("L", (2, 1), b"\x10\xf0").save(grey)
            images.Image.frombytes("RGBA", (1, 2), b"\x01\x02\x03\x00\x04\x05\x06\x80").save(rgba)
            self.assertEqual(images.read(grey), (2, 1, b"\x10\x10\x10\xf0\xf0\xf0"))
            self.assertEqual(images.read(rgba), (1, 2, b"\x01\x02\x03\x04\x05\x06"))

    def test_write_read_crop(self):
        img = images.expected_image(["5", "4", "0x102030", "1", "1", "2", "2", "0xff0000"])
        with tempfile.TemporaryDirectory() as d:
            for ext in ("png", "ppm"):
                p = os.path.join(d, "x." + ext)
                images.write(p, img)
                self.assertEqual(images.read(p), img)
        self.assertEqual(images.crop(img, 1, 1, 2, 2), (2, 2, b"\xff\0\0" * 4))
        self.assertEqual(images.crop(img, 4, 3, 2, 1), (2, 1, b"\x10\x20\x30\0\0\0"))

    def test_client_window(self):
        img = (4, 2, bytes(range(24)))
        cut, note = images.client_window(img, "ok 4x2 2x2+2+0", "client")
        self.assertEqual(cut, (2, 2, bytes(range(6, 12)) + bytes(range(18, 24))))
        self.assertEqual(note, " (client surface 4x2, head 0 2x2+2+0)")
        # the whole surface, two heads, a head outside: as it is
        for reply in ("ok 4x2+0+0", "ok 2x2+0+0 2x2+2+0", "ok 2x2+3+0", "err"):
            self.assertEqual(images.client_window(img, reply, "client"), (img, ""))

    def test_xrgb(self):
        # 2x1 pixels, B G R X in memory, rows 12 bytes apart
        data = b"\x03\x02\x01\xff\x06\x05\x04\x00" + b"\xee" * 4
        im = images.xrgb(data, 2, 1, 12)
        self.assertEqual(images.from_pil(im), (2, 1, b"\x01\x02\x03\x04\x05\x06"))


class Requests(unittest.TestCase):
    """vmtest's dispatch of host requests (no VM: a stand-in for vmtest.Run)."""

    def ask(self, req, **state):
        run = types.SimpleNamespace(**dict(dict(probe=None, client=None), **state))
        return vmtest.Run.handle(run, req)

    def test_unknown_and_empty(self):
        self.assertEqual(self.ask("  "), (False, "empty request"))
        self.assertEqual(self.ask("nope 1 2"), (False, "unknown request kind 'nope'"))
        self.assertEqual(self.ask("probe"), (False, "unknown request kind 'probe'"))

    def test_probe_requests_without_and_with_a_probe(self):
        no = (False, "no spice-probe (run vmtest.py with --spice-probe)")
        self.assertEqual(self.ask("probe-status"), no)
        self.assertEqual(self.ask("probe-nope"), no)
        self.assertEqual(self.ask("probe-nope", probe=object()),
                         (False, "unknown probe request 'probe-nope'"))
        probe = types.SimpleNamespace(request=lambda line: "ok status display=1")
        self.assertEqual(self.ask("probe-status", probe=probe), (True, "ok status display=1"))

    def test_log_keeps_spacing(self):
        out = io.StringIO()
        with contextlib.redirect_stdout(out):
            self.assertEqual(self.ask("log a  b\tc "), (True, "logged"))
        self.assertEqual(out.getvalue(), "LOG a  b\tc\n")

    def test_client_requests_without_a_client(self):
        self.assertEqual(self.ask("spice-info"), (False, "no SPICE client"))
        self.assertEqual(self.ask("spice-only 4 3 0"),
                         (False, "no SPICE client (run vmtest.py with --spice-client)"))

    def test_screendump_requests(self):
        img = images.expected_image(["4", "3", "0", "1", "1", "2", "1", "0xff0000"])
        self.assertEqual(self.ask("screendump-stats", screendump=lambda: img),
                         (True, "size=4x3 nonblack=2"))
        self.assertEqual(self.ask("screendump-region 1 1 2 1 0xff0000", screendump=lambda: img),
                         (True, "region 2x1+1+1 of the 4x3 screendump ok"))
        self.assertEqual(self.ask("screendump-only 4 3 0 1 1 2 1 0xff0000",
                                  screendump=lambda: img), (True, "screendump ok (4x3)"))

    def test_documented_requests_are_served(self):
        with open(os.path.join(HERE, "..", "harness", "README.md")) as f:
            table = f.read().split("| request | PASS when |", 1)[1].split("\n\n", 1)[0]
        kinds = re.findall(r"^\| `([a-z-]+)", table, re.M)
        self.assertIn("screen", kinds)
        for kind in kinds:
            self.assertIsNotNone(vmtest.host_requests.handler(kind), kind)


class Image(unittest.TestCase):
    def test_mkinitramfs_contents(self):
        with tempfile.TemporaryDirectory() as d:
            out = os.path.join(d, "i.cpio.gz")
            lst = os.path.join(d, "list")
            with open(lst, "w") as f:
                f.write("true\n")
            subprocess.run([os.path.join(HARNESS, "mkinitramfs"), "-o", out,
                            "--tests-file", lst, "--level", "1"], check=True)
            with gzip.open(out) as f:
                data = f.read()
            names = subprocess.run(["cpio", "-t", "--quiet"], input=data,
                                   capture_output=True, check=True).stdout.decode().split()
            for n in ("init", "qxl.ko", "tests/list", "bin/busybox", "sbin/modprobe",
                      "usr/bin/modetest", "usr/bin/drm_info", "dev/console",
                      "usr/lib64/ld-linux-x86-64.so.2", "etc/qtest-modules"):
                self.assertIn(n, names)
            self.assertTrue(any(n.endswith("/drm.ko") for n in names))
            self.assertTrue(any(n.endswith("/modules.dep") for n in names))


if __name__ == "__main__":
    unittest.main(verbosity=1)
