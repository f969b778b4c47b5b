"""Fashion-MNIST as event streams, recorded the way N-MNIST was (Orchard et al. 2015), and the
SXEV event-file format (docs/event-format.md; the C reader firmware/events/stoxvp_events.c is
the one that validates it).

The sensor: a 34 x 34 dynamic vision sensor looks at the 28 x 28 image, which moves along three
straight saccades of 100 ms each (a triangle, back to its start). Every pixel keeps the log
intensity at its last event; when the present log intensity differs from it by at least the
pixel's contrast threshold, the pixel emits one event per threshold crossed (ON when it rose,
OFF when it fell) and moves its reference by as many thresholds. The scene is sampled every
`frame_us`; an event's time is uniform inside the frame interval where it happened.
Pixel thresholds vary around the nominal one (fixed-pattern mismatch of real sensors).

Deterministic: sample i of a file with seed s draws its thresholds from numpy's PCG64 seeded
with (s, i) and its event times from a counter-based hash of (s, i, frame, pixel, crossing), so
a sample's events do not depend on which other samples are converted with it.

    /usr/bin/python3 -m tools.stoxnet.events --split test --out data/fmnist_test.sxev --seed 1
"""
import argparse
import struct
import sys

import numpy as np

from . import data
from .files import write_atomic

MAGIC = b"SXEV"
VERSION = 1
HEADER = struct.Struct("<4sHHIIIHHHHI")   # 32 bytes, stoxvp_events.h
SAMPLE = struct.Struct("<IIHHI")          # 16 bytes
MAX_BYTES = 1 << 30                       # STOXVP_EVENTS_MAX_BYTES: the C reader refuses larger files
EVENT_DTYPE = np.dtype([("t_us", "<u4"), ("x", "u1"), ("y", "u1"), ("polarity", "u1"), ("reserved", "u1")])
assert HEADER.size == 32 and SAMPLE.size == 16 and EVENT_DTYPE.itemsize == 8

SENSOR = 34
SACCADE_US = 100_000
# Image displacement (x, y) in pixels at the saccades' corners: a triangle, as N-MNIST's pan-tilt
# unit moved; the image's top-left sits at (1, 1) of the sensor, so it stays on the sensor.
CORNERS = np.array([(0.0, 0.0), (2.0, 4.0), (4.0, 0.0), (0.0, 0.0)])
ORIGIN = 1


class Params:
    def __init__(self, threshold=0.4, mismatch=0.05, eps=0.1, frame_us=1000):
        self.threshold = threshold   # nominal contrast threshold, natural-log units
        self.mismatch = mismatch     # relative standard deviation of the pixels' thresholds
        self.eps = eps               # log(intensity + eps): intensity 0..1
        self.frame_us = frame_us


def _position(t_us):
    """Displacement (dx, dy) of the image at time t along the three saccades."""
    s = min(int(t_us // SACCADE_US), 2)
    f = (t_us - s * SACCADE_US) / SACCADE_US
    return CORNERS[s] + f * (CORNERS[s + 1] - CORNERS[s])


def _scene(canvas, dx, dy):
    """The sensor's view of `canvas` (the image on the sensor at rest) moved by (dx, dy) >= 0,
    bilinear, zero where nothing is."""
    ix, iy = int(np.floor(dx)), int(np.floor(dy))
    fx, fy = dx - ix, dy - iy
    n = canvas.shape[-1]
    out = np.zeros_like(canvas)
    for oy, wy in ((iy, 1 - fy), (iy + 1, fy)):
        for ox, wx in ((ix, 1 - fx), (ix + 1, fx)):
            w = wy * wx
            if w == 0 or oy >= n or ox >= n:
                continue
            out[..., oy:, ox:] += w * canvas[..., :n - oy, :n - ox]
    return out


def _mix(x):
    """splitmix64 finaliser on uint64 arrays: a counter-based hash, so an event's time is a
    function of (seed, sample, frame, pixel, crossing) alone, whatever else is converted with it."""
    x = (x ^ (x >> np.uint64(30))) * np.uint64(0xBF58476D1CE4E5B9)
    x = (x ^ (x >> np.uint64(27))) * np.uint64(0x94D049BB133111EB)
    return x ^ (x >> np.uint64(31))


def convert_batch(images, seed, indices, p=None):
    """Events of several 28 x 28 uint8 images (sample indices `indices`), one array each."""
    p = p or Params()
    images = np.asarray(images)
    b = len(images)
    thr = np.empty((b, SENSOR, SENSOR))
    for j, index in enumerate(indices):
        rng = np.random.Generator(np.random.PCG64([seed, int(index)]))
        thr[j] = p.threshold * (1 + p.mismatch * rng.standard_normal((SENSOR, SENSOR)))
    thr = np.maximum(thr, 0.25 * p.threshold)
    canvas = np.zeros((b, SENSOR, SENSOR))
    canvas[:, ORIGIN:ORIGIN + 28, ORIGIN:ORIGIN + 28] = images / 255.0
    ref = np.log(_scene(canvas, 0.0, 0.0) + p.eps)
    duration = 3 * SACCADE_US
    idx = np.asarray(indices, np.uint64)
    key = _mix(np.uint64(seed) * np.uint64(0x9E3779B97F4A7C15) + idx)  # per sample
    parts = [[] for _ in range(b)]
    with np.errstate(over="ignore"):
        for k in range(1, duration // p.frame_us + 1):
            t = k * p.frame_us
            level = np.log(_scene(canvas, *_position(min(t, duration))) + p.eps)
            n = np.trunc((level - ref) / thr).astype(np.int64)   # thresholds crossed, signed
            ref = ref + n * thr
            ss, ys, xs = np.nonzero(n)
            if len(ss) == 0:
                continue
            nn = n[ss, ys, xs]
            counts = np.abs(nn)
            ss, ys, xs = np.repeat(ss, counts), np.repeat(ys, counts), np.repeat(xs, counts)
            pol = np.repeat((nn > 0).astype(np.uint8), counts)
            # the crossing's number at its pixel in this frame: 0, 1, ... per repeated entry
            first = np.repeat(np.cumsum(counts) - counts, counts)
            m = np.arange(len(ss)) - first
            h = _mix(key[ss] ^ _mix(np.uint64(k) << np.uint64(32) | (ys * SENSOR + xs).astype(np.uint64) << np.uint64(8)
                                    | m.astype(np.uint64)))
            ts = (k - 1) * p.frame_us + (h % np.uint64(p.frame_us)).astype(np.int64)
            for j in np.unique(ss):
                sel = ss == j
                ev = np.zeros(int(sel.sum()), EVENT_DTYPE)
                ev["t_us"], ev["x"], ev["y"], ev["polarity"] = ts[sel], xs[sel], ys[sel], pol[sel]
                parts[j].append(ev)
    out = []
    for j in range(b):
        ev = np.concatenate(parts[j]) if parts[j] else np.zeros(0, EVENT_DTYPE)
        out.append(ev[np.lexsort((ev["polarity"], ev["x"], ev["y"], ev["t_us"]))])
    return out


def convert(image, seed, index, p=None):
    """Events of one 28 x 28 uint8 image: a structured array (t_us, x, y, polarity, reserved),
    time-ordered (ties by y, x, polarity)."""
    return convert_batch([image], seed, [index], p)[0]


def crc32(buf):
    import zlib
    return zlib.crc32(buf) & 0xFFFFFFFF


def encode(samples, labels, classes=10, width=SENSOR, height=SENSOR, duration_us=3 * SACCADE_US):
    """The SXEV bytes of `samples` (event arrays) with their labels."""
    n = len(samples)
    table_end = HEADER.size + SAMPLE.size * n
    offsets, off = [], table_end
    for ev in samples:
        offsets.append(off)
        off += ev.nbytes
    if off > MAX_BYTES:
        raise ValueError(f"{n} samples need {off} bytes, the event format's limit (STOXVP_EVENTS_MAX_BYTES) "
                         f"is {MAX_BYTES}: write fewer samples (--count)")
    body = bytearray()
    for ev, lab, o in zip(samples, labels, offsets):
        body += SAMPLE.pack(o, len(ev), int(lab), 0, 0)
    for ev in samples:
        body += np.ascontiguousarray(ev, EVENT_DTYPE).tobytes()
    size = HEADER.size + len(body)
    head = HEADER.pack(MAGIC, VERSION, HEADER.size, size, 0, n, width, height, classes, 0, duration_us)
    crc = crc32(head + body)
    return HEADER.pack(MAGIC, VERSION, HEADER.size, size, crc, n, width, height, classes, 0, duration_us) + bytes(body)


def decode(buf, name="<bytes>"):
    """(header dict, [(label, events)]) of SXEV bytes. Checks what a reader of the arrays relies on
    (sizes, offsets, every event inside the sensor and the time window) and raises ValueError
    naming `name`, the field and its value; the C reader stays the complete validator (CRC etc.)."""
    if len(buf) < HEADER.size:
        raise ValueError(f"{name}: {len(buf)} bytes, shorter than the {HEADER.size}-byte header")
    f = HEADER.unpack_from(buf, 0)
    h = dict(zip(("magic", "version", "header_bytes", "file_bytes", "crc32", "sample_count", "width", "height",
                  "classes", "reserved0", "duration_us"), f))
    if h["magic"] != MAGIC:
        raise ValueError(f"{name}: magic {h['magic']!r}, an event file has {MAGIC!r}")
    for field in ("width", "height", "duration_us"):
        if h[field] == 0:
            raise ValueError(f"{name}: header field {field} = 0")
    table_end = HEADER.size + SAMPLE.size * h["sample_count"]
    if table_end > len(buf):
        raise ValueError(f"{name}: sample_count {h['sample_count']} needs a {table_end}-byte table, "
                         f"the file has {len(buf)} bytes (truncated?)")
    out = []
    for i in range(h["sample_count"]):
        off, cnt, lab, _, _ = SAMPLE.unpack_from(buf, HEADER.size + SAMPLE.size * i)
        end = off + cnt * EVENT_DTYPE.itemsize
        if off < table_end or end > len(buf):
            raise ValueError(f"{name}: sample {i}: events_offset {off}, event_count {cnt} reach byte {end}, "
                             f"the file has {len(buf)} bytes (truncated?)")
        if lab >= h["classes"]:
            raise ValueError(f"{name}: sample {i}: label {lab}, the header has {h['classes']} classes")
        ev = np.frombuffer(buf, EVENT_DTYPE, cnt, off)
        for field, lim in (("t_us", h["duration_us"]), ("x", h["width"]), ("y", h["height"]), ("polarity", 2)):
            bad = np.nonzero(ev[field] >= lim)[0]
            if len(bad):
                j = int(bad[0])
                raise ValueError(f"{name}: sample {i} event {j}: {field} = {int(ev[field][j])}, must be below {lim}")
        out.append((lab, ev))
    return h, out


def bin_spikes(events, timesteps, duration_us=3 * SACCADE_US, width=SENSOR, height=SENSOR):
    """Input spikes per timestep, (timesteps, 2, height, width) uint8: bin k holds the events with
    floor(t x timesteps / duration) = k; a pixel spikes once per bin however many events it had
    (the C reader's stoxvp_events_bin_spikes)."""
    out = np.zeros((timesteps, 2, height, width), np.uint8)
    k = (events["t_us"].astype(np.int64) * timesteps) // duration_us
    out[k, events["polarity"], events["y"], events["x"]] = 1
    return out


def write(path, buf):
    """Writes an encoded stream (or any bytes) whole or not at all."""
    write_atomic(path, lambda f: f.write(buf))


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--split", choices=("train", "test"), default="test")
    ap.add_argument("--data", default=data.DEFAULT_DIR, help="Fashion-MNIST IDX directory")
    ap.add_argument("--out", required=True)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--first", type=int, default=0, help="first image")
    ap.add_argument("--count", type=int, default=0, help="images (0: to the end)")
    ap.add_argument("--threshold", type=float, default=Params().threshold)
    a = ap.parse_args(argv)
    if not (np.isfinite(a.threshold) and a.threshold > 0):
        # 0 divides by zero, a negative threshold swaps the polarities, nan gives no events.
        ap.error(f"--threshold {a.threshold}: must be a positive finite log-intensity step")
    if not 0 <= a.seed < 1 << 64:
        ap.error(f"--seed {a.seed}: must be in 0..2^64-1")
    if a.count < 0:
        ap.error(f"--count {a.count}: must be 0 (to the end) or positive")
    try:
        x, y = data.load(a.split, a.data)
    except data.DataError as e:
        print(f"events: {e}", file=sys.stderr)
        sys.exit(2)
    if not 0 <= a.first < len(x):
        ap.error(f"--first {a.first}: the {a.split} split has images 0..{len(x) - 1}")
    if a.first + a.count > len(x):
        ap.error(f"--count {a.count}: from --first {a.first} the {a.split} split has {len(x) - a.first} images")
    end = len(x) if a.count == 0 else a.first + a.count
    p = Params(threshold=a.threshold)
    samples, size = [], HEADER.size
    for b in range(a.first, end, 200):
        samples += convert_batch(x[b:min(end, b + 200)], a.seed, range(b, min(end, b + 200)), p)
        size += sum(SAMPLE.size + s.nbytes for s in samples[-(min(end, b + 200) - b):])
        if size > MAX_BYTES:
            # Stop early: the whole train split is far beyond the limit and takes long to convert.
            ap.error(f"--count {a.count} (--split {a.split}, --first {a.first}): images {a.first}..{b + 199} already need {size} bytes, "
                     f"more than the event format's limit of {MAX_BYTES} (STOXVP_EVENTS_MAX_BYTES); use a smaller --count")
    try:
        buf = encode(samples, y[a.first:end])
    except ValueError as e:
        ap.error(str(e))
    write(a.out, buf)
    n = sum(len(s) for s in samples)
    print(f"events: {end - a.first} {a.split} images -> {a.out}: {n} events, {n / (end - a.first):.0f} per sample, seed {a.seed}")


if __name__ == "__main__":
    main()
