"""Loads a page in Debian's headless Chromium: its DOM after the scripts ran, the console's
errors, a screenshot; and checks that every plot was drawn with the traces it states."""
import html.parser
import os
import re
import struct
import subprocess
import tempfile
import zlib

CHROMIUM = os.environ.get("STOXVP_CHROMIUM", "/usr/bin/chromium")
FLAGS = ["--headless=new", "--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-extensions",
         "--enable-logging=stderr", "--v=0", "--virtual-time-budget=15000", "--window-size=1200,4000"]


def chromium(page, *extra):
    with tempfile.TemporaryDirectory(prefix="stoxvp-chromium-") as profile:
        p = subprocess.run([CHROMIUM, *FLAGS, f"--user-data-dir={profile}", *extra, "file://" + os.path.abspath(page)],
                           capture_output=True, text=True, timeout=180)
    return p


class _Plots(html.parser.HTMLParser):
    """Per div.plot: its data-traces, data-drawn and the g.trace elements inside it."""

    def __init__(self):
        super().__init__()
        self.plots, self.stack, self.errors, self.in_errors = {}, [], "", False

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        cls = a.get("class", "") or ""
        if tag == "div" and "plot" in cls.split() and a.get("id"):
            self.plots[a["id"]] = {"traces": int(a.get("data-traces", -1)), "drawn": a.get("data-drawn"), "g": 0,
                                   "paths": 0}
            self.stack.append((tag, a["id"]))
        elif self.stack:
            self.stack.append((tag, None))
            pid = next(i for _, i in reversed(self.stack) if i)
            if tag == "g" and "trace" in cls.split():
                self.plots[pid]["g"] += 1
            if tag in ("path", "rect") and (a.get("d") or a.get("width")):
                self.plots[pid]["paths"] += 1
        if tag == "pre" and a.get("id") == "page-errors":
            self.in_errors = True

    def handle_endtag(self, tag):
        if self.stack and tag not in ("path", "rect", "br", "img", "input", "line", "circle"):
            while self.stack:
                t, _ = self.stack.pop()
                if t == tag:
                    break
        if tag == "pre":
            self.in_errors = False

    def handle_startendtag(self, tag, attrs):
        self.handle_starttag(tag, attrs)
        if self.stack and self.stack[-1][0] == tag:
            self.stack.pop()

    def handle_data(self, data):
        if self.in_errors:
            self.errors += data


def load(page):
    """(plots, page errors, console errors) of a page after its scripts ran."""
    p = chromium(page, "--dump-dom")
    assert p.returncode == 0, p.stderr[-2000:]
    parser = _Plots()
    parser.feed(p.stdout)
    console = [l for l in p.stderr.splitlines() if "CONSOLE" in l and re.search(r"error|Uncaught", l, re.I)]
    return parser.plots, parser.errors.strip(), console


def screenshot(page, png):
    p = chromium(page, f"--screenshot={png}")
    assert p.returncode == 0 and os.path.exists(png), p.stderr[-2000:]
    return png_colours(png)


def png_colours(path):
    """How many distinct pixel values the PNG has (8-bit RGB or RGBA, non-interlaced)."""
    data = open(path, "rb").read()
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    pos, idat, w, h, ctype = 8, b"", 0, 0, 0
    while pos < len(data):
        n, kind = struct.unpack(">I4s", data[pos:pos + 8])
        body = data[pos + 8:pos + 8 + n]
        if kind == b"IHDR":
            w, h, depth, ctype = struct.unpack(">IIBB", body[:10])
        elif kind == b"IDAT":
            idat += body
        pos += 12 + n
    raw = zlib.decompress(idat)
    bpp = 4 if ctype == 6 else 3
    stride = w * bpp + 1
    colours = set()
    # The filter bytes make raw rows differ from pixels; sample unfiltered rows' bytes as tokens,
    # which is enough to tell a blank page (one value) from a drawn one.
    for y in range(0, h, max(1, h // 200)):
        row = raw[y * stride + 1:(y + 1) * stride]
        colours.update(row[i:i + bpp] for i in range(0, len(row), bpp * 7))
    return len(colours)
